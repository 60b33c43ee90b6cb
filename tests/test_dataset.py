"""The dataset a batch writes: one run, one dataset; identity; duplicates; commits; locks; budgets; cache."""

from __future__ import annotations

import doctest
import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, RAW, ROOT, SAMPLE_HTML

import pipeline.batch as batch
import pipeline.cache
import pipeline.ids
import pipeline.schema
import pipeline.store
import pipeline.write
from pipeline.cli import cli
from pipeline.ids import assign_doc_ids, doc_id_for
from tools.soak.datasets import KILLER

pytestmark = pytest.mark.usefixtures("warm_workers")

TABLES = ["documents", "items", "assignments", "targets", "repairs", "findings"]
SAMPLE = RAW / "huangshigang-2025-notice.txt"
#: Small notices of distinct shapes (fast to extract).
SMALL = [FIXTURES / "formats" / f"{n}.txt" for n in ("deadlines-in-paren", "inline-fullwidth", "numbering-dunhao")]


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def extract(out: Path, *inputs, jobs: int = 1, extra=()):
    r = run("extract", *inputs, "--out", out, "--jobs", str(jobs), *extra)
    return r


def state(out: Path) -> list[str]:
    """The doc_ids of the dataset in ``out``, after checking every table and json/ agree on them."""
    docs = pq.read_table(out / "documents.parquet").column("doc_id").to_pylist()
    assert docs == sorted(docs) and len(set(docs)) == len(docs)
    for t in TABLES[1:]:
        tbl = pq.read_table(out / f"{t}.parquet")
        assert set(tbl.column("doc_id").to_pylist()) <= set(docs), t
    assert sorted(p.stem for p in (out / "json").glob("*.json")) == docs
    for doc_id in docs:
        data = json.loads((out / "json" / f"{doc_id}.json").read_bytes())
        n = pq.read_table(out / "items.parquet", filters=[("doc_id", "=", doc_id)]).num_rows
        assert len(data["items"]) == n
    return docs


def generations(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".gen-"))


def files_of(out: Path) -> dict[str, bytes]:
    """Every published file through the documented paths."""
    got = {f"{t}.parquet": (out / f"{t}.parquet").read_bytes() for t in TABLES}
    got.update({f"json/{p.name}": p.read_bytes() for p in sorted((out / "json").glob("*.json"))})
    return got


@pytest.mark.parametrize("module", [pipeline.ids, pipeline.write, pipeline.schema], ids=lambda m: m.__name__)
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


# --------------------------------------------------------------------------
# One run, one dataset
# --------------------------------------------------------------------------


def test_layout_is_links_through_one_current_generation(tmp_path):
    out = tmp_path / "out"
    assert extract(out, SAMPLE).exit_code == 0
    assert os.readlink(out / "current") == ".gen-1"
    for t in TABLES:
        assert os.readlink(out / f"{t}.parquet") == f"current/{t}.parquet"
    assert os.readlink(out / "json") == "current/json"
    assert state(out) == ["huangshigang-2025-notice-c75c5f44"]


def test_stale_json_of_an_earlier_run_is_gone(tmp_path):
    out = tmp_path / "out"
    assert extract(out, SAMPLE, *SMALL).exit_code == 0
    assert len(state(out)) == 4
    r = extract(out, SMALL[0])
    assert r.exit_code == 0, r.output
    assert state(out) == ["deadlines-in-paren-1307fe63"]
    assert generations(out) == [".gen-2"]  # the old generation is removed after the switch


