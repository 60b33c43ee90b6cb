"""Chinese word segmentation (jieba), initialised once, lazily, offline.

jieba builds a prefix dictionary on first use and caches it; the cache goes to
a writable project-local directory (``$FENJIE_CACHE`` or ``.cache/`` beside
the package), never to a shared temp directory, and nothing happens at import.
jieba writes its cache with mode 0600 (``mkstemp``); fenjie gives the file the
user's umask (0644 typically), so the other users of a shared checkout read it.
A user who can neither read that cache nor write beside it gets their own
(``$XDG_CACHE_HOME/fenjie``) instead of a traceback.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

_LOCK = threading.Lock()
_TOKENIZER = None


def cache_dir() -> Path:
    """Where jieba's dictionary cache lives."""
    env = os.environ.get("FENJIE_CACHE")
    return Path(env) if env else Path(__file__).resolve().parent.parent / ".cache"


def usable_cache_dir() -> Path:
    """:func:`cache_dir` when this user can read its cache or write there, else a per-user directory."""
    d = cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    if os.access(d / "jieba.cache", os.R_OK) or os.access(d, os.W_OK | os.X_OK):
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


def tokenizer(extra_words: Iterable[str] = ()):
    """The shared jieba tokenizer (created and initialised on first call)."""
    global _TOKENIZER
    with _LOCK:
        if _TOKENIZER is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            d = usable_cache_dir()
            tk.tmp_dir = str(d)
            tk.initialize()
            share_with_umask(d / "jieba.cache")  # also mends a 0600 cache written by an earlier fenjie
            _TOKENIZER = tk
        for w in extra_words:
            _TOKENIZER.add_word(w, freq=None)
        return _TOKENIZER


def tokens(text: str) -> list[str]:
    """Words of ``text`` (precise mode, no HMM guesses, so the result is deterministic).

    >>> tokens("新增城镇就业")
    ['新增', '城镇', '就业']
    """
    return [t for t in tokenizer().lcut(text, HMM=False) if t.strip()]
