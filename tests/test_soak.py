"""The soak harness's own checks (tools/soak; `make soak` runs it, not the suite): they must be able to fail."""

from __future__ import annotations

import hashlib
import os
import random
import shutil

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from pipeline.cli import cli
from pipeline.rules import load_rules
from tools.soak.datasets import check_dataset, fingerprint, leftovers
from tools.soak.fuzz import CRASHED, EXTRACTED, FAILED, classify, span_problems
from tools.soak.inputs import crafted_inputs, mutate

SMALL = [FIXTURES / "formats" / f"{n}.txt" for n in ("deadlines-in-paren", "inline-fullwidth", "numbering-dunhao")]


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory):
    base = tmp_path_factory.mktemp("soak")
    outs = []
    for k, inputs in enumerate([SMALL, SMALL[:1]]):
        out = base / f"out{k}"
        r = CliRunner().invoke(cli, ["extract", *map(str, inputs), "--out", str(out), "--jobs", "1"])
        assert r.exit_code == 0, r.output
        outs.append(out)
    return outs


def test_a_whole_dataset_is_consistent(two_datasets):
    a, b = two_datasets
    assert check_dataset(a) == [] and check_dataset(b) == []
    assert fingerprint(a) != fingerprint(b) and fingerprint(a) == fingerprint(a)
    assert leftovers(a) == []


def test_tables_of_one_run_with_json_of_another_are_inconsistent(two_datasets, tmp_path):
    a, b = two_datasets
    mixed = tmp_path / "mixed"
    shutil.copytree(a, mixed, symlinks=True)
    gen = mixed / os.readlink(mixed / "current")
    shutil.copy(b / "current" / "items.parquet", gen / "items.parquet")
    problems = check_dataset(mixed)
    assert problems and any("items.parquet has 0 rows" in p for p in problems), problems


def test_a_json_file_missing_or_a_link_broken_is_inconsistent(two_datasets, tmp_path):
    a, _ = two_datasets
    out = tmp_path / "out"
    shutil.copytree(a, out, symlinks=True)
    next((out / "current" / "json").iterdir()).unlink()
    (out / "targets.parquet").unlink()
    problems = check_dataset(out)
    assert any("json/ holds 2 files, documents.parquet 3" in p for p in problems), problems
    assert any("targets.parquet is not the link" in p for p in problems), problems


def test_span_problems_name_the_row():
    doc = {"text": "1.推进工作", "items": [{"text": "推进工作", "span_start": 1, "span_end": 5}],
           "assignments": [], "targets": [], "repairs": [], "findings": [], "n_items": 1}
    assert span_problems(doc) == ["items[0]: text[1:5] is '.推进工', not '推进工作'"]


def test_classify_tells_extracted_failed_and_crashed(monkeypatch):
    rules = load_rules()
    ok = SMALL[0].read_bytes()
    assert classify("ok.txt", ok, rules, 30).kind == EXTRACTED
    failed = classify("bulletin.txt", "全年地区生产总值1000亿元。".encode(), rules, 30)
    assert failed.kind == FAILED and failed.detail.startswith("bulletin.txt: outline: no tasks found")

    import pipeline.extract

    def broken(raw, rules):
        raise KeyError("a bug")

    monkeypatch.setattr(pipeline.extract, "extract_raw", broken)
    crashed = classify("ok.txt", ok, rules, 30)
    assert crashed.kind == CRASHED and crashed.detail.startswith("KeyError: 'a bug'")


def test_mutations_are_reproducible_from_the_seed():
    data, other = SMALL[0].read_bytes(), SMALL[1].read_bytes()
    first = [mutate(random.Random(7), data, other) for _ in range(2)]
    assert first[0] == first[1]
    outs = {hashlib.sha256(mutate(random.Random(s), data, other)[0]).hexdigest() for s in range(50)}
    assert len(outs) > 40  # they do change the input


def test_crafted_inputs_cover_issue_12_shapes_at_their_reported_sizes():
    names = {(shape, n) for shape, _, n, _ in crafted_inputs()}
    assert {("unclosed-brackets", 100_000), ("labels-in-one-clause", 50_000), ("percent-list", 8_000),
            ("count-list", 8_000), ("garbled-doc-numbers", 50_000), ("digits-before-yuan", 20_000),
            ("paragraphs-200k", 200_000)} <= names
    assert ("unclosed-brackets", 400_000) in names  # and larger
