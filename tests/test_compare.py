"""Compare two breakdowns (issues 5, 11, 13): alignment, indicator changes, unit load, loading, the CLI, and
the near-linear candidate search (the same alignment as scoring every pair)."""

from __future__ import annotations

import doctest
import importlib
import json
import pkgutil
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import pipeline.compare as cmp
from pipeline.cli import cli
from pipeline.compare import ItemPair, compare, run_compare
from pipeline.compare.align import MATCH_THRESHOLD, NEIGHBOUR_THRESHOLD
from pipeline.compare.config import compare_rules
from pipeline.compare.features import Scorer, idf_weights, item_features, similarity
from pipeline.compare.load import extraction_from_json, load_extraction
from pipeline.compare.units import renamed
from pipeline.compare.wording import canonical_indicator
from pipeline.errors import CompareError
from pipeline.rules import load_rules
from pipeline.write import document_json, dumps
from tests.compare_helpers import extraction_from_text, fixture_pair, gold_links

RULES = load_rules()
CFG = compare_rules(RULES)
WORDINGS = CFG.wordings


@pytest.fixture(scope="module")
def qingwan():
    old, new, exp = fixture_pair("qingwan")
    return old, new, exp, compare(old, new, RULES)


@pytest.mark.parametrize("module", sorted(m.name for m in pkgutil.iter_modules(cmp.__path__)))
def test_doctests(module):
    mod = importlib.import_module(f"pipeline.compare.{module}")
    assert doctest.testmod(mod).failed == 0


# --------------------------------------------------------------------------
# Rules: indicator synonyms and unit renames
# --------------------------------------------------------------------------


@pytest.mark.parametrize("metric, canonical", [
    ("地方生产总值", "地区生产总值"),
    ("地区生产总值", "地区生产总值"),
    ("GDP", "地区生产总值"),
    ("单位GDP能耗", "单位地区生产总值能耗"),
    ("地方公共财政预算收入", "一般公共预算收入"),
    ("地方财政一般预算收入", "一般公共预算收入"),
    ("一般公共预算收入", "一般公共预算收入"),
    ("地方一般公共预算收入", "一般公共预算收入"),
    ("外贸出口", "外贸出口"),
    ("外贸出口总额", "外贸出口"),
    ("外贸进出口总额", "外贸进出口"),
    ("规模以上工业增加值", "规模以上工业增加值"),
    ("规上工业增加值", "规模以上工业增加值"),
    ("社会消费品零售总额", "社会消费品零售总额"),
    ("全社会固定资产投资", "固定资产投资"),
    ("城镇登记失业率", "城镇登记失业率"),
    ("城镇调查失业率", "城镇调查失业率"),
    ("城镇新增就业", "城镇新增就业"),
    ("新增城镇就业", "城镇新增就业"),
    ("居民人均可支配收入", "居民人均可支配收入"),
    ("城镇常住居民人均可支配收入", "城镇居民人均可支配收入"),
    ("新增高新技术企业", "高新技术企业"),
    ("技改投资额", "技改投资"),
    ("新增限上商贸企业", None),
    ("改造老旧小区", None),
], ids=lambda v: str(v))
def test_canonical_indicator(metric, canonical):
    assert canonical_indicator(metric, WORDINGS) == canonical


@pytest.mark.parametrize("old, new", [
    ("区环保局", "区生态环境分局"),
    ("区经信局", "区科经局"),
    ("区科技局", "区科经局"),
    ("区商务局", "区商务办"),
    ("市工商局", "市市场监管局"),
    ("区发改委", "区发改局"),
    ("区卫计局", "区卫健局"),
    ("区财政局", "区财政局"),  # not renamed
    ("各街办", "各街办"),
], ids=lambda v: v)
def test_unit_renames(old, new):
    assert renamed(old, CFG.renames, CFG.prefixes) == new


# --------------------------------------------------------------------------
# Alignment on the two-year fixture
# --------------------------------------------------------------------------


def test_every_item_appears_exactly_once(qingwan):
    old, new, _, c = qingwan
    olds = [s for p in c.pairs for s in p.old_items]
    news = [s for p in c.pairs for s in p.new_items]
    assert sorted(olds) == [i.item_seq for i in old.items]
    assert sorted(news) == [i.item_seq for i in new.items]


