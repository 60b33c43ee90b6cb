"""Stage 8 — targets: every quantitative commitment in an item's text.

(Stub: the targets work of issue 2 fills it.)
"""

from __future__ import annotations

from typing import Any, Mapping

from .records import Target


def extract_targets(doc_id: str, item_seq: int, text: str, start: int,
                    rules: Mapping[str, Any]) -> tuple[Target, ...]:
    """Targets in one item's ``text``, which stands at offset ``start`` of the full text.

    ``rules`` is the validated content of ``rules/targets.toml``.
    """
    return ()
