"""Files: bounded reads of untrusted files, names for messages, and atomic writes.

Reads: a file must be a regular file (not a symbolic link, device or pipe) of at
most a stated size; anything else is one problem naming the file.

Writes: a reader never sees a half-written file, and a failure leaves the old one.

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

from algoeff.core.errors import Problem, ProblemsError

# An analysis is a page of YAML; 256 KiB is far beyond any real one and stops a
# huge or malicious file before it is parsed.
MAX_FILE_BYTES = 256 * 1024

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


def display_path(path: Path | str) -> str:
    """``path`` relative to the working directory when it lies below it, for messages.

    Deliberately no ``resolve()``: an error names the file as the user sees it, not
    where a link points, and this runs for every file of a large dataset.
    """
    text = os.fspath(path)
    cwd = os.getcwd()
    if text.startswith(cwd + os.sep):
        return text[len(cwd) + 1 :]
    return text


def one_problem(path: str, field: str, message: str, expected: str = "") -> ProblemsError:
    return ProblemsError([Problem(path, field, message, expected)])


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; ProblemsError otherwise."""
    shown = display_path(path)
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            raise one_problem(shown, "(file)", "is a symbolic link", "a regular file")
        if not stat.S_ISREG(info.st_mode):
            raise one_problem(shown, "(file)", "is not a regular file", "a regular file")
        if info.st_size > max_bytes:
            raise one_problem(
                shown, "(file)", f"is {info.st_size} bytes", f"at most {max_bytes} bytes"
            )
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise one_problem(
            shown, "(file)", f"cannot be read: {exc.strerror}", "a readable file"
        ) from None
    if len(raw) > max_bytes:  # it grew after lstat
        raise one_problem(
            shown, "(file)", f"is over {max_bytes} bytes", f"at most {max_bytes} bytes"
        )
    return raw


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a regular, UTF-8 file of at most ``max_bytes``; ProblemsError otherwise."""
    return decode_utf8(read_bytes(path, max_bytes), display_path(path))


def decode_utf8(raw: bytes, shown: str) -> str:
    """``raw`` as UTF-8 text; ProblemsError naming the first bad byte otherwise."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise one_problem(
            shown, "(file)", f"is not UTF-8 (byte {exc.start})", "UTF-8 text"
        ) from None
