"""Stage 2 — decode: bytes to characters, never silently replacing any.

The encoding is chosen from the evidence, most trusted first:

1. a byte-order mark (``bom``);
2. the HTTP ``Content-Type`` charset recorded by ``fenjie fetch`` (``http``);
3. ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` in the first bytes (``meta``);
4. detection: valid UTF-8, else charset-normalizer's guess (``detected``);
5. UTF-8, then GB18030 (``default``).

Each candidate is decoded strictly; one that fails (a page labelled utf-8 that is
really GB18030, a ``<meta>`` copied from another template) passes to the next
evidence. Labels of the GB family (gb2312, gbk, x-gbk, cp936) decode as GB18030,
their superset, as browsers do, so 堃 珺 镕 under a gb2312 label are not lost.
Only when no candidate decodes strictly is the best one decoded with U+FFFD
replacements, and their number is reported in ``Decoded.n_replaced``.
"""

from __future__ import annotations

import codecs
from typing import Iterator

import regex

from .errors import DecodeError
from .records import Decoded, RawInput

#: Bytes searched for a ``<meta>`` charset (browsers prescan 1024; CMS heads are longer).
META_SCAN_BYTES = 4096
#: Bytes sampled for the binary test.
BINARY_SCAN_BYTES = 8192
#: Share of control bytes (other than tab, newlines, form feed, escape) above which input is binary.
#: Text has practically none; random binary data has about 11 %.
MAX_CONTROL_SHARE = 0.05
#: When no encoding decodes the input strictly and charset-normalizer finds no text encoding,
#: a best decode replacing more than this share of characters means the input is not text.
MAX_REPLACED_SHARE = 0.10

BINARY_REASON = "binary file, not a text or HTML notice"

#: Byte-order marks and their codecs; UTF-32 first, as its LE mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Labels decoded as GB18030 (WHATWG Encoding maps the GBK labels to a GB18030-compatible decoder).
_GB_LABELS = frozenset({
    "gb2312", "gb_2312", "gb_2312-80", "gbk", "x-gbk", "cp936", "ms936", "windows-936",
    "csgb2312", "chinese", "iso-ir-58", "csiso58gb231280", "euc-cn", "x-euc-cn", "gb18030",
})
#: Python codecs that are GB18030 subsets.
_GB_CODECS = frozenset({"gb2312", "gbk", "gb18030"})
#: Codecs that are not a page's character encoding, whatever a label says.
_NOT_PAGE_CODECS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape", "utf-7",
                              "undefined", "mbcs", "oem"})
#: Single-byte Latin codecs decode any bytes, so a label naming one proves nothing for non-ASCII
#: input (Chinese sites often send a server default ``charset=ISO-8859-1``): such a label is
#: tried after detection.
_WEAK_CODECS = frozenset({"iso8859-1", "cp1252"})
_DEFAULT_CODECS = ("utf-8", "gb18030")

#: Control bytes that do not occur in text (C0 minus \t \n \v \f \r and ESC, plus DEL).
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\v\f\r\x1b") + b"\x7f"

_CHARSET_PARAM = regex.compile(
    r"""
    \bcharset \s* = \s* ["']? \s*   # charset= in a Content-Type value, possibly quoted
    ([A-Za-z0-9._:\-]+)            # the label
    """,
    regex.I | regex.X,
)

_META_CHARSET = regex.compile(
    rb"""
    <meta \b [^>]*?                # a meta tag, <meta charset=x> or <meta http-equiv=... content="...;
    \bcharset \s* = \s* ["']? \s*  # charset=x">, the label possibly quoted
    ([A-Za-z0-9._:\-]+)            # the label
    """,
    regex.I | regex.X,
)

_HTML_SNIFF = regex.compile(
    r"""
    < \s* (?: !doctype \s+ html | html | head | body | meta | p | div | table | span ) \b
    """,
    regex.I | regex.X,
)


def looks_like_html(text: str) -> bool:
    """True when the first 4 KB contain an HTML tag.

    >>> looks_like_html("<!DOCTYPE html><html><body><p>通知</p>")
    True
    >>> looks_like_html("关于印发重点工作分解方案的通知\\n一、总体要求")
    False
    """
    return bool(_HTML_SNIFF.search(text[:4096]))


def codec_for_label(label: str) -> str | None:
    """The Python codec for an encoding label, lower-case; None for an unknown or unusable label.

    >>> codec_for_label("GB2312"), codec_for_label("x-gbk"), codec_for_label("cp936")
    ('gb18030', 'gb18030', 'gb18030')
    >>> codec_for_label("UTF8"), codec_for_label("Big5"), codec_for_label("latin1")
    ('utf-8', 'big5', 'iso8859-1')
    >>> codec_for_label("utf-16")  # an ASCII-compatible page cannot be UTF-16 (WHATWG: utf-8)
    'utf-8'
    >>> codec_for_label("no-such-charset") is None, codec_for_label("base64") is None
    (True, True)
    """
    key = label.strip().strip("\"'").lower()
    if key in _GB_LABELS:
        return "gb18030"
    try:
        info = codecs.lookup(key)
    except LookupError:
        return None
    name = info.name.replace("_", "-") if info.name.startswith(("utf", "unicode")) else info.name
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_PAGE_CODECS:
        return None
    if name in _GB_CODECS:
        return "gb18030"
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name