@pytest.mark.parametrize("name", ["qingwan", "lanxi"])
def test_alignment_precision_recall(name, capsys):
    """Precision and recall of the (old, new) links against the hand-made gold alignment."""
    old, new, exp = fixture_pair(name)
    c = compare(old, new, RULES)
    gold, pred = gold_links(exp), c.links()
    tp = len(gold & pred)
    precision, recall = tp / len(pred), tp / len(gold)
    dropped = sorted(s for p in c.pairs if p.status == "dropped" for s in p.old_items)
    new = sorted(s for p in c.pairs if p.status == "new" for s in p.new_items)
    with capsys.disabled():
        print(f"\n{name} alignment: links {len(pred)} predicted, {len(gold)} gold, {tp} correct; "
              f"precision {precision:.3f} recall {recall:.3f}; dropped {dropped}, new {new}")
    assert (precision, recall) == (1.0, 1.0), (sorted(pred - gold), sorted(gold - pred))
    assert dropped == exp["dropped"]
    assert new == exp["new_items"]


def test_statuses(qingwan):
    _, _, exp, c = qingwan
    got = {(p.old_items, p.new_items): p.status for p in c.pairs if p.old_items and p.new_items}
    want = {(tuple(o), tuple(n)): s for o, n, s in exp["rows"]}
    wrong = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    assert not wrong


def test_split_and_merger(qingwan):
    _, _, _, c = qingwan
    rel = {(p.old_items, p.new_items): p.relation for p in c.pairs}
    assert rel[((13,), (12, 13))] == "split"
    assert rel[((8, 9), (7,))] == "merged"


@pytest.mark.parametrize("old_seq, new_seq, added, removed", [
    ((14,), (14,), ("东门街办",), ()),
    ((32,), (31,), ("区退役军人事务局",), ()),
    ((26,), (26,), (), ("区城执局",)),  # 区城管局 renamed to 区城执局, then no longer named
    ((24,), (24,), (), ()),  # 区工商局 -> 区市场监管局 is a rename, not a change
], ids=["unit-added", "unit-added-2", "unit-removed-after-rename", "rename-only"])
def test_unit_changes_of_pairs(qingwan, old_seq, new_seq, added, removed):
    _, _, _, c = qingwan
    p = next(p for p in c.pairs if p.old_items == old_seq and p.new_items == new_seq)
    assert (p.units_added, p.units_removed) == (added, removed)


def test_scores_kept_and_above_threshold(qingwan):
    _, _, _, c = qingwan
    for p in c.pairs:
        if p.relation == "one_to_one":
            floor = MATCH_THRESHOLD if p.paired_by == "best_first" else NEIGHBOUR_THRESHOLD
            assert p.pair_score is not None and floor <= p.pair_score <= 1.0
            assert 0.0 <= p.text_similarity <= p.pair_score
        elif p.relation == "unpaired":
            assert (p.text_similarity, p.pair_score, p.paired_by) == (None, None, "")
    assert {p.paired_by for p in c.pairs if p.relation == "one_to_one"} == {"best_first"}


# --------------------------------------------------------------------------
# Honest scores: the text similarity is not filled up by the indicator bonus
# --------------------------------------------------------------------------


@pytest.mark.parametrize("old, new, match, shared", [
    ("地区生产总值增长11%左右", "地方生产总值增长10%", "same", ("地区生产总值",)),  # issue 11: was 1.00
    ("城镇登记失业率控制在4.5%以内", "城镇调查失业率控制在5.5%左右", "different", ()),
    ("建设冷链物流园", "建设冷链物流产业园", "none", ()),
], ids=["same-indicator", "different-indicators", "no-indicator"])
def test_text_similarity_and_indicator_match_apart(old, new, match, shared):
    a = extraction_from_text(f"一、目标\n1.{old}。(责任单位:区发改局)", "a")
    b = extraction_from_text(f"一、目标\n1.{new}。(责任单位:区发改局)", "b")
    (p,) = [p for p in compare(a, b, RULES).pairs if p.old_items and p.new_items] or [None]
    s = similarity(item_features(old, WORDINGS, CFG.stop_tokens), item_features(new, WORDINGS, CFG.stop_tokens), {})
    assert (s.match, tuple(sorted(s.shared))) == (match, shared)
    assert s.text < 1.0
    if match == "same":
        assert p is not None and p.text_similarity < 1.0 and p.indicator_match == "same"
        assert p.pair_score == round(min(p.text_similarity + 0.25, 1.0), 6) and p.shared_indicators == shared
    elif match == "different":
        assert s.decision == 0.0 and p is None  # two indicator lines about different indicators never pair
    else:
        assert p is not None and p.pair_score == p.text_similarity


