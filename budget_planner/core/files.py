"""Writing outputs safely: a temporary file beside the target, then an atomic rename.

A failed or interrupted write never leaves a half-written file in place of a good one. Each
temporary file is locked (`flock`) for as long as its writer lives, so a later run can tell the
leftovers of a killed run (unlocked) from a concurrent run's file (locked), and removes only
the leftovers.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .model import InvalidRequest, Problem

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: no locks, so nothing is ever swept
    fcntl = None  # type: ignore[assignment]

#: The random middle of a `tempfile.mkstemp` name: only files named like this are swept.
_TEMP_MIDDLE = re.compile(r"[a-z0-9_]{8}")
_TEMP_SUFFIX = ".tmp"
#: Names of this process's own open streams: written through the open descriptor, never
#: replaced (`-o /dev/stdout >> log` appends to the log instead of wiping it).
_OWN_STREAM = re.compile(r"/dev/(?:stdout|stderr|fd/(\d+))|/proc/self/fd/(\d+)")
#: How long an output pipe may wait for its reader before the write is given up.
PIPE_READER_WAIT = 5.0


def shown_path(path: str) -> str:
    """A path as the workbook shows it: as given when relative, else only its file name, so
    that a document sent to funders names no folder of the machine that built it."""
    return path if not Path(path).is_absolute() else Path(path).name


class OutputError(InvalidRequest):
    """An output that cannot be written where the user asked (missing or read-only folder,
    no space left): a problem with the output's path and a code."""

    def __init__(self, path: Path | str, code: str, message: str):
        super().__init__(Problem(str(path), "", code, message))


class OutputExists(OutputError):
    """The output exists and was not to be replaced."""


#: Output kinds whose files are known by their names, and the names they take.
NAMED_KINDS = {"xlsx": ("an Excel workbook", (".xlsx",)),
               "html": ("an HTML page", (".html", ".htm"))}
KIND_NAMES = {"text": "text", "json": "JSON", "csv": "CSV", "markdown": "Markdown",
              "toml": "a plan file", "xlsx": "an Excel workbook", "html": "an HTML page"}
OUTPUT_FOLDER = Path("output")


def misnamed_output(path: Path, kind: str) -> Problem | None:
    """Why `path` is a wrong name for an output of `kind`, or None: a workbook must end in
    .xlsx and an HTML page in .html, and no other output may take their names. A device or
    pipe (`/dev/stdout`) takes anything."""
    if path.exists() and not path.is_file() and not path.is_dir():
        return None
    suffix = path.suffix.lower()
    for named, (what, suffixes) in NAMED_KINDS.items():
        if named == kind and suffix not in suffixes:
            return Problem(str(path), "", "output-misnamed",
                           f"the output is {what}; give it a name ending in {suffixes[0]}")
        if named != kind and suffix in suffixes:
            return Problem(str(path), "", "output-misnamed",
                           f"the output is {KIND_NAMES[kind]}, not {what}; give it a name "
                           f"that does not end in {suffix}")
    return None


def default_output(plan: str, scenarios: Sequence[Path | str], suffix: str) -> Path:
    """`output/<plan><suffix>`, or with scenarios `output/<plan>--<scenario>...<suffix>` (each
    scenario file's name), so that a scenario's output never replaces the plan's own."""
    name = "".join([plan, *(f"--{Path(scenario).stem}" for scenario in scenarios)])
    return OUTPUT_FOLDER / f"{name}{suffix}"


def write_atomic(path: Path | str, content: str | bytes, *, replace: bool = True) -> Path:
    """Replace `path` whole with `content`, or leave it untouched and raise OutputError.

    A symbolic link keeps pointing where it did: the file it points to is replaced. A target
    that is not a regular file (a pipe, `/dev/stdout`) cannot be replaced, so it is written to.
    With `replace` false an existing `path` is left as it is (OutputExists), even one that
    appears while the content is written: the file is put in place by a link, which fails
    when the name is taken.
    """
    return write_all_atomic([(path, content)], replace=replace)[0]


