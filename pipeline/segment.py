"""Chinese word segmentation: jieba's precise mode without HMM, on a dictionary read bucket by bucket.

jieba (``lcut(text, HMM=False)``) cuts a run of Han characters and ASCII letters and digits along the
most probable path through a DAG of the dictionary's words (the prefix dictionary: every word with its
frequency, every prefix of a word with frequency 0). jieba loads that whole dictionary (about half a
million entries, 1-1.5 s and about 80 MiB) before it cuts a single word; fenjie segments only a few
short windows of a notice (the checks of :mod:`pipeline.targets`), so it reads the same dictionary
*lazily*: every word and prefix is looked up only by the character it starts with, so the dictionary
is stored once as one bucket per first character (a marshalled ``{word: frequency}``) in a file that
is mapped, not read, and a bucket is loaded the first time a window holds its character (a few
hundred of the ~12,000 for a notice; well under a millisecond each).

The cut is jieba's own algorithm (:func:`cut` mirrors ``Tokenizer.cut`` with ``HMM=False``: the same
block and skip patterns, DAG, route with the same floating-point expression and tie-break, the same
run-of-single-letters buffer) on the same dictionary (built by jieba's own ``gen_pfdict`` from
jieba's ``dict.txt``), so every cut is the one jieba makes, on any text; ``tests/test_segment.py``
checks it against jieba itself.

The bucket file is built once from jieba's dictionary (about a second) into a writable project-local
directory (``$FENJIE_CACHE`` or ``.cache/`` beside the package), never a shared temp directory, and
rebuilt when that dictionary changes (its path, size or mtime). It is written with the user's umask,
so the other users of a shared checkout read it; a user who can neither read that cache nor write
beside it gets their own (``$XDG_CACHE_HOME/fenjie``) instead of a traceback. Nothing happens at import.
"""

from __future__ import annotations

import importlib.util
import json
import marshal
import mmap
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from functools import lru_cache
from math import log
from pathlib import Path

#: The bucket file's name in the cache directory (the format's version is in the name).
CACHE_NAME = "jieba-buckets.v1"
#: First line of the bucket file.
MAGIC = b"fenjie jieba buckets 1\n"
#: Buckets kept in memory at once (a notice touches a few hundred; past this the set is dropped and
#: read again from the mapped file, so memory stays bounded over any number of notices).
MAX_BUCKETS = 4096

# jieba's patterns (jieba/__init__.py: re_eng, re_han_default, re_skip_default), copied as they are.
_ENG = re.compile("[a-zA-Z0-9]", re.U)
_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_SKIP = re.compile("(\r\n|\\s)", re.U)

_LOCK = threading.Lock()
_DICTIONARY: Dictionary | None = None


def cache_dir() -> Path:
    """Where the dictionary's bucket file lives."""
    env = os.environ.get("FENJIE_CACHE")
    return Path(env) if env else Path(__file__).resolve().parent.parent / ".cache"


def usable_cache_dir() -> Path:
    """:func:`cache_dir` when this user can read its cache or write there, else a per-user directory."""
    d = cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    if os.access(d / CACHE_NAME, os.R_OK) or os.access(d, os.W_OK | os.X_OK):
        return d
    own = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fenjie"
    own.mkdir(parents=True, exist_ok=True)
    return own


def share_with_umask(path: Path) -> None:
    """Give a file this user owns the mode 0666 less the umask (as ``open`` would have)."""
    mask = os.umask(0)
    os.umask(mask)
    try:
        if path.stat().st_uid == os.geteuid():
            path.chmod(0o666 & ~mask)
    except OSError:
        pass


