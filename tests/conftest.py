from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RAW = ROOT / "raw"
#: The sample notice rendered as a CMS page (generated from the capture in raw/ by
#: tests/fixtures/html/make_sample_html.py): a fixture, so raw/ holds only the real capture.
SAMPLE_HTML = FIXTURES / "sample" / "huangshigang-2025-notice.html"


def shared(*parts: str) -> Path:
    """A path under ``../shared`` (the sample and the reference corpus beside the clone).

    CI has ``../shared`` beside the clone: a missing file is a failure, not a skip.
    """
    path = ROOT.parent.joinpath("shared", *parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: the reference material must sit beside the clone (../shared)")
    return path


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def warm_workers():
    """Load what extraction loads lazily (jieba's dictionary) once in the test process.

    The batch forks its workers from the process that runs it; without this, every batch run by a
    test would load the dictionary again in a fresh worker (about a second each).
    """
    from pipeline.segment import tokenizer

    tokenizer()
