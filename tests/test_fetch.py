"""fetch: against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import doctest
import email.utils
import gzip
import hashlib
import http.server
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

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

    def send_head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def drip(self, data: bytes, gap: float) -> None:
        """One byte every ``gap`` seconds, until done or the client hangs up."""
        for i in range(len(data)):
            if self.client_gone(gap):
                return
            try:
                self.wfile.write(data[i:i + 1])
            except OSError:
                return

    def client_gone(self, wait: float) -> bool:
        """Wait up to ``wait`` seconds; True as soon as the client has closed the connection."""
        readable, _, _ = select.select([self.connection], [], [], wait)
        try:
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

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
        # -- misbehaving servers --
        elif path == "/drip":  # 100 bytes promised, one every 50 ms: 5 s in all
            self.send_head(200, {"Content-Type": "text/html", "Content-Length": "100"})
            self.drip(b"x" * 100, 0.05)
        elif path == "/drip-headers":  # the status line and headers themselves, one byte every 50 ms
            self.drip(b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\n<p>x", 0.05)
        elif path == "/stall-after-headers":
            self.send_head(200, {"Content-Type": "text/html", "Content-Length": "100"})
            self.client_gone(5.0)
        elif path == "/short":  # issue 12: Content-Length 80,372, 40,186 bytes sent, then close
            self.send_head(200, {"Content-Type": "text/html", "Content-Length": "80372"})
            self.wfile.write(b"<p>" + b"x" * (40186 - 3))
        elif path == "/chunked":
            self.send_head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(site.page), site.page))
        elif path == "/chunked-cut-mid-chunk":  # a 4096-byte chunk announced, 1000 bytes sent
            self.send_head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
            self.wfile.write(b"1000\r\n" + b"x" * 1000)
        elif path == "/chunked-no-last-chunk":  # whole chunks, but never the terminating 0 chunk
            self.send_head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
            self.wfile.write(b"5\r\n<p>ab\r\n5\r\ncd</p\r\n")
        elif path == "/gzip-cut":
            body = gzip.compress(site.page * 20)[:-30]
            self.send(200, body, headers={"Content-Encoding": "gzip"})
        elif path.startswith("/retry-after/"):  # /retry-after/<code>/<value>/<failures before a 200>
            _, _, code, value, failures = path.split("/")
            if hits <= int(failures):
                self.send(int(code), b"busy", headers={"Retry-After": urllib.parse.unquote(value)})
            else:
                self.send(200, site.page)
        elif path == "/loop/a":
            self.send(302, b"", headers={"Location": "/loop/b"})
        elif path == "/loop/b":
            self.send(302, b"", headers={"Location": "/loop/a"})
        elif path == "/self-loop":
            self.send(301, b"", headers={"Location": "/self-loop"})
        elif path.startswith("/slow-redirect/"):  # each hop answers after 150 ms
            n = int(path.rsplit("/", 1)[1])
            time.sleep(0.15)
            self.send(302, b"", headers={"Location": f"/slow-redirect/{n - 1}" if n > 1 else "/page.html"})
        elif path == "/to-tab":
            self.send(302, b"", headers={"Location": "/page\t.html"})
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
    pytest.param("/to-ftp", {}, "redirect to ftp://127.0.0.1/x.html: unsupported scheme 'ftp' (only http and https)",
                 id="redirect-to-ftp"),
    pytest.param("/missing", {}, "HTTP 404 Not Found", id="404"),
    pytest.param("/big/5000", {"max_bytes": 1000}, "response larger than 1000 bytes",
                 id="oversize-content-length"),
    pytest.param("/big/5000/nolength", {"max_bytes": 1000}, "response larger than 1000 bytes",
                 id="oversize-streamed"),
    pytest.param("/empty", {}, "empty response (HTTP 200)", id="empty-body"),
    pytest.param("/short", {}, "truncated response: 40186 of 80372 bytes (Content-Length), then the connection closed",
                 id="body-shorter-than-content-length"),
    pytest.param("/chunked-cut-mid-chunk", {},
                 "truncated response: the chunked body ended after 1000 bytes, before its last chunk",
                 id="chunked-cut-mid-chunk"),
    pytest.param("/chunked-no-last-chunk", {},
                 "truncated response: the chunked body ended after 10 bytes, before its last chunk",
                 id="chunked-without-last-chunk"),
    pytest.param("/gzip-cut", {}, "bad gzip body: truncated stream", id="gzip-stream-cut"),
    pytest.param("/self-loop", {}, "redirect loop: back to {base}/self-loop after 1 redirect", id="redirect-to-itself"),
    pytest.param("/loop/a", {}, "redirect loop: back to {base}/loop/a after 2 redirects", id="redirect-loop"),
    pytest.param("/to-tab", {}, "redirect to /page\\t.html: invalid URL: control character \\t (U+0009)",
                 id="redirect-to-control-character"),
]


@pytest.mark.parametrize(("path", "kw", "message"), FAILURES)
def test_fetch_failure(base, tmp_path, path, kw, message):
    url = base + path
    message = message.format(base=base)
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


def test_slow_response_times_out(base, site, tmp_path):
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/slow", tmp_path, timeout=0.3, retries=1, backoff=0.0)
    assert err.value.reason == "timed out after 0.3 s (deadline for the whole request)"
    assert time.monotonic() - start < 0.6
    assert site.hits["/slow"] == 1  # the deadline is spent: no second attempt


# -- one deadline for the whole request ------------------------------------------------------------------

DEADLINE = [
    # (path, what the server does)
    pytest.param("/drip", id="body-one-byte-every-50ms"),
    pytest.param("/drip-headers", id="headers-one-byte-every-50ms"),
    pytest.param("/stall-after-headers", id="stall-after-headers"),
    pytest.param("/slow", id="no-answer-for-1s"),
    pytest.param("/slow-redirect/5", id="five-redirects-150ms-each"),
]


@pytest.mark.parametrize("path", DEADLINE)
def test_deadline_bounds_the_whole_request(base, site, tmp_path, path):
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(base + path, tmp_path, timeout=0.5, retries=3, backoff=0.0)
    elapsed = time.monotonic() - start
    assert err.value.reason == "timed out after 0.5 s (deadline for the whole request)"
    assert 0.45 < elapsed < 0.8, elapsed
    assert site.hits[path] == 1  # a spent deadline leaves no time for a retry
    assert list(tmp_path.iterdir()) == []


def test_deadline_counts_retries_too(base, site, tmp_path):
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/always500", tmp_path, timeout=0.5, retries=5, backoff=0.1)
    # 500 at ~0, wait 0.1, 500 at ~0.1, wait 0.2, 500 at ~0.3, the next wait (0.4 s) would end past 0.5 s
    assert err.value.reason == ("HTTP 500 Internal Server Error (after 3 attempts; the next retry, in 0.4 s, "
                                "would pass the 0.5 s deadline)")
    assert site.hits["/always500"] == 3
    assert time.monotonic() - start < 0.5


def test_backoff_longer_than_the_deadline_fails_at_once(base, site, tmp_path):
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/always500", tmp_path, timeout=0.5, retries=3, backoff=1.0)
    assert err.value.reason == ("HTTP 500 Internal Server Error (after 1 attempt; the next retry, in 1 s, "
                                "would pass the 0.5 s deadline)")
    assert site.hits["/always500"] == 1
    assert time.monotonic() - start < 0.2


def test_server_that_never_answers_http_or_tls(tmp_path):
    # a listening socket that never accepts: the kernel completes the TCP handshake, nobody speaks
    with socket.socket() as quiet:
        quiet.bind(("127.0.0.1", 0))
        quiet.listen(8)
        port = quiet.getsockname()[1]
        for scheme in ("http", "https"):  # https: the TLS handshake waits for a ServerHello that never comes
            start = time.monotonic()
            with pytest.raises(FetchError) as err:
                fetch(f"{scheme}://127.0.0.1:{port}/", tmp_path, timeout=0.3, retries=2, backoff=0.0)
            assert err.value.reason == "timed out after 0.3 s (deadline for the whole request)", scheme
            assert time.monotonic() - start < 0.6, scheme


def test_slow_name_resolution_is_inside_the_deadline(tmp_path, monkeypatch):
    release = threading.Event()
    real = socket.getaddrinfo

    def slow_getaddrinfo(*args, **kwargs):
        release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    start = time.monotonic()
    try:
        with pytest.raises(FetchError) as err:
            fetch("http://slow-dns.invalid/page.html", tmp_path, timeout=0.3, retries=2, backoff=0.0)
    finally:
        release.set()
    assert err.value.reason == "timed out after 0.3 s (deadline for the whole request)"
    assert time.monotonic() - start < 0.6


def test_complete_chunked_body_is_saved(base, site, tmp_path):
    res = fetch(f"{base}/chunked", tmp_path, **FAST)
    assert res.path.read_bytes() == site.page


def test_truncated_body_is_retried_then_reported(base, site, tmp_path):
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/short", tmp_path, retries=1, backoff=0.0, timeout=5.0)
    assert err.value.reason == ("truncated response: 40186 of 80372 bytes (Content-Length), then the connection "
                                "closed (after 2 attempts)")
    assert site.hits["/short"] == 2
    assert list(tmp_path.iterdir()) == []


# -- Retry-After --------------------------------------------------------------------------------------


def _http_date(seconds_from_now: float) -> str:
    return urllib.parse.quote(email.utils.formatdate(time.time() + seconds_from_now, usegmt=True))


@pytest.mark.parametrize(("code", "value", "asked"), [
    pytest.param(429, "3600", "3600", id="429-seconds"),
    pytest.param(503, "3600", "3600", id="503-seconds"),
    pytest.param(503, "86400000000", "86400000000", id="503-absurd-seconds"),
    pytest.param(503, None, "3600", id="503-http-date"),
])
def test_retry_after_past_the_deadline_fails_at_once(base, site, tmp_path, code, value, asked):
    path = f"/retry-after/{code}/{value or _http_date(3600)}/99"
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(base + path, tmp_path, timeout=5.0, retries=3, backoff=0.0)
    reason = "Too Many Requests" if code == 429 else "Service Unavailable"
    assert err.value.reason == f"HTTP {code} {reason}: the server asked to retry after {asked} s, past the 5 s deadline"
    assert site.hits[path] == 1  # never hammered
    assert time.monotonic() - start < 0.3


def test_retry_after_inside_the_deadline_is_waited_for(base, site, tmp_path):
    lines: list[str] = []
    path = "/retry-after/503/1/1"
    start = time.monotonic()
    res = fetch(base + path, tmp_path, timeout=1.5, retries=1, backoff=0.0, progress=lines.append)
    elapsed = time.monotonic() - start
    assert res.path.read_bytes() == site.page
    assert site.hits[path] == 2
    assert 1.0 <= elapsed < 1.4, elapsed
    assert lines[0] == f"retrying {base}{path} in 1 s (Retry-After 1 s): HTTP 503 Service Unavailable"


@pytest.mark.parametrize(("value", "backoff", "delays"), [
    pytest.param("2", 0.5, [2.0, 2.0], id="retry-after-longer-than-backoff"),
    pytest.param("1", 1.5, [1.5, 3.0], id="backoff-longer-than-retry-after"),
    pytest.param("soon", 0.5, [0.5, 1.0], id="unreadable-retry-after-means-backoff"),
    pytest.param("0", 0.0, [0.0, 0.0], id="retry-after-zero"),
])
def test_retry_after_and_backoff_the_longer_wins(base, site, tmp_path, monkeypatch, value, backoff, delays):
    waited: list[float] = []
    monkeypatch.setattr(fetch_mod.time, "sleep", waited.append)
    path = f"/retry-after/429/{value}/2"
    res = fetch(base + path, tmp_path, timeout=20.0, retries=2, backoff=backoff)
    assert res.status == 200
    assert (waited, site.hits[path]) == (delays, 3)


def test_retry_after_http_date_is_waited_for(base, site, tmp_path, monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(fetch_mod.time, "sleep", waited.append)
    path = f"/retry-after/503/{_http_date(3)}/1"
    fetch(base + path, tmp_path, timeout=20.0, retries=1, backoff=0.0)
    assert len(waited) == 1 and 2.0 <= waited[0] <= 4.0, waited  # the date has whole seconds


def test_retry_after_with_no_retries_left(base, site, tmp_path):
    path = "/retry-after/503/1/99"
    with pytest.raises(FetchError) as err:
        fetch(base + path, tmp_path, timeout=5.0, retries=0)
    assert err.value.reason == "HTTP 503 Service Unavailable"
    assert site.hits[path] == 1


# -- control characters in URLs ----------------------------------------------------------------------

CONTROL = [
    # (URL after the base, reason, offset after the base, the URL as shown)
    pytest.param("/page.html\r\nX-Injected: 1", "control character \\r (U+000D)", 10,
                 "/page.html\\r\\nX-Injected: 1", id="crlf-in-path"),
    pytest.param("/page.html\n", "control character \\n (U+000A)", 10, "/page.html\\n", id="trailing-lf"),
    pytest.param("/a\tb.html", "control character \\t (U+0009)", 2, "/a\\tb.html", id="tab"),
    pytest.param("/a\x00.html", "control character \\x00 (U+0000)", 2, "/a\\x00.html", id="nul"),
    pytest.param("/a\x7f.html", "control character \\x7f (U+007F)", 2, "/a\\x7f.html", id="del"),
    pytest.param("/a\x85.html", "control character \\x85 (U+0085)", 2, "/a\\x85.html", id="c1-next-line"),
    pytest.param("/\u202elmth.exe", "invisible character \\u202e (U+202E)", 1, "/\\u202elmth.exe",
                 id="right-to-left-override"),
    pytest.param("/通知\u3000.html", "space \\u3000 (U+3000)", 3, "/通知\\u3000.html", id="ideographic-space"),
    pytest.param("/a b.html", "space (U+0020); write it as %20", 2, "/a b.html", id="space"),
]


@pytest.mark.parametrize(("tail", "problem", "offset", "shown"), CONTROL)
def test_control_characters_refused_and_escaped(base, site, tmp_path, tail, problem, offset, shown):
    url = base + tail
    with pytest.raises(FetchError) as err:
        fetch(url, tmp_path, **FAST)
    assert (err.value.reason, err.value.source, err.value.offset) == (
        f"invalid URL: {problem}", base + shown, len(base) + offset)
    assert str(err.value) == f"{base}{shown}: fetch: invalid URL: {problem} (at offset {len(base) + offset})"
    assert all(ch.isprintable() for ch in str(err.value))
    assert site.hits == {}  # refused before any traffic
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("url", "problem"), [
    pytest.param("http://127.0.0.1%0d%0aX:1/", "control character \\r (U+000D)", id="crlf"),
    pytest.param("http://example.gov.cn%00.evil/", "control character \\x00 (U+0000)", id="nul"),
    pytest.param("http://user%0a@example.gov.cn/", None, id="userinfo-is-not-the-host"),
])
def test_percent_encoded_control_characters_in_the_host(url, problem, tmp_path, monkeypatch):
    monkeypatch.setattr(fetch_mod, "_get", lambda *a, **k: pytest.fail("no traffic expected"))
    if problem is None:
        assert fetch_mod.url_character_problem(url) is None
        return
    with pytest.raises(FetchError) as err:
        fetch(url, tmp_path, **FAST)
    assert err.value.reason == f"invalid URL: {problem} in the host once percent-decoded"
    assert err.value.source == url


def test_cli_control_characters_stay_on_one_escaped_line(base, site, tmp_path):
    url = f"{base}/page.html\r\nX-Injected: 1"
    result = CliRunner().invoke(cli, ["fetch", url, "--to", str(tmp_path), "--retries", "0"])
    assert result.exit_code == 1
    assert result.stderr == (f"fenjie: {base}/page.html\\r\\nX-Injected: 1: fetch: invalid URL: control character "
                             f"\\r (U+000D) (at offset {len(base) + 10})\n")
    assert site.hits == {}


# -- file modes follow the umask ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["022", "077", "002"])
def test_fetched_files_get_the_umask_mode(base, tmp_path, umask, mode):
    # a process of its own, its umask set before anything is written
    code = ("import os, sys; os.umask(int(sys.argv[1], 8)); sys.argv[1:2] = []; "
            "from pipeline.cli import main; main()")
    out = tmp_path / "raw"
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run([sys.executable, "-c", code, oct(umask), "fetch", f"{base}/page.html", "--to", str(out),
                           "--retries", "0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    name = name_for_url(f"{base}/page.html")
    assert modes == {f"{name}.html": mode, f"{name}.meta.json": mode}


def test_doctests():
    assert doctest.testmod(fetch_mod).failed == 0


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


@pytest.mark.parametrize(("path", "message"), [
    pytest.param("/drip", "timed out after 0.5 s (deadline for the whole request)", id="slow-drip"),
    pytest.param("/short", "truncated response: 40186 of 80372 bytes (Content-Length), then the connection closed "
                 "(after 1 attempt; the next retry, in 0.5 s, would pass the 0.5 s deadline)", id="truncated"),
    pytest.param("/retry-after/429/3600/99", "HTTP 429 Too Many Requests: the server asked to retry after 3600 s, "
                 "past the 0.5 s deadline", id="retry-after-past-the-deadline"),
])
def test_cli_fetch_failures_are_one_line_and_save_nothing(base, tmp_path, path, message):
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["fetch", base + path, "--to", str(tmp_path / "raw"), "--timeout", "0.5"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"fenjie: {base}{path}: fetch: {message}\n")
    assert time.monotonic() - start < 0.8
    assert not (tmp_path / "raw").exists()