def jieba_dictionary() -> Path:
    """jieba's ``dict.txt`` (found without importing jieba)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:  # pragma: no cover - jieba is a dependency
        raise ModuleNotFoundError("jieba is not installed")
    return Path(spec.origin).parent / "dict.txt"


def _source_key(source: Path) -> dict[str, object]:
    st = source.stat()
    return {"source": str(source), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def build_buckets(source: Path, target: Path) -> None:
    """Write the bucket file of jieba's dictionary ``source`` to ``target`` (atomically, user's umask).

    Layout: :data:`MAGIC`; one JSON line (source key, ``total``, index and data lengths); the index, a
    marshalled ``{first character: (offset, length)}``; the buckets, each a marshalled ``{word: freq}``.
    """
    from jieba import Tokenizer  # only here: building needs jieba's own parser, reading does not

    with open(source, "rb") as f:
        freq, total = Tokenizer.gen_pfdict(f)
    buckets: dict[str, dict[str, int]] = {}
    for word, n in freq.items():
        buckets.setdefault(word[0], {})[word] = n
    blobs, index, offset = [], {}, 0
    for ch in sorted(buckets):
        blob = marshal.dumps(buckets[ch])
        index[ch] = (offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    index_blob = marshal.dumps(index)
    header = dict(_source_key(source), total=total, index_length=len(index_blob), data_length=offset)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + index_blob)
            for blob in blobs:
                out.write(blob)
        share_with_umask(Path(tmp))  # mkstemp makes it 0600
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Dictionary:
    """jieba's prefix dictionary over a bucket file: :meth:`bucket` of a character, loaded on first use."""

    def __init__(self, path: Path, source: Path) -> None:
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        m = self._map
        end = m.find(b"\n", len(MAGIC))
        if m[:len(MAGIC)] != MAGIC or end < 0:
            raise ValueError(f"{path}: not a bucket file")
        header = json.loads(m[len(MAGIC):end])
        if {k: header.get(k) for k in ("source", "size", "mtime_ns")} != _source_key(source):
            raise ValueError(f"{path}: built from another dictionary")
        start = end + 1
        self._index: dict[str, tuple[int, int]] = marshal.loads(m[start:start + header["index_length"]])
        self._data = start + header["index_length"]
        if self._data + header["data_length"] != len(m):
            raise ValueError(f"{path}: truncated")
        self.total: int = header["total"]
        self.logtotal = log(self.total)
        self._buckets: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def bucket(self, ch: str) -> dict[str, int]:
        """Every word and word prefix starting with ``ch``, with its frequency (0 for a prefix only)."""
        got = self._buckets.get(ch)
        if got is None:
            where = self._index.get(ch)
            if where is None:
                got = {}
            else:
                a, n = where
                got = marshal.loads(self._map[self._data + a:self._data + a + n])
            with self._lock:
                if len(self._buckets) >= MAX_BUCKETS:
                    self._buckets.clear()
                self._buckets[ch] = got
        return got

    def route(self, sentence: str) -> list[tuple[float, int]]:
        """jieba's ``get_DAG`` and ``calc`` in one: the best (log probability, end of first word) from each start.

        The DAG of a start holds the ends (inclusive) of the dictionary words there, else the start
        itself; each end is kept with the log frequency ``calc`` gives it (``log(FREQ.get(word) or 1)``),
        so the route is summed with jieba's own expression and tie-break (the larger end).
        """
        n = len(sentence)
        buckets = self._buckets
        cands: list[list[tuple[float, int]]] = []
        for k in range(n):
            ch = sentence[k]
            words = buckets.get(ch)
            if words is None:
                words = self.bucket(ch)
            ends = []
            i = k
            frag = ch
            while i < n and frag in words:
                f = words[frag]
                if f:
                    ends.append((log(f), i))
                i += 1
                frag = sentence[k:i + 1]
            cands.append(ends or [(log(words.get(ch) or 1), k)])
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        route[n] = (0, 0)
        logtotal = self.logtotal
        for idx in range(n - 1, -1, -1):
            route[idx] = max((lf - logtotal + route[x + 1][0], x) for lf, x in cands[idx])
        return route

    def cut_block(self, sentence: str) -> Iterator[str]:
        """jieba's ``__cut_DAG_NO_HMM``: words along the route, runs of single letters/digits joined."""
        route = self.route(sentence)
        x, n, buf = 0, len(sentence), ""
        while x < n:
            y = route[x][1] + 1
            word = sentence[x:y]
            if len(word) == 1 and _ENG.match(word):
                buf += word
            else:
                if buf:
                    yield buf
                    buf = ""
                yield word
            x = y
        if buf:
            yield buf

    def cut(self, text: str) -> Iterator[str]:
        """jieba's ``cut(text, HMM=False)``: every token, blanks and punctuation included."""
        for blk in _HAN.split(text):
            if not blk:
                continue
            if _HAN.match(blk):
                yield from self.cut_block(blk)
            else:
                for x in _SKIP.split(blk):
                    if _SKIP.match(x):
                        yield x
                    else:
                        yield from x

    def lcut(self, text: str, HMM: bool = False) -> list[str]:  # noqa: N803 - jieba's keyword
        """``list(cut(text))``; with jieba's signature, for callers written against jieba (HMM must be off)."""
        if HMM:
            raise ValueError("fenjie's segmentation has no HMM mode")
        return list(self.cut(text))


def dictionary() -> Dictionary:
    """The shared dictionary (the bucket file built on first use, then mapped once per process)."""
    global _DICTIONARY
    with _LOCK:
        if _DICTIONARY is None:
            source = jieba_dictionary()
            path = usable_cache_dir() / CACHE_NAME
            try:
                _DICTIONARY = Dictionary(path, source)
            except (OSError, ValueError, EOFError, TypeError, KeyError):
                build_buckets(source, path)  # missing, stale or damaged: built again
                _DICTIONARY = Dictionary(path, source)
            share_with_umask(path)  # also mends a 0600 file left by an earlier fenjie
        return _DICTIONARY


def tokenizer() -> Dictionary:
    """The shared segmenter (``tokenizer().lcut(text, HMM=False)`` as with jieba)."""
    return dictionary()


def cut(text: str) -> list[str]:
    """Every token of ``text`` as jieba's ``lcut(text, HMM=False)`` gives it.

    >>> cut("新增 城镇就业5000人")
    ['新增', ' ', '城镇', '就业', '5000', '人']
    """
    return list(dictionary().cut(text))


def starts_word(text: str, pos: int) -> bool:
    """True when a word of :func:`tokens` (``text``) starts at ``pos``.

    jieba cuts each run of Han characters, letters and digits on its own, so only the run holding
    ``pos`` is segmented (a clause, not the whole text); outside a run every character but a blank
    is a word of its own.

    >>> starts_word("统一个人信息", 2), starts_word("统一个人信息", 1), starts_word("甲， 乙", 1), starts_word("甲， 乙", 2)
    (True, False, True, False)
    """
    for m in _HAN.finditer(text):
        if m.start() > pos:
            break
        if pos < m.end():
            return pos - m.start() in _block_starts(m[0])
    return not text[pos].isspace()


@lru_cache(maxsize=4096)
def _block_starts(block: str) -> frozenset[int]:
    """Offsets where the words of one run (:data:`_HAN`) start."""
    out, at = set(), 0
    for word in dictionary().cut_block(block):
        out.add(at)
        at += len(word)
    return frozenset(out)


def tokens(text: str) -> list[str]:
    """Words of ``text`` (precise mode, no HMM guesses, so the result is deterministic), blanks left out.

    >>> tokens("新增城镇就业")
    ['新增', '城镇', '就业']
    """
    return [t for t in dictionary().cut(text) if t.strip()]
