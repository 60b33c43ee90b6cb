"""Chinese word segmentation (jieba), initialised once, lazily, offline.

jieba builds a prefix dictionary on first use and caches it; the cache goes to
a writable project-local directory (``$FENJIE_CACHE`` or ``.cache/`` beside
the package), never to a shared temp directory, and nothing happens at import.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Iterable

_LOCK = threading.Lock()
_TOKENIZER = None


def cache_dir() -> Path:
    """Where jieba's dictionary cache lives."""
    env = os.environ.get("FENJIE_CACHE")
    return Path(env) if env else Path(__file__).resolve().parent.parent / ".cache"


def tokenizer(extra_words: Iterable[str] = ()):
    """The shared jieba tokenizer (created and initialised on first call)."""
    global _TOKENIZER
    with _LOCK:
        if _TOKENIZER is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            d = cache_dir()
            d.mkdir(parents=True, exist_ok=True)
            tk.tmp_dir = str(d)
            tk.initialize()
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
