"""fetch — save published pages to ``raw/``, bytes unchanged, with a sidecar saying how.

The only stage that touches the network (stdlib ``urllib``). Each URL becomes
``<to>/<name>.html`` (the response body exactly as sent) and ``<to>/<name>.meta.json``
(url, final_url, status, content_type, fetched_at, sha256); :func:`pipeline.read.read`
picks the content type up from the sidecar for decoding. ``<name>`` is derived from
the URL alone, so fetching a URL again finds its file; an unchanged page is not
rewritten, so a re-fetch leaves ``raw/`` byte-identical.

One deadline per URL (``timeout`` seconds on the monotonic clock) bounds everything done for it:
name resolution, connecting, the TLS handshake, every read of the headers and body, every redirect,
every retry and the waits between them. Each socket operation gets the time that is left as its
timeout, so a server that sends one byte a second is cut off at the deadline, not after it.
A body shorter than its Content-Length (or a chunked body without its last chunk) is an error,
never a saved page. 429 and 503 answers are retried after the server's Retry-After when that wait
fits inside the deadline; otherwise the fetch fails at once, saying what the server asked for.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import hashlib
import http.client
import io
import json
import math
import socket
import ssl
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from . import __version__
from .errors import FetchError
from .files import atomic_write_bytes

USER_AGENT = f"fenjie/{__version__}"
#: Seconds allowed for each URL in all: resolving, connecting, every read, redirects, retries and their waits.
DEFAULT_TIMEOUT = 20.0
#: A notice page is well under 1 MB; larger responses are refused.
DEFAULT_MAX_BYTES = 20 * 2**20
DEFAULT_MAX_REDIRECTS = 5
#: Retries after the first attempt, on connection errors, cut-off bodies, 429 and 5xx (never past the deadline).
DEFAULT_RETRIES = 3
#: Seconds before the first retry; doubled before each further one (a longer Retry-After wins).
DEFAULT_BACKOFF = 0.5
#: File names longer than this are cut and given a digest of the URL.
MAX_NAME_LENGTH = 150
_CHUNK = 64 * 1024
_SCHEMES = ("http", "https")
_REDIRECT_CODES = (301, 302, 303, 307, 308)
#: Answers that ask the client to come back later; their Retry-After is honoured.
_RETRY_AFTER_CODES = (429, 503)
#: A Retry-After beyond this (seconds, 30 million years) is read as this: past any deadline, still a float.
_MAX_RETRY_AFTER = 10**15

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


@dataclass(frozen=True)
class _Deadline:
    """The monotonic instant by which everything done for one URL must be over."""

    seconds: float  # the timeout it was made from (for messages)
    at: float  # time.monotonic() value

    @classmethod
    def start(cls, seconds: float) -> _Deadline:
        return cls(seconds=seconds, at=time.monotonic() + seconds)

    def left(self) -> float:
        """Seconds left; raises TimeoutError once there are none (so no operation can start late)."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"deadline of {self.seconds:g} s passed")
        return left


class _Retryable(Exception):
    """A failure worth another attempt (connection error, cut-off body, 429, 5xx)."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if it said


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError so that :func:`_get` counts and checks them itself."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
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


def shown_url(url: str) -> str:
    r"""The URL as it may be printed: every non-printable character escaped, so a message stays one line.

    >>> shown_url("http://x.gov.cn/a\r\nSet-Cookie: y")
    'http://x.gov.cn/a\\r\\nSet-Cookie: y'
    >>> shown_url("http://x.gov.cn/\x00\u202e通知.html")
    'http://x.gov.cn/\\x00\\u202e通知.html'
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in url)


def url_character_problem(url: str) -> tuple[str, int | None] | None:
    r"""Why ``url`` cannot be sent (a control, invisible or space character), and where; None if it can.

    The host is also checked after percent-decoding, where a ``%0d%0a`` would become a line break.

    >>> url_character_problem("http://x.gov.cn/a\r\nX: 1")
    ('control character \\r (U+000D)', 17)
    >>> url_character_problem("http://x.gov.cn/a b.html")
    ('space (U+0020); write it as %20', 17)
    >>> url_character_problem("http://x%0d%0a.gov.cn/")
    ('control character \\r (U+000D) in the host once percent-decoded', None)
    >>> url_character_problem("http://x.gov.cn/%0d%0a.html") is None   # encoded in the path: sent as is
    True
    """
    for offset, ch in enumerate(url):
        if problem := _character_problem(ch):
            return problem, offset
    host = urllib.parse.urlsplit(url).netloc.rpartition("@")[2]
    for ch in urllib.parse.unquote(host):
        if problem := _character_problem(ch):
            return f"{problem} in the host once percent-decoded", None
    return None


