"""fetch — save published pages to ``raw/``, bytes unchanged, with a sidecar saying how.

The only stage that touches the network (stdlib ``urllib``). Each URL becomes
``<to>/<name>.html`` (the response body exactly as sent) and ``<to>/<name>.meta.json``
(url, final_url, status, content_type, fetched_at, sha256); :func:`pipeline.read.read`
picks the content type up from the sidecar for decoding. ``<name>`` is derived from
the URL alone, so fetching a URL again finds its file; an unchanged page is not
rewritten, so a re-fetch leaves ``raw/`` byte-identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import regex

from . import __version__
from .errors import FetchError
from .files import atomic_write_bytes

USER_AGENT = f"fenjie/{__version__}"
#: Seconds allowed for connecting and for the whole response.
DEFAULT_TIMEOUT = 20.0
#: A notice page is well under 1 MB; larger responses are refused.
DEFAULT_MAX_BYTES = 20 * 2**20
DEFAULT_MAX_REDIRECTS = 5
#: Retries after the first attempt, on timeouts, connection errors and 5xx.
DEFAULT_RETRIES = 3
#: Seconds before the first retry; doubled before each further one.
DEFAULT_BACKOFF = 0.5
#: File names longer than this are cut and given a digest of the URL.
MAX_NAME_LENGTH = 150
_CHUNK = 64 * 1024
_SCHEMES = ("http", "https")
_REDIRECT_CODES = (301, 302, 303, 307, 308)

_UNSAFE_RUN = regex.compile(
    r"""
    [^A-Za-z0-9._-]+   # anything not safe in a file name on every system (incl. / ? = &)
    """,
    regex.X,
)
_PAGE_SUFFIX = regex.compile(
    r"""
    \. (?: s?html? | jsp | php | aspx? | cgi ) $   # the server's page suffix (the saved file is .html)
    """,
    regex.X | regex.I,
)


@dataclass(frozen=True)
class FetchResult:
    """One URL saved."""

    url: str  # the URL as given
    final_url: str  # the URL that answered, after redirects
    status: int  # HTTP status of the final response (2xx)
    content_type: str | None  # the Content-Type header as sent, None if absent
    path: Path  # <to>/<name>.html: the body, bytes unchanged
    meta_path: Path  # <to>/<name>.meta.json: the sidecar
    sha256: str  # hex digest of the body
    changed: bool  # False when <name>.html already held these exact bytes (nothing was rewritten)


@dataclass(frozen=True)
class _Response:
    final_url: str
    status: int
    content_type: str | None
    body: bytes


class _Retryable(Exception):
    """A failure worth another attempt (timeout, connection error, 5xx)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError so that :func:`_get` counts and checks them itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def name_for_url(url: str) -> str:
    """A file name (without suffix) for a URL: host, path and query as a slug.

    >>> name_for_url("http://www.huangshigang.gov.cn/zwpd/zc/zfwj/202508/t20250812_1249579.shtml")
    'www.huangshigang.gov.cn_zwpd_zc_zfwj_202508_t20250812_1249579'
    >>> name_for_url("https://WWW.Example.gov.cn:8080/art/view.jsp?id=123&type=2#top")
    'www.example.gov.cn_8080_art_view_id_123_type_2'
    >>> name_for_url("http://www.example.gov.cn/")
    'www.example.gov.cn'

    Characters outside ``[A-Za-z0-9._-]`` become ``_``; when that loses information (a Chinese
    path) or the name is too long, a digest of the URL keeps names apart:

    >>> name_for_url("http://x.gov.cn/%E9%80%9A%E7%9F%A5.html")
    'x.gov.cn_b8fe5ae7'
    """
    parts = urllib.parse.urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    if parts.port is not None:
        host = f"{host}_{parts.port}"
    path = urllib.parse.unquote(parts.path)
    segments = [s for s in path.split("/") if s]
    if segments:
        segments[-1] = _PAGE_SUFFIX.sub("", segments[-1])
    raw_name = "_".join([host, *segments, *([parts.query] if parts.query else [])])
    name = _UNSAFE_RUN.sub("_", raw_name).strip("._-")
    lossy = any(not (ch.isascii() and (ch.isalnum() or ch in "._-/?=&")) for ch in host + path + parts.query)
    if lossy or len(name) > MAX_NAME_LENGTH:
        digest = hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:8]
        name = f"{name[:MAX_NAME_LENGTH - 9].rstrip('._-')}_{digest}"
    return name or "page"


