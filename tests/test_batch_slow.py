"""Slow checks of the batch at scale (``make test-slow``; ``make test`` skips them): memory and --jobs."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from batch import make_corpus, run  # noqa: E402  (benchmarks/batch.py)

pytestmark = pytest.mark.slow


def test_peak_memory_does_not_grow_with_the_number_of_documents(tmp_path):
    peaks = {}
    for n in (50, 1000):
        make_corpus(tmp_path / f"raw-{n}", n)
        _, peaks[n] = run(tmp_path / f"raw-{n}", tmp_path / f"out-{n}", jobs=2)
    assert peaks[1000] <= peaks[50] + 24, peaks  # MiB: the row group and parse buffers, not the corpus
    assert peaks[1000] <= 150, peaks


def test_two_jobs_are_faster_than_one(tmp_path):
    make_corpus(tmp_path / "raw", 400)
    one, _ = run(tmp_path / "raw", tmp_path / "out-1", jobs=1)
    two, _ = run(tmp_path / "raw", tmp_path / "out-2", jobs=2)
    assert one / two >= 1.5, (one, two)  # 2 idle cores: about 1.65 at this size (fixed start-up costs)
    for name in ("documents", "items", "assignments", "targets", "repairs", "findings"):
        assert (tmp_path / "out-1" / f"{name}.parquet").read_bytes() == \
            (tmp_path / "out-2" / f"{name}.parquet").read_bytes()