def _character_problem(ch: str) -> str | None:
    if ch.isprintable() and ch != " ":
        return None
    code = f"U+{ord(ch):04X}"
    if ch == " " or unicodedata.category(ch) == "Zs":
        return f"space ({code}); write it as %20" if ch == " " else f"space {shown_url(ch)} ({code})"
    kind = "control character" if unicodedata.category(ch) == "Cc" else "invisible character"
    return f"{kind} {shown_url(ch)} ({code})"


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """The wait a Retry-After header asks for, in seconds; None when absent or unreadable.

    Either delay-seconds or an HTTP-date (a date in the past means now; fractions round up):

    >>> now = dt.datetime(2025, 8, 12, 3, 0, 0, tzinfo=dt.timezone.utc)
    >>> retry_after_seconds("120", now), retry_after_seconds(" 0 ", now)
    (120.0, 0.0)
    >>> retry_after_seconds("Tue, 12 Aug 2025 04:00:00 GMT", now)
    3600.0
    >>> retry_after_seconds("Tue, 12 Aug 2025 02:00:00 GMT", now)
    0.0
    >>> [retry_after_seconds(v, now) for v in (None, "", "soon", "-5", "1.5")]
    [None, None, None, None, None]
    """
    if value is None or not (text := value.strip()):
        return None
    if text.isascii() and text.isdigit():
        return float(min(int(text), _MAX_RETRY_AFTER))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=dt.UTC)
    return float(min(max(0, math.ceil((when - now).total_seconds())), _MAX_RETRY_AFTER))


def declared_length(headers: Any) -> int | None:
    """The body length the headers promise (Content-Length), None when they promise none.

    A chunked body ignores Content-Length (RFC 9112 6.3); so do conflicting or malformed values.

    >>> from email.message import Message
    >>> def h(*pairs):
    ...     m = Message()
    ...     for k, v in pairs:
    ...         m[k] = v
    ...     return m
    >>> declared_length(h(("Content-Length", "80372")))
    80372
    >>> [declared_length(h(*p)) for p in ([], [("Content-Length", "12a")],
    ...     [("Content-Length", "5"), ("Content-Length", "6")],
    ...     [("Content-Length", "5"), ("Transfer-Encoding", "chunked")])]
    [None, None, None, None]
    """
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return None
    values = {v.strip() for v in headers.get_all("Content-Length") or []}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value.isascii() and value.isdigit() else None


def seconds_text(seconds: float) -> str:
    """Seconds as a message shows them: whole numbers in full, others to a few digits.

    >>> [seconds_text(s) for s in (0.5, 1.0, 3600.0, 86400000000.0, 0.123456789)]
    ['0.5', '1', '3600', '86400000000', '0.123457']
    """
    return f"{seconds:.0f}" if seconds == int(seconds) else f"{seconds:g}"


