"""Stage 2 — decode: bytes to characters, never silently replacing any.

The encoding is chosen from the evidence, most trusted first:

1. a byte-order mark (``bom``);
2. the HTTP ``Content-Type`` charset recorded by ``fenjie fetch`` (``http``);
3. ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` in the first bytes (``meta``);
4. detection: valid UTF-8, else charset-normalizer's guess (``detected``); UTF-16 without a mark is
   told by where its NUL bytes stand (``nul_pattern``, see :func:`utf16_without_bom`);
5. UTF-8, then GB18030 (``default``).

Each candidate is decoded strictly; one that fails (a page labelled utf-8 that is
really GB18030, a ``<meta>`` copied from another template) passes to the next
evidence. Labels of the GB family (gb2312, gbk, x-gbk, cp936) decode as GB18030,
their superset, as browsers do, so 堃 珺 镕 under a gb2312 label are not lost.
Single-byte codecs (ISO-8859-1, often a server's default header, or a detector's
guess for a short text) decode any bytes, so for non-ASCII input they prove
nothing and are tried last. Only when no multi-byte candidate decodes strictly is
the best one decoded with U+FFFD replacements, and their number is reported in
``Decoded.n_replaced``. Detection runs only when no declared charset decodes.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterator

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
#: When no encoding decodes the input strictly, the best one is used with U+FFFD replacements
#: if it replaces at most this share of the characters, or at most REPLACED_TOLERATED_MIN of them
#: (a short text with one bad byte). More means the input is not text (random high bytes
#: replace about 3 % under GB18030; a damaged page a handful of characters in thousands).
REPLACED_TOLERATED_SHARE = 0.01
REPLACED_TOLERATED_MIN = 8

#: UTF-16 without a byte-order mark needs at least this many NUL bytes (ASCII characters) in the sample.
UTF16_MIN_NULS = 4

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

_LONG_ASCII_RUN = regex.compile(
    rb"""
    [\x00-\x7f]{16,}    # 16 or more ASCII bytes in a row (markup, scripts, spaces)
    """,
    regex.X,
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


def utf16_without_bom(data: bytes) -> str | None:
    r"""``utf-16-le`` or ``utf-16-be`` for UTF-16 text saved without a byte-order mark, else None.

    The evidence is the text's own: every ASCII character (line breaks, digits, markup) puts a NUL in its
    high byte, so NUL bytes stand on one parity of offsets (odd for LE) and almost never on the other (a
    CJK character ending in 00, such as 一 U+4E00, is one in 256). The bytes must then decode strictly to
    text without control characters; binary data (a PNG, a ZIP) has NULs on both parities or too few.

    >>> utf16_without_bom("<p>通知</p>\r\n".encode("utf-16-le")), utf16_without_bom("1.通知 (2025)\n".encode("utf-16-be"))
    ('utf-16-le', 'utf-16-be')
    >>> utf16_without_bom(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), utf16_without_bom(b"PK\x03\x04\x14\x00\x06\x00")
    (None, None)
    """
    if len(data) % 2:
        return None
    sample = data[:BINARY_SCAN_BYTES]
    on_even, on_odd = sample[0::2].count(0), sample[1::2].count(0)
    most, least = max(on_even, on_odd), min(on_even, on_odd)
    if most < UTF16_MIN_NULS or least * 4 > most:
        return None
    codec = "utf-16-le" if on_odd > on_even else "utf-16-be"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    head = text[:BINARY_SCAN_BYTES]
    n_control = sum(1 for ch in head if ch < " " and ch not in "\t\n\r\f")
    return codec if n_control <= MAX_CONTROL_SHARE * len(head) else None


def dense_sample(data: bytes) -> bytes:
    """The input with long ASCII runs cut short, for detection.

    Detectors sample a few chunks of the input; on a page whose head is kilobytes of ASCII markup
    and scripts, the chunks miss the Chinese text, and Big5, EUC-KR and GB18030 then tie. Each run
    keeps its first two bytes, so a multi-byte character whose trail byte is ASCII (GBK, Big5) or
    a digit (GB18030 four-byte) stays whole.

    >>> dense_sample(b"\\xb9\\xd8" + b"<script>var x = 1;</script>" + b"\\xd3\\xda")
    b'\\xb9\\xd8<s \\xd3\\xda'
    """
    return _LONG_ASCII_RUN.sub(lambda m: m.group()[:2] + b" ", data)


def _detected(data: bytes) -> Iterator[str]:
    """Detection: UTF-8 if the input has non-ASCII bytes (valid UTF-8 is rarely an accident;
    charset-normalizer also tries it first), then charset-normalizer's best guess."""
    if data.isascii():
        return
    yield "utf-8"
    from charset_normalizer import from_bytes  # imported when needed: most inputs declare a charset

    matches = list(from_bytes(dense_sample(data)))
    if not matches:
        return
    best = matches[0]
    # Ties (same mess and coherence, typical of short texts) go to GB18030: the notices are
    # published on mainland sites. A real Big5 page does not tie: GB18030 reads it as a mess.
    for m in matches:
        if (m.chaos, m.coherence) != (best.chaos, best.coherence):
            break
        if codec_for_label(m.encoding) == "gb18030":
            best = m
            break
    codec = codec_for_label(best.encoding)
    if codec:
        yield codec