def write_all_atomic(outputs: Sequence[tuple[Path | str, str | bytes]], *,
                     replace: bool = True) -> list[Path]:
    """Write every output of one command (a sweep's CSV and chart): all of them, or none.

    Each file is first written whole to its temporary; only when every one is ready are they
    renamed over their targets, so a failure with any output (a missing folder, a full disk)
    leaves every target as it was. Two outputs naming the same file are refused: one would
    silently replace the other.
    """
    distinct_outputs([path for path, _ in outputs])
    staged: list[_Staged] = []
    try:
        for path, content in outputs:
            staged.append(_stage(path, content.encode("utf-8") if isinstance(content, str)
                                 else content, replace))
        for each in staged:
            each.write_stream()
        for each in staged:
            each.commit()
    finally:
        for each in staged:
            each.discard()
    return [Path(path) for path, _ in outputs]


def distinct_outputs(paths: Sequence[Path | str | None]) -> None:
    """Raise OutputError when two of a command's outputs name the same file (None: an output
    left to its default)."""
    seen: dict[str, Path | str] = {}
    for path in paths:
        if path is None:
            continue
        real = os.path.realpath(path)
        if real in seen:
            raise OutputError(path, "output-twice", f"is also the output {seen[real]}; give "
                                                    "each output its own file")
        seen[real] = path


class _Staged:
    """One output ready to be put in place: a locked temporary file written whole beside its
    target (renamed over it by `commit`), or the data for a pipe, a device or an open stream
    (written by `write_stream`)."""

    def __init__(self, path: Path, data: bytes, *, descriptor: int | None = None,
                 stream: bool = False, target: Path | None = None, handle: int | None = None,
                 temporary: str | None = None, replace: bool = True):
        self.path, self.data, self.descriptor, self.stream = path, data, descriptor, stream
        self.target, self.handle, self.temporary = target, handle, temporary
        self.replace = replace

    def write_stream(self) -> None:
        if self.descriptor is not None:
            _write_descriptor(self.path, self.descriptor, self.data)
        elif self.stream:
            _write_stream(self.path, self.data)

    def commit(self) -> None:
        if self.temporary is None or self.target is None:
            return
        try:
            if self.replace:
                os.replace(self.temporary, self.target)
            else:  # a link fails when the name is taken, even by a file made meanwhile
                os.link(self.temporary, self.target)
                os.unlink(self.temporary)
        except FileExistsError:
            raise OutputExists(self.path, "output-exists", "exists") from None
        except OSError as error:
            raise OutputError(self.path, "output-unwritable",
                              f"cannot be written: {_reason(error)}") from None
        self.temporary = None
        self.discard()  # releases the lock, after the rename
        _sync_folder(self.target.parent)

    def discard(self) -> None:
        """Close the temporary (releasing its lock) and remove it if it was not renamed."""
        if self.handle is not None:
            os.close(self.handle)
            self.handle = None
        if self.temporary is not None:
            Path(self.temporary).unlink(missing_ok=True)
            self.temporary = None


def _stage(path: Path | str, data: bytes, replace: bool) -> _Staged:
    if str(path).endswith(os.sep):
        raise OutputError(path, "output-names-a-folder", f"ends with {os.sep!r}, so it names a "
                                                         "folder; give the name of a file")
    path = Path(path)
    stream = own_stream(path)
    if stream is not None:
        return _Staged(path, data, descriptor=stream)
    try:
        existing = os.lstat(path) if not replace else os.stat(path)
    except OSError:
        existing = None
    if existing is not None and not replace:
        raise OutputExists(path, "output-exists", "exists")
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise OutputError(path, "output-is-directory", "is a directory")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        return _Staged(path, data, stream=True)
    target = Path(os.path.realpath(path))
    _check_folder(path, target.parent)
    sweep_stale(target)
    handle, temporary = _locked_temporary(path, target)
    staged = _Staged(path, data, target=target, handle=handle, temporary=temporary,
                     replace=replace)
    try:
        _write_all(handle, data)
        os.fsync(handle)
        os.fchmod(handle, _mode(existing))
    except BaseException as error:
        staged.discard()
        if isinstance(error, OSError):
            raise OutputError(path, "output-unwritable",
                              f"cannot be written: {_reason(error)}") from None
        raise
    return staged