def fetch(url: str, to_dir: Path, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
          max_redirects: int = DEFAULT_MAX_REDIRECTS, retries: int = DEFAULT_RETRIES,
          backoff: float = DEFAULT_BACKOFF, progress: Callable[[str], None] | None = None) -> FetchResult:
    """Fetch one URL into ``to_dir`` within ``timeout`` seconds in all (see the module docstring).

    Raises :class:`FetchError` (one line; ``source`` is the URL with control characters escaped).
    """
    deadline = _Deadline.start(timeout)
    source = shown_url(url)
    _check_url(url, source)
    resp = _get_with_retries(url, source, deadline=deadline, max_bytes=max_bytes, max_redirects=max_redirects,
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
        raise FetchError(f"cannot save to {to}: {exc.strerror or exc}", source=source) from None
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


def _check_url(url: str, source: str, *, redirect: bool = False) -> None:
    """Refuse what cannot be fetched, before any traffic to it; ``source`` names the URL as given.

    For a redirect target, the reason starts with ``redirect to <target>:``.
    """
    lead = f"redirect to {shown_url(url)}: " if redirect else ""
    if found := url_character_problem(url):
        problem, offset = found
        raise FetchError(f"{lead}invalid URL: {problem}", source=source, offset=None if redirect else offset)
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as exc:
        raise FetchError(f"{lead}invalid URL: {exc}", source=source) from None
    if parts.scheme.lower() not in _SCHEMES:
        shown = shown_url(parts.scheme) or "none"
        raise FetchError(f"{lead}unsupported scheme '{shown}' (only http and https)", source=source)
    if not parts.hostname:
        raise FetchError(f"{lead}invalid URL: no host", source=source)


def _redirect_target(current: str, location: str, source: str) -> str:
    """The URL a Location header sends us to, checked like a given URL.

    Its characters are checked before joining: ``urljoin`` silently drops tabs and line breaks.
    """
    if found := url_character_problem(location):
        raise FetchError(f"redirect to {shown_url(location)}: invalid URL: {found[0]}", source=source)
    target = urllib.parse.urljoin(current, location)
    _check_url(target, source, redirect=True)
    return target


def _get_with_retries(url: str, source: str, *, deadline: _Deadline, max_bytes: int, max_redirects: int,
                      retries: int, backoff: float, progress: Callable[[str], None] | None) -> _Response:
    """Attempts until one succeeds, the retries run out or the next wait would pass the deadline."""
    attempts = retries + 1
    for attempt in range(1, attempts + 1):
        after = f"after {attempt} attempts" if attempt > 1 else ""
        try:
            return _get(url, source, deadline=deadline, max_bytes=max_bytes, max_redirects=max_redirects)
        except TimeoutError:
            note = f", {after}" if after else ""
            raise FetchError(f"timed out after {seconds_text(deadline.seconds)} s "
                             f"(deadline for the whole request{note})", source=source) from None
        except _Retryable as exc:
            left = deadline.at - time.monotonic()
            if left <= 0:
                raise FetchError(f"timed out after {seconds_text(deadline.seconds)} s (deadline for the whole "
                                 f"request, {after or 'after 1 attempt'}; the last: {exc})", source=source) from None
            asked = exc.retry_after
            if asked is not None and asked >= left:
                note = f" ({after})" if after else ""
                raise FetchError(f"{exc}: the server asked to retry after {seconds_text(asked)} s, past the "
                                 f"{seconds_text(deadline.seconds)} s deadline{note}", source=source) from None
            if attempt == attempts:
                raise FetchError(f"{exc} ({after})" if after else str(exc), source=source) from None
            delay = max(backoff * 2 ** (attempt - 1), asked or 0.0)
            if delay >= left:
                tries = after or "after 1 attempt"
                raise FetchError(f"{exc} ({tries}; the next retry, in {seconds_text(delay)} s, would pass the "
                                 f"{seconds_text(deadline.seconds)} s deadline)", source=source) from None
            if progress:
                why = f" (Retry-After {seconds_text(asked)} s)" if asked is not None else ""
                progress(f"retrying {url} in {seconds_text(delay)} s{why}: {exc}")
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _get(url: str, source: str, *, deadline: _Deadline, max_bytes: int, max_redirects: int) -> _Response:
    """One attempt: follow up to ``max_redirects`` redirects, read the body within the limits.

    Raises TimeoutError when the deadline passes, :class:`_Retryable` or :class:`FetchError`.
    """
    opener = urllib.request.build_opener(_NoRedirect, _DeadlineHTTPHandler(deadline),
                                         _DeadlineHTTPSHandler(deadline))
    current = url
    seen = {url}
    for _ in range(max_redirects + 1):
        request = urllib.request.Request(current, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        try:
            resp = opener.open(request, timeout=deadline.left())
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in _REDIRECT_CODES:
                location = exc.headers.get("Location")
                if not location:
                    raise FetchError(f"HTTP {exc.code} redirect without a Location header", source=source) from None
                current = _redirect_target(current, location, source)
                if current in seen:
                    raise FetchError(f"redirect loop: back to {current} after {len(seen)} redirect"
                                     f"{'s' if len(seen) > 1 else ''}", source=source) from None
                seen.add(current)
                continue
            reason = f"HTTP {exc.code} {exc.reason}".rstrip()
            if exc.code in _RETRY_AFTER_CODES:
                asked = retry_after_seconds(exc.headers.get("Retry-After"), dt.datetime.now(dt.UTC))
                raise _Retryable(reason, retry_after=asked) from None
            if exc.code >= 500:
                raise _Retryable(reason) from None
            raise FetchError(reason, source=source) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise TimeoutError(str(exc.reason)) from None
            if isinstance(exc.reason, ssl.SSLError):  # a certificate problem does not go away on retry
                raise FetchError(f"TLS error: {exc.reason}", source=source) from None
            raise _Retryable(f"connection failed: {exc.reason}") from None
        except (http.client.HTTPException, ConnectionError) as exc:
            raise _Retryable(f"connection failed: {type(exc).__name__} {exc}".rstrip()) from None
        with resp:
            body = _read_body(resp, source, max_bytes=max_bytes)
            return _Response(final_url=resp.geturl(), status=resp.status,
                             content_type=resp.headers.get("Content-Type"), body=body)
    raise FetchError(f"too many redirects (more than {max_redirects})", source=source)


def _read_body(resp: http.client.HTTPResponse, source: str, *, max_bytes: int) -> bytes:
    """The body, streamed: stop at ``max_bytes + 1`` bytes; check it arrived whole.

    Every socket read is bounded by the deadline (see :class:`_DeadlineSocket`): a TimeoutError passes up.
    """
    too_large = f"response larger than {max_bytes} bytes"
    declared = declared_length(resp.headers)
    if declared is not None and declared > max_bytes:
        raise FetchError(too_large, source=source)
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
                raise FetchError(too_large, source=source)
    except http.client.IncompleteRead as exc:  # only chunked bodies raise it: a Content-Length one just ends
        inner = exc.__cause__  # the chunk being read when the body ended, if it was cut inside one
        got = size + len(exc.partial) + (len(inner.partial) if isinstance(inner, http.client.IncompleteRead) else 0)
        raise _Retryable(f"truncated response: the chunked body ended after {got} bytes, "
                         "before its last chunk") from None
    except http.client.HTTPException as exc:
        raise _Retryable(f"bad response after {size} bytes of the body: {type(exc).__name__}") from None
    except ConnectionError as exc:
        why = exc.strerror or type(exc).__name__
        raise _Retryable(f"connection lost after {size} bytes of the body: {why}") from None
    if declared is not None and size < declared:
        raise _Retryable(f"truncated response: {size} of {declared} bytes (Content-Length), "
                         "then the connection closed")
    body = b"".join(chunks)
    encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        # Sent although we asked for identity: undo the transfer compression, not the page's bytes.
        body = _decompress(body, encoding, max_bytes, source)
    elif encoding != "identity":
        raise FetchError(f"unsupported Content-Encoding '{encoding}'", source=source)
    if not body.strip():
        raise FetchError(f"empty response (HTTP {resp.status})", source=source)
    return body


def _decompress(body: bytes, encoding: str, max_bytes: int, source: str) -> bytes:
    wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError(f"bad {encoding} body: {exc}", source=source) from None
    if len(out) > max_bytes:
        raise FetchError(f"response larger than {max_bytes} bytes", source=source)
    if not inflater.eof:
        raise FetchError(f"bad {encoding} body: truncated stream", source=source)
    return out


# --- the deadline, enforced on every socket operation -------------------------------------------------


class _DeadlineReader(io.RawIOBase):
    """A socket's reads, each given the time left before the deadline as its timeout."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # counts as a reference: the socket stays open with it
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._deadline.left())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineSocket:
    """What http.client needs of a connected socket (sendall, makefile, close), bounded by the deadline.

    ``BufferedReader.read(n)`` and ``readline()`` loop over raw reads until they have enough; each raw
    read here gets only the time left, so neither a slow drip of the body nor of the headers outlasts it.
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.left())  # since 3.5 the timeout bounds the whole sendall
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        if mode != "rb":  # pragma: no cover -- http.client only reads through makefile
            raise ValueError(f"unsupported mode {mode!r}")
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        self._sock.close()


def _open_socket(deadline: _Deadline, address: tuple[str, int], timeout: Any = None,
                 source_address: Any = None) -> socket.socket:
    """``socket.create_connection`` within the deadline: resolving and each connect get only the time left."""
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in _resolve(host, port, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            if source_address:
                sock.bind(source_address)
            sock.settimeout(deadline.left())
            sock.connect(sockaddr)
            sock.settimeout(deadline.left())  # also bounds the TLS handshake that may follow
            return sock
        except TimeoutError:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"no address for {host}")


def _resolve(host: str, port: int, deadline: _Deadline) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` given only the time left (the resolver's own timeouts know nothing of ours).

    It runs in a daemon thread that is abandoned if the deadline passes first.
    """
    found: list[Any] = []

    def work() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
        except OSError as exc:
            found.append(exc)

    worker = threading.Thread(target=work, name=f"fenjie-resolve-{host}", daemon=True)
    worker.start()
    worker.join(deadline.left())
    if not found:
        raise TimeoutError(f"resolving {host}")
    if isinstance(found[0], OSError):
        raise found[0]
    return found[0]


class _DeadlineMixin:
    """An http.client connection whose socket is opened and used within the deadline."""

    sock: Any  # the connection's socket (http.client sets it in connect)

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = functools.partial(_open_socket, deadline)

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]  # HTTPSConnection wraps TLS here, under the time left
        self.sock = _DeadlineSocket(self.sock, self._deadline)

    def _tunnel(self) -> None:
        """Through a proxy, the CONNECT exchange comes between connecting and the TLS handshake."""
        super()._tunnel()  # type: ignore[misc]
        self.sock.settimeout(self._deadline.left())


class _DeadlineHTTPConnection(_DeadlineMixin, http.client.HTTPConnection):
    pass


class _DeadlineHTTPSConnection(_DeadlineMixin, http.client.HTTPSConnection):
    pass


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_DeadlineHTTPConnection, deadline=self._deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_DeadlineHTTPSConnection, deadline=self._deadline), req,
                            context=getattr(self, "_context", None))


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
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
