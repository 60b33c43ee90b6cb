"""Every golden format fixture, exactly: items, places in the outline, units with roles, deadlines, metadata.

Cases are found by glob in tests/fixtures/formats (README there). The ones the pipeline does not pass
yet are listed in KNOWN_FAILURES with what goes wrong, as strict xfail: fixing one makes its xfail
fail, so the entry is then removed (never delete a case to make the suite green).
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from pipeline.errors import PipelineError
from pipeline.evaluate import differences, find_fixtures
from pipeline.extract import extract_file

FORMATS = FIXTURES / "formats"
CASES = find_fixtures(FORMATS)

#: case -> what goes wrong (first difference). Strict: a case that starts passing must leave this list.
KNOWN_FAILURES = {
}

GROUPS = ["numbering", "inline", "lines", "labels", "verbs", "deadlines", "tables", "pdf", "script", "meta"]


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case.name])] if case.name in KNOWN_FAILURES else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_format_case_is_read_exactly(case, rules):
    try:
        got, error = extract_file(case.path, rules), None
    except PipelineError as exc:
        got, error = None, str(exc)
    assert differences(case.expected, got, error) == []


def test_every_format_group_has_cases():
    have = {c.name.split("-", 1)[0] for c in CASES}
    assert have == set(GROUPS)
    assert len(CASES) >= 30


def test_known_failures_name_existing_cases():
    assert set(KNOWN_FAILURES) <= {c.name for c in CASES}


def test_expected_files_are_complete_readings():
    for case in CASES:
        items = case.expected["items"]
        if case.name == "meta-cutoff-no-items":
            assert items == [] and case.expected["findings"] == ["no_items"]
            continue
        assert 4 <= len(items) <= 10, case.name
        for it in items:
            assert set(it) >= {"label", "section", "subsection", "group", "text_head", "deadline_text",
                               "deadline", "units"}, case.name
            assert len(it["text_head"]) >= 8, (case.name, it["text_head"])