def _candidates(data: bytes, content_type: str | None) -> Iterator[tuple[str, str, int]]:
    """``(codec, evidence, bytes to skip)`` in order of trust; detection runs only if reached."""
    bom = bom_codec(data)
    if bom:
        yield bom[0], "bom", bom[1]
    for evidence, label in (("http", http_charset(content_type)), ("meta", meta_charset(data))):
        codec = codec_for_label(label) if label else None
        if codec:
            yield codec, evidence, 0
    for codec in _detected(data):
        yield codec, "detected", 0
    for codec in _DEFAULT_CODECS:
        yield codec, "default", 0


@functools.cache
def is_single_byte(codec: str) -> bool:
    """True for a codec mapping each byte to one character (Latin, Cyrillic …): it decodes any bytes.

    >>> is_single_byte("iso8859-1"), is_single_byte("cp1251"), is_single_byte("gb18030"), is_single_byte("utf-8")
    (True, True, False, False)
    """
    if codec.startswith("utf"):
        return False
    return len(bytes(range(0x80, 0x100)).decode(codec, errors="replace")) == 0x80


def decode(raw: RawInput) -> Decoded:
    """Decode the input's bytes (see the module docstring for how the encoding is chosen)."""
    data = raw.data
    bom = bom_codec(data)
    if not (bom and bom[0].startswith(("utf-16", "utf-32"))) and is_binary(data):
        codec = utf16_without_bom(data)
        if codec is None:
            raise DecodeError(BINARY_REASON, source=raw.source)
        return _decoded(raw, data.decode(codec), codec, "nul_pattern", 0)
    failed: list[tuple[str, str, int]] = []  # multi-byte candidates that did not decode strictly
    loose: list[tuple[str, str]] = []  # single-byte candidates: they decode anything, so prove nothing
    tried: set[tuple[str, int]] = set()
    for codec, evidence, skip in _candidates(data, raw.content_type):
        if (codec, skip) in tried:  # e.g. the header said utf-8: detection's utf-8 is not retried
            continue
        tried.add((codec, skip))
        if not data.isascii() and is_single_byte(codec):
            loose.append((codec, evidence))
            continue
        try:
            text = data[skip:].decode(codec)
        except UnicodeDecodeError:
            failed.append((codec, evidence, skip))
            continue
        # strict UTF-8 decodes one way only: the bytes are the text's UTF-8 (the HTML parser takes them, not a copy)
        return _decoded(raw, text, codec, evidence, 0, data[skip:] if codec == "utf-8" else None)
    return _fallback(raw, failed, loose)


def _fallback(raw: RawInput, failed: list[tuple[str, str, int]], loose: list[tuple[str, str]]) -> Decoded:
    """No multi-byte candidate decodes strictly. Chinese text in a single-byte codec is mojibake,
    so a multi-byte decode with a few counted replacements comes first; then single-byte
    candidates (a genuinely Latin page); else the input is not text."""
    best = _fewest_replaced(raw, failed)
    if best is not None:
        n, text, codec, evidence = best
        if n <= max(REPLACED_TOLERATED_MIN, REPLACED_TOLERATED_SHARE * len(text)):
            return _decoded(raw, text, codec, evidence, n)
    for codec, evidence in loose:
        try:
            return _decoded(raw, raw.data.decode(codec), codec, evidence, 0)
        except UnicodeDecodeError:
            continue
    raise DecodeError(BINARY_REASON, source=raw.source)


def _fewest_replaced(raw: RawInput, failed: list[tuple[str, str, int]]) -> tuple[int, str, str, str] | None:
    """``(n_replaced, text, codec, evidence)`` of the candidate that replaces fewest characters
    (the most trusted on a tie), counting only the U+FFFD that decoding introduced."""
    best: tuple[int, str, str, str] | None = None
    for codec, evidence, skip in failed:
        body = raw.data[skip:]
        text = body.decode(codec, errors="replace")
        # U+FFFD already in the input (validly encoded) are not replacements.
        n = text.count("\ufffd") - body.decode(codec, errors="ignore").count("\ufffd")
        if best is None or n < best[0]:
            best = (n, text, codec, evidence)
    return best


def _decoded(raw: RawInput, text: str, codec: str, evidence: str, n_replaced: int,
             utf8: bytes | None = None) -> Decoded:
    return Decoded(source=raw.source, text=text, encoding=codec, n_replaced=n_replaced,
                   is_html=looks_like_html(text), encoding_evidence=evidence, utf8=utf8)
