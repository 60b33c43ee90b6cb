"""fetch: against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import socket
import threading
import time

import pytest
from click.testing import CliRunner

from pipeline import __version__
from pipeline import fetch as fetch_mod
from pipeline.cli import cli
from pipeline.decode import decode
from pipeline.errors import FetchError
from pipeline.fetch import FetchResult, fetch, fetch_many, name_for_url
from pipeline.read import read

PAGE = "<html><head><title>重点工作任务分解方案</title></head><body><p>一、推动经济高质量发展。</p></body></html>"
GBK_PAGE = "<html><body><p>关于印发重点工作任务分解方案的通知。牵头单位：区发改局；责任单位：区财政局。</p></body></html>"


class Site:
    """What the test server serves, and what it saw."""

    def __init__(self) -> None:
        self.page = PAGE.encode("utf-8")
        self.hits: dict[str, int] = {}
        self.user_agents: list[str] = []
        self.flaky_failures = 2
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def send(self, status: int, body: bytes, content_type: str | None = "text/html; charset=utf-8",
             length: bool = True, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:  # noqa: C901 -- one route per branch
        site = self.site
        with site.lock:
            site.hits[self.path] = site.hits.get(self.path, 0) + 1
            hits = site.hits[self.path]
            site.user_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/page.html":
            self.send(200, site.page)
        elif path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1])
            self.send(302, b"", headers={"Location": f"/redirect/{n - 1}" if n > 1 else "/page.html"})
        elif path == "/relative":
            self.send(301, b"", headers={"Location": "page.html"})
        elif path == "/to-ftp":
            self.send(302, b"", headers={"Location": "ftp://127.0.0.1/x.html"})
        elif path == "/missing":
            self.send(404, b"<h1>not here</h1>")
        elif path == "/flaky":
            if hits <= site.flaky_failures:
                self.send(500, b"oops")
            else:
                self.send(200, site.page)
        elif path == "/always500":
            self.send(500, b"oops")
        elif path == "/slow":
            threading.Event().wait(1.0)
            self.send(200, site.page)
        elif path.startswith("/big/"):
            self.send(200, b"<p>" + b"x" * int(path.split("/")[2]) + b"</p>", length="nolength" not in path)
        elif path == "/wrong-charset":
            self.send(200, GBK_PAGE.encode("gbk"), content_type="text/html; charset=utf-8")
        elif path == "/no-type":
            self.send(200, site.page, content_type=None)
        elif path == "/gzip":
            self.send(200, gzip.compress(site.page), headers={"Content-Encoding": "gzip"})
        elif path == "/empty":
            self.send(200, b"")
        else:
            self.send(404, b"")


@pytest.fixture(scope="module")
def server():
    site = Site()
    handler = type("BoundHandler", (Handler,), {"site": site})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.handle_error = lambda request, client_address: None  # a client that gave up is not an error
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def site(server):
    site, _ = server
    site.page = PAGE.encode("utf-8")
    site.hits.clear()
    site.user_agents.clear()
    site.flaky_failures = 2
    return site


@pytest.fixture
def base(server, site):
    return server[1]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


FAST = {"retries": 0, "backoff": 0.0, "timeout": 5.0}


def test_success_saves_bytes_and_sidecar(base, site, tmp_path):
    lines: list[str] = []
    url = f"{base}/page.html"
    res = fetch(url, tmp_path, progress=lines.append, **FAST)
    name = name_for_url(url)
    assert res == FetchResult(url=url, final_url=url, status=200, content_type="text/html; charset=utf-8",
                              path=tmp_path / f"{name}.html", meta_path=tmp_path / f"{name}.meta.json",
                              sha256=hashlib.sha256(PAGE.encode("utf-8")).hexdigest(), changed=True)
    assert res.path.read_bytes() == PAGE.encode("utf-8")
    meta = json.loads(res.meta_path.read_text("utf-8"))
    assert list(meta) == ["url", "final_url", "status", "content_type", "fetched_at", "sha256"]
    assert meta["url"] == meta["final_url"] == url
    assert (meta["status"], meta["content_type"], meta["sha256"]) == (200, "text/html; charset=utf-8", res.sha256)
    assert meta["fetched_at"].endswith("Z") and len(meta["fetched_at"]) == len("2025-08-12T03:04:05Z")
    assert lines == [f"fetched {url} -> {res.path} ({len(PAGE.encode('utf-8'))} bytes, 200)"]
    assert site.user_agents == [f"fenjie/{__version__}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.html", f"{name}.meta.json"]  # no temp files


def test_saved_page_reads_and_decodes(base, tmp_path):
    res = fetch(f"{base}/page.html", tmp_path, **FAST)
    raw = read(res.path)
    assert raw.content_type == "text/html; charset=utf-8"
    d = decode(raw)
    assert (d.text, d.encoding, d.encoding_evidence) == (PAGE, "utf-8", "http")


def test_wrong_charset_header_bytes_unchanged_and_header_recorded(base, tmp_path):
    res = fetch(f"{base}/wrong-charset", tmp_path, **FAST)
    assert res.path.read_bytes() == GBK_PAGE.encode("gbk")
    assert json.loads(res.meta_path.read_text("utf-8"))["content_type"] == "text/html; charset=utf-8"
    d = decode(read(res.path))  # the header is wrong: decode falls through to detection
    assert (d.text, d.encoding, d.encoding_evidence) == (GBK_PAGE, "gb18030", "detected")


def test_missing_content_type_recorded_as_null(base, tmp_path):
    res = fetch(f"{base}/no-type", tmp_path, **FAST)
    assert res.content_type is None
    assert json.loads(res.meta_path.read_text("utf-8"))["content_type"] is None


def test_unchanged_second_fetch_rewrites_nothing(base, site, tmp_path):
    url = f"{base}/page.html"
    first = fetch(url, tmp_path, **FAST)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    time.sleep(0.01)
    lines: list[str] = []
    second = fetch(url, tmp_path, progress=lines.append, **FAST)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert (first.changed, second.changed) == (True, False)
    assert after == before
    assert lines == [f"unchanged {url} -> {second.path} ({len(site.page)} bytes, 200)"]


def test_changed_page_is_rewritten(base, site, tmp_path):
    url = f"{base}/page.html"
    fetch(url, tmp_path, **FAST)
    site.page = PAGE.replace("一、", "二、").encode("utf-8")
    res = fetch(url, tmp_path, **FAST)
    assert res.changed is True
    assert res.path.read_bytes() == site.page
    assert json.loads(res.meta_path.read_text("utf-8"))["sha256"] == hashlib.sha256(site.page).hexdigest()


def test_unchanged_page_with_lost_sidecar_gets_it_back(base, tmp_path):
    res = fetch(f"{base}/page.html", tmp_path, **FAST)
    res.meta_path.unlink()
    again = fetch(f"{base}/page.html", tmp_path, **FAST)
    assert again.changed is False
    assert json.loads(again.meta_path.read_text("utf-8"))["sha256"] == res.sha256


@pytest.mark.parametrize("path", ["/redirect/1", "/redirect/5", "/relative"],
                         ids=["one-redirect", "five-redirects-at-the-limit", "relative-location"])
def test_redirect_followed(base, tmp_path, path):
    url = base + path
    res = fetch(url, tmp_path, **FAST)
    assert (res.final_url, res.status) == (f"{base}/page.html", 200)
    assert res.path.name == f"{name_for_url(url)}.html"  # named after the URL as given
    assert json.loads(res.meta_path.read_text("utf-8"))["final_url"] == f"{base}/page.html"


FAILURES = [
    # (path, keywords, message)
    pytest.param("/redirect/6", {}, "too many redirects (more than 5)", id="too-many-redirects"),
    pytest.param("/redirect/3", {"max_redirects": 2}, "too many redirects (more than 2)",
                 id="redirect-limit-lowered"),
    pytest.param("/to-ftp", {}, "unsupported scheme 'ftp' (only http and https)", id="redirect-to-ftp"),
    pytest.param("/missing", {}, "HTTP 404 Not Found", id="404"),
    pytest.param("/big/5000", {"max_bytes": 1000}, "response larger than 1000 bytes",
                 id="oversize-content-length"),
    pytest.param("/big/5000/nolength", {"max_bytes": 1000}, "response larger than 1000 bytes",
                 id="oversize-streamed"),
    pytest.param("/empty", {}, "empty response (HTTP 200)", id="empty-body"),
]


@pytest.mark.parametrize(("path", "kw", "message"), FAILURES)
def test_fetch_failure(base, tmp_path, path, kw, message):
    url = base + path
    with pytest.raises(FetchError) as err:
        fetch(url, tmp_path, **{**FAST, **kw})
    assert (err.value.reason, err.value.source) == (message, url)
    assert str(err.value) == f"{url}: fetch: {message}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("size", [1000 - 7, 1000 - 8], ids=["exactly-max-bytes", "just-under"])
def test_size_cap_boundary(base, tmp_path, size):
    res = fetch(f"{base}/big/{size}/nolength", tmp_path, max_bytes=1000, **FAST)
    assert res.path.stat().st_size == size + 7


def test_4xx_is_not_retried(base, site, tmp_path):
    with pytest.raises(FetchError, match="HTTP 404 Not Found$"):
        fetch(f"{base}/missing", tmp_path, retries=3, backoff=0.0)
    assert site.hits["/missing"] == 1


def test_500_then_success_is_retried(base, site, tmp_path):
    lines: list[str] = []
    res = fetch(f"{base}/flaky", tmp_path, retries=3, backoff=0.0, progress=lines.append)
    assert (res.status, res.path.read_bytes()) == (200, site.page)
    assert site.hits["/flaky"] == 3
    assert lines[:2] == [f"retrying {base}/flaky in 0 s: HTTP 500 Internal Server Error"] * 2
    assert lines[2].startswith(f"fetched {base}/flaky -> ")


def test_retries_exhausted(base, site, tmp_path):
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/always500", tmp_path, retries=2, backoff=0.0)
    assert err.value.reason == "HTTP 500 Internal Server Error (after 3 attempts)"
    assert site.hits["/always500"] == 3


def test_backoff_doubles(base, site, tmp_path, monkeypatch):
    delays: list[float] = []
    monkeypatch.setattr(fetch_mod.time, "sleep", delays.append)
    with pytest.raises(FetchError):
        fetch(f"{base}/always500", tmp_path, retries=3, backoff=0.5)
    assert delays == [0.5, 1.0, 2.0]


def test_slow_response_times_out(base, tmp_path):
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/slow", tmp_path, timeout=0.3, retries=1, backoff=0.0)
    assert err.value.reason == "timed out after 0.3 s (after 2 attempts)"
    assert time.monotonic() - start < 1.5


def test_connection_refused(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/page.html"
    with pytest.raises(FetchError) as err:
        fetch(url, tmp_path, retries=1, backoff=0.0, timeout=2.0)
    assert err.value.reason.startswith("connection failed: ")
    assert err.value.reason.endswith("(after 2 attempts)")
    assert "\n" not in str(err.value)


def test_gzip_sent_anyway_is_undone(base, site, tmp_path):
    res = fetch(f"{base}/gzip", tmp_path, **FAST)
    assert res.path.read_bytes() == site.page


@pytest.mark.parametrize(("url", "message"), [
    pytest.param("ftp://example.gov.cn/a.html", "unsupported scheme 'ftp' (only http and https)", id="ftp"),
    pytest.param("file:///etc/hosts", "unsupported scheme 'file' (only http and https)", id="file"),
    pytest.param("www.example.gov.cn/a.html", "unsupported scheme 'none' (only http and https)", id="no-scheme"),
    pytest.param("http:///a.html", "invalid URL: no host", id="no-host"),
    pytest.param("http://example.gov.cn:port/", "invalid URL: Port could not be cast to integer value as 'port'",
                 id="bad-port"),
])
def test_bad_url_refused_without_network(url, message, tmp_path):
    with pytest.raises(FetchError) as err:
        fetch(url, tmp_path)
    assert (err.value.reason, err.value.source) == (message, url)


def test_fetch_many_goes_on_after_a_failure(base, tmp_path):
    urls = [f"{base}/page.html", f"{base}/missing", "ftp://x/y", f"{base}/wrong-charset"]
    results = fetch_many(urls, tmp_path, **FAST)
    assert [type(r).__name__ for r in results] == ["FetchResult", "FetchError", "FetchError", "FetchResult"]
    assert [r.reason for r in results if isinstance(r, FetchError)] == [
        "HTTP 404 Not Found", "unsupported scheme 'ftp' (only http and https)"]
    assert len(list(tmp_path.glob("*.html"))) == 2


NAMES = [
    ("http://www.huangshigang.gov.cn/zwpd/zc/zfwj/202508/t20250812_1249579.shtml",
     "www.huangshigang.gov.cn_zwpd_zc_zfwj_202508_t20250812_1249579"),
    ("https://www.xianning.gov.cn/zwgk/zcwj/xzgfxwj/202402/t20240219_3263871.html",
     "www.xianning.gov.cn_zwgk_zcwj_xzgfxwj_202402_t20240219_3263871"),
    ("http://www.jiayu.gov.cn/art/2021/3/2/art_1234_567.html#content", "www.jiayu.gov.cn_art_2021_3_2_art_1234_567"),
    ("http://zwgk.example.gov.cn/index.jsp?id=88&cat=zfwj", "zwgk.example.gov.cn_index_id_88_cat_zfwj"),
    ("http://example.gov.cn", "example.gov.cn"),
    ("http://example.gov.cn:8080/a/", "example.gov.cn_8080_a"),
    ("http://example.gov.cn/doc/report.pdf", "example.gov.cn_doc_report.pdf"),
]


@pytest.mark.parametrize(("url", "name"), NAMES, ids=[n for _, n in NAMES])
def test_name_for_url(url, name):
    assert name_for_url(url) == name


def test_name_for_url_keeps_unicode_paths_apart():
    a = name_for_url("http://x.gov.cn/通知/一.html")
    b = name_for_url("http://x.gov.cn/通知/二.html")
    assert a != b
    assert a.startswith("x.gov.cn_") and a.isascii()


def test_cli_fetch(base, tmp_path):
    runner = CliRunner()
    url = f"{base}/page.html"
    result = runner.invoke(cli, ["fetch", url, "--to", str(tmp_path / "raw"), "--retries", "0"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "raw" / f"{name_for_url(url)}.html"
    assert result.output == f"fetched {url} -> {path} ({len(PAGE.encode('utf-8'))} bytes, 200)\n"
    assert path.read_bytes() == PAGE.encode("utf-8")


def test_cli_fetch_failure_exit_1(base, tmp_path):
    runner = CliRunner()
    url = f"{base}/missing"
    result = runner.invoke(cli, ["fetch", f"{base}/page.html", url, "--to", str(tmp_path), "--retries", "0"])
    assert result.exit_code == 1
    assert result.stderr == f"fenjie: {url}: fetch: HTTP 404 Not Found\n"
    assert result.stdout.startswith("fetched ")


def test_cli_fetch_usage_exit_2(tmp_path):
    assert CliRunner().invoke(cli, ["fetch"]).exit_code == 2
    assert CliRunner().invoke(cli, ["fetch", "http://x", "--timeout", "0"]).exit_code == 2
