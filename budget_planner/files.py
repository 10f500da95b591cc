"""Writing outputs safely: a temporary file beside the target, then an atomic rename.

A failed or interrupted write never leaves a half-written file in place of a good one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """An output that cannot be written where the user asked (missing or read-only folder)."""


def write_atomic(path: Path | str, content: str | bytes) -> Path:
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise OutputError(f"{path}: is a directory")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"{path}: cannot write in {str(folder)!r}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
