"""Atomic file writes: a reader never sees a half-written file, a failure leaves the old one.

The temporary file from ``tempfile.mkstemp`` is private (mode 0600); renamed as is, it
would make every generated file unreadable to others. It gets the mode of the file it
replaces, or for a new file the mode ``open()`` would give it (0666 less the umask).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

_PROC_STATUS = Path("/proc/self/status")


def _umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    # Linux >= 4.7 reports it in /proc; elsewhere the only way is to set it and set it back,
    # which another thread creating a file in between would see.
    with contextlib.suppress(OSError, ValueError):
        for line in _PROC_STATUS.read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
