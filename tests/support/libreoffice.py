"""Recalculating a workbook in a real client: LibreOffice Calc, headless.

LibreOffice keeps the cached values of an .xlsx by default, which would make a check of our
formulas against our own cached values circular. Each run therefore starts LibreOffice with a
fresh profile of its own whose settings say "always recalculate on load", converts the
workbook, and gives back the converted file, whose values LibreOffice computed itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

#: Calc settings for the private profile: recalculate OOXML and ODF files on every load.
RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing, failed, or did not finish in time."""


def find_soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def recalculate(workbooks: list[Path], out_dir: Path, *, timeout: float = 180,
                fmt: str = "xlsx", always_recalculate: bool = True) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate every formula, save it as `fmt` in
    `out_dir`; returns the saved files in the same order. Input names must differ.

    `always_recalculate=False` keeps LibreOffice's default (trust the cached values): only
    to show that the default would make a check circular.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    stems = [path.stem for path in workbooks]
    if len(set(stems)) != len(stems):
        raise LibreOfficeError("the workbooks to recalculate must have different names")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="budget-planner-lo-") as scratch:
        profile = Path(scratch) / "profile"
        (profile / "user").mkdir(parents=True)
        if always_recalculate:
            (profile / "user" / "registrymodifications.xcu").write_text(RECALC_PROFILE, "utf-8")
        command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   "--convert-to", fmt, "--outdir", str(out_dir),
                   *(str(path.resolve()) for path in workbooks)]
        environment = {**os.environ, "HOME": scratch, "TMPDIR": scratch}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=environment, start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice.bin is a child of the wrapper
            process.communicate()
            raise LibreOfficeError(f"LibreOffice did not finish within {timeout:.0f} s") from None
    outputs = [out_dir / f"{stem}.{fmt}" for stem in stems]
    missing = [str(path) for path in outputs if not path.is_file()]
    if process.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice failed (exit {process.returncode}; missing {', '.join(missing) or '-'}):"
            f" {(stderr or stdout).decode(errors='replace').strip()}")
    return outputs
