"""The `fenjie extract` command: outputs, exit codes, one-line errors, batches that go on."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import RAW, SAMPLE_HTML

from pipeline.cli import cli

pytestmark = pytest.mark.usefixtures("warm_workers")

TABLES = ["documents", "items", "assignments", "targets", "repairs", "findings"]
NOT_A_NOTICE = """<html><head><title>2022年统计公报</title></head><body><div class="TRS_Editor">
<p>全年地区生产总值1000亿元,比上年增长5%。</p><p>年末常住人口50万人。</p></div></body></html>"""


@pytest.fixture
def sample_dir(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    shutil.copy(RAW / "huangshigang-2025-notice.txt", d)
    return d


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_extract_folder_writes_every_table_and_json(sample_dir, tmp_path):
    out = tmp_path / "out"
    r = run("extract", str(sample_dir), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "76 items, 247 assignments" in r.output
    for t in TABLES:
        assert (out / f"{t}.parquet").is_file()
    docs = pq.read_table(out / "documents.parquet").to_pylist()
    assert docs[0]["doc_number"] == "港政发〔2025〕1号" and docs[0]["n_items"] == 76
    (j,) = (out / "json").glob("*.json")
    data = json.loads(j.read_text("utf-8"))
    assert j.stem == docs[0]["doc_id"] and len(data["items"]) == 76
    it = data["items"][9]
    assert data["text"][it["span_start"]:it["span_end"]] == it["text"]


def test_rerun_is_byte_identical(sample_dir, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run("extract", str(sample_dir), "--out", str(a))
    run("extract", str(sample_dir), "--out", str(b))
    for f in sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file()):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.html", b"  \n\t ", "empty file"),
    ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    ("bulletin.html", NOT_A_NOTICE.encode(), "no tasks found"),
], ids=["empty", "whitespace", "binary", "not-a-notice"])
def test_bad_input_fails_with_one_line_and_others_still_written(sample_dir, tmp_path, name, content, reason):
    (sample_dir / name).write_bytes(content)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["extract", str(sample_dir), "--out", str(out)])
    assert r.exit_code == 1
    err = r.stderr
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0] and reason in lines[0], err
    assert "Traceback" not in err
    assert pq.read_table(out / "documents.parquet").num_rows == 1  # the good one was written


def test_missing_file_fails(tmp_path):
    r = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "no such file" in r.stderr
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_usage_error_exits_2():
    assert CliRunner().invoke(cli, ["extract"]).exit_code == 2
    assert CliRunner().invoke(cli, ["extract", "x", "--bogus"]).exit_code == 2


def test_help_has_an_example():
    r = run("extract", "--help")
    assert "Example:" in r.output and "fenjie extract raw/" in r.output


def test_extract_url_fetches_into_raw_then_extracts(tmp_path, monkeypatch):
    """`fenjie extract URL`: saved under --to, then extracted (a loopback server, never the internet)."""
    import functools
    import http.server
    import threading

    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(SAMPLE_HTML, site / "t20250812_1249579.html")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/t20250812_1249579.html"
        raw, out = tmp_path / "raw", tmp_path / "out"
        r = CliRunner().invoke(cli, ["extract", url, "--to", str(raw), "--out", str(out)])
    finally:
        srv.shutdown()
    assert r.exit_code == 0, r.output + r.stderr
    assert "76 items, 247 assignments" in r.output
    (saved,) = raw.glob("*.html")
    assert saved.read_bytes() == SAMPLE_HTML.read_bytes()
    assert (raw / (saved.stem + ".meta.json")).is_file()
    assert pq.read_table(out / "items.parquet").num_rows == 76


def test_a_bug_in_one_document_does_not_stop_the_batch(sample_dir, tmp_path, monkeypatch):
    import pipeline.batch as ex_mod

    real = ex_mod.extract_raw
    (sample_dir / "boom.txt").write_text("x", "utf-8")

    def flaky(raw, rules):
        if raw.source.endswith("boom.txt"):
            raise ZeroDivisionError("division by zero")
        return real(raw, rules)

    monkeypatch.setattr(ex_mod, "extract_raw", flaky)  # the workers are forked: they see the patch
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["extract", str(sample_dir), "--out", str(out)])
    assert r.exit_code == 1
    assert r.stderr.strip().endswith("boom.txt: internal error: ZeroDivisionError: division by zero")
    assert pq.read_table(out / "documents.parquet").num_rows == 1


def test_links_that_lead_nowhere_say_so(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    r = CliRunner().invoke(cli, ["extract", str(tmp_path / "a.txt"), str(tmp_path / "gone.txt"),
                                 "--out", str(tmp_path / "out")])
    assert r.exit_code == 1
    lines = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert lines == [f"error: {tmp_path / 'a.txt'}: read: too many levels of symbolic links",
                     f"error: {tmp_path / 'gone.txt'}: read: no such file (a link to a missing file)"]
