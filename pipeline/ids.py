"""Document identity: one ``doc_id`` per distinct input, stable across runs.

A ``doc_id`` is the slug of the input's file name and the first hex digits of its SHA-256: readable,
safe as a file name, and the same on every run for the same file. Identical bytes are one document
(the batch keeps one source for them, see :mod:`pipeline.batch`), so the digest tells distinct inputs
apart; when two distinct inputs of one batch still share an id (same slug, same first 8 hex digits),
both take 16 digits, then all 64.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

#: Hex digits of the SHA-256 in a doc_id, and the longer forms used only to separate a collision.
DIGITS = (8, 16, 64)
#: Longest slug kept from a file name.
MAX_SLUG = 60

_NOT_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def slug(source: str) -> str:
    """The file-name part of a doc_id: ASCII letters, digits, ``_.-``; ``doc`` when nothing is left.

    >>> slug("raw/huangshigang-2025-notice.txt"), slug("https://x.gov.cn/art/t2025_1.html?id=3"), slug("raw/通知.txt")
    ('huangshigang-2025-notice', 't2025_1', 'doc')
    """
    stem = Path(source.split("?")[0].rstrip("/")).stem
    return (_NOT_SLUG.sub("-", stem).strip("-.").lower() or "doc")[:MAX_SLUG]


def doc_id_for(source: str, sha256: str, digits: int = DIGITS[0]) -> str:
    """Stable, file-name-safe id: slug of the file name + the first ``digits`` hex digits of its digest.

    >>> doc_id_for("raw/huangshigang-2025-notice.txt", "3fa2b1c9" + "0" * 56)
    'huangshigang-2025-notice-3fa2b1c9'
    """
    return f"{slug(source)}-{sha256[:digits]}"


def assign_doc_ids(documents: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``sha256 -> doc_id`` for distinct documents given as ``(source, sha256)``, one source per digest.

    Ids are unique: inputs whose 8-digit ids collide take longer digests (16, then 64 digits).

    >>> a, b = "ab" * 4 + "0" * 56, "ab" * 4 + "1" * 56
    >>> ids = assign_doc_ids([("x/通知.txt", a), ("y/公告.txt", b), ("z/plan.txt", a[::-1])])
    >>> ids[a], ids[b], ids[a[::-1]]
    ('doc-abababab00000000', 'doc-abababab11111111', 'plan-00000000')
    """
    docs = sorted(set(documents))
    if len({sha for _, sha in docs}) != len(docs):
        raise ValueError("one source per digest: identical bytes are one document")
    ids: dict[str, str] = {}
    pending = docs
    for digits in DIGITS:
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for source, sha in pending:
            groups[doc_id_for(source, sha, digits)].append((source, sha))
        pending = []
        for doc_id, members in groups.items():
            if len(members) == 1 or digits == DIGITS[-1]:
                for _, sha in members:
                    ids[sha] = doc_id
            else:
                pending.extend(members)
    return ids
