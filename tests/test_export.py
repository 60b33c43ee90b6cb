"""Chinese labels: every column of every table and every enum value has one (pipeline/records.py)."""

from __future__ import annotations

import doctest
import tomllib

import pytest

import pipeline.records
from pipeline.records import COLUMN_LABELS, TABLES, VALUE_LABELS

from conftest import FIXTURES, RAW, ROOT


@pytest.mark.parametrize("table", TABLES)
def test_every_column_has_a_chinese_label(table):
    import dataclasses

    fields = [f.name for f in dataclasses.fields(TABLES[table])]
    assert list(COLUMN_LABELS[table]) == fields
    assert all(COLUMN_LABELS[table][f].strip() for f in fields)


def test_every_enum_value_has_a_label():
    from pipeline.extract import extract_file

    seen: dict[tuple[str, str], set[str]] = {(t, c): set() for t, cols in VALUE_LABELS.items() for c in cols}
    paths = [RAW / "huangshigang-2025-notice.txt", *sorted((FIXTURES / "formats").glob("*.txt")),
             *sorted((FIXTURES / "formats").glob("*.html"))]
    for p in paths:
        ex = extract_file(p)
        for (table, column), values in seen.items():
            values.update(getattr(r, column) for r in ex.rows(table))
    for (table, column), values in seen.items():
        assert values <= set(VALUE_LABELS[table][column]), (table, column, values - set(VALUE_LABELS[table][column]))
    assert seen[("assignments", "role")] == {"lead", "responsible", "cooperating", "leader"}
    # the vocabularies the rules declare, and the ones the column descriptions name, are all labelled
    rules = ROOT / "rules"
    assert set(tomllib.loads((rules / "targets.toml").read_text("utf-8"))["kinds"]) == set(VALUE_LABELS["targets"]["kind"])
    roles = tomllib.loads((rules / "roles.toml").read_text("utf-8"))
    printed = set(roles["labels"].values()) | set(roles["verbs"].values())
    assert printed == set(VALUE_LABELS["assignments"]["role"])
    from pipeline.schema import arrow_schema

    for table, cols in VALUE_LABELS.items():
        for column, labels in cols.items():
            doc = arrow_schema(table).field(column).metadata[b"description"].decode()
            assert all(v in doc for v in labels), (table, column)


def test_doctests():
    assert doctest.testmod(pipeline.records).failed == 0
