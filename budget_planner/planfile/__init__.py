"""planfile layer."""
