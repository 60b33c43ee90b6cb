from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RAW = ROOT / "raw"


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
