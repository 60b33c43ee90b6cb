"""No input stalls a batch: every stage is linear in its input (issue: crafted inputs).

Each crafted shape is run at two sizes; the larger must cost about its share more (a quadratic
stage would cost 16x for 4x the input) and stay well under a second.
"""

from __future__ import annotations

import gc
import hashlib
import time

import pytest

from pipeline.errors import PipelineError
from pipeline.extract import extract_raw
from pipeline.records import RawInput
from pipeline.rules import load_rules
from pipeline.segment import tokens

HEAD = "某区人民政府关于印发2025年重点工作分解意见的通知\n一、发展\n"

CRAFTED = {
    # (shape at size n, size the issue reported stalling at)
    "unclosed-brackets": (lambda n: HEAD + "1.推进工作" + "(" * n, 100_000),
    "labels-in-one-clause": (lambda n: HEAD + "1.推进工作(" + "牵头单位:" * n + ")", 50_000),
    "percent-list": (lambda n: HEAD + "1.增长" + "80%、" * n, 8_000),
    "count-list": (lambda n: HEAD + "1.力争" + "新增企业4家、" * n, 8_000),
    "garbled-doc-numbers": (lambda n: "港政发〔20251\n" * n, 50_000),
    "digits-before-yuan": (lambda n: HEAD + "1.投资" + "1" * n + "元", 20_000),
    "closed-brackets": (lambda n: HEAD + "1.推进工作" + "()" * n, 50_000),
    "nested-brackets": (lambda n: HEAD + "1.推进工作" + "(" * n + ")" * n, 20_000),
    "one-long-clause": (lambda n: HEAD + "1.推进" + "工作" * n + "增长7%", 50_000),
}

RULES = load_rules()


@pytest.fixture(scope="module", autouse=True)
def warm():
    tokens("预热分词")  # jieba's dictionary loads once per process: not part of the timings


def _seconds(text: str) -> float:
    data = text.encode("utf-8")
    raw = RawInput("crafted.txt", data, hashlib.sha256(data).hexdigest())
    gc.collect()  # a full collection of what earlier tests left must not land inside one timing
    gc.disable()
    t = time.perf_counter()
    try:
        extract_raw(raw, RULES)
    except PipelineError:
        pass  # a clean one-line failure is fine; a stall is not
    finally:
        gc.enable()
    return time.perf_counter() - t


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_input_is_read_in_linear_time(name):
    shape, reported = CRAFTED[name]
    small, large = reported // 16, reported // 4
    t_small = max(_seconds(shape(small)), 1e-3)
    t_large = _seconds(shape(large))
    assert t_large < 1.0, f"{name}: {large} units took {t_large:.2f} s"
    assert t_large / t_small < 8, f"{name}: 4x the input cost {t_large / t_small:.1f}x (quadratic?)"


@pytest.mark.parametrize("name", ["unclosed-brackets", "percent-list", "count-list", "digits-before-yuan",
                                  "closed-brackets"])
def test_crafted_input_at_the_size_that_stalled_runs_in_under_a_second(name):
    shape, reported = CRAFTED[name]
    assert _seconds(shape(reported)) < 1.0
