"""Stage 2 — decode: bytes to characters, never silently replacing any.

(Minimal version: UTF-8, else GB18030. The full chain — BOM, HTTP header,
<meta charset>, detection — is issue 3.)
"""

from __future__ import annotations

import regex

from .errors import DecodeError
from .records import Decoded, RawInput

_HTML_SNIFF = regex.compile(r"<\s*(?:!doctype\s+html|html|head|body|meta|p|div|table|span)\b", regex.I)


def looks_like_html(text: str) -> bool:
    """True when the first 4 KB contain an HTML tag."""
    return bool(_HTML_SNIFF.search(text[:4096]))


def decode(raw: RawInput) -> Decoded:
    data = raw.data
    if b"\x00" in data[:4096]:
        raise DecodeError("binary file (NUL bytes), not a text or HTML notice", source=raw.source)
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return Decoded(source=raw.source, text=text, encoding="utf-8" if enc == "utf-8-sig" else enc,
                       n_replaced=0, is_html=looks_like_html(text), encoding_evidence="default")
    raise DecodeError("not decodable as UTF-8 or GB18030", source=raw.source)
