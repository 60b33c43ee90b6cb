"""Stage 1 — read: the input's bytes, unchanged, with their digest."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from .errors import ReadError
from .records import RawInput

#: Inputs larger than this are refused (a notice page is well under 5 MB).
MAX_INPUT_BYTES = 50 * 1024 * 1024


def read(path: Path | str) -> RawInput:
    """Read one input file. A fetch sidecar ``<name>.meta.json`` supplies the HTTP content type.

    Plain ``os`` calls on the path's string: a batch reads every input twice (to hash it, then to extract
    it), and pathlib's objects cost more than the reading of a sample-sized file.
    """
    source = str(path)
    try:
        st = os.stat(source)  # follows links: a link loop or a dangling link says so (ELOOP, ENOENT)
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("a directory, not a file" if stat.S_ISDIR(st.st_mode) else "not a regular file",
                            source=source)
        size = st.st_size
        if size > MAX_INPUT_BYTES:
            raise ReadError(f"file too large ({size} bytes > {MAX_INPUT_BYTES})", source=source)
        with open(source, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise ReadError("no such file" + (" (a link to a missing file)" if os.path.islink(source) else ""),
                        source=source) from None
    except OSError as exc:
        raise ReadError((exc.strerror or str(exc)).lower(), source=source) from None
    if not data or data.isspace():  # (bytes.isspace: the whitespace bytes.strip removes)
        raise ReadError("empty file", source=source)
    content_type = None
    sidecar = sidecar_path(source)
    if os.path.isfile(sidecar):
        try:
            with open(sidecar, encoding="utf-8") as fh:
                content_type = json.loads(fh.read()).get("content_type")
        except (OSError, ValueError):
            content_type = None
    return RawInput(source=source, data=data, sha256=hashlib.sha256(data).hexdigest(), content_type=content_type)


def sidecar_path(source: str) -> str:
    """Where a fetched file's sidecar is: ``<stem>.meta.json`` beside it (the stem as pathlib has it).

    >>> sidecar_path("raw/t2025_1.html"), sidecar_path("a.b.shtml"), sidecar_path("raw/notice")
    ('raw/t2025_1.meta.json', 'a.b.meta.json', 'raw/notice.meta.json')
    """
    head, name = os.path.split(source)
    return os.path.join(head, Path(name).stem + ".meta.json")