# --------------------------------------------------------------------------
# Near-linear candidates: the same pairs as scoring every pair
# --------------------------------------------------------------------------


def _shuffled_items(seed: int, n: int) -> tuple[dict[int, object], dict[int, object]]:
    """Two sets of task texts made of the fixture's words, reshuffled (many share common words)."""
    from pipeline.segment import tokens

    old, new, _ = fixture_pair("qingwan")
    words = [w for it in (*old.items, *new.items) for w in tokens(it.text)]
    rng = random.Random(seed)

    def text() -> str:
        return "".join(rng.choices(words, k=rng.randint(3, 16)))

    olds = [text() for _ in range(n)]
    news = [("".join(rng.sample(list(t), len(t))) if rng.random() < 0.2 else t[: len(t) // 2] + text())
            if rng.random() < 0.7 else text() for t in olds]
    f = lambda t: item_features(t, WORDINGS, CFG.stop_tokens)
    return {i: f(t) for i, t in enumerate(olds, 1)}, {i: f(t) for i, t in enumerate(news, 1)}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("floor", [0.15, 0.2, 0.3])
def test_candidate_search_finds_exactly_the_pairs_above_the_floor(seed, floor):
    fo, fn = _shuffled_items(seed, 60)
    w = idf_weights([set(f.tokens) | f.grams for f in (*fo.values(), *fn.values())])
    brute = {(o, n): s for o in fo for n in fn if (s := similarity(fo[o], fn[n], w)).decision >= floor}
    found = Scorer(fo, fn, w).pairs_above(floor)
    assert len(brute) > 20  # the test means something
    assert found.keys() == brute.keys()
    assert all(found[k] == brute[k] for k in brute)


def test_decoys_stay_apart(qingwan):
    """Same topic, different task: old 31 停车泊位 / new 34 充电桩; old 25 审批改革 / new 25 一网通办."""
    _, _, _, c = qingwan
    links = c.links()
    assert (31, 34) not in links and (25, 25) not in links and (7, 2) not in links


def test_rows_in_new_order_with_dropped_after_predecessor(qingwan):
    _, _, _, c = qingwan
    order = [(p.old_items, p.new_items) for p in c.pairs]
    assert order.index(((7,), ())) == order.index(((6,), (6,))) + 1
    assert order.index(((31,), ())) == order.index(((30,), (30,))) + 1
    assert [p.row for p in c.pairs] == list(range(1, len(c.pairs) + 1))


def test_identical_notices_all_continued(qingwan):
    old, _, _, _ = qingwan
    c = compare(old, old, RULES)
    assert {p.status for p in c.pairs} == {"continued"}
    assert all(p.old_items == p.new_items for p in c.pairs)


def test_nothing_in_common():
    a = extraction_from_text("一、重点工作\n1.建设冷链物流园。(牵头单位:区发改局)", "a")
    b = extraction_from_text("一、重点工作\n1.新增托位80个。(责任单位:区卫健局)", "b")
    c = compare(a, b, RULES)
    assert [(p.status, p.old_items, p.new_items) for p in c.pairs] == [("dropped", (1,), ()), ("new", (), (1,))]


# --------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------


def _key(r):
    return r.indicator or r.new_metric or r.old_metric


def test_indicator_changes(qingwan):
    _, _, exp, c = qingwan
    got = {_key(r): r for r in c.indicators}
    assert len(got) == len(c.indicators)
    for name, old_v, new_v, change, delta, basis in exp["indicators"]:
        r = got[name]
        assert (r.old_value, r.new_value, r.change, r.basis) == (
            old_v if old_v != "" else None, new_v if new_v != "" else None, change, basis), name
        assert r.delta == (delta if delta != "" else None), name


def test_every_target_once(qingwan):
    old, new, _, c = qingwan
    assert sorted((r.old_item_seq, r.old_text) for r in c.indicators if r.old_text) == \
        sorted((t.item_seq, t.span_text) for t in old.targets)
    assert sorted((r.new_item_seq, r.new_text) for r in c.indicators if r.new_text) == \
        sorted((t.item_seq, t.span_text) for t in new.targets)


def test_indicator_renamed_wording_lines_up(qingwan):
    _, _, _, c = qingwan
    r = next(r for r in c.indicators if r.indicator == "一般公共预算收入")
    assert (r.old_metric, r.new_metric, r.delta_unit) == ("地方公共财政预算收入", "一般公共预算收入", "pp")


# --------------------------------------------------------------------------
# Unit load
# --------------------------------------------------------------------------


def test_unit_load(qingwan):
    _, _, exp, c = qingwan
    got = {u.unit: u for u in c.units}
    for unit, lo, ro, co, ln, rn, cn, names in exp["units"]:
        u = got[unit]
        assert (u.lead_old, u.responsible_old, u.cooperating_old, u.lead_new, u.responsible_new,
                u.cooperating_new) == (lo, ro, co, ln, rn, cn), unit
        assert u.renamed_from == tuple(names)
        assert u.delta_lead == ln - lo
    # renamed names no longer appear as units of their own
    assert "区经信局" not in got and "区商务局" not in got


# --------------------------------------------------------------------------
# Loading, writing, CLI
# --------------------------------------------------------------------------


def _dataset(tmp_path: Path, *exs) -> Path:
    data = tmp_path / "out"
    for ex in exs:
        (data / "json").mkdir(parents=True, exist_ok=True)
        (data / "json" / f"{ex.document.doc_id}.json").write_bytes(dumps(document_json(ex)))
    return data


def test_json_round_trip(qingwan):
    old, _, _, _ = qingwan
    back = extraction_from_json(json.loads(dumps(document_json(old))), "x.json")
    assert back == old


@pytest.mark.parametrize("ref, message", [
    ("no-such-doc", "no document no-such-doc.json"),
    ("qingwan", "ambiguous doc_id prefix"),
], ids=["missing", "ambiguous"])
def test_load_errors(qingwan, tmp_path, ref, message):
    old, new, _, _ = qingwan
    data = _dataset(tmp_path, old, new)
    with pytest.raises(CompareError) as err:
        load_extraction(ref, data)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_load_by_prefix(qingwan, tmp_path):
    old, new, _, _ = qingwan
    data = _dataset(tmp_path, old, new)
    assert load_extraction("qingwan-2024", data).document.doc_id == "qingwan-2024"


def test_run_compare_writes_tables_and_is_deterministic(qingwan, tmp_path):
    old, new, _, _ = qingwan
    data = _dataset(tmp_path, old, new)
    out = tmp_path / "cmp"
    paths = run_compare(["qingwan-2024", "qingwan-2025"], out, data_dir=data)
    d = out / "qingwan-2024__qingwan-2025"
    assert [p.name for p in paths] == ["alignment.parquet", "indicators.parquet", "report.html", "report.md",
                                       "target_series.parquet", "task_chains.parquet", "unit_load.parquet",
                                       "unit_renames.parquet", "unit_series.parquet"]
    first = {p.name: p.read_bytes() for p in paths}
    run_compare(["qingwan-2024", "qingwan-2025"], out, data_dir=data)
    assert {p.name: (d / p.name).read_bytes() for p in paths} == first
    t = pq.read_table(d / "alignment.parquet")
    assert t.num_rows == 38
    assert t.schema.field("status").metadata[b"description"].startswith(b"continued")
    assert pq.read_table(d / "indicators.parquet").num_rows == 31


def test_cli_compare(qingwan, tmp_path):
    old, new, _, _ = qingwan
    data = _dataset(tmp_path, old, new)
    out = tmp_path / "cmp"
    r = CliRunner().invoke(cli, ["compare", "qingwan-2024", "qingwan-2025", "--out", str(out), "--data", str(data)])
    assert r.exit_code == 0, r.output
    assert (out / "qingwan-2024__qingwan-2025" / "report.html").is_file()
    assert str(out / "qingwan-2024__qingwan-2025" / "report.md") in r.output


@pytest.mark.parametrize("args, code, message", [
    (["compare", "nope", "qingwan-2025"], 1, "compare: no such file, and no document nope.json"),
    (["compare", "qingwan-2025"], 2, "give two or more NOTICES"),
    (["compare", "--issuer", "没有这个区人民政府"], 1, "compare: no notice of this issuer"),
], ids=["unknown-doc", "usage", "unknown-issuer"])
def test_cli_compare_errors(qingwan, tmp_path, args, code, message):
    old, new, _, _ = qingwan
    data = _dataset(tmp_path, old, new)
    r = CliRunner().invoke(cli, [*args, "--data", str(data), "--out", str(tmp_path / "cmp")])
    assert r.exit_code == code
    assert message in r.output
    if code == 1:
        assert r.output.strip().count("\n") == 0 and "Traceback" not in r.output


def test_cli_compare_no_items(tmp_path):
    empty = extraction_from_text("没有任务", "empty")
    _, new, _ = fixture_pair()
    data = _dataset(tmp_path, empty, new)
    r = CliRunner().invoke(cli, ["compare", "empty", "qingwan-2025", "--data", str(data), "--out", str(tmp_path)])
    assert r.exit_code == 1 and "no task items" in r.output


def test_item_pair_fields_documented():
    import dataclasses

    for cls in (ItemPair, cmp.IndicatorChange, cmp.UnitLoad, cmp.UnitRename, cmp.TargetPoint, cmp.TaskStep,
                cmp.UnitYear):
        assert all(f.metadata.get("doc") for f in dataclasses.fields(cls)), cls


# --------------------------------------------------------------------------
# End to end: the fixture notices extracted by pipeline.extract, then compared
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["qingwan", "lanxi"])
def test_end_to_end_from_notice_files(name, tmp_path, capsys):
    from tests.compare_helpers import FIXTURES, load_expected

    exp = load_expected(name)
    out = tmp_path / "cmp"
    r = CliRunner().invoke(cli, ["compare", str(FIXTURES / exp["old"]), str(FIXTURES / exp["new"]),
                                 "--out", str(out), "--data", str(tmp_path / "none")])
    assert r.exit_code == 0, r.output
    (d,) = out.iterdir()
    assert d.name.startswith(Path(exp["old"]).stem + "-") and f"__{Path(exp['new']).stem}-" in d.name
    rows = pq.read_table(d / "alignment.parquet").to_pylist()
    pred = {(o, n) for row in rows for o in row["old_items"] for n in row["new_items"]}
    gold = gold_links(exp)
    tp = len(pred & gold)
    with capsys.disabled():
        print(f"\n{name} end to end (extract_file + compare): precision {tp / len(pred):.3f} "
              f"recall {tp / len(gold):.3f}")
    assert pred == gold
    status = {(tuple(row["old_items"]), tuple(row["new_items"])): row["status"] for row in rows}
    if exp["old_targets"]:  # statuses need the targets, read here by the targets stage
        assert {(tuple(o), tuple(n)): s for o, n, s in exp["rows"]} == \
            {k: v for k, v in status.items() if k[0] and k[1]}
    units = {u["unit"]: u for u in pq.read_table(d / "unit_load.parquet").to_pylist()}
    for unit, lo, ro, co, ln, rn, cn, _ in exp["units"]:
        u = units[unit]
        assert (u["lead_old"], u["responsible_old"], u["cooperating_old"], u["lead_new"], u["responsible_new"],
                u["cooperating_new"]) == (lo, ro, co, ln, rn, cn), unit


def test_end_to_end_indicators_from_notice_files(tmp_path):
    """Targets read by the targets stage line up as with the hand-listed ones (qingwan)."""
    from tests.compare_helpers import FIXTURES, load_expected

    exp = load_expected("qingwan")
    out = tmp_path / "cmp"
    r = CliRunner().invoke(cli, ["compare", str(FIXTURES / exp["old"]), str(FIXTURES / exp["new"]),
                                 "--out", str(out), "--data", str(tmp_path / "none")])
    assert r.exit_code == 0, r.output
    (d,) = out.iterdir()
    got = sorted(repr((r["old_value"], r["new_value"], r["change"], r["basis"]))
                 for r in pq.read_table(d / "indicators.parquet").to_pylist())
    want = sorted(repr((float(o) if o != "" else None, float(n) if n != "" else None, ch, basis))
                  for _, o, n, ch, _, basis in exp["indicators"])
    assert got == want
