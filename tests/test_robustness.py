"""Damaged inputs: every outcome is an extraction whose offsets hold, or a typed one-line error."""

from __future__ import annotations

import hashlib
import random

import pytest
from conftest import RAW, SAMPLE_HTML

from pipeline.errors import PipelineError
from pipeline.extract import extract_raw
from pipeline.records import RawInput

SAMPLE = (RAW / "huangshigang-2025-notice.txt").read_text("utf-8")
HTML = SAMPLE_HTML.read_text("utf-8")


def damaged(text: str, rng: random.Random) -> str:
    """Drop, duplicate or cut characters and lines, the way captures lose them."""
    chars = list(text)
    for _ in range(rng.randint(1, 40)):
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.5:
            del chars[i:i + rng.randint(1, 6)]
        elif op < 0.8:
            chars.insert(i, rng.choice("、,;:()（）[]【】“”〔〕\n 。1号年月日牵头责任单位局"))
        else:
            chars[i:i + 3] = []
    cut = rng.random()
    out = "".join(chars)
    return out[: int(len(out) * cut)] if cut < 0.3 else out


def check(ex) -> None:
    t = ex.text
    for it in ex.items:
        assert t[it.span_start:it.span_end] == it.text
    for a in ex.assignments:
        assert t[a.span_start:a.span_end] == a.name_raw
    for g in ex.targets:
        assert t[g.span_start:g.span_end] == g.span_text
    for f in ex.findings:
        if f.span_start is not None:
            assert 0 <= f.span_start <= f.span_end <= len(t)
    assert [i.item_seq for i in ex.items] == list(range(1, len(ex.items) + 1))


@pytest.mark.parametrize("seed", range(60))
def test_damaged_captures_never_crash_and_offsets_hold(seed, rules):
    rng = random.Random(seed)
    source = HTML if seed % 3 == 0 else SAMPLE
    data = damaged(source, rng).encode("utf-8")
    raw = RawInput(f"damaged-{seed}.{'html' if seed % 3 == 0 else 'txt'}", data, hashlib.sha256(data).hexdigest())
    try:
        ex = extract_raw(raw, rules)
    except PipelineError as exc:
        assert "\n" not in str(exc) and raw.source in str(exc)
        return
    check(ex)


@pytest.mark.parametrize("data", [
    b"\xff\xfe\x00\x00garbage", bytes(range(256)) * 4, "一、".encode() * 500, b"<html><body></body></html>",
    "(牵头单位:".encode() * 300, "1.(责任单位:区发改局)\n".encode() * 100,
], ids=["utf32-bom", "all-bytes", "only-headings", "empty-html", "unclosed-labels", "clauses-only"])
def test_hostile_inputs(data, rules):
    raw = RawInput("hostile.txt", data, hashlib.sha256(data).hexdigest())
    try:
        check(extract_raw(raw, rules))
    except PipelineError as exc:
        assert "\n" not in str(exc)
