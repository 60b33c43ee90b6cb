"""The published contract: schemas declared once, documented, and never drifting from the docs."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest

from pipeline.docs import _BLOCK, ROOT, generated
from pipeline.extract import extract_file
from pipeline.records import TABLES
from pipeline.rules import load_rules
from pipeline.schema import arrow_schema, json_schema, schema_json_text
from pipeline.write import document_json, table

RULES = load_rules()

REQUIRED = {
    "documents": "doc_id source source_sha256 encoding issuer doc_number title year issued_date published_date n_items parser_version",
    "items": "doc_id item_seq item_label section_label section_title subsection_label subsection_title group_title text span_start span_end",
    "assignments": "doc_id item_seq role role_label position name name_raw acting_lead",
    "targets": "doc_id item_seq metric kind value value_high unit value_std unit_std qualifier aspirational span_text span_start span_end",
    "repairs": "doc_id rule before after span_start span_end evidence",
    "findings": "doc_id severity code message span_start span_end",
}


@pytest.mark.parametrize("name", TABLES)
def test_required_columns_with_descriptions(name):
    schema = arrow_schema(name)
    assert set(REQUIRED[name].split()) <= set(schema.names)
    for f in schema:
        assert f.metadata[b"description"].strip(), f"{name}.{f.name} has no description"
    assert [f.name for f in dataclasses.fields(TABLES[name])] == schema.names


def test_parquet_tables_carry_the_declared_schema():
    ex = extract_file(ROOT / "raw" / "huangshigang-2025-notice.txt", RULES)
    for name in TABLES:
        assert table(name, [ex]).schema.equals(arrow_schema(name), check_metadata=True)


def test_rows_hold_their_fields_in_order():
    # the columns are made from each row's instance dict (pipeline.write.columns_bytes): exactly its fields, in order
    ex = extract_file(ROOT / "raw" / "huangshigang-2025-notice.txt", RULES)
    for name, cls in TABLES.items():
        names = [f.name for f in dataclasses.fields(cls)]
        assert ex.rows(name)
        assert all(list(vars(row)) == names for row in ex.rows(name)), name


def test_json_output_validates_against_the_published_schema():
    ex = extract_file(ROOT / "raw" / "huangshigang-2025-notice.txt", RULES)
    doc = json.loads(json.dumps(document_json(ex), ensure_ascii=False))
    jsonschema.validate(doc, json_schema())
    bad = dict(doc, n_items="76")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json_schema())


def test_committed_json_schema_matches_the_code():
    assert (ROOT / "schema" / "document.schema.json").read_text("utf-8") == schema_json_text(), \
        "schema/document.schema.json is stale: run `make docs`"


def test_readme_generated_sections_match_the_code():
    readme = (ROOT / "README.md").read_text("utf-8")
    blocks = list(_BLOCK.finditer(readme))
    assert {m["name"] for m in blocks} >= {f"columns_{t}" for t in TABLES} | {f"example_{t}" for t in TABLES} | {"cli"}
    for m in blocks:
        assert m["body"] == generated(m["name"]) + "\n", f"README section {m['name']} is stale: run `make docs`"
