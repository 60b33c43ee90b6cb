"""Truncated captures: where a capture is cut, and which rows that makes unknown (pure).

The extraction flags a capture that ends inside a task with a finding of code ``truncated`` (its
``span_start``: the start of the cut task, or the end of the text) and ``documents.truncated``. What stands
at or after the cut is unknown, not absent; so compare never reads it as dropped or new:

* a row holding an item at or after the cut (:func:`cut_of`) is ``unknown`` -- the item may be partial;
* when the older capture is cut, an unpaired new item after the *frontier* (:func:`frontier`) -- the place
  in the newer notice where the older capture stops -- is ``unknown``, not new: it may be among the
  older notice's missing tasks. Mirrored, an unpaired old item after the frontier in the older notice is
  ``unknown``, not dropped, when the newer capture is cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..records import Extraction
from .records import Cut

#: The finding code the extraction uses for a capture that ends inside a task.
TRUNCATED = "truncated"


def cut_of(ex: Extraction) -> Cut | None:
    """Where ``ex``'s capture is cut, or None. The first item at or after the cut is the first whose text
    reaches past the offset; when the offset is the end of the text, the last item (the cut task).

    >>> from pipeline.records import Document, Finding, Item
    >>> doc = Document("d", "d", "0", "utf-8", None, None, None, None, None, None, truncated=True)
    >>> items = tuple(Item("d", i, f"{i}.", None, None, None, None, None, t, s, s + len(t))
    ...               for i, (t, s) in enumerate([("建设园区", 2), ("推进国际超", 9)], 1))
    >>> cut_of(Extraction(doc, "1.建设园区\\n2.推进国际超", items, findings=(Finding("d", "warning", TRUNCATED, "", 7, 14),)))
    Cut(offset=7, first_item=2, n_items=1)
    >>> cut_of(Extraction(doc, "1.建设园区\\n2.推进国际超", items))  # no finding: the end of the text
    Cut(offset=14, first_item=2, n_items=1)
    """
    offsets = [f.span_start if f.span_start is not None else len(ex.text) for f in ex.findings if f.code == TRUNCATED]
    if not offsets and not ex.document.truncated:
        return None
    offset = min(offsets) if offsets else len(ex.text)
    items = sorted(ex.items, key=lambda i: i.item_seq)
    first = next((i for i in items if i.span_end > offset or i.span_start >= offset), None)
    if first is None and items and offset >= len(ex.text.rstrip()):
        first = items[-1]
    if first is None:
        return Cut(offset, None, 0)
    return Cut(offset, first.item_seq, sum(i.item_seq >= first.item_seq for i in items))


def cut_items(cut: Cut | None) -> range | tuple[()]:
    """The item_seqs at or after the cut, as a container (``in`` works).

    >>> 3 in cut_items(Cut(0, 3, 2)), 2 in cut_items(Cut(0, 3, 2)), 2 in cut_items(None)
    (True, False, False)
    """
    if cut is None or cut.first_item is None:
        return ()
    return range(cut.first_item, cut.first_item + cut.n_items)


def frontier(links: Iterable[tuple[Sequence[int], Sequence[int]]], cut: Cut, side: int) -> int:
    """Where a cut capture stops, in the *other* notice's item numbers.

    ``links``: (old items, new items) of the paired rows; ``side``: 0 when the older capture is cut (the
    frontier is then a new item_seq), 1 when the newer is. If an item at or after the cut is paired, the
    frontier is just before its partner; otherwise it is the last partner of a paired item before the cut.

    >>> frontier([((1,), (1,)), ((2,), (3,)), ((4,), (5,))], Cut(0, 4, 2), 0)
    4
    >>> frontier([((1,), (1,)), ((2,), (3,))], Cut(0, None, 0), 0)
    3
    """
    after = cut_items(cut)
    cut_partners = [min(other) for own, other in ((lk[side], lk[1 - side]) for lk in links)
                    if own and other and any(s in after for s in own)]
    if cut_partners:
        return min(cut_partners) - 1
    return max((max(other) for own, other in ((lk[side], lk[1 - side]) for lk in links) if own and other), default=0)
