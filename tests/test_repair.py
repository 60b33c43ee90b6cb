"""Certain repairs and findings (rules/repairs.toml)."""

import pytest
import regex

from pipeline.records import Page, PageMeta, join_blocks
from pipeline.repair import DOC_NUMBER_YEAR, repair


def page_of(lines, title=None):
    text, blocks = join_blocks([(line, "p", None) for line in lines])
    return Page("t.txt", text, blocks, PageMeta(title=title))


def run(rules, lines, title=None):
    return repair(page_of(lines, title), "d", rules.repairs, rules.metadata)


HEADER = ["黄石港区人民政府", "关于印发2025年区政府重点工作分解意见的通知"]


@pytest.mark.parametrize("lines,before,after,rule", [
    (["港政发〔20251"] + HEADER, "港政发〔20251", "港政发〔2025〕1号", "garbled_doc_number"),
    (["鄂州政发〔202412"] + ["鄂州市人民政府", "关于印发2024年重点工作分解方案的通知"], "鄂州政发〔202412", "鄂州政发〔2024〕12号",
     "garbled_doc_number"),
    (HEADER + ["黄石港区人民政府", "20251月13"], "20251月13", "2025年1月13日", "garbled_date"),
    (HEADER + ["某县人民政府", "202312月5"], "202312月5", "2023年12月5日", "garbled_date"),
    (["港政发〔2025〕3"] + HEADER, "港政发〔2025〕3", "港政发〔2025〕3号", "doc_number_without_hao"),
], ids=["doc-number-year-from-title", "doc-number-two-digit-number", "date-jan", "date-dec", "doc-number-lost-hao"])
def test_certain_repairs(rules, lines, before, after, rule):
    r = run(rules, lines)
    (rep,) = [x for x in r.repairs if x.rule == rule]
    assert (rep.before, rep.after) == (before, after)
    assert r.page.text[rep.span_start:rep.span_end] == after
    assert rep.evidence


def test_doc_number_prefers_the_number_printed_in_full(rules):
    r = run(rules, ["港政发〔2025〕1号 黄石港区人民政府 关于印发2025年区政府重点工作分解意见的通知", "港政发〔20251"] + HEADER)
    (rep,) = r.repairs
    assert rep.after == "港政发〔2025〕1号" and "in full elsewhere" in rep.evidence


def test_doc_number_without_known_year_is_only_reported(rules):
    r = run(rules, ["港政发〔20251", "黄石港区人民政府", "关于做好重点工作的通知"])
    assert r.repairs == ()
    assert [f.code for f in r.findings] == ["garbled_doc_number"]


def test_ambiguous_date_is_only_reported(rules):
    r = run(rules, HEADER + ["某区人民政府", "2026115日"])
    assert r.repairs == ()
    assert [f.code for f in r.findings] == ["ambiguous_date"]


def test_truncated_title_from_page_title(rules):
    title = "港政发〔2025〕1号 黄石港区人民政府 关于印发2025年区政府重点工作分解意见的通知"
    r = run(rules, ["黄石港区人民政府", "关于印发2025年区政府重点工作分解意见的", "江北管理区、各街道办事处:"], title=title)
    (rep,) = r.repairs
    assert rep.rule == "truncated_title"
    assert rep.after == "关于印发2025年区政府重点工作分解意见的通知"
    assert r.page.blocks[1].text == rep.after


def test_title_wrapped_over_lines_is_not_repaired(rules):
    r = run(rules, ["县人民政府办公室关于", "对县重点工作进行责任分解的通知"],
            title="县人民政府办公室关于对县重点工作进行责任分解的通知")
    assert r.repairs == ()


@pytest.mark.parametrize("line,code,span", [
    ("根据区十一届人大次会议通过的《政府工作报告》", "missing_ordinal", "届人大次会议"),
    ("扎实开展323”攻坚行动", "unbalanced_quote", "”"),
    ("打造“政校企研用的创新生态", "unbalanced_quote", "“"),
], ids=["missing-ordinal", "closing-quote-alone", "opening-quote-alone"])
def test_findings_change_nothing(rules, line, code, span):
    r = run(rules, [line])
    assert r.repairs == ()
    (f,) = r.findings
    assert f.code == code and r.page.text[f.span_start:f.span_end] == span
    assert r.page.text == line


def test_balanced_quotes_are_fine(rules):
    assert run(rules, ["增强“四个意识”、坚定“四个自信”,《纲要》"]).findings == ()


def test_findings_keep_their_place_after_repairs_shift_text(rules):
    r = run(rules, ["港政发〔20251"] + HEADER + ["根据区十一届人大次会议通过"])
    (f,) = [f for f in r.findings if f.code == "missing_ordinal"]
    assert r.page.text[f.span_start:f.span_end] == "届人大次会议"



def _required_at(src: str, at: int) -> bool:
    """True when the piece of the regex ``src`` (whitespace removed) that starts at ``at`` is in every match:
    no group holding it (nor the top level) has an alternative, and none of them is optional."""
    stack = [{"alt": False, "holds": False}]  # the open groups, the top level first
    k, in_class = 0, False
    while k < len(src):
        ch = src[k]
        if k == at:
            for g in stack:
                g["holds"] = True
        if ch == "\\":
            k += 2
            continue
        if in_class or ch == "[":
            in_class = ch != "]"
        elif ch == "(":
            stack.append({"alt": False, "holds": False})
        elif ch == ")":
            g = stack.pop()
            if g["holds"] and (g["alt"] or (k + 1 < len(src) and src[k + 1] in "?*{")):
                return False
        elif ch == "|":
            stack[-1]["alt"] = True
        k += 1
    return not (stack[0]["holds"] and stack[0]["alt"])


def test_doc_number_patterns_cross_a_bracketed_year(rules):
    # repair.py scans a block with these patterns (and reads the 文号 printed in full, metadata.toml's
    # doc_number) only where DOC_NUMBER_YEAR finds a bracket then a year: exact while every match of each
    # pattern crosses one
    for p in (rules.repairs.garbled_doc_number, rules.repairs.doc_number_without_hao, rules.metadata.doc_number):
        src = regex.sub(r"\s+", "", p.pattern)
        m = regex.search(r"\[([^\]]*)\]\\s\*(?:\(\?P<\w+>)?\(\?:19\|20\)\\d\\d", src)
        assert m is not None, p.pattern
        assert set(regex.sub(r"\\(.)", r"\1", m[1])) <= set("〔[［(（【")
        assert _required_at(src, m.start()), p.pattern
    assert _required_at("a(b)c", 2) and not _required_at("a(b)?c", 2) and not _required_at("a|(b)c", 2)
    assert not _required_at("(a|b)c", 3) and _required_at("(a|b)c", 5)
    assert DOC_NUMBER_YEAR.search("港政发〔2025") and DOC_NUMBER_YEAR.search("（ 1998")
    assert DOC_NUMBER_YEAR.match("〔\u30002025")  # a blank after the bracket: asked, not turned away
