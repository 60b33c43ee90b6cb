"""The comparison report: Markdown and self-contained HTML (inline CSS and SVG, no network), bilingual,
honest charts (axes, ticks, units, one scale per indicator, colour = assessment)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from bs4 import BeautifulSoup

from pipeline.compare import compare_series, report
from pipeline.compare.charts import CHART_UNITS, FONTS, nice_ticks, small_multiple, unit_chart
from pipeline.compare.fmt import fmt_delta, fmt_value, word_diff
from pipeline.compare.records import TargetPoint, UnitYear
from pipeline.rules import load_rules
from tests.compare_helpers import fixture_pair, series_fixture

RULES = load_rules()


@pytest.fixture(scope="module")
def pair():
    old, new, _ = fixture_pair()
    return compare_series([old, new], RULES)


@pytest.fixture(scope="module")
def hewan():
    exs, _ = series_fixture()
    return compare_series(exs, RULES)


@pytest.mark.parametrize("old, new, runs", [
    ("地方生产总值增长7%左右", "地区生产总值增长6.5%左右",
     [("delete", "地方"), ("insert", "地区"), ("equal", "生产总值增长"), ("delete", "7"), ("insert", "6.5"),
      ("equal", "%左右")]),
    ("完成市下达的节能减排任务", "完成市下达的节能减排任务", [("equal", "完成市下达的节能减排任务")]),
    ("", "新增托位80个", [("insert", "新增托位80个")]),
], ids=["indicator-renamed", "identical", "all-new"])
def test_word_diff(old, new, runs):
    assert word_diff(old, new) == runs


@pytest.mark.parametrize("args, text", [
    ((4.5, None, "%", "at_most"), "4.5%以内"),
    ((5000, None, "人", "at_least"), "5000人以上"),
    ((152.08, None, "亿元", "exact"), "152.08亿元"),
    ((5, 8, "%", "around"), "5-8%左右"),
], ids=["at_most", "at_least", "decimal", "range"])
def test_fmt_value(args, text):
    assert fmt_value(*args) == text


@pytest.mark.parametrize("args, text", [
    ((-0.5, "pp"), "-0.5 pp"),
    ((-500.0, "人"), "-500人"),
    ((2e7, "元"), "+2000万元"),
    ((-1.5e9, "元"), "-15亿元"),
    ((None, None), ""),
], ids=["pp", "count", "wan", "yi", "none"])
def test_fmt_delta(args, text):
    assert fmt_delta(*args) == text


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


def test_markdown_pair(pair):
    md = report.markdown(pair)
    assert "| 对比 pair | 延续 continued | 调整 modified | 新增 new | 删除 dropped | 未知(截断) unknown: capture cut |" in md
    assert "| qingwan-2024 → qingwan-2025 | 10 | 19 | 4 | 5 | 0 | 1 | 1 |" in md
    assert ("| 地区生产总值 | 增速 | 7.5%左右 | 7%左右 | 下调 lowered | -0.5 pp | 更差 worse | 承诺值变化 committed value "
            "moved | 越高越好 | 1 → 1 | indicator |") in md
    assert ("| 技改投资 | 金额 | 8000万元以上 | 1.2亿元以上 | 上调 raised | +4000万元 | 更好 better | 承诺值变化 committed "
            "value moved | 越高越好 | 19 → 19 | indicator |") in md
    assert "| 城镇登记失业率 | 比率 | 越低越好 | 4.5%以内 | 4.5%以内 不变 unchanged |" in md
    assert "| 区科经局 | 8 (4/4/0) | 7 (3/4/0) | -1 | 区科技局、区经信局 |" in md
    assert "   - 旧 old 1.: ~~地方~~生产总值增长~~7.5~~%左右" in md
    assert "   - 新 new 1.: **地区**生产总值增长**7**%左右" in md
    assert "   - 旧 old 8. 9.: 城镇登记失业率控制在4.5%以内 / 城镇~~新增~~就业~~3000~~人以上" in md
    assert "   - 新 new 7.: 城镇登记失业率控制在4.5%以内**,新增**城镇就业**2800**人以上" in md
    assert "判定分 pair score" in md and "文本相似度 text" in md and "pair score = text similarity + 0.25" in md
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_markdown_series(hewan):
    md = report.markdown(hewan)
    assert md.startswith("# 重点工作分解 2023–2025 对比 · year-over-year comparison\n")  # (the simple reader reads no issuer)
    assert "| 城镇登记失业率 | 比率 | 越低越好 | 4.2%以内 | 4.5%以内 更差 worse | 4.5%以内 不变 unchanged |" in md
    assert "| 单位地区生产总值能耗降幅 | 增速 | 越高越好 | 3% | 2.5% 更差 worse | 3% 更好 better |" in md
    assert "| 地区生产总值 | 增速 | 越高越好 | 7%左右 | 6.5%左右 更差 worse | 6.5%以上 更好 better |" in md
    assert "| 征收房屋 | 数量 | 越高越好(默认 assumed) | 300户 | 400户 更好 better | 350户 更差 worse |" in md
    assert "| 2023 + 2024 + 2025 | 3 |" in md  # task chains across all three years
    assert "区城市更新中心 | 5 (2/3/0) | 5 (2/3/0) | 0 | -5 | 建议并入 proposed → 区城市更新局 |" in md
    assert "| 建议更名(未合并) proposed, not merged | 4 |" in md


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


def test_html_is_self_contained(hewan):
    page = report.html(hewan)
    low = page.lower().replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in low and "http://" not in low and "https://" not in low
    assert "<link" not in low and "@import" not in low and "url(" not in low
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("meta", charset="utf-8") is not None and soup.html["lang"] == "zh-CN"
    assert soup.style is not None and FONTS in soup.style.string  # CJK fallback stack
    assert '"Noto Sans CJK SC"' in FONTS and '"Microsoft YaHei"' in FONTS and FONTS.endswith("sans-serif")


def test_no_arrow_reads_as_improvement(hewan):
    page = report.html(hewan) + report.markdown(hewan)
    assert not re.search("[↑↓▲▼]", page)


def test_assessment_is_coloured_and_worded(hewan):
    soup = BeautifulSoup(report.html(hewan), "html.parser")
    cells = {td.get_text(): td.get("class") for td in soup.find_all("td")}
    assert "worse" in cells["4.5%以内 更差 worse"] and "better" in cells["2人以内 更好 better"]
    assert "neutral" in cells["4.5%以内 不变 unchanged"]


def test_small_multiples_one_per_indicator_with_axes(hewan):
    soup = BeautifulSoup(report.html(hewan), "html.parser")
    charts = soup.find("div", class_="multiples").find_all("svg")
    indicators = sorted({p.label for p in hewan.targets if p.indicator})
    assert sorted(svg.find("text").get_text() for svg in charts) == indicators
    unemployment = next(svg for svg in charts if svg.find("text").get_text() == "城镇登记失业率")
    texts = [t.get_text() for t in unemployment.find_all("text")]
    assert "比率 · 越低越好 · 单位 %" in texts and {"2023", "2024", "2025"} <= set(texts)
    assert {"0", "2", "4", "6"} <= set(texts)  # ticks from zero
    segments = [ln["stroke"] for ln in unemployment.find_all("line") if ln.get("stroke-width") == "2.5"]
    assert segments == ["#c62828", "#80868b"]  # worse (a looser cap), then unchanged


def _point(pos, value, unit="亿元", assessment=""):
    return TargetPoint(series=1, indicator="技改投资", label="技改投资", kind="amount", position=pos, doc_id=f"d{pos}",
                       year=2023 + pos, item_seq=1, metric="技改投资", value=value, value_high=None, unit=unit,
                       value_std=value * (1e8 if unit == "亿元" else 1e4), unit_std="元", qualifier="at_least",
                       text="", polarity="higher", polarity_source="indicator", reduction=False, change="",
                       assessment=assessment)


def test_small_multiple_one_scale_in_the_indicators_unit():
    svg = small_multiple([_point(0, 8000, "万元"), _point(1, 1.2, "亿元", "better")], ["2023", "2024"], [False, False])
    soup = BeautifulSoup(svg, "html.parser")
    texts = [t.get_text() for t in soup.find_all("text")]
    assert "金额 · 越高越好 · 单位 亿元" in texts  # 8000万元 and 1.2亿元 on one axis, in 亿元
    ys = [float(c["cy"]) for c in soup.find_all("circle")]
    assert ys[1] < ys[0]  # 1.2亿 is drawn higher than 0.8亿
    assert "8000万元以上" in texts and "1.2亿元以上" in texts


def test_unit_chart_says_when_it_shows_the_top_units_only(pair):
    units = [UnitYear(unit=f"区单位{i:02d}局", position=p, doc_id="d", year=2024 + p, lead=0, responsible=i, cooperating=0,
                      total=i, renamed_from=(), truncated=False) for i in range(1, CHART_UNITS + 7) for p in (0, 1)]
    svg = unit_chart(units, ["2024", "2025"], [False, False])
    names = [t.get_text() for t in BeautifulSoup(svg, "html.parser").find_all("text") if t.get_text().startswith("区单位")]
    assert len(names) == CHART_UNITS and names[0] == f"区单位{CHART_UNITS + 6:02d}局"
    page = report.html(pair)
    n = len({u.unit for u in pair.units})
    assert f"The chart shows the {CHART_UNITS} busiest of {n} units; the table lists all." in page


def test_nice_ticks_cover_the_values():
    for lo, hi in [(0, 7.5), (0, 1.2), (0, 3000), (-2, 5)]:
        t = nice_ticks(lo, hi)
        assert t[0] <= lo and t[-1] >= hi and len(t) <= 7


def test_html_tasks(pair):
    soup = BeautifulSoup(report.html(pair), "html.parser")
    rows = soup.find("table", class_="tasks").find_all("tr")[1:]
    c = pair.comparisons[0]
    assert len(rows) == len(c.pairs)
    first = rows[0].find_all("td")
    assert [d.get_text() for d in first[2].find_all("del")] == ["地方", "7.5"]
    assert [i.get_text() for i in first[3].find_all("ins")] == ["地区", "7"]
    assert first[5].get_text() == "同一指标 same indicator地区生产总值"  # indicator match, its own column
    for row, p in zip(rows, c.pairs):  # the text similarity and the pair score, each in its own column
        cells = row.find_all("td")
        if p.text_similarity is not None:
            assert (cells[4].get_text(), cells[6].get_text()[:4]) == (f"{p.text_similarity:.2f}", f"{p.pair_score:.2f}")
    assert any(p.pair_score - p.text_similarity > 0.2 for p in c.pairs if p.indicator_match == "same"
               and p.text_similarity is not None)
    statuses = [r.find_all("td")[1].get("class")[0] for r in rows]
    assert statuses.count("dropped") == 5 and statuses.count("new") == 4


def test_html_escapes_text(pair):
    c = pair.comparisons[0]
    p = dataclasses.replace(c.pairs[0], new_text="<b>& 地区生产总值", old_text="地方生产总值")
    s = dataclasses.replace(pair, comparisons=(dataclasses.replace(c, pairs=(p,)),))
    page = report.html(s)
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page


def test_reports_deterministic(pair):
    old, new, _ = fixture_pair()
    again = compare_series([old, new], RULES)
    assert report.html(again) == report.html(pair)
    assert report.markdown(again) == report.markdown(pair)