def fetch(url: str, to_dir: Path, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
          max_redirects: int = DEFAULT_MAX_REDIRECTS, retries: int = DEFAULT_RETRIES,
          backoff: float = DEFAULT_BACKOFF, progress: Callable[[str], None] | None = None) -> FetchResult:
    """Fetch one URL into ``to_dir``; raise :class:`FetchError` (one line, source=url) on failure."""
    _check_url(url, url)
    resp = _get_with_retries(url, timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects,
                             retries=retries, backoff=backoff, progress=progress)
    to = Path(to_dir)
    name = name_for_url(url)
    path, meta_path = to / f"{name}.html", to / f"{name}.meta.json"
    sha = hashlib.sha256(resp.body).hexdigest()
    meta = {"url": url, "final_url": resp.final_url, "status": resp.status, "content_type": resp.content_type,
            "fetched_at": _utc_now(), "sha256": sha}
    try:
        changed = not (path.is_file() and _sha256_file(path) == sha)
        if changed:
            atomic_write_bytes(path, resp.body)
        if changed or not _same_meta(meta_path, meta):
            atomic_write_bytes(meta_path, (json.dumps(meta, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        raise FetchError(f"cannot save to {to}: {exc.strerror or exc}", source=url) from None
    if progress:
        via = f", from {resp.final_url}" if resp.final_url != url else ""
        verb = "fetched" if changed else "unchanged"
        progress(f"{verb} {url} -> {path} ({len(resp.body)} bytes, {resp.status}{via})")
    return FetchResult(url=url, final_url=resp.final_url, status=resp.status, content_type=resp.content_type,
                       path=path, meta_path=meta_path, sha256=sha, changed=changed)


def fetch_many(urls: Iterable[str], to_dir: Path, **kw: Any) -> list[FetchResult | FetchError]:
    """Fetch each URL in turn (keywords as for :func:`fetch`); a failure is returned in its place."""
    out: list[FetchResult | FetchError] = []
    for url in urls:
        try:
            out.append(fetch(url, to_dir, **kw))
        except FetchError as err:
            out.append(err)
    return out


def _check_url(url: str, source: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as exc:
        raise FetchError(f"invalid URL: {exc}", source=source) from None
    if parts.scheme.lower() not in _SCHEMES:
        shown = parts.scheme or "none"
        raise FetchError(f"unsupported scheme '{shown}' (only http and https)", source=source)
    if not parts.hostname:
        raise FetchError("invalid URL: no host", source=source)
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise FetchError("invalid URL: contains spaces or control characters", source=source)


def _get_with_retries(url: str, *, timeout: float, max_bytes: int, max_redirects: int, retries: int,
                      backoff: float, progress: Callable[[str], None] | None) -> _Response:
    attempts = retries + 1
    for attempt in range(1, attempts + 1):
        try:
            return _get(url, timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects)
        except _Retryable as exc:
            if attempt == attempts:
                tries = f" (after {attempts} attempts)" if attempts > 1 else ""
                raise FetchError(f"{exc}{tries}", source=url) from None
            delay = backoff * 2 ** (attempt - 1)
            if progress:
                progress(f"retrying {url} in {delay:g} s: {exc}")
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _get(url: str, *, timeout: float, max_bytes: int, max_redirects: int) -> _Response:
    """One attempt: follow up to ``max_redirects`` redirects, read the body within the limits."""
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.monotonic() + timeout
    current = url
    for _ in range(max_redirects + 1):
        request = urllib.request.Request(current, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        try:
            resp = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in _REDIRECT_CODES:
                location = exc.headers.get("Location")
                if not location:
                    raise FetchError(f"HTTP {exc.code} redirect without a Location header", source=url) from None
                current = urllib.parse.urljoin(current, location)
                _check_url(current, url)
                continue
            reason = f"HTTP {exc.code} {exc.reason}".rstrip()
            if exc.code >= 500:
                raise _Retryable(reason) from None
            raise FetchError(reason, source=url) from None
        except (TimeoutError, socket.timeout):
            raise _Retryable(f"timed out after {timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _Retryable(f"timed out after {timeout:g} s") from None
            if isinstance(exc.reason, ssl.SSLError):  # a certificate problem does not go away on retry
                raise FetchError(f"TLS error: {exc.reason}", source=url) from None
            raise _Retryable(f"connection failed: {exc.reason}") from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise _Retryable(f"connection failed: {type(exc).__name__} {exc}".rstrip()) from None
        with resp:
            body = _read_body(resp, url, timeout=timeout, deadline=deadline, max_bytes=max_bytes)
            return _Response(final_url=resp.geturl(), status=resp.status,
                             content_type=resp.headers.get("Content-Type"), body=body)
    raise FetchError(f"too many redirects (more than {max_redirects})", source=url)


def _read_body(resp: http.client.HTTPResponse, url: str, *, timeout: float, deadline: float,
               max_bytes: int) -> bytes:
    """The body, streamed: stop at ``max_bytes + 1`` bytes or at the deadline."""
    too_large = f"response larger than {max_bytes} bytes"
    length = resp.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(too_large, source=url)
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = resp.read(min(_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(too_large, source=url)
            if time.monotonic() > deadline:
                raise _Retryable(f"timed out after {timeout:g} s")
    except (TimeoutError, socket.timeout):
        raise _Retryable(f"timed out after {timeout:g} s") from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise _Retryable(f"connection failed while reading: {type(exc).__name__}") from None
    body = b"".join(chunks)
    encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        # Sent although we asked for identity: undo the transfer compression, not the page's bytes.
        body = _decompress(body, encoding, max_bytes, url)
    elif encoding != "identity":
        raise FetchError(f"unsupported Content-Encoding '{encoding}'", source=url)
    if not body.strip():
        raise FetchError(f"empty response (HTTP {resp.status})", source=url)
    return body


def _decompress(body: bytes, encoding: str, max_bytes: int, url: str) -> bytes:
    wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError(f"bad {encoding} body: {exc}", source=url) from None
    if len(out) > max_bytes:
        raise FetchError(f"response larger than {max_bytes} bytes", source=url)
    return out


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _same_meta(meta_path: Path, meta: dict[str, Any]) -> bool:
    """The sidecar exists and says the same, apart from when it was fetched."""
    try:
        old = json.loads(meta_path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(old, dict) and {k: v for k, v in old.items() if k != "fetched_at"} == {
        k: v for k, v in meta.items() if k != "fetched_at"}


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
