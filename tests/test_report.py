"""The comparison report: Markdown and self-contained HTML (inline CSS and SVG, no network)."""

from __future__ import annotations

import doctest

import pytest
from bs4 import BeautifulSoup

import pipeline.report as report
from pipeline.compare import compare
from pipeline.report import fmt_delta, fmt_value, word_diff
from pipeline.rules import load_rules
from tests.compare_helpers import fixture_pair

RULES = load_rules()


@pytest.fixture(scope="module")
def comparison():
    old, new, _ = fixture_pair()
    return compare(old, new, RULES)


def test_doctests():
    assert doctest.testmod(report).failed == 0


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


def test_markdown(comparison):
    md = report.markdown(comparison)
    assert "| continued (延续) | 10 |" in md
    assert "| modified (调整) | 19 |" in md
    assert "| new (新增) | 4 |" in md and "| dropped (删除) | 5 |" in md
    assert "| of which split (one old → several new) | 1 |" in md
    assert "| 地区生产总值 | growth | 7.5%左右 | 7%左右 | ↓ down | -0.5 pp | 1 → 1 | indicator |" in md
    assert "| 技改投资 | amount | 8000万元以上 | 1.2亿元以上 | ↑ up | +4000万元 | 19 → 19 | indicator |" in md
    assert "| 区科经局 | 4 | 4 | 0 | 8 | 3 | 4 | 0 | 7 | -1 | 区科技局、区经信局 |" in md
    assert "   - old 1.: ~~地方~~生产总值增长~~7.5~~%左右" in md
    assert "   - new 1.: **地区**生产总值增长**7**%左右" in md
    assert "   - old 8. 9.: 城镇登记失业率控制在4.5%以内 / 城镇~~新增~~就业~~3000~~人以上" in md
    assert "   - new 7.: 城镇登记失业率控制在4.5%以内**,新增**城镇就业**2800**人以上" in md
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_html_is_self_contained(comparison):
    page = report.html(comparison)
    low = page.lower().replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in low and "http://" not in low and "https://" not in low
    assert "<link" not in low and "@import" not in low and "url(" not in low
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("meta", charset="utf-8") is not None
    assert soup.style is not None


def test_html_content(comparison):
    soup = BeautifulSoup(report.html(comparison), "html.parser")
    svgs = soup.find_all("svg")
    assert len(svgs) == 2
    both = [r for r in comparison.indicators if r.old_value is not None and r.new_value is not None]
    assert len(svgs[0].find_all("circle")) == 2 * len(both)
    assert len(svgs[1].find_all("rect")) == 2 + 2 * min(len(comparison.units), report.CHART_UNITS)
    rows = soup.find("table", class_="tasks").find_all("tr")[1:]
    assert len(rows) == len(comparison.pairs)
    first = rows[0].find_all("td")
    assert [d.get_text() for d in first[2].find_all("del")] == ["地方", "7.5"]
    assert [i.get_text() for i in first[3].find_all("ins")] == ["地区", "7"]
    statuses = [r.find_all("td")[1].get("class")[0] for r in rows]
    assert statuses.count("dropped") == 5 and statuses.count("new") == 4


def test_html_escapes_text(comparison):
    import dataclasses

    p = dataclasses.replace(comparison.pairs[0], new_text="<b>& 地区生产总值", old_text="地方生产总值")
    c = dataclasses.replace(comparison, pairs=(p,))
    page = report.html(c)
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page


def test_reports_deterministic(comparison):
    old, new, _ = fixture_pair()
    again = compare(old, new, RULES)
    assert report.html(again) == report.html(comparison)
    assert report.markdown(again) == report.markdown(comparison)