def sweep_stale(target: Path) -> list[Path]:
    """Remove the temporary files a killed run left beside `target`; return them.

    Only files named as `write_atomic` names them, and only those no live process holds a lock
    on, are removed: a concurrent run's temporary file is never touched.
    """
    if fcntl is None:  # pragma: no cover
        return []
    prefix = f".{target.name}."
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TEMP_SUFFIX)
                and _TEMP_MIDDLE.fullmatch(name[len(prefix):-len(_TEMP_SUFFIX)])):
            continue
        try:
            handle = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if (stat.S_ISREG(os.fstat(handle).st_mode) and _lock(handle, wait=False)
                    and _still_named(handle, entry.path)):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
        finally:
            os.close(handle)
    return removed


def _check_folder(path: Path, folder: Path) -> None:
    shown = str(path.parent)  # "." for a bare name
    if not folder.exists():
        raise OutputError(path, "output-folder-missing", f"the folder {shown!r} does not exist")
    if not folder.is_dir():
        raise OutputError(path, "output-folder-is-a-file", f"{shown!r} is a file, not a folder")


def _locked_temporary(path: Path, target: Path) -> tuple[int, str]:
    """A new temporary file beside `target`, locked. A sweep by another run may remove it
    between its creation and the lock; then it is made again."""
    for _ in range(20):
        try:
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                                 suffix=_TEMP_SUFFIX)
        except OSError as error:
            shown = str(path.parent)  # "." for a bare name
            raise OutputError(path, "output-unwritable",
                              f"cannot write in {shown!r}: {_reason(error)}") from None
        locked = _lock(handle, wait=True)
        if locked is None or (locked and _still_named(handle, temporary)):
            return handle, temporary  # None: no locks on this file system; nothing is swept
        os.close(handle)
    raise OutputError(path, "output-unwritable",  # pragma: no cover
                      "cannot create a temporary file beside it")


def _lock(handle: int, *, wait: bool) -> bool | None:
    """Take the exclusive lock: True, False when another process holds it, None when the file
    system has no locks."""
    if fcntl is None:  # pragma: no cover
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def _still_named(handle: int, name: str) -> bool:
    """Whether `name` is still the file open as `handle` (not removed, not replaced)."""
    try:
        named, opened = os.lstat(name), os.fstat(handle)
    except OSError:
        return False
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def own_stream(path: Path) -> int | None:
    """The descriptor number when `path` names one of this process's open streams."""
    match = _OWN_STREAM.fullmatch(str(path))
    if match is None:
        return None
    number = match.group(1) or match.group(2)
    return int(number) if number else {"stdout": 1, "stderr": 2}[str(path).rsplit("/", 1)[1]]


def _write_descriptor(path: Path, descriptor: int, data: bytes) -> None:
    try:
        _write_all(descriptor, data)
    except OSError as error:
        raise OutputError(path, "output-unwritable",
                          f"cannot be written: {_reason(error)}") from None


def _write_stream(path: Path, data: bytes) -> None:
    """Write to a pipe or device in place. A pipe waits a while for its reader, then gives up
    instead of blocking for ever."""
    deadline = time.monotonic() + PIPE_READER_WAIT
    while True:
        try:
            handle = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
            break
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise OutputError(path, "output-unwritable",
                                  f"cannot be written: {_reason(error)}") from None
            if time.monotonic() >= deadline:
                raise OutputError(path, "output-pipe-without-reader",
                                  "is a pipe that no program reads (waited "
                                  f"{PIPE_READER_WAIT:g} s)") from None
            time.sleep(0.05)
    try:
        os.set_blocking(handle, True)
        _write_all(handle, data)
    except OSError as error:
        raise OutputError(path, "output-unwritable",
                          f"cannot be written: {_reason(error)}") from None
    finally:
        os.close(handle)


def _mode(existing: os.stat_result | None) -> int:
    """The replaced file's permissions, or those a new file gets under the umask."""
    if existing is not None:
        return stat.S_IMODE(existing.st_mode)
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (not every system can open a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _reason(error: OSError) -> str:
    return error.strerror.lower() if error.strerror else str(error)
