"""The ``fenjie`` command: a thin layer over the library, one function per command.

Exit codes: 0 all inputs done; 1 some inputs failed (one line each on stderr); 2 usage error.
`fenjie eval`: 0 every floor holds; 1 a score is below its floor; 2 bad fixtures, floors or usage.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .errors import PipelineError, RulesError


@contextmanager
def pipeline_errors(usage: tuple[type[Exception], ...] = ()):
    """Turn a rules error (or one of ``usage``) into exit 2 and a pipeline error into exit 1, one line on stderr."""
    try:
        yield
    except usage as exc:
        click.echo(f"fenjie: {exc}", err=True)
        sys.exit(2)
    except RulesError as exc:
        click.echo(f"fenjie: rules: {exc}", err=True)
        sys.exit(2)
    except PipelineError as exc:
        click.echo(f"fenjie: {exc}", err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fenjie")
def cli() -> None:
    """fenjie (分解): breakdown notices -> Parquet and JSON."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Output directory for the Parquet tables and json/.")
@click.option("--rules", "rules_dir", default=None, type=click.Path(exists=True, file_okay=False),
              help="Rules directory (default: the project's rules/).")
@click.option("--to", "raw_dir", default="raw", show_default=True, type=click.Path(file_okay=False),
              help="Where fetched URLs are saved before extraction.")
@click.option("--jobs", "-j", default=None, type=click.IntRange(min=1),
              help="Worker processes (default: the number of cores).")
@click.option("--doc-timeout", default=60.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds one document may take; past it, it fails and the batch goes on (0: no limit).")
@click.option("--no-cache", is_flag=True, help="Extract every input again, even when unchanged since the last run.")
def extract(inputs: tuple[str, ...], out_dir: str, rules_dir: str | None, raw_dir: str, jobs: int | None,
            doc_timeout: float, no_cache: bool) -> None:
    """Extract notices (files, folders or URLs) into Parquet tables and JSON.

    OUT then holds exactly the documents of this run, committed together. An input unchanged since the
    last run (same bytes, rules and code) is not extracted again. Example:

        fenjie extract raw/ --out out/
    """
    from .batch import ProgressLine, run_extract

    progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    with pipeline_errors():
        report = run_extract(list(inputs), Path(out_dir), rules_dir=rules_dir, raw_dir=Path(raw_dir), jobs=jobs,
                             doc_timeout=doc_timeout or None, use_cache=not no_cache,
                             echo=lambda line: click.echo(line), warn=lambda line: click.echo(line, err=True),
                             progress=progress)
    sys.exit(0 if report.ok else 1)


@cli.command("fetch")
@click.argument("urls", nargs=-1, required=True)
@click.option("--to", "raw_dir", default="raw", show_default=True, type=click.Path(file_okay=False),
              help="Directory for the saved pages and their .meta.json sidecars.")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds allowed per attempt.")
@click.option("--retries", default=3, show_default=True, type=click.IntRange(min=0),
              help="Retries on timeouts, connection errors and HTTP 5xx.")
def fetch_cmd(urls: tuple[str, ...], raw_dir: str, timeout: float, retries: int) -> None:
    """Save published pages (http/https) unchanged into raw/, each with a .meta.json sidecar.

    An unchanged page is not rewritten. Example:

    \b
        fenjie fetch http://www.example.gov.cn/zwgk/t20250812_1.shtml --to raw/
    """
    from .fetch import fetch_many

    results = fetch_many(list(urls), Path(raw_dir), timeout=timeout, retries=retries,
                         progress=lambda line: click.echo(line))
    failed = [r for r in results if isinstance(r, PipelineError)]
    for err in failed:
        click.echo(f"fenjie: {err}", err=True)
    sys.exit(1 if failed else 0)


@cli.command()
@click.option("--table", type=click.Choice(["json", "documents", "items", "assignments", "targets", "repairs",
                                            "findings"]), default="json", show_default=True)
def schema(table: str) -> None:
    """Print the published schema: the JSON Schema of out/json/<doc_id>.json, or a table's columns.

    Example:

        fenjie schema > schema/document.schema.json
    """
    from .schema import arrow_schema, schema_json_text

    if table == "json":
        click.echo(schema_json_text(), nl=False)
    else:
        for f in arrow_schema(table):
            click.echo(f"{f.name}\t{f.type}\t{'' if f.nullable else 'not null'}\t"
                       f"{f.metadata[b'description'].decode()}")


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--out", "out_dir", default="out/compare", show_default=True, type=click.Path(file_okay=False),
              help="Where <old>__<new>/ with the tables and the report is written.")
@click.option("--data", "data_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Extracted dataset whose json/<doc_id>.json the doc_ids refer to.")
@click.option("--rules", "rules_dir", default=None, type=click.Path(exists=True, file_okay=False),
              help="Rules directory (default: the project's rules/).")
def compare(old: str, new: str, out_dir: str, data_dir: str, rules_dir: str | None) -> None:
    """Compare two breakdowns: which tasks continued, changed, appeared or were dropped.

    Also how each target moved and which units carry more or less.

    OLD and NEW are doc_ids in the extracted dataset (a unique prefix will do), document JSON files, or
    notice files (extracted on the fly). Writes alignment/indicators/unit_load.parquet, report.md and
    report.html to OUT/<old doc_id>__<new doc_id>/.

    Example:

    \b
        fenjie compare huangshigang-2024-1a2b3c4d huangshigang-2025-5e6f7a8b --out out/compare/
    """
    from .compare import run_compare

    with pipeline_errors():
        paths = run_compare(old, new, Path(out_dir), data_dir=Path(data_dir), rules_dir=rules_dir)
    for path in paths:
        click.echo(str(path))
    sys.exit(0)


@cli.command("eval")
@click.argument("fixture_dir", type=click.Path(file_okay=False))
@click.option("--floors", "floors_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Floors file (default: FIXTURE_DIR/floors.toml).")
@click.option("--details", is_flag=True, help="Also list what differs in every fixture that is not exact.")
def eval_cmd(fixture_dir: str, floors_path: str | None, details: bool) -> None:
    """Score extraction against golden fixtures; exit 1 when a score is below its floor.

    A fixture is <case>.txt|.html with a hand-written <case>.expected.json. Example:

    \b
        fenjie eval tests/fixtures/formats --details
    """
    from .evaluate import FLOORS_FILE, FixtureError, evaluate, format_report, load_floors

    with pipeline_errors(usage=(FixtureError,)):
        floors = load_floors(floors_path or Path(fixture_dir) / FLOORS_FILE)
        report = evaluate(fixture_dir, floors=floors)
    click.echo(format_report(report, details=details))
    below = report.below_floors()
    for line in below:
        click.echo(f"fenjie: eval: {line}", err=True)
    sys.exit(1 if below else 0)


def main() -> None:
    cli(prog_name="fenjie")


if __name__ == "__main__":  # pragma: no cover
    main()