def bom_codec(data: bytes) -> tuple[str, int] | None:
    """The codec named by a byte-order mark and the mark's length, or None.

    >>> bom_codec(b"\\xef\\xbb\\xbf<html>"), bom_codec(b"\\xff\\xfe<\\x00"), bom_codec(b"<html>")
    (('utf-8', 3), ('utf-16-le', 2), None)
    """
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return codec, len(mark)
    return None


def http_charset(content_type: str | None) -> str | None:
    """The charset label of an HTTP Content-Type value, or None.

    >>> http_charset('text/html; charset="GB2312"'), http_charset("text/html"), http_charset(None)
    ('GB2312', None, None)
    """
    if not content_type:
        return None
    m = _CHARSET_PARAM.search(content_type)
    return m.group(1) if m else None


def meta_charset(data: bytes) -> str | None:
    """The charset label declared by the first ``<meta>`` that declares one, in the first 4 KB.

    >>> meta_charset(b'<head><meta charset="gb2312"><title>x</title>')
    'gb2312'
    >>> meta_charset(b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=GBK">')
    'GBK'
    >>> meta_charset(b'<meta name="keywords" content="notice">') is None
    True
    """
    m = _META_CHARSET.search(data[:META_SCAN_BYTES])
    return m.group(1).decode("ascii") if m else None


def is_binary(data: bytes) -> bool:
    """True for bytes that are no text: NUL bytes, or many control bytes, in the first 8 KB.

    (Call it on input without a UTF-16/32 byte-order mark: those have NUL bytes.)

    >>> is_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR"), is_binary("<p>通知</p>\\r\\n".encode("gb18030"))
    (True, False)
    """
    sample = data[:BINARY_SCAN_BYTES]
    if b"\x00" in sample:
        return True
    n_control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return n_control > MAX_CONTROL_SHARE * len(sample)


def _detected(data: bytes) -> Iterator[str]:
    """Detection: UTF-8 if the input has non-ASCII bytes (valid UTF-8 is rarely an accident;
    charset-normalizer also tries it first), then charset-normalizer's best guess."""
    if data.isascii():
        return
    yield "utf-8"
    from charset_normalizer import from_bytes  # imported when needed: most inputs declare a charset

    best = from_bytes(data).best()
    if best is not None:
        codec = codec_for_label(best.encoding)
        if codec:
            yield codec


def _candidates(data: bytes, content_type: str | None) -> Iterator[tuple[str, str, int]]:
    """``(codec, evidence, bytes to skip)`` in order of trust; detection runs only if reached."""
    bom = bom_codec(data)
    if bom:
        yield bom[0], "bom", bom[1]
    weak: list[tuple[str, str, int]] = []
    for evidence, label in (("http", http_charset(content_type)), ("meta", meta_charset(data))):
        codec = codec_for_label(label) if label else None
        if codec in _WEAK_CODECS and not data.isascii():
            weak.append((codec, evidence, 0))
        elif codec:
            yield codec, evidence, 0
    for codec in _detected(data):
        yield codec, "detected", 0
    yield from weak
    for codec in _DEFAULT_CODECS:
        yield codec, "default", 0


def decode(raw: RawInput) -> Decoded:
    """Decode the input's bytes (see the module docstring for how the encoding is chosen)."""
    data = raw.data
    bom = bom_codec(data)
    if not (bom and bom[0].startswith(("utf-16", "utf-32"))) and is_binary(data):
        raise DecodeError(BINARY_REASON, source=raw.source)
    failed: list[tuple[str, str, int]] = []
    tried: set[tuple[str, int]] = set()
    for codec, evidence, skip in _candidates(data, raw.content_type):
        if (codec, skip) in tried:  # e.g. the header said utf-8: detection's utf-8 is not retried
            continue
        tried.add((codec, skip))
        try:
            text = data[skip:].decode(codec)
        except UnicodeDecodeError:
            failed.append((codec, evidence, skip))
            continue
        return _decoded(raw, text, codec, evidence, 0)
    return _replaced(raw, failed)


def _replaced(raw: RawInput, failed: list[tuple[str, str, int]]) -> Decoded:
    """No candidate decodes strictly: decode with the one that replaces fewest characters
    (the most trusted on a tie), counting the U+FFFD it introduced."""
    best: tuple[int, str, str, str] | None = None
    for codec, evidence, skip in failed:
        body = raw.data[skip:]
        text = body.decode(codec, errors="replace")
        # U+FFFD already in the input (validly encoded) are not replacements.
        n = text.count("\ufffd") - body.decode(codec, errors="ignore").count("\ufffd")
        if best is None or n < best[0]:
            best = (n, text, codec, evidence)
    assert best is not None  # the defaults always fail or succeed, so ``failed`` is never empty here
    n, text, codec, evidence = best
    if n > MAX_REPLACED_SHARE * len(text):
        raise DecodeError(BINARY_REASON, source=raw.source)
    return _decoded(raw, text, codec, evidence, n)


def _decoded(raw: RawInput, text: str, codec: str, evidence: str, n_replaced: int) -> Decoded:
    return Decoded(source=raw.source, text=text, encoding=codec, n_replaced=n_replaced,
                   is_html=looks_like_html(text), encoding_evidence=evidence)
