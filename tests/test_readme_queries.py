"""The README's queries run as printed, in pandas, DuckDB and polars, and the column types each reads."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, RAW, ROOT

from pipeline.cli import cli

pytestmark = pytest.mark.usefixtures("warm_workers")

#: ``<!-- example:NAME -->`` followed by a python block.
EXAMPLE = re.compile(r"<!-- example:(?P<name>\w+) -->\n```python\n(?P<code>.*?)```", re.S)
EXAMPLES = {m["name"]: m["code"] for m in EXAMPLE.finditer((ROOT / "README.md").read_text("utf-8"))}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """``make extract`` over the sample (twice: a copy is one document and a finding without a position)
    and a notice with deadlines, in a fresh directory."""
    base = tmp_path_factory.mktemp("readme")
    (base / "raw").mkdir()
    shutil.copy(RAW / "huangshigang-2025-notice.txt", base / "raw")
    shutil.copy(RAW / "huangshigang-2025-notice.txt", base / "raw" / "copy.txt")
    shutil.copy(FIXTURES / "formats" / "deadlines-in-paren.txt", base / "raw")
    r = CliRunner().invoke(cli, ["extract", str(base / "raw"), "--out", str(base / "out")])
    assert r.exit_code == 0, r.output
    return base


def run_example(name: str, where, monkeypatch) -> dict:
    monkeypatch.chdir(where)
    scope: dict = {}
    exec(compile(EXAMPLES[name], f"README.md example:{name}", "exec"), scope)
    return scope


def test_the_readme_has_the_three_examples():
    assert sorted(EXAMPLES) == ["duckdb", "pandas", "polars"]


def test_pandas_example(dataset, monkeypatch):
    ns = run_example("pandas", dataset, monkeypatch)
    assert ns["leads"].loc["区发改局"].tolist() == [20, 10, 10]
    assert ns["leads"].index[0] == "区发改局"
    assert ns["by_kind"].to_dict() == {"count": 26, "growth": 12, "amount": 4, "rate": 4, "quantity": 2}
    assert ns["due"].to_dict() == {"2025-06": 2, "2025-09": 2, "2025-12": 1}


def test_duckdb_example(dataset, monkeypatch):
    ns = run_example("duckdb", dataset, monkeypatch)
    assert ns["leads"][0] == ("区发改局", 20, 10, 10)
    assert ns["by_kind"] == [("count", 26), ("growth", 12), ("amount", 4), ("rate", 4), ("quantity", 2)]
    assert ns["due"] == [("2025-06", 2), ("2025-09", 2), ("2025-12", 1)]


def test_polars_example(dataset, monkeypatch):
    ns = run_example("polars", dataset, monkeypatch)
    assert ns["leads"].row(0) == ("区发改局", 20, 10, 10)
    assert ns["by_kind"].rows() == [("count", 26), ("growth", 12), ("amount", 4), ("rate", 4), ("quantity", 2)]
    assert ns["due"].rows() == [("2025-06", 2), ("2025-09", 2), ("2025-12", 1)]


# --------------------------------------------------------------------------
# Types as each tool reads them
# --------------------------------------------------------------------------

NULLABLE_INTS = [("documents", "year"), ("findings", "span_start"), ("findings", "span_end")]
DATES = [("documents", "issued_date"), ("documents", "published_date"), ("items", "deadline")]


def test_pandas_reads_nullable_integers_as_Int64_and_dates_as_dates(dataset):
    import datetime as dt

    import pandas as pd

    for table, col in NULLABLE_INTS:
        assert str(pd.read_parquet(dataset / "out" / f"{table}.parquet")[col].dtype) == "Int64", (table, col)
    findings = pd.read_parquet(dataset / "out" / "findings.parquet")
    assert findings.span_start.isna().any() and findings.span_start.dropna().min() >= 0  # nulls stay nulls
    for table, col in DATES:
        assert str(pd.read_parquet(dataset / "out" / f"{table}.parquet")[col].dtype) == "date32[day][pyarrow]"
    items = pd.read_parquet(dataset / "out" / "items.parquet")
    assert items.deadline.dt.month.dropna().tolist() == [6, 9, 12, 6, 9]
    assert items.deadline.dropna().iloc[0] == dt.date(2025, 6, 30)
    assert str(pd.to_datetime(items.deadline).dtype).startswith("datetime64")
    assert str(items.item_seq.dtype) == "int64" and str(items.text.dtype) in ("str", "object", "string")


def test_duckdb_reads_bigint_and_date(dataset):
    import duckdb

    def types(table):
        rows = duckdb.sql(f"describe select * from '{dataset}/out/{table}.parquet'").fetchall()
        return {r[0]: r[1] for r in rows}

    for table, col in NULLABLE_INTS:
        assert types(table)[col] == "BIGINT"
    for table, col in DATES:
        assert types(table)[col] == "DATE"
    assert duckdb.sql(f"select span_start, span_end from '{dataset}/out/items.parquet' limit 1").fetchall()


def test_polars_reads_int64_and_date(dataset):
    import polars as pl

    for table, col in NULLABLE_INTS:
        assert pl.read_parquet(dataset / "out" / f"{table}.parquet").schema[col] == pl.Int64
    for table, col in DATES:
        assert pl.read_parquet(dataset / "out" / f"{table}.parquet").schema[col] == pl.Date
