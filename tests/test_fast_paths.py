"""Every fast path answers as the plain computation it replaces: same sets, same matches, same cuts.

The extraction reads rules through shortcuts (patterns joined into one, a label searched from the
right, numerals checked in the jieba run that holds them, traditional characters found through a
GB 2312 encoding …). Each is checked here against the plain version on real-shaped text; the
byte-identical outputs of the sample, the fixtures and the real corpus check them end to end.
"""

from __future__ import annotations

import pytest

from pipeline.clauses import ClauseReader, label_limit
from pipeline.segment import starts_word
from pipeline.targets import token_starts
from pipeline.text import (
    _table,
    _traditional_chars,
    bracket_pairs,
    char_width,
    closing_bracket,
    display_width,
    split_top,
    to_simplified,
    traditional_in,
)

LINES = [
    "1.地方生产总值增长7%左右。(责任单位:区发改局)",
    "2.规模以上工业增加值增长10%左右(牵头单位:区科经局;责任单位:区统计局、区财政局)",
    "牵 头 单 位：区发改局　　责任单位: 区财政局",
    "【牵头单位】区住建局【责任单位】各街道办事处",
    "主办单位:区政府办公室。协办单位:区委宣传部",
    "三、强化保障措施",
    "(一)统一个人信息平台建设,两个社区、三所学校完成改造",
    "市政府辦公室關於印發重點工作責任分解方案的通知\u00a0港政發〔2025〕1號",
    "分管副市长:李明;责任人:王刚",
    "力争全年新签约亿元以上项目15个,确保完成5000万元",
    "港政发〔20251\t2025年1月13日",
    "",
    "  \u3000 ",
    "(区发改局、区财政局)按职责分工负责",
    "(区发改局(粮食局)牵头)\n区财政局配合\n",
    "-牵头单位:区发改局",
]


@pytest.mark.parametrize("text", LINES)
def test_label_fast_paths(rules, text):
    c = rules.clauses
    reader = ClauseReader(c)
    # searched from the right: a label somewhere iff the forward search finds one
    assert c.has_label(text) == (c.label_re.search(text) is not None)
    # the labels up to label_limit are all the labels
    assert [m.span() for m in c.label_re.finditer(text, 0, label_limit(text))] == \
        [m.span() for m in c.label_re.finditer(text)]
    # the next trigger, found from the next bracket and the places a label may start
    for pos in range(len(text) + 2):
        m = c.trigger.search(text, pos)
        assert reader.next_trigger(text, pos) == (m.start() if m else None)
    # the labels of a clause, found from its colons and closing brackets (rules.han_labels)
    assert c.han_labels
    assert reader.label_marks(text) == [(m["label"], m.start(), m.end())
                                        for m in c.label_re.finditer(text, 0, label_limit(text))]
    # a label at a place: a listed label and its colon taken without the pattern
    for pos in range(len(text) + 1):
        assert reader.label_at(text, pos) == (c.label_re.match(text, pos) is not None), pos
    # a role line read by label_re after its whole lead, as line_re reads it (label and end)
    assert c._lead_then_label
    for lead in ("", " ", "\u3000\t", "—", "- ", "·\n", " • \u3000"):
        for pos in range(len(text) + 1):
            line = lead + text[pos:]
            got, want = c.role_line(line), c.line_re.match(line)
            assert (got and (got.start("label"), got.end())) == (want and (want.start("label"), want.end())), line
    # a role line's first character told without line_start; a verb at the end told by str.endswith
    for pos in range(len(text) + 1):
        assert reader._may_open_role_line(text[pos:]) == (c.line_start.match(text[pos:]) is not None), pos
        for start in range(pos + 1):
            assert reader._ends_with_verb(text, start, pos) == (c.verb_re.search(text[start:pos]) is not None)
    # the bracket that closes each opening bracket, found by one match when none stands between them
    pairs = bracket_pairs(text)
    for i, ch in enumerate(text):
        if ch in "([（【［〔":
            assert closing_bracket(text, i) == pairs.get(i), i


def test_role_line_openers(rules):
    reader = ClauseReader(rules.clauses)
    for code in range(128):
        for text in (chr(code) + "牵头单位:区发改局", chr(code) + "【牵头单位】区发改局", chr(code) + "：区发改局"):
            assert reader._may_open_role_line(text) == (rules.clauses.line_start.match(text) is not None), text


@pytest.mark.parametrize("text", LINES)
def test_patterns_asked_together(rules, text):
    lists = [rules.clauses.deadlines, rules.clauses.collective, rules.targets.not_targets, rules.unwrap.page_numbers,
             rules.unwrap.starts, rules.flat_tables.headings, rules.flat_tables.deadlines]
    joined = [rules.clauses.any_deadline, rules.clauses.any_collective, rules.targets.any_not_target,
              rules.unwrap.any_page_number, rules.unwrap.any_start, rules.flat_tables.any_heading,
              rules.flat_tables.any_deadline]
    for patterns, any_of in zip(lists, joined):
        assert any_of.joined is not None  # the rule lists as shipped can be joined
        for piece in (text, text[:6], text[3:]):
            assert any_of.match(piece) == any(p.match(piece) for p in patterns)
            assert any_of.fullmatch(piece) == any(p.fullmatch(piece) for p in patterns)
            assert any_of.search(piece) == any(p.search(piece) for p in patterns)


