"""pipeline.evaluate: the scoring math on tiny hand-made extractions, fixture discovery, floors, and
`fenjie eval` through click's CliRunner."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from pipeline.cli import cli
from pipeline.evaluate import (
    EvalReport,
    FixtureError,
    Ratio,
    Score,
    align,
    find_fixtures,
    load_floors,
    parse_unit,
    score,
)
from pipeline.records import Assignment, Document, Extraction, Finding, Item


def doc(**kw) -> Document:
    base = dict(doc_id="d", source="x.txt", source_sha256="0" * 64, encoding="utf-8", issuer=None,
                doc_number=None, title=None, year=None, issued_date=None, published_date=None)
    return Document(**{**base, **kw})


def item(seq: int, label: str, text: str, section: str | None = "一、", deadline_text=None, deadline=None) -> Item:
    return Item("d", seq, label, section, "标题", None, None, None, text, 0, len(text), deadline_text, deadline)


def unit(seq: int, role: str, name: str, raw: str | None = None) -> Assignment:
    return Assignment("d", seq, role, role, 1, name, raw or name, False)


def exp_item(label: str, head: str, units: list[str], **kw) -> dict:
    return {"label": label, "section": "一、", "subsection": None, "group": None, "text_head": head,
            "deadline_text": None, "deadline": None, "units": units, **kw}


EXPECTED = {
    "document": {"year": 2025, "issued_date": "2025-01-13"},
    "items": [exp_item("1.", "地区生产总值增长", ["lead:区发改局", "responsible:区财政局"]),
              exp_item("2.", "新增城镇就业", ["lead:区人社局"]),
              exp_item("3.", "完成老旧小区改造", ["responsible:区住建局"],
                       deadline_text="2025年6月底前", deadline="2025-06-30")],
    "findings": ["no_items"],
}
# item 1 right but one role wrong; item 2 mislabelled (not aligned); item 3 right; one spurious item 4
GOT = Extraction(
    doc(year=2025, issued_date=dt.date(2025, 1, 14)), "",
    items=(item(1, "1.", "地区生产总值增长6%。"), item(2, "2、", "新增城镇就业3000人。"),
           item(3, "3.", "完成老旧小区改造12个。", deadline_text="2025年6月底前", deadline=dt.date(2025, 6, 30)),
           item(4, "4.", "工作要求")),
    assignments=(unit(1, "lead", "区发改局"), unit(1, "cooperating", "区财政局"), unit(2, "lead", "区人社局"),
                 unit(3, "responsible", "区住建局"), unit(4, "responsible", "各街道办事处")),
)


@pytest.fixture(scope="module")
def result():
    return score(EXPECTED, GOT, "tiny")


def test_items_aligned_by_label_and_text_head(result):
    assert result.items == Score(tp=2, expected=3, found=4)
    assert (result.items.precision, round(result.items.recall, 4), round(result.items.f1, 4)) == (0.5, 0.6667, 0.5714)


def test_assignment_triples_count_only_on_aligned_items(result):
    # expected 4 units; found 5; right: lead:区发改局 (item 1), responsible:区住建局 (item 3).
    # lead:区人社局 is printed right but on an item that is not aligned: no credit.
    assert result.assignments == Score(tp=2, expected=4, found=5)
    assert round(result.assignments.f1, 4) == round(2 * 0.4 * 0.5 / 0.9, 4)


def test_assignment_scores_per_role(result):
    assert result.roles["lead"] == Score(1, 2, 2)
    assert result.roles["responsible"] == Score(1, 2, 2)
    assert result.roles["cooperating"] == Score(0, 0, 1)
    assert result.roles["leader"] == Score(0, 0, 0)
    assert result.roles["cooperating"].precision == 0.0 and result.roles["leader"].f1 == 1.0


def test_metadata_deadlines_findings(result):
    assert result.metadata == Ratio(1, 2)  # year right, issued_date one day off
    assert result.deadlines == Ratio(2, 2)  # over aligned items: item 1 (none) and item 3 (June 30)
    assert result.findings == Ratio(0, 1)


def test_differences_name_the_first_wrong_field(result):
    d = result.differences
    assert d[0] == "document.issued_date: expected '2025-01-13', got '2025-01-14'"
    assert d[1] == ("item 1 (1. 地区生产总值增长): units: expected ['lead:区发改局', 'responsible:区财政局'], "
                    "got ['lead:区发改局', 'cooperating:区财政局']")
    assert d[2] == "item 2 (2. 新增城镇就业): label: expected '2.', got '2、'"
    assert "items: expected 3, got 4; first extra: '4.' '工作要求'" in d
    assert d[-1] == "finding 'no_items' expected, not reported"
    assert not result.exact


def test_exact_extraction_has_no_differences_and_full_scores():
    exp = {"document": {"year": 2025}, "items": [exp_item("1.", "地区生产总值", ["leader:刘哲<刘 哲", "lead:区发改局"])]}
    got = Extraction(doc(year=2025), "", items=(item(1, "1.", "地区 生产总值增长"),),
                     assignments=(unit(1, "leader", "刘哲", "刘 哲"), unit(1, "lead", "区发改局")),
                     findings=(Finding("d", "info", "x", "", None, None),))
    r = score(exp, got)
    assert r.exact and r.items.f1 == 1.0 and r.assignments.f1 == 1.0 and r.metadata.value == 1.0


def test_name_raw_is_compared_when_the_expected_unit_gives_it():
    exp = {"items": [exp_item("1.", "地区生产总值", ["leader:刘哲<刘 哲"])]}
    got = Extraction(doc(), "", items=(item(1, "1.", "地区生产总值增长"),),
                     assignments=(unit(1, "leader", "刘哲", "刘哲"),))
    r = score(exp, got)
    assert r.assignments.f1 == 1.0  # the score counts names
    assert r.differences == ("item 1 (1. 地区生产总值): units: expected ['leader:刘哲<刘 哲'], got ['leader:刘哲<刘哲']",)


def test_duplicate_units_count_as_a_multiset():
    exp = {"items": [exp_item("1.", "地区生产总值", ["responsible:区财政局", "responsible:区财政局"])]}
    got = Extraction(doc(), "", items=(item(1, "1.", "地区生产总值增长"),),
                     assignments=(unit(1, "responsible", "区财政局"),))
    assert score(exp, got).assignments == Score(1, 2, 1)


def test_alignment_keeps_document_order():
    exp = [exp_item("1.", "甲甲甲", []), exp_item("2.", "乙乙乙", [])]
    assert len(align(exp, [item(1, "2.", "乙乙乙"), item(2, "1.", "甲甲甲")])) == 1  # swapped: only one can align
    assert align(exp, [item(1, "1.", "甲甲甲x"), item(2, "9.", "丙"), item(3, "2.", "乙乙乙")]) == [(0, 0), (1, 2)]


def test_a_failed_extraction_scores_zero_recall():
    r = score(EXPECTED, None, "broken", error="x.txt: outline: no tasks found")
    assert r.items == Score(0, 3, 0) and r.assignments == Score(0, 4, 0) and r.metadata == Ratio(0, 2)
    assert r.differences == ("extraction failed: x.txt: outline: no tasks found",)


def test_no_items_expected_and_none_found_is_perfect():
    r = score({"items": [], "findings": ["no_items"]},
              Extraction(doc(), "", findings=(Finding("d", "error", "no_items", "", None, None),)))
    assert (r.items.f1, r.assignments.f1, r.findings.value, r.exact) == (1.0, 1.0, 1.0, True)


def test_report_sums_fixtures_and_checks_floors(result):
    other = score({"items": [exp_item("1.", "甲甲甲", ["lead:区发改局"])]},
                  Extraction(doc(), "", items=(item(1, "1.", "甲甲甲"),), assignments=(unit(1, "lead", "区发改局"),)))
    report = EvalReport((result, other), {"item_f1": 0.7, "assignment_f1": 0.5})
    assert report.items == Score(3, 4, 5) and report.assignments == Score(3, 5, 6)
    assert report.role("lead") == Score(2, 3, 3)
    assert round(report.items.f1, 4) == round(2 * 0.6 * 0.75 / 1.35, 4)  # 0.6667 < 0.7
    assert report.below_floors() == ["item_f1 0.667 is below its floor 0.700"]


@pytest.mark.parametrize("spec,want", [
    ("lead:区发改局", ("lead", "区发改局", None)),
    ("leader:刘哲<刘 哲", ("leader", "刘哲", "刘 哲")),
    ("responsible:各县(市、区)政府", ("responsible", "各县(市、区)政府", None)),
], ids=["plain", "with-raw", "parentheses"])
def test_parse_unit(spec, want):
    assert parse_unit(spec) == want


def test_parse_unit_rejects_a_bare_name():
    with pytest.raises(ValueError):
        parse_unit("区发改局")


# ---------------------------------------------------------------- files


NOTICE = """临江区人民政府文件
临政发〔2024〕3号
临江区人民政府关于印发2024年区政府重点工作任务分解方案的通知
各街道办事处,区直各部门:
临江区人民政府
2024年2月6日
一、主要预期目标
1.地区生产总值增长6.5%左右。(牵头单位:区发改局;责任单位:区统计局)
2.一般公共预算收入增长5%。(责任单位:区财政局、区税务局)
"""


def write_case(d, name="numbering-tiny", units1=("lead:区发改局", "responsible:区统计局")):
    d.mkdir(exist_ok=True)
    (d / f"{name}.txt").write_text(NOTICE, "utf-8")
    exp = {"document": {"doc_number": "临政发〔2024〕3号"},
           "items": [exp_item("1.", "地区生产总值增长", list(units1)),
                     exp_item("2.", "一般公共预算收入", ["responsible:区财政局", "responsible:区税务局"])]}
    (d / f"{name}.expected.json").write_text(json.dumps(exp, ensure_ascii=False), "utf-8")
    return d


def test_find_fixtures_by_glob(tmp_path):
    d = write_case(tmp_path / "f")
    (d / "README.md").write_text("not a fixture", "utf-8")
    (fx,) = find_fixtures(d)
    assert fx.name == "numbering-tiny" and fx.path.name == "numbering-tiny.txt"


@pytest.mark.parametrize("setup,reason", [
    (lambda d: (d / "lone.txt").write_text("x", "utf-8"), "fixture 'lone' has no expected file"),
    (lambda d: (d / "lone.expected.json").write_text('{"items": []}', "utf-8"), "fixture 'lone' has no notice"),
    (lambda d: ((d / "bad.txt").write_text("x", "utf-8"), (d / "bad.expected.json").write_text("{", "utf-8")),
     "cannot read expected file"),
    (lambda d: ((d / "bad.txt").write_text("x", "utf-8"),
                (d / "bad.expected.json").write_text('{"items": [{"label": "1.", "text_head": "x", "units": ["x"]}]}',
                                                     "utf-8")),
     "expected item 1: unit 'x' is not role:name"),
], ids=["notice-without-expected", "expected-without-notice", "bad-json", "bad-unit"])
def test_half_added_or_broken_fixtures_are_errors(tmp_path, setup, reason):
    setup(tmp_path)
    with pytest.raises(FixtureError, match=reason):
        find_fixtures(tmp_path)


def test_floors_file(tmp_path):
    p = tmp_path / "floors.toml"
    assert load_floors(p) == {}
    p.write_text("item_f1 = 0.8\nassignment_f1 = 1\n", "utf-8")
    assert load_floors(p) == {"item_f1": 0.8, "assignment_f1": 1.0}
    p.write_text("item_recall = 0.8\n", "utf-8")
    with pytest.raises(FixtureError, match="floor 'item_recall'"):
        load_floors(p)
    p.write_text("item_f1 = 1.5\n", "utf-8")
    with pytest.raises(FixtureError):
        load_floors(p)


# ---------------------------------------------------------------- CLI


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_eval_prints_the_table_and_exits_0(tmp_path):
    d = write_case(tmp_path / "f")
    (d / "floors.toml").write_text("item_f1 = 1.0\nassignment_f1 = 1.0\n", "utf-8")
    r = run("eval", str(d))
    assert r.exit_code == 0, r.output
    assert "numbering-tiny" in r.output and "floor item_f1: 1.000 >= 1.000  ok" in r.output
    assert "lead " in r.output and "overall" in r.output


def test_cli_eval_exits_1_below_a_floor(tmp_path):
    d = write_case(tmp_path / "f", units1=("lead:区发改局", "cooperating:区统计局"))  # one role wrong
    (d / "floors.toml").write_text("assignment_f1 = 0.9\n", "utf-8")
    r = run("eval", str(d), "--details")
    assert r.exit_code == 1
    assert "assignment_f1 0.750 is below its floor 0.900" in r.output
    assert "item 1 (1. 地区生产总值增长): units" in r.output  # --details names the difference


def test_cli_eval_floors_option(tmp_path):
    d = write_case(tmp_path / "f")
    floors = tmp_path / "strict.toml"
    floors.write_text("metadata_accuracy = 1.0\n", "utf-8")
    r = run("eval", str(d), "--floors", str(floors))
    assert r.exit_code == 0 and "floor metadata_accuracy" in r.output


@pytest.mark.parametrize("args,message", [
    (["eval"], "Missing argument"),
    (["eval", "/nonexistent/fixtures"], "not a directory"),
    (["eval", "EMPTY"], "no fixtures found"),
    (["eval", "BAD_FLOORS"], "floor 'recall'"),
], ids=["no-dir", "missing-dir", "empty-dir", "bad-floors"])
def test_cli_eval_usage_errors_exit_2(tmp_path, args, message):
    (tmp_path / "EMPTY").mkdir()
    write_case(tmp_path / "BAD_FLOORS")
    (tmp_path / "BAD_FLOORS" / "floors.toml").write_text("recall = 0.5\n", "utf-8")
    args = [str(tmp_path / a) if a.isupper() else a for a in args]
    r = run(*args)
    assert r.exit_code == 2
    assert message in r.output
    assert "Traceback" not in r.output


def test_the_format_fixtures_hold_their_floors():
    r = run("eval", str(FIXTURES / "formats"))
    assert r.exit_code == 0, r.output
    assert "BELOW FLOOR" not in r.output


def test_eval_help_has_an_example():
    r = run("eval", "--help")
    assert r.exit_code == 0 and "Example:" in r.output and "fenjie eval tests/fixtures/formats" in r.output


def test_doctests_of_the_module():
    import doctest

    import pipeline.evaluate

    res = doctest.testmod(pipeline.evaluate)
    assert res.attempted >= 6 and res.failed == 0
