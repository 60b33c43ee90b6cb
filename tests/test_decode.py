"""decode: which encoding, on what evidence, and nothing replaced silently.

Fixtures in tests/fixtures/decode/ are ``<case>.<ext>`` (bytes) + ``<case>.expected.txt`` (the text,
UTF-8); ``make_fixtures.py`` there writes them.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from pipeline import decode as decode_mod
from pipeline.decode import codec_for_label, decode, is_binary, looks_like_html, meta_charset
from pipeline.errors import DecodeError
from pipeline.records import RawInput

FIXTURES = Path(__file__).parent / "fixtures" / "decode"


def raw(data: bytes, content_type: str | None = None, source: str = "t.html") -> RawInput:
    return RawInput(source=source, data=data, sha256=hashlib.sha256(data).hexdigest(),
                    content_type=content_type)


def fixture(name: str, content_type: str | None = None) -> RawInput:
    path = FIXTURES / name
    return raw(path.read_bytes(), content_type, source=str(path))


def expected_text(name: str) -> str:
    return (FIXTURES / name).with_suffix(".expected.txt").read_text("utf-8")


# (fixture, HTTP Content-Type from the sidecar, encoding, evidence, n_replaced, is_html)
FIXTURE_CASES = [
    pytest.param("gb2312-label-gb18030-bytes.html", None, "gb18030", "meta", 0, True,
                 id="gb2312-meta-label-decodes-as-gb18030"),
    pytest.param("gbk-undeclared.html", None, "gb18030", "detected", 0, True,
                 id="gbk-no-charset-anywhere-detected"),
    pytest.param("http-utf8-but-gb18030.html", "text/html; charset=utf-8", "gb18030", "detected", 0, True,
                 id="http-says-utf8-bytes-gb18030"),
    pytest.param("gb2312-label-gb18030-bytes.html", "text/html; charset=GBK", "gb18030", "http", 0, True,
                 id="http-gbk-label-agrees"),
    pytest.param("meta-gb2312-but-utf8.html", None, "utf-8", "detected", 0, True,
                 id="meta-says-gb2312-bytes-utf8"),
    pytest.param("utf8-bom.txt", None, "utf-8", "bom", 0, False, id="utf8-bom-plain-text"),
    pytest.param("utf8-bom.txt", "text/plain; charset=gbk", "utf-8", "bom", 0, False,
                 id="bom-beats-http-header"),
    pytest.param("utf16-bom.txt", None, "utf-16-le", "bom", 0, False, id="utf16le-bom"),
    pytest.param("invalid-bytes-gb18030.html", None, "gb18030", "meta", 2, True,
                 id="gb18030-two-stray-bytes-replaced"),
    pytest.param("invalid-bytes-utf8.txt", None, "utf-8", "detected", 1, False,
                 id="utf8-one-stray-byte-replaced"),
]


@pytest.mark.parametrize(("name", "content_type", "encoding", "evidence", "n_replaced", "is_html"),
                         FIXTURE_CASES)
def test_decode_fixture(name, content_type, encoding, evidence, n_replaced, is_html):
    d = decode(fixture(name, content_type))
    assert d.text == expected_text(name)
    assert (d.encoding, d.encoding_evidence, d.n_replaced, d.is_html) == (encoding, evidence, n_replaced,
                                                                          is_html)
    assert d.text.count("\ufffd") == n_replaced
    assert d.source == str(FIXTURES / name)


def test_names_outside_gb2312_survive_a_gb2312_label():
    d = decode(fixture("gb2312-label-gb18030-bytes.html"))
    assert "张堃、李珺、王镕" in d.text


def test_utf16_bom_is_not_mistaken_for_binary_and_bom_is_dropped():
    d = decode(fixture("utf16-bom.txt"))
    assert d.text.startswith("关于印发重点工作任务分解方案的通知\n")
    assert "\ufeff" not in d.text


def test_binary_png_refused():
    with pytest.raises(DecodeError) as err:
        decode(fixture("binary-png.png"))
    assert err.value.reason == "binary file, not a text or HTML notice"
    assert str(err.value) == f"{FIXTURES / 'binary-png.png'}: decode: binary file, not a text or HTML notice"


GB = "<p>关于印发重点工作任务分解方案的通知，牵头单位：区发改局。</p>"
BIG5 = "<p>關於印發重點工作任務分解方案的通知，牽頭單位：縣發改局。</p>"

# (bytes, Content-Type, text, encoding, evidence)
INLINE_CASES = [
    pytest.param(b"<p>Notice 2025</p>", None, "<p>Notice 2025</p>", "utf-8", "default",
                 id="pure-ascii-default-utf8"),
    pytest.param(b"<p>Notice</p>", "text/html; charset=gb2312", "<p>Notice</p>", "gb18030", "http",
                 id="ascii-under-declared-label"),
    pytest.param(GB.encode("utf-8"), "text/html; charset=UTF-8", GB, "utf-8", "http", id="http-utf8"),
    pytest.param(GB.encode("utf-8"), 'text/html; charset="utf-8"', GB, "utf-8", "http", id="http-quoted-label"),
    pytest.param(b'<meta charset="x-gbk">' + GB.encode("gb18030"), None, '<meta charset="x-gbk">' + GB,
                 "gb18030", "meta", id="meta-x-gbk"),
    pytest.param(b"<meta charset=cp936>" + GB.encode("gbk"), None, "<meta charset=cp936>" + GB,
                 "gb18030", "meta", id="meta-cp936-unquoted"),
    pytest.param(b'<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=Big5">' + BIG5.encode("big5"),
                 None, '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=Big5">' + BIG5, "big5",
                 "meta", id="meta-big5-upper-case-tag"),
    pytest.param(b'<meta charset="gb2312">' + GB.encode("gb18030"), "text/html; charset=ISO-8859-1",
                 '<meta charset="gb2312">' + GB, "gb18030", "meta",
                 id="server-default-latin1-header-yields-to-meta"),
    pytest.param(GB.encode("gb18030"), "text/html; charset=ISO-8859-1", GB, "gb18030", "detected",
                 id="server-default-latin1-header-yields-to-detection"),
    pytest.param(b'<meta charset="no-such-charset">' + GB.encode("utf-8"), None,
                 '<meta charset="no-such-charset">' + GB, "utf-8", "detected", id="unknown-label-ignored"),
    pytest.param(b"<meta charset=utf-16>" + GB.encode("utf-8"), None, "<meta charset=utf-16>" + GB,
                 "utf-8", "meta", id="meta-utf16-means-utf8"),
    pytest.param(b"\xef\xbb\xbf" + GB.encode("utf-8"), None, GB, "utf-8", "bom", id="utf8-bom-html"),
    pytest.param(b"\xfe\xff" + GB.encode("utf-16-be"), None, GB, "utf-16-be", "bom", id="utf16be-bom"),
    pytest.param("<p>\ufffd already in the page</p>".encode("utf-8"), None, "<p>\ufffd already in the page</p>",
                 "utf-8", "detected", id="literal-fffd-is-not-a-replacement"),
]


@pytest.mark.parametrize(("data", "content_type", "text", "encoding", "evidence"), INLINE_CASES)
def test_decode_inline(data, content_type, text, encoding, evidence):
    d = decode(raw(data, content_type))
    assert (d.text, d.encoding, d.encoding_evidence, d.n_replaced) == (text, encoding, evidence, 0)


def test_literal_fffd_plus_one_bad_byte_counts_one():
    d = decode(raw("<p>\ufffd 已有</p><p>".encode("utf-8") + b"\xff" + "缺</p>".encode()))
    assert (d.encoding, d.n_replaced, d.text) == ("utf-8", 1, "<p>\ufffd 已有</p><p>\ufffd缺</p>")


BINARY_CASES = [
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", id="png-header"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\x00\x01\x02", id="pdf-with-nul"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00", id="zip-docx"),
    pytest.param(bytes(range(1, 32)) * 20 + b"text", id="control-bytes-without-nul"),
    pytest.param(b"\x00\x01" * 50 + b"\x01\x00" * 50, id="nuls-on-both-parities"),
    pytest.param("1.通知\n".encode("utf-16-le") + b"\x00\x00\x07\x00" * 40, id="utf16-shaped-control-characters"),
]


@pytest.mark.parametrize("data", BINARY_CASES)
def test_binary_refused(data):
    with pytest.raises(DecodeError, match=": decode: binary file, not a text or HTML notice$"):
        decode(raw(data))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_from_where_its_nul_bytes_stand(codec):
    text = "关于印发2025年重点工作分解意见的通知\r\n1.推进项目建设。(牵头单位:区发改局)\r\n"
    d = decode(raw(text.encode(codec)))
    assert (d.text, d.encoding, d.encoding_evidence, d.n_replaced) == (text, codec, "nul_pattern", 0)


def test_declared_latin1_honoured_for_western_text():
    text = "<p>Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve fa\u00e7ade \u00e0 la carte.</p>" * 5
    d = decode(raw(text.encode("latin-1"), "text/html; charset=ISO-8859-1"))
    assert (d.text, d.encoding, d.encoding_evidence, d.n_replaced) == (text, "iso8859-1", "http", 0)


def test_undecodable_noise_without_nul_is_refused_as_binary():
    # Bytes >= 0x80 only: no NUL or control bytes, but no encoding makes text of them.
    noise = bytes((i * 97 + 13) % 128 + 128 for i in range(4000))
    assert not is_binary(noise)
    with pytest.raises(DecodeError, match="binary file"):
        decode(raw(noise))


def test_declared_charset_that_decodes_skips_detection(monkeypatch):
    def boom(data):
        raise AssertionError("detection ran")

    monkeypatch.setattr(decode_mod, "_detected", boom)
    d = decode(fixture("gb2312-label-gb18030-bytes.html"))
    assert (d.encoding, d.encoding_evidence) == ("gb18030", "meta")


def test_meta_beyond_scan_window_is_not_used():
    head = b"<html><head><!--" + b" " * decode_mod.META_SCAN_BYTES + b'--><meta charset="big5">'
    d = decode(raw(head + GB.encode("gb18030")))
    assert (d.encoding, d.encoding_evidence) == ("gb18030", "detected")


def test_decode_is_fast_on_a_large_declared_page():
    body = ("<p>" + "推动经济高质量发展，（牵头单位：区发改局；责任单位：区财政局）" * 20 + "</p>\n") * 500
    data = ('<html><head><meta charset="gb2312"></head><body>' + body + "</body></html>").encode("gb18030")
    assert len(data) > 500_000
    start = time.perf_counter()
    d = decode(raw(data))
    assert time.perf_counter() - start < 0.5
    assert d.encoding_evidence == "meta"


LABELS = [
    ("gb2312", "gb18030"), ("GBK", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"),
    ("GB18030", "gb18030"), ("euc-cn", "gb18030"), ("utf-8", "utf-8"), ("UTF8", "utf-8"),
    ("big5", "big5"), ("ISO-8859-1", "iso8859-1"), ("windows-1252", "cp1252"), ("utf-16le", "utf-8"),
    ("base64", None), ("utf-7", None), ("nonsense", None),
]


@pytest.mark.parametrize(("label", "codec"), LABELS, ids=[label for label, _ in LABELS])
def test_codec_for_label(label, codec):
    assert codec_for_label(label) == codec


META = [
    pytest.param(b'<meta charset="gb2312">', "gb2312", id="html5-quoted"),
    pytest.param(b"<meta charset=GBK />", "GBK", id="html5-unquoted"),
    pytest.param(b"<meta http-equiv='Content-Type' content='text/html; charset=utf-8'>", "utf-8",
                 id="http-equiv-single-quotes"),
    pytest.param(b'<meta content="text/html;charset=gb2312" http-equiv="Content-Type">', "gb2312",
                 id="content-before-http-equiv"),
    pytest.param(b'<meta name="ContentSource" content="charset notes"><title>x</title>', None,
                 id="no-charset"),
    pytest.param(b"<p>charset=gbk</p>", None, id="charset-outside-meta"),
]


@pytest.mark.parametrize(("data", "label"), META)
def test_meta_charset(data, label):
    assert meta_charset(data) == label


@pytest.mark.parametrize(("text", "html"), [
    pytest.param("<!DOCTYPE html>\n<html>", True, id="doctype"),
    pytest.param("  <div class=article>通知</div>", True, id="div"),
    pytest.param("关于印发方案的通知\n责任单位：区发改局", False, id="plain-text"),
    pytest.param("a < b and c > d", False, id="comparison-signs"),
])
def test_looks_like_html(text, html):
    assert looks_like_html(text) is html

