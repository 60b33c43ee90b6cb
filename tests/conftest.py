from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RAW = ROOT / "raw"


@pytest.fixture(scope="session")
def rules():
    return load_rules()
