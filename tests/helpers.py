"""Small builders shared by the tests."""

from __future__ import annotations

import hashlib

from pipeline.extract import extract_raw
from pipeline.records import Extraction, RawInput
from pipeline.rules import load_rules


def extract_text(text: str, name: str = "fixture.txt") -> Extraction:
    """Run the pipeline on a plain-text notice given as a string."""
    data = text.encode("utf-8")
    return extract_raw(RawInput(name, data, hashlib.sha256(data).hexdigest()), load_rules())


def units_of(ex: Extraction, seq: int) -> list[str]:
    """``role:name`` of one item's assignments, in printed order."""
    return [f"{a.role}:{a.name}" for a in ex.assignments if a.item_seq == seq]
