"""`budget-planner serve` as a user starts it: a process of its own on a free port.

Shared by the browser tests, `make preview` and the page's benchmark, which all talk to the
real server over the loopback network.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from .plans import ROOT

URL = re.compile(rb"at (http://\S+/)")


@contextlib.contextmanager
def served(*arguments: str, cwd: Path = ROOT, timeout: float = 60.0) -> Iterator[str]:
    """Run `budget-planner serve --port 0 ARGUMENTS...` and yield its URL; stop it after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "budget_planner", "serve", "--port", "0", *arguments], cwd=cwd,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stderr is not None
    try:
        said = b""
        end = time.monotonic() + timeout
        while not (found := URL.search(said)):
            left = end - time.monotonic()
            ready, _, _ = select.select([process.stderr], [], [], max(left, 0))
            chunk = os.read(process.stderr.fileno(), 4096) if ready else b""
            if not chunk:
                raise RuntimeError(f"budget-planner serve did not start: {said.decode()!r}")
            said += chunk
        yield found.group(1).decode()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stderr.close()
