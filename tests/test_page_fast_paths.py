"""The fast paths of the page stages (display width, PDF and text-table checks) answer as the plain computation.

Each shortcut is checked against the computation it replaces; the byte-identical outputs of the sample,
the fixtures and the real corpus check them end to end.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from pipeline.html import INVISIBLE, SPACE_RUN, WIDE_CHAR, normalize_space
from pipeline.records import Page, join_blocks
from pipeline.repair import _YEAR_BRACKETS, DOC_NUMBER_YEAR, _with_bracket_year
from pipeline.rules import load_rules
from pipeline.text import WIDE_RUNS, char_width, compact, display_width
from pipeline.unwrap import _too_few_open, _without_page_numbers, looks_pdf, typeset_width


def test_gb2312_holds_only_two_column_characters_past_ascii():
    # display_width counts the GB 2312 bytes of a text the codec encodes (ambiguous width 2)
    for c in range(0x80, 0x110000):
        try:
            n = len(chr(c).encode("gb2312"))
        except UnicodeEncodeError:
            continue
        assert n == char_width(chr(c), 2) == 2, hex(c)


def test_wide_runs_are_two_columns_at_any_ambiguous_width():
    chars = [chr(c) for c in range(0x110000) if WIDE_RUNS.fullmatch(chr(c))]
    assert len(chars) > 20_000
    assert all(char_width(c, 1) == char_width(c, 2) == 2 for c in chars)


@pytest.mark.parametrize("text", ["", "GDP 7%", "市政府办公厅", "“一老一幼”服务—①", "é\u0301ｱ〿", "\u00a0>\u00a0政策\u3000　",
                                  "增长7%,完成(一)", "〔2025〕1号：‰±×"])
def test_display_width_as_char_by_char(text):
    for ambiguous in (1, 2):
        assert display_width(text, ambiguous) == sum(char_width(c, ambiguous) for c in text)
    assert typeset_width(text) == display_width(text) + sum(text.count(c) for c in ",;:!?()")


def test_every_blank_is_a_space_or_unprintable():
    # compact returns a printable text without " " as it is: no \s character can be in it
    blank = regex.compile(r"\s")
    blanks = [chr(c) for c in range(0x110000) if blank.match(chr(c))]
    assert all(ch == " " or not ch.isprintable() for ch in blanks)


@pytest.mark.parametrize("text", ["", "责任单位", "责 任", "a\x1cb", "甲\u3000乙", "甲\xa0乙\u2028丙", "x\ty"])
def test_compact_as_the_pattern(text):
    assert compact(text) == regex.sub(r"\s+", "", text)


@pytest.mark.parametrize("lines", [
    ["港政发〔20251", "关于(2025年)工作", "（ 1998", "【2025", "a(\n2025", "无", "(19", "(x)(2020)"],
    [], ["无括号"], ["(", "2025"], ["[2025]" * 3, "〔 2019〕"],
])
def test_blocks_with_a_bracket_year_as_searched(lines):
    text, blocks = join_blocks([(line, "p", None) for line in lines])
    page = Page("t.txt", text, blocks)
    for n in (0, 1, 3, 80):
        assert _with_bracket_year(page, n) == {i for i, b in enumerate(blocks[:n]) if DOC_NUMBER_YEAR.search(b.text)}
    assert set(_YEAR_BRACKETS) == {ch for ch in map(chr, range(0x10000)) if DOC_NUMBER_YEAR.match(ch + "2025")}


def test_html_blanks_and_invisibles_are_unprintable():
    # normalize_space reads a printable text as holding no invisible character and no blank but " "
    assert all(not ch.isprintable() for ch in map(chr, range(0x110000)) if INVISIBLE.match(ch))
    assert all(ch == " " or not ch.isprintable() for ch in map(chr, range(0x110000)) if SPACE_RUN.match(ch))
    assert all(SPACE_RUN.fullmatch(ch) for ch in map(chr, range(0x110000)) if ch.isspace())


@pytest.mark.parametrize("text", ["", "  10.坚持规划引领。 ", " \u200b 甲", "\xa0\xa0港政发〔20251\n", "甲\u200b", "区\u00a0科经\u3000局", " a b ", "甲\u200b乙", "\n\t", "x\u00ad\u3000y z"])
def test_normalize_space_as_the_runs(text):
    def plain(t):
        t = INVISIBLE.sub("", t)
        def one(m):
            s, e = m.start(), m.end()
            if (0 < s and e < len(t) and WIDE_CHAR.match(t[s - 1]) and WIDE_CHAR.match(t[e])
                    and ("\n" in m[0] or "\r" in m[0] or " " not in m[0])):
                return ""
            return " "
        return SPACE_RUN.sub(one, t).strip()
    assert normalize_space(text) == plain(text)


_TEXTS = sorted(Path("tests/fixtures").rglob("*.txt")) + sorted(Path("raw").glob("*.txt")) \
    + sorted(Path("../shared/corpus/real").glob("*.txt"))


@pytest.mark.parametrize("path", _TEXTS, ids=lambda p: p.name)
def test_too_few_open_lines_only_where_the_lines_do_not_look_pdf(path):
    # the shortcut of unwrap proves "not PDF-extracted" without measuring every line: it never says so of
    # lines that looks_pdf takes as PDF-extracted (the PDF fixtures among these files)
    ur = load_rules().unwrap
    lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").split("\n") if line.strip()]
    if _too_few_open(lines, ur):
        assert looks_pdf(_without_page_numbers(lines, ur), ur) is None


def test_too_few_open_lines_not_claimed_of_a_pdf_page():
    text = Path("tests/fixtures/formats/pdf-hard-breaks.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    ur = load_rules().unwrap
    assert looks_pdf(lines, ur) is not None and not _too_few_open(lines, ur)
