"""Stage 1 — read: the input's bytes, unchanged, with their digest."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

from .errors import ReadError
from .records import RawInput

#: Inputs larger than this are refused (a notice page is well under 5 MB).
MAX_INPUT_BYTES = 50 * 1024 * 1024


def read(path: Path | str) -> RawInput:
    """Read one input file. A fetch sidecar ``<name>.meta.json`` supplies the HTTP content type."""
    p = Path(path)
    source = str(path)
    try:
        st = p.stat()  # follows links: a link loop or a dangling link says so (ELOOP, ENOENT)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("a directory, not a file" if stat.S_ISDIR(st.st_mode) else "not a regular file",
                            source=source)
        size = st.st_size
        if size > MAX_INPUT_BYTES:
            raise ReadError(f"file too large ({size} bytes > {MAX_INPUT_BYTES})", source=source)
        data = p.read_bytes()
    except FileNotFoundError:
        raise ReadError("no such file" + (" (a link to a missing file)" if p.is_symlink() else ""),
                        source=source) from None
    except OSError as exc:
        raise ReadError((exc.strerror or str(exc)).lower(), source=source) from None
    if not data.strip():
        raise ReadError("empty file", source=source)
    content_type = None
    sidecar = p.with_name(p.stem + ".meta.json")
    if sidecar.is_file():
        try:
            content_type = json.loads(sidecar.read_text("utf-8")).get("content_type")
        except (OSError, ValueError):
            content_type = None
    return RawInput(source=source, data=data, sha256=hashlib.sha256(data).hexdigest(), content_type=content_type)