def test_an_edited_notice_replaces_its_old_version(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(SAMPLE, raw / "n.txt")
    extract(out, raw)
    (old,) = state(out)
    (raw / "n.txt").write_bytes(SAMPLE.read_bytes() + "\n(此件公开发布)\n".encode())
    assert extract(out, raw).exit_code == 0
    (new,) = state(out)
    assert new != old and not (out / "json" / f"{old}.json").exists()


def test_other_files_in_out_are_left_alone(tmp_path):
    out = tmp_path / "out"
    (out / "compare" / "a__b").mkdir(parents=True)
    (out / "compare" / "a__b" / "report.md").write_text("x")
    (out / "notes.txt").write_text("mine")
    extract(out, SAMPLE)
    extract(out, SMALL[0])
    assert (out / "compare" / "a__b" / "report.md").read_text() == "x" and (out / "notes.txt").read_text() == "mine"


def test_an_out_dir_of_an_earlier_fenjie_is_taken_over(tmp_path):
    out = tmp_path / "out"
    (out / "json").mkdir(parents=True)
    (out / "json" / "stale-00000000.json").write_text("{}")
    for t in TABLES:
        (out / f"{t}.parquet").write_bytes(b"old")
    r = extract(out, SAMPLE)
    assert r.exit_code == 0, r.output + r.stderr
    assert state(out) == ["huangshigang-2025-notice-c75c5f44"]
    assert generations(out) == [".gen-1"]
    assert not any(p.name.startswith((".legacy", ".current.")) for p in out.iterdir())


def test_nothing_extracted_leaves_the_dataset_as_it_was(tmp_path):
    out = tmp_path / "out"
    extract(out, SAMPLE)
    before = files_of(out)
    bad = tmp_path / "bad.txt"
    bad.write_text("全年地区生产总值1000亿元。", "utf-8")
    r = extract(out, bad)
    assert r.exit_code == 1 and "nothing written" in r.stderr
    assert files_of(out) == before


# --------------------------------------------------------------------------
# Identity and duplicates
# --------------------------------------------------------------------------


def test_the_same_file_given_twice_is_read_once(tmp_path):
    out = tmp_path / "out"
    r = extract(out, RAW, SAMPLE, RAW / "." / SAMPLE.name)
    assert r.exit_code == 0, r.output
    assert state(out) == ["huangshigang-2025-notice-c75c5f44"]
    items = pq.read_table(out / "items.parquet").to_pylist()
    keys = [(i["doc_id"], i["item_seq"]) for i in items]
    assert len(keys) == len(set(keys)) == 76


def test_identical_bytes_under_chinese_names_are_one_document_with_a_finding(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(SAMPLE, raw / "通知.txt")
    shutil.copy(SAMPLE, raw / "公告.txt")
    r = extract(out, raw)
    assert r.exit_code == 0
    (doc_id,) = state(out)
    assert doc_id == "doc-c75c5f44"
    doc = pq.read_table(out / "documents.parquet").to_pylist()[0]
    assert doc["source"] == str(raw / "公告.txt")  # the first by sorted path
    f = [x for x in pq.read_table(out / "findings.parquet").to_pylist() if x["code"] == "duplicate_input"]
    assert [x["message"] for x in f] == [f"{raw / '通知.txt'} has the same bytes as {raw / '公告.txt'}: read once, one document"]
    assert doc["n_findings"] == 11  # the sample's 10 (4 doubts, 6 chrome lines left out) and this one
    assert f"{raw / '通知.txt'}: the same bytes as {raw / '公告.txt'}" in r.output


def test_distinct_inputs_whose_ids_would_collide_get_longer_ids():
    a = "ab" * 4 + "0" * 56
    b = "ab" * 4 + "1" * 56
    c = "cd" * 32
    ids = assign_doc_ids([("x/通知.txt", a), ("y/公告.txt", b), ("z/通知.txt", c)])
    assert ids == {a: "doc-abababab00000000", b: "doc-abababab11111111", c: "doc-cdcdcdcd"}
    assert len(set(ids.values())) == 3
    assert doc_id_for("raw/huangshigang-2025-notice.txt", a) == "huangshigang-2025-notice-abababab"


@pytest.mark.parametrize("order", ["txt-first", "html-first"])
def test_a_page_and_its_text_capture_are_one_notice_the_page_kept(tmp_path, order):
    out = tmp_path / "out"
    inputs = [SAMPLE, SAMPLE_HTML] if order == "txt-first" else [SAMPLE_HTML, SAMPLE]
    r = extract(out, *inputs)
    assert r.exit_code == 0, r.output
    (doc_id,) = state(out)
    doc = pq.read_table(out / "documents.parquet").to_pylist()[0]
    assert doc["source"] == str(SAMPLE_HTML)
    (f,) = [x for x in pq.read_table(out / "findings.parquet").to_pylist() if x["code"] == "duplicate_notice"]
    assert str(SAMPLE) in f["message"] and str(SAMPLE_HTML) in f["message"] and f["doc_id"] == doc_id
    assert f["severity"] == "info" and f["span_start"] is None
    data = json.loads((out / "json" / f"{doc_id}.json").read_bytes())
    assert data["n_findings"] == len(data["findings"]) == doc["n_findings"] == 5
    assert f"{SAMPLE}: the same notice as {SAMPLE_HTML} (the same text) -> {doc_id}" in r.output
    assert generations(out) == [".gen-1"]  # the generation written while extracting was dropped, not left


def test_same_number_title_and_issuer_is_the_same_notice():
    from pipeline.cache import Summary

    def s(doc_id, source, number, text):
        return Summary(doc_id, source, number, "关于印发2025年重点工作分解的通知", "某区人民政府", text, 1, 1, 0, 0, 0)

    kept, merged = batch.same_notices([
        s("a-1", "raw/a.txt", "某政发〔2025〕1号", "t1"), s("b-2", "raw/b.txt", "某政发〔2025〕1号", "t2"),
        s("c-3", "raw/c.html", "某政发〔2025〕2号", "t3"), s("d-4", "raw/d.txt", None, "t4"),
        s("e-5", "raw/e.txt", None, "t4")])
    assert [k.doc_id for k in kept] == ["a-1", "c-3", "d-4"]
    assert {k: [(o.doc_id, why) for o, why in v] for k, v in merged.items()} == {
        "a-1": [("b-2", "文号, title and issuer agree")], "d-4": [("e-5", "the same text")]}


# --------------------------------------------------------------------------
# Determinism, jobs, incremental runs
# --------------------------------------------------------------------------


def test_jobs_1_and_2_write_byte_identical_datasets(tmp_path):
    inputs = [SAMPLE, *SMALL]
    a, b = tmp_path / "a", tmp_path / "b"
    assert extract(a, *inputs, jobs=1).exit_code == 0
    assert extract(b, *inputs, jobs=2).exit_code == 0
    assert files_of(a) == files_of(b)
    assert len(state(a)) == 4


def test_a_second_run_with_nothing_changed_extracts_nothing(tmp_path):
    out = tmp_path / "out"
    extract(out, SAMPLE, *SMALL)
    before = files_of(out)
    r = extract(out, SAMPLE, *SMALL)
    assert r.exit_code == 0
    assert "nothing changed (0 extracted, 4 from the cache)" in r.output
    assert generations(out) == [".gen-1"] and files_of(out) == before


def _fresh(tmp_path: Path, *inputs, extra=()) -> dict[str, bytes]:
    fresh = tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}"
    assert extract(fresh, *inputs, extra=("--no-cache", *extra)).exit_code == 0
    return files_of(fresh)


def test_a_changed_input_is_the_only_one_extracted_again(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for p in [SAMPLE, *SMALL]:
        shutil.copy(p, raw)
    extract(out, raw)
    with (raw / SMALL[1].name).open("ab") as fh:
        fh.write("\n附件:无\n".encode())
    r = extract(out, raw)
    assert r.exit_code == 0
    assert "(1 extracted, 3 from the cache)" in r.output
    assert files_of(out) == _fresh(tmp_path, raw)


def test_a_rules_change_extracts_everything_again(tmp_path):
    rules, out = tmp_path / "rules", tmp_path / "out"
    shutil.copytree(ROOT / "rules", rules)
    extract(out, SAMPLE, *SMALL, extra=("--rules", rules))
    with (rules / "units.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n# a comment is a change too\n")
    r = extract(out, SAMPLE, *SMALL, extra=("--rules", rules))
    assert "(4 extracted, 0 from the cache)" in r.output
    assert files_of(out) == _fresh(tmp_path, SAMPLE, *SMALL, extra=("--rules", rules))


def test_a_code_change_extracts_everything_again(tmp_path, monkeypatch):
    out = tmp_path / "out"
    extract(out, SAMPLE, *SMALL)
    monkeypatch.setattr(batch, "code_digest", lambda: "another version of the code")
    r = extract(out, SAMPLE, *SMALL)
    assert "(4 extracted, 0 from the cache)" in r.output
    r = extract(out, SAMPLE, *SMALL)
    assert "nothing changed (0 extracted, 4 from the cache)" in r.output


def test_the_cache_keeps_only_what_the_dataset_uses(tmp_path):
    out = tmp_path / "out"
    extract(out, SAMPLE, *SMALL)
    extract(out, SMALL[0])
    entries = [p for p in (out / ".cache").rglob("*") if p.is_file()]
    assert sorted(p.suffix for p in entries) == [".columns", ".json", ".meta"]


def test_pruning_the_cache_removes_stale_entries_leftovers_and_empty_folders(tmp_path):
    cache = pipeline.cache.Cache(tmp_path / ".cache")
    assert cache.buckets() == set() and cache.prune([]) == 0  # no cache yet: nothing to look up or remove
    keep, gone = "ab" + "1" * 62, "cd" + "2" * 62
    for key in (keep, gone):
        cache.store(key, b"{}\n", b"columns", pipeline.cache.Summary(key, "x.txt", None, None, None, "t", 0, 0, 0, 0, 0))
    (tmp_path / ".cache" / "ab" / ".tmp-left-by-a-killed-run").write_bytes(b"")
    (tmp_path / ".cache" / "ef").mkdir()
    assert cache.buckets() == {"ab", "cd", "ef"}
    assert cache.prune([keep]) == 4  # three files of the stale entry, one leftover
    assert sorted(p.name for p in (tmp_path / ".cache").iterdir()) == ["ab"]
    assert sorted(p.suffix for p in (tmp_path / ".cache" / "ab").iterdir()) == [".columns", ".json", ".meta"]
    assert isinstance(cache.lookup(keep), pipeline.cache.Summary) and cache.lookup(gone) is None


def test_a_folder_is_walked_as_pathlib_would(tmp_path, monkeypatch):
    # hidden files and folders skipped, a link to a file kept, a link to a folder not followed, any case of
    # suffix; the order and the spelling of the paths are those of sorted(Path(folder).rglob("*"))
    for name in ("raw/a.txt", "raw/a/b.txt", "raw/a-b.txt", "raw/b.HTML", "raw/sub/deep/n.htm", "raw/x.y.shtml",
                 "raw/.hidden/h.txt", "raw/.h.txt", "raw/notes.md", "raw/dir.txt/inner.txt", "elsewhere/o.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "raw" / "link.txt").symlink_to(tmp_path / "elsewhere" / "o.txt")
    (tmp_path / "raw" / "folder-link").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "raw" / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    monkeypatch.chdir(tmp_path)
    found = ["a/b.txt", "a-b.txt", "a.txt", "b.HTML", "dir.txt/inner.txt", "link.txt", "sub/deep/n.htm", "x.y.shtml"]
    assert batch.expand_inputs(["raw"]) == batch.expand_inputs(["./raw/"]) == [f"raw/{f}" for f in found]
    assert batch.expand_inputs([str(tmp_path / "raw")]) == [f"{tmp_path}/raw/{f}" for f in found]
    assert batch.expand_inputs(["raw/a", "raw/a.txt", "https://x.gov.cn/t.html"]) == [
        "raw/a/b.txt", "raw/a.txt", "https://x.gov.cn/t.html"]
    real = batch._RealPaths()
    for path in ("raw/a.txt", "raw/link.txt", "raw/folder-link/o.txt", "raw/dangling.txt", "./raw/../raw/a.txt",
                 "raw/a/..", "not-there.txt"):
        assert real(path) == os.path.realpath(path), path


def test_a_failure_is_cached_and_reported_again(tmp_path):
    out = tmp_path / "out"
    bad = tmp_path / "bulletin.txt"
    bad.write_text("全年地区生产总值1000亿元,比上年增长5%。\n年末常住人口50万人。\n", "utf-8")
    first = extract(out, SAMPLE, bad)
    second = extract(out, SAMPLE, bad)
    assert first.exit_code == second.exit_code == 1
    assert first.stderr == second.stderr and "no tasks found" in second.stderr
    assert "(0 extracted, 2 from the cache)" in second.output


# --------------------------------------------------------------------------
# Strict JSON, time budget, crashes of a worker
# --------------------------------------------------------------------------


def test_a_value_json_cannot_hold_fails_its_document_only(tmp_path, monkeypatch):
    from dataclasses import replace

    real = batch.extract_raw

    def infinite(raw, rules):
        ex = real(raw, rules)
        if raw.source.endswith("inline-fullwidth.txt"):
            ex = replace(ex, targets=(replace(ex.targets[0], value=float("inf")),) + ex.targets[1:])
        return ex

    monkeypatch.setattr(batch, "extract_raw", infinite)
    out = tmp_path / "out"
    r = extract(out, SAMPLE, SMALL[1])
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {SMALL[1]}: write: targets[0].value is not a finite number, which JSON cannot hold"
    assert state(out) == ["huangshigang-2025-notice-c75c5f44"]
    for p in (out / "json").iterdir():
        assert b"Infinity" not in p.read_bytes() and b"NaN" not in p.read_bytes()


def _every_fixture_extraction():
    from pipeline.errors import PipelineError
    from pipeline.extract import extract_file
    from pipeline.rules import load_rules

    rules = load_rules()
    for path in [SAMPLE, SAMPLE_HTML, *sorted(FIXTURES.glob("**/*.txt")), *sorted(FIXTURES.glob("**/*.html"))]:
        try:
            yield path, extract_file(path, rules)
        except PipelineError:
            continue


def test_orjson_writes_the_bytes_the_standard_library_writes():
    from pipeline.write import _orjson_bytes, document_json, dumps

    n = 0
    for path, ex in _every_fixture_extraction():
        fast = _orjson_bytes(ex)
        assert fast is not None, path
        assert fast == dumps(document_json(ex)), path
        n += 1
    assert n > 80


def test_the_columns_of_a_document_hold_its_records_as_the_tables_declare_them():
    import pyarrow as pa

    from pipeline.write import TABLES, batches_of, columns_bytes, columns_of_document, document_bytes, table

    done = []
    for path, ex in _every_fixture_extraction():
        built, rebuilt = batches_of(columns_bytes(ex)), batches_of(columns_of_document(document_bytes(ex)))
        for name in TABLES:
            assert pa.Table.from_batches([built[name]]).equals(table(name, [ex])), (path, name)
            assert rebuilt[name].equals(built[name]), (path, name)
        done.append(ex)
    assert len(done) > 80


def test_a_columns_file_that_is_not_one_is_a_write_error_naming_the_document(tmp_path):
    from pipeline.errors import WriteError
    from pipeline.extract import extract_file
    from pipeline.rules import load_rules
    from pipeline.write import DatasetWriter, columns_bytes, document_bytes

    ex = extract_file(SAMPLE, load_rules())
    good = columns_bytes(ex)
    w = DatasetWriter(tmp_path / "gen")
    for n, bad in enumerate((good[:-10], b"{}\n", good[:20])):
        with pytest.raises(WriteError, match=f"cannot read the columns of d{n}: "):
            w.add(f"d{n}", document_bytes(ex), columns=bad)
    w.abort()


def test_an_integer_beyond_64_bits_fails_its_document_not_the_dataset():
    from dataclasses import replace

    from pipeline.errors import WriteError
    from pipeline.extract import extract_file
    from pipeline.rules import load_rules
    from pipeline.write import columns_bytes, columns_of_document

    ex = extract_file(SAMPLE, load_rules())
    big = replace(ex, items=(replace(ex.items[0], span_end=2 ** 64),) + ex.items[1:])
    with pytest.raises(WriteError, match="a value does not fit its column's type") as err:
        columns_bytes(big)
    assert err.value.source == ex.document.source
    with pytest.raises(WriteError, match="a value does not fit its column's type"):
        columns_of_document(b'{"doc_id":"a","year":18446744073709551616}')


def test_a_cached_document_is_linked_not_read_and_a_missing_one_is_named(tmp_path):
    from pipeline.errors import WriteError
    from pipeline.extract import extract_file
    from pipeline.rules import load_rules
    from pipeline.write import DatasetWriter, columns_bytes, document_bytes

    ex = extract_file(SAMPLE, load_rules())
    cached = tmp_path / "entry.json"
    cached.write_bytes(document_bytes(ex))
    w = DatasetWriter(tmp_path / "gen")
    w.add("a", None, columns=columns_bytes(ex), link_from=cached)
    assert os.path.samefile(tmp_path / "gen" / "json" / "a.json", cached)  # linked
    with pytest.raises(WriteError, match=f"{tmp_path / 'gone.json'}: write: cached document unreadable"):
        w.add("b", None, columns=columns_bytes(ex), link_from=tmp_path / "gone.json")
    w.abort()


@pytest.mark.parametrize("value, printed", [(1e-05, b'"value":1e-05,'), (2.5e-07, b'"value":2.5e-07,'),
                                            (1e-4, b'"value":0.0001,'), (1e+16, b'"value":1e+16,')])
def test_a_float_orjson_would_print_otherwise_is_written_by_json(value, printed):
    from dataclasses import replace

    from pipeline.extract import extract_file
    from pipeline.rules import load_rules
    from pipeline.write import _orjson_bytes, document_bytes

    ex = extract_file(SAMPLE, load_rules())
    ex = replace(ex, targets=(replace(ex.targets[0], value=value),) + ex.targets[1:])
    assert printed in document_bytes(ex)
    assert (_orjson_bytes(ex) is None) == (abs(value) < 1e-4)


def test_an_unpaired_surrogate_is_a_write_error_naming_it():
    from dataclasses import replace

    from pipeline.errors import WriteError
    from pipeline.extract import extract_file
    from pipeline.rules import load_rules
    from pipeline.write import document_bytes

    ex = extract_file(SAMPLE, load_rules())
    ex = replace(ex, items=(replace(ex.items[0], text="\ud800"),) + ex.items[1:])
    with pytest.raises(WriteError, match="unpaired surrogate"):
        document_bytes(ex)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_document_past_its_time_budget_fails_and_the_batch_goes_on(tmp_path, monkeypatch, jobs):
    real = batch.extract_raw

    def slow(raw, rules):
        if raw.source.endswith("inline-fullwidth.txt"):
            time.sleep(60)
        return real(raw, rules)

    monkeypatch.setattr(batch, "extract_raw", slow)
    out = tmp_path / "out"
    t = time.monotonic()
    r = extract(out, SAMPLE, *SMALL, jobs=jobs, extra=("--doc-timeout", "0.5"))
    assert time.monotonic() - t < 10
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {SMALL[1]}: time budget: not done within 0.5 s (--doc-timeout); skipped"
    assert len(state(out)) == 3
    # a time-out is not cached: the next run tries again (and, the cause gone, succeeds)
    monkeypatch.setattr(batch, "extract_raw", real)
    r = extract(out, SAMPLE, *SMALL, jobs=jobs)
    assert r.exit_code == 0 and "(1 extracted, 3 from the cache)" in r.output


def test_a_worker_that_dies_is_one_failure(tmp_path, monkeypatch):
    real = batch.extract_raw

    def dies(raw, rules):
        if raw.source.endswith("inline-fullwidth.txt"):
            os._exit(3)
        return real(raw, rules)

    monkeypatch.setattr(batch, "extract_raw", dies)
    out = tmp_path / "out"
    r = extract(out, SAMPLE, *SMALL, jobs=2)
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {SMALL[1]}: internal error: the worker process died (exit code 3)"
    assert len(state(out)) == 3


# --------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("umask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_files_and_directories_follow_the_umask(tmp_path, umask, file_mode, dir_mode):
    out = tmp_path / "out"
    old = os.umask(umask)
    try:
        assert extract(out, SAMPLE).exit_code == 0
    finally:
        os.umask(old)
    seen = 0
    for p in [out, *out.rglob("*")]:
        if p.is_symlink():
            continue
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (dir_mode if p.is_dir() else file_mode), (p, oct(mode))
        seen += 1
    assert seen >= 12


def test_the_jieba_cache_is_readable_by_other_users(tmp_path):
    from pipeline.segment import CACHE_NAME

    code = "import os; os.umask(0o022); from pipeline.segment import tokens; print(tokens('新增城镇就业'))"
    env = dict(os.environ, FENJIE_CACHE=str(tmp_path / "c"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['新增', '城镇', '就业']"
    assert stat.S_IMODE((tmp_path / "c" / CACHE_NAME).stat().st_mode) == 0o644


def test_a_user_who_cannot_read_the_cache_gets_their_own(tmp_path, monkeypatch):
    from pipeline import segment

    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / segment.CACHE_NAME).write_bytes(b"")
    monkeypatch.setenv("FENJIE_CACHE", str(shared))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.setattr(segment.os, "access", lambda path, mode: False)  # as another user would find it
    assert segment.usable_cache_dir() == tmp_path / "home-cache" / "fenjie"


# --------------------------------------------------------------------------
# Commits: kills, concurrent runs, full disks
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A dataset of 4 documents whose cache also holds everything a run of 3 of them needs."""
    base = tmp_path_factory.mktemp("two-runs")
    out = base / "out"
    assert extract(out, SAMPLE, *SMALL).exit_code == 0
    return out, state(out)


@pytest.mark.parametrize("point", ["document-2", "written", "synced", "switched", "cleaned"])
def test_a_run_killed_at_any_commit_point_leaves_one_whole_dataset(tmp_path, two_runs, point):
    template, before = two_runs
    out = tmp_path / "out"
    shutil.copytree(template, out, symlinks=True)
    args = [*map(str, SMALL), "--out", str(out), "--jobs", "1"]
    p = subprocess.run([sys.executable, "-c", KILLER, point, *args], cwd=ROOT, capture_output=True, timeout=120)
    assert p.returncode == -9, p.stderr
    after = [d for d in before if not d.startswith("huangshigang")]
    got = state(out)
    assert got == (before if point in ("document-2", "written", "synced") else after)
    r = extract(out, *SMALL)  # the next run finishes the job and cleans up what the killed one left
    assert r.exit_code == 0 and state(out) == after
    assert generations(out) == [os.readlink(out / "current")]
    assert not any(p.name.startswith(".current.") for p in out.iterdir())


def _live_in_group(pgid: int) -> list[int]:
    """Processes of group ``pgid`` still running (zombies are not)."""
    pids = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(path.parent.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_run_leaves_no_worker_behind(tmp_path):
    # found by the soak: a forked worker kept its own pipe's other end, so it never saw the parent die and
    # waited forever (holding the run's stdout: `subprocess.run(capture_output=True)` never returned)
    args = [str(SAMPLE), *map(str, SMALL), "--out", str(tmp_path / "out"), "--jobs", "2", "--no-cache"]
    p = subprocess.Popen([sys.executable, "-c", KILLER, "document-1", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    assert p.wait(timeout=120) == -9
    end = time.monotonic() + 10
    while _live_in_group(p.pid) and time.monotonic() < end:
        time.sleep(0.05)
    assert _live_in_group(p.pid) == []


def _wait_for(path: Path, text: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and text in path.read_text("utf-8", "replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}: {path.read_text() if path.exists() else ''}")


def test_a_second_run_waits_for_the_first(tmp_path, two_runs):
    import fcntl

    template, before = two_runs
    out = tmp_path / "out"
    shutil.copytree(template, out, symlinks=True)
    runs = []
    fd = os.open(out / ".lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # the test plays the first run
    try:
        for i, inputs in enumerate([[SAMPLE], SMALL]):
            err = tmp_path / f"err{i}"
            with err.open("w") as e:
                runs.append((subprocess.Popen([sys.executable, "-m", "pipeline", "extract", *map(str, inputs),
                                               "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=e),
                             err))
        for _, err in runs:
            _wait_for(err, "is writing this dataset; waiting until it is done")
        assert state(out) == before  # nothing moved while the lock was held
    finally:
        os.close(fd)
    for proc, err in runs:
        assert proc.wait(timeout=60) == 0, err.read_text()
    assert state(out) in (["huangshigang-2025-notice-c75c5f44"], [d for d in before if not d.startswith("huang")])
    assert generations(out) == [os.readlink(out / "current")]


def test_a_full_disk_leaves_the_previous_dataset_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    extract(out, SAMPLE)
    before = files_of(out)

    def full(self, table, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    r = extract(out, *SMALL)
    assert r.exit_code == 1
    gen = out / ".gen-2"
    assert r.stderr.strip() == (f"fenjie: {gen}/documents.parquet: write: No space left on device; "
                                f"{out} still holds the previous dataset")
    assert files_of(out) == before and generations(out) == [".gen-1"]


def test_a_disk_full_when_a_table_is_closed_is_one_line_and_no_writer_tries_again(tmp_path, monkeypatch):
    # found by make soak: a ParquetWriter whose close failed stayed open, and its __del__ closed it again
    # when collected, printing a second traceback on stderr after the one-line message
    out = tmp_path / "out"
    extract(out, SAMPLE)
    before = files_of(out)
    closed = []

    def full(self):
        closed.append(self)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "close", full)
    r = extract(out, *SMALL)
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"fenjie: {out}/.gen-2/documents.parquet: write: No space left on device; "
                                f"{out} still holds the previous dataset")
    assert closed and all(w.is_open is False for w in closed)
    assert files_of(out) == before and generations(out) == [".gen-1"]


def test_a_disk_full_when_a_table_is_opened_closes_the_tables_opened_before(tmp_path, monkeypatch):
    # found by make soak: the tables opened before the one that failed were left to __del__, which
    # closed them on a full disk and printed a traceback after the one-line message
    out = tmp_path / "out"
    extract(out, SAMPLE)
    before = files_of(out)
    opened = []
    real_init = pq.ParquetWriter.__init__

    def init(self, where, *a, **k):
        if opened:  # the second table does not fit
            raise OSError(errno.ENOSPC, "No space left on device")
        real_init(self, where, *a, **k)
        opened.append(self)

    monkeypatch.setattr(pq.ParquetWriter, "__init__", init)
    r = extract(out, *SMALL)
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"fenjie: {out}/.gen-2/items.parquet: write: No space left on device; "
                                f"{out} still holds the previous dataset")
    assert opened and all(w.is_open is False for w in opened)
    assert files_of(out) == before and generations(out) == [".gen-1"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 3 MiB tmpfs (root only; skipped where it cannot be mounted)."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {p.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk: Path, leave: int) -> None:
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with (disk / "filler").open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


@pytest.mark.parametrize("where", ["tables", "cache"])
def test_a_really_full_disk_leaves_the_previous_dataset_whole(tmp_path, tiny_disk, where):
    out = tiny_disk / "out"
    assert extract(out, SAMPLE, *SMALL[:2]).exit_code == 0
    before = files_of(out)
    # tables: the next run needs no extraction (all cached) but a generation; cache: it extracts
    inputs = SMALL[:2] if where == "tables" else [SMALL[2]]
    _fill(tiny_disk, 4096)
    r = extract(out, *inputs)
    assert r.exit_code == 1
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"fenjie: {out}/") and "No space left on device" in line, r.stderr
    assert line.endswith(f"{out} still holds the previous dataset")
    assert files_of(out) == before and generations(out) == [".gen-1"]
    (tiny_disk / "filler").unlink()
    assert extract(out, *inputs).exit_code == 0


# --------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------


def test_progress_is_one_line_rewritten_with_docs_per_second():
    import io

    s = io.StringIO()
    line = batch.ProgressLine(s, every=0, after=1.0)
    line(1, 4, 0.5)  # too early: nothing
    line(3, 4, 1.5)
    line(4, 4, 2.0)
    assert s.getvalue() == ("\rextracting 3/4 documents, 2.0 docs/s\x1b[K"
                            "\rextracting 4/4 documents, 2.0 docs/s\x1b[K\r\x1b[K")
    quiet = io.StringIO()
    short = batch.ProgressLine(quiet, every=0, after=1.0)
    short(1, 1, 0.1)  # a short batch prints nothing at all
    assert quiet.getvalue() == ""


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    r = extract(tmp_path / "out", SAMPLE, *SMALL)
    assert "docs/s" not in r.stderr and "docs/s" not in r.output


def test_writing_loads_neither_pandas_nor_pyarrow_compute(tmp_path):
    out = tmp_path / "out"
    assert extract(out, SAMPLE, SMALL[0]).exit_code == 0
    (Path(os.path.realpath(out / "current")) / ".manifest.json").unlink()  # so the next run writes, from the cache
    code = ("import sys; from pathlib import Path; from pipeline.batch import run_extract; "
            f"r = run_extract([{str(SAMPLE)!r}, {str(SMALL[0])!r}], Path({str(out)!r}), echo=lambda l: None); "
            "assert not r.unchanged and r.reused == 2; "
            "print(sorted(m for m in ('pandas', 'pyarrow.compute', 'jieba') if m in sys.modules))")
    assert python_prints(code) == "[]"
    assert state(out) == ["deadlines-in-paren-1307fe63", "huangshigang-2025-notice-c75c5f44"]


def python_prints(code: str) -> str:
    """What a fresh ``python -c code`` prints last (it must succeed)."""
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip().splitlines()[-1]


def test_the_fenjie_process_leaves_numpy_out_and_the_cli_in_a_caller_does_not(tmp_path):
    # fenjie extract (main(): the process is fenjie's) keeps pyarrow from importing NumPy: 0.14 s of start-up
    code = ("import sys; from pipeline.cli import main; sys.argv = ['fenjie', 'extract', "
            f"{str(SAMPLE)!r}, '--out', {str(tmp_path / 'a')!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
            "import pyarrow; print(sys.modules.get('numpy', 'absent'))")
    assert python_prints(code) == "None"  # hidden, not imported
    # the same command run through the click group by a caller (a test, a notebook) leaves its imports alone
    r = CliRunner().invoke(cli, ["extract", str(SAMPLE), "--out", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    assert sys.modules.get("numpy", "absent") is not None


def test_a_private_jieba_cache_of_an_earlier_fenjie_is_shared(tmp_path):
    from pipeline.segment import CACHE_NAME

    d = tmp_path / "c"
    d.mkdir()
    code = ("import os; os.umask(0o022); from pipeline.segment import tokens, CACHE_NAME; tokens('新增城镇就业'); "
            "p = os.path.join(os.environ['FENJIE_CACHE'], CACHE_NAME); os.chmod(p, 0o600); "
            "import pipeline.segment as s; s._DICTIONARY = None; tokens('新增城镇就业')")
    env = dict(os.environ, FENJIE_CACHE=str(d))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE((d / CACHE_NAME).stat().st_mode) == 0o644


# --------------------------------------------------------------------------
# The libraries' versions in the code digest, read without importlib.metadata
# --------------------------------------------------------------------------


def test_installed_versions_agree_with_importlib_metadata():
    from importlib import metadata

    from pipeline.cache import LIBRARIES, installed_versions

    assert installed_versions(LIBRARIES) == {lib: metadata.version(lib) for lib in LIBRARIES}


def test_installed_versions_read_the_wheel_folder_of_the_first_path_entry(tmp_path):
    from pipeline.cache import installed_versions

    first, second = tmp_path / "a", tmp_path / "b"
    (first / "Opencc_Python.Reimplemented-0.1.7.dist-info").mkdir(parents=True)
    (second / "opencc_python_reimplemented-9.9.dist-info").mkdir(parents=True)
    (second / "lxml-6.0.2.dist-info").mkdir()
    (second / "lxml_html_clean-0.4.6.dist-info").mkdir()  # another distribution, a longer name
    got = installed_versions(["opencc-python-reimplemented", "lxml"], path=[str(tmp_path / "none"), str(first),
                                                                              str(second)])
    assert got == {"opencc-python-reimplemented": "0.1.7", "lxml": "6.0.2"}


def test_installed_versions_ask_importlib_metadata_when_the_folder_does_not_say(tmp_path, monkeypatch):
    from pipeline import cache

    asked = []
    monkeypatch.setattr(cache, "_version_from_metadata", lambda name: asked.append(name) or "from metadata")
    (tmp_path / "jieba-0.42.1-py3.11.egg-info").mkdir()
    (tmp_path / "regex-2024.1.dist-info").mkdir()
    (tmp_path / "regex-2025.1.dist-info").mkdir()  # two candidates in one folder
    got = cache.installed_versions(["jieba", "regex", "orjson"], path=[str(tmp_path)])
    assert got == {"jieba": "from metadata", "regex": "from metadata", "orjson": "from metadata"}
    assert asked == ["jieba", "regex", "orjson"]
