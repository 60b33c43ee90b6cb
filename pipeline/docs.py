"""Regenerate the derived parts of the README, schema/ and docs/data-dictionary.md (``make docs``); the tests check they match."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .records import TABLES
from .schema import markdown_columns, schema_json_text

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"(<!-- generated:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.S)


def generated(name: str) -> str:
    """The text a ``<!-- generated:NAME -->`` block of the README must hold."""
    if name.startswith("columns_"):
        return markdown_columns(name[len("columns_"):])
    if name.startswith("example_"):
        return _example(name[len("example_"):])
    if name == "cli":
        from click.testing import CliRunner

        from .cli import cli

        out = []
        for cmd in ["--help", *sorted(f"{c} --help" for c in cli.commands)]:
            res = CliRunner().invoke(cli, cmd.split(), prog_name="fenjie", terminal_width=100)
            out.append(f"$ fenjie {cmd}\n{res.output.rstrip()}")
        return "```text\n" + "\n\n".join(out) + "\n```"
    raise KeyError(name)


#: Which row of the sample each README example shows: (table, predicate on the row).
EXAMPLES = {
    "documents": lambda r: True,
    "items": lambda r: r.item_seq == 21,
    "assignments": lambda r: r.item_seq == 21 and r.name_raw == "科经",
    "targets": lambda r: r.item_seq == 32 and r.metric == "按时竣工率",
    "repairs": lambda r: r.rule == "garbled_doc_number",
    "findings": lambda r: r.code == "missing_ordinal",
}


def sample_tables() -> dict[str, list[Any]]:
    """The tables of the sample notice (``raw/huangshigang-2025-notice.txt``): the examples of the docs."""
    from dataclasses import replace

    from .extract import extract_raw
    from .read import read
    from .rules import load_rules

    raw = read(ROOT / "raw" / "huangshigang-2025-notice.txt")
    ex = extract_raw(replace(raw, source="raw/huangshigang-2025-notice.txt"), load_rules())
    return {name: list(ex.rows(name)) for name in TABLES}


def _example(table: str) -> str:
    import json

    from .write import row_dict

    row = next(r for r in sample_tables()[table] if EXAMPLES[table](r))
    return "```json\n" + json.dumps(row_dict(row), ensure_ascii=False) + "\n```"


def render_readme(text: str) -> str:
    return _BLOCK.sub(lambda m: m[1] + generated(m["name"]) + "\n" + m[4], text)


def main() -> None:
    readme = ROOT / "README.md"
    readme.write_text(render_readme(readme.read_text("utf-8")), "utf-8")
    (ROOT / "schema" / "document.schema.json").write_text(schema_json_text(), "utf-8")
    from .dictionary import MARKDOWN_PATH, dictionary_markdown

    (ROOT / MARKDOWN_PATH).parent.mkdir(exist_ok=True)
    (ROOT / MARKDOWN_PATH).write_text(dictionary_markdown(sample_tables()), "utf-8")
    for table in TABLES:
        assert markdown_columns(table)


if __name__ == "__main__":
    main()