@pytest.mark.parametrize("text", LINES)
def test_numbering_is_the_first_pattern_that_matches(rules, text):
    o = rules.outline
    patterns, levels = o.numbering
    tried = [o.subsection, *o.item, o.bullet, o.section]
    want = next(((k, m) for k, p in enumerate(tried) if (m := p.match(text))), None)
    got = patterns.first(text)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        assert got[0] == want[0] and got[1]["label"] == want[1]["label"] and got[1].start("body") == want[1].start("body")


@pytest.mark.parametrize("text", LINES)
def test_word_starts_in_the_run_that_holds_them(text):
    starts = token_starts(text)
    assert [starts_word(text, i) for i in range(len(text))] == [i in starts for i in range(len(text))]


@pytest.mark.parametrize("text", LINES + ["關於" * 300 + "\u00a0" * 300])
def test_traditional_characters_through_gb2312(text):
    assert traditional_in(text) == set(_traditional_chars().intersection(text))
    assert to_simplified(text) == text.translate(_table())


def _split_top_plainly(text: str, seps: str) -> list[tuple[str, int, int]]:
    out, depth, last = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([（【［〔":
            depth += 1
        elif ch in ")]）】］〕":
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            out.append((text[last:i], last, i))
            last = i + 1
    out.append((text[last:], last, len(text)))
    return out


@pytest.mark.parametrize("text", LINES)
def test_text_helpers(text):
    assert display_width(text) == sum(char_width(c) for c in text)
    assert display_width(text, 1) == sum(char_width(c, 1) for c in text)
    pairs, stack = {}, []
    for i, ch in enumerate(text):
        if ch in "([（【［〔":
            stack.append(i)
        elif ch in ")]）】］〕" and stack:
            pairs[stack.pop()] = i
    assert list(bracket_pairs(text).items()) == list(pairs.items())
    for seps in ("、", "、,，;；", ",，;；"):
        assert split_top(text, seps) == _split_top_plainly(text, seps)


NOT_TARGET_LINES = LINES + [
    "年产25万吨,日处理500吨,装机容量100兆瓦", "3个月内、15个工作日", "5000万元以上项目、超100亿元的产业集群",
    "十三届人大四次会议", "七个方面重点工作", "“两个毫不动摇”、四个意识", "一系列、一老一幼", "两位数增长", "11项为民办实事",
    "4个结构性指标均实现10%以上增长", "13.32平方公里核心区的", "第一时间", "八项规定",
]


@pytest.mark.parametrize("text", NOT_TARGET_LINES)
def test_not_targets_run_only_where_they_can_match(rules, text):
    from pipeline.targets import holds_words
    for needs, words, p in rules.targets.not_targets_needing:
        if p.search(text) is not None:  # a pattern that matches is never skipped
            assert needs <= set(text) and holds_words(text, words), p.pattern


@pytest.mark.parametrize("text", NOT_TARGET_LINES)
def test_not_targets_filed_under_a_key_the_text_holds(rules, text):
    tr = rules.targets
    for p in tr.not_targets:
        if p.search(text) is not None and p not in tr.not_targets_unkeyed:  # a pattern that matches is asked
            assert any(p is q for k, filed in tr.not_targets_by_key.items() if k in text for _, q, _ in filed), p.pattern


@pytest.mark.parametrize("text", ["对上争取资金", "积极争取省级资金支持", "向上争取项目", "力争新增企业4家"])
def test_not_aspirational_skipped_only_without_their_key(rules, text):
    tr = rules.targets
    key = tr.not_aspirational_key
    for _, p in tr.not_aspirational_needing:
        if p.search(text) is not None:  # a sentence where a blocking pattern matches is never skipped
            assert not key or key in text, p.pattern


@pytest.mark.parametrize("text", NOT_TARGET_LINES)
def test_not_targets_filed_with_what_they_need(rules, text):
    from pipeline.targets import holds_words
    for key, filed in rules.targets.not_targets_by_key.items():
        for words, p, _shared in filed:
            if p.search(text) is not None:  # a pattern that matches is asked about where its key stands
                assert key not in text or holds_words(text, words), p.pattern


@pytest.mark.parametrize("text", NOT_TARGET_LINES + [
    "增长5-8%、5%—8%、5 ～ 8个、5至8个，三千万元、15,000人、152.08亿元、一批、十二个、二〇二五年、进一步统一",
    "培训3000余人次、建成10多个、5余",
])
def test_quantity_pattern_gives_up_only_where_nothing_follows(rules, text):
    import re

    from pipeline.rules.targetrules import BLANKS, NUMBER, RANGE_SEP, trie_alternation
    unit = trie_alternation(rules.targets.units)
    plain = re.compile(rf"(?P<num> {NUMBER} ) (?: (?P<unit1> {unit} )? {BLANKS} {RANGE_SEP} {BLANKS} (?P<num2> {NUMBER} ) )?"
                       rf" (?P<more> [余多] )? (?P<unit> {unit} )", re.VERBOSE)  # without the look at the second character
    assert [(m.span(), m.groupdict()) for m in rules.targets.quantity.finditer(text)] == \
        [(m.span(), m.groupdict()) for m in plain.finditer(text)]


@pytest.mark.parametrize("text", NOT_TARGET_LINES)
def test_quantities_scanned_from_the_first_number_start(rules, text):
    import re

    from pipeline.rules.targetrules import NUMBER_START
    from pipeline.targets import scan_quantities
    first = re.search(NUMBER_START, text)
    start = first.start() if first else len(text)
    assert scan_quantities(text, rules.targets, start) == scan_quantities(text, rules.targets)
