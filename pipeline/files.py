"""Files written atomically: a temporary name in the target directory, flushed, then renamed.

Shared by every stage that writes (the dataset writer, fetch, compare, export), so none of
them imports another's internals.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

_UMASK_LOCK = threading.Lock()
_UMASK: list[int] = []  # the process's umask, once read


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    The file gets the mode any new file would (``0o666`` less the umask), not ``mkstemp``'s 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~process_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def process_umask() -> int:
    """The process's umask, read once, without setting it.

    ``os.umask`` can only be read by setting it, which would briefly give files that other threads
    create a wrong mode; so it is read from ``/proc/self/status`` or, failing that, from the mode
    the kernel gives a probe file created with 0o666.
    """
    with _UMASK_LOCK:
        if not _UMASK:
            _UMASK.append(_read_umask())
        return _UMASK[0]


def _read_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    probe_dir = tempfile.mkdtemp(prefix="fenjie-umask-")
    try:
        probe = os.path.join(probe_dir, "probe")
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        mode = os.stat(probe).st_mode & 0o777
        os.unlink(probe)
        return 0o666 & ~mode
    finally:
        os.rmdir(probe_dir)
