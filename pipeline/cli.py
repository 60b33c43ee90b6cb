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
@click.pass_context
def extract(ctx: click.Context, inputs: tuple[str, ...], out_dir: str, rules_dir: str | None, raw_dir: str,
            jobs: int | None, doc_timeout: float, no_cache: bool) -> None:
    """Extract notices (files, folders or URLs) into Parquet tables and JSON.

    OUT then holds exactly the documents of this run, committed together. An input unchanged since the
    last run (same bytes, rules and code) is not extracted again. Example:

        fenjie extract raw/ --out out/
    """
    from .batch import ProgressLine, run_extract

    if ctx.obj is OWN_PROCESS:
        without_numpy()
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
              help="Seconds allowed for each URL in all: connecting, every read, redirects, retries and their waits.")
@click.option("--retries", default=3, show_default=True, type=click.IntRange(min=0),
              help="Retries on connection errors, cut-off bodies, HTTP 429 and 5xx, within the timeout.")
def fetch_cmd(urls: tuple[str, ...], raw_dir: str, timeout: float, retries: int) -> None:
    """Save published pages (http/https) unchanged into raw/, each with a .meta.json sidecar.

    An unchanged page is not rewritten; a body cut short is never saved; Retry-After is honoured when
    it fits in the timeout. Example:

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
@click.argument("notices", nargs=-1)
@click.option("--issuer", default=None, help="Also compare every notice of this issuer in --data (by plan year).")
@click.option("--out", "out_dir", default="out/compare", show_default=True, type=click.Path(file_okay=False),
              help="Where <first>__<last>/ (two notices) or <first>__<last>__<N>/ (a series) is written.")
@click.option("--data", "data_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Extracted dataset whose json/<doc_id>.json the doc_ids refer to.")
@click.option("--rules", "rules_dir", default=None, type=click.Path(exists=True, file_okay=False),
              help="Rules directory (default: the project's rules/).")
def compare(notices: tuple[str, ...], issuer: str | None, out_dir: str, data_dir: str, rules_dir: str | None) -> None:
    """Compare breakdowns year over year: tasks continued, changed, new or dropped.

    Also how each target moved and whether that is better or worse, and which units carry more or less.

    NOTICES (two or more, oldest first) are doc_ids in the extracted dataset (a unique prefix will do),
    document JSON files, or notice files (extracted on the fly); or give --issuer to take every notice of
    one issuer in --data. Writes the tables (alignment, indicators, unit_load, unit_renames, target_series,
    task_chains, unit_series .parquet) and report.md and report.html.

    Example:

    \b
        fenjie compare examples/hewan-2023.txt examples/hewan-2024.txt examples/hewan-2025.txt
        fenjie compare --issuer 禾湾区人民政府 --data out --out out/compare/
    """
    from .compare import run_compare

    if len(notices) < 2 and not issuer:
        raise click.UsageError("give two or more NOTICES (oldest first), or --issuer")
    with pipeline_errors():
        paths = run_compare(list(notices), Path(out_dir), data_dir=Path(data_dir), rules_dir=rules_dir, issuer=issuer)
    for path in paths:
        click.echo(str(path))
    sys.exit(0)


@cli.command("export")
@click.argument("doc_ids", nargs=-1)
@click.option("--data", "data_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Extracted dataset: the <table>.parquet files `fenjie extract` wrote.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Where the workbooks, lists, CSV and dictionary go (default: DATA/export).")
@click.option("--from-month", type=click.IntRange(1, 12), default=None,
              help="First month of the tracker's progress columns (default: the month the notice was signed).")
def export(doc_ids: tuple[str, ...], data_dir: str, out_dir: str | None, from_month: int | None) -> None:
    """Export the dataset for offices and analysts: Excel workbooks, per-unit lists, CSV, data dictionary.

    Writes one workbook per notice (task breakdown, targets, per-unit task lists, monthly tracker,
    notes), the per-unit lists as Markdown and HTML, every table as CSV (UTF-8 with BOM) and
    dictionary.json. DOC_IDS (unique prefixes will do) limit the workbooks and lists to those
    notices; default: every notice. Example:

    \b
        fenjie export --data out/ --out out/export/
    """
    from .export import run_export

    with pipeline_errors():
        run_export(Path(data_dir), Path(out_dir) if out_dir else None, list(doc_ids), from_month=from_month,
                   echo=lambda line: click.echo(line))
    sys.exit(0)


@cli.command("eval")
@click.argument("fixture_dir", type=click.Path(file_okay=False))
@click.option("--floors", "floors_path", default=None, type=click.Path(dir_okay=False),
              help="Floors file (default: FIXTURE_DIR/floors.toml; for a gold corpus: tests/real_floors.toml).")
@click.option("--rules", "rules_dir", default=None, type=click.Path(exists=True, file_okay=False),
              help="Rules directory (default: the project's rules/).")
@click.option("--details", is_flag=True, help="Also list what differs (or was missed) in every document.")
def eval_cmd(fixture_dir: str, floors_path: str | None, rules_dir: str | None, details: bool) -> None:
    """Score extraction; exit 1 when a score is below its floor.

    FIXTURE_DIR is either a directory of real notices with hand-checked gold
    (<name>.txt + <name>.gold.json, scored as its README says: item recall,
    assignment F1, target F1), or of golden fixtures (<case>.txt|.html + a
    hand-written <case>.expected.json). Example:

    \b
        fenjie eval ../shared/corpus/real --details
        fenjie eval tests/fixtures/formats
    """
    from .evaluate import FLOORS_FILE, FixtureError, evaluate, format_report, load_floors
    from .realcorpus import GOLD_SUFFIX, REAL_FLOORS, evaluate_real, format_real
    from .realcorpus import load_floors as load_real_floors
    from .rules import load_rules

    with pipeline_errors(usage=(FixtureError,)):
        rules = load_rules(rules_dir)
        if not Path(fixture_dir).is_dir():
            raise FixtureError("not a directory (a gold corpus or a fixture directory)", source=fixture_dir)
        if any(Path(fixture_dir).glob("*" + GOLD_SUFFIX)):
            real = evaluate_real(fixture_dir, rules, load_real_floors(floors_path or REAL_FLOORS))
            click.echo(format_real(real, details=details))
            below = real.below_floors()
        else:
            floors = load_floors(floors_path or Path(fixture_dir) / FLOORS_FILE)
            report = evaluate(fixture_dir, rules, floors=floors)
            click.echo(format_report(report, details=details))
            below = report.below_floors()
    for line in below:
        click.echo(f"fenjie: eval: {line}", err=True)
    sys.exit(1 if below else 0)


#: Passed by :func:`main` as the context object: the process runs this one command and ends (it is not a
#: test runner or a notebook calling the CLI), so a command may settle what the process imports.
OWN_PROCESS = object()


def without_numpy() -> None:
    """Keep pyarrow from importing NumPy in this process (when nothing imported it yet).

    ``fenjie extract`` never uses NumPy, but pyarrow imports it when it is installed (pandas brings it):
    0.14 s of every run's start-up, more than half of importing pyarrow. pyarrow works without it (NumPy is
    optional since pyarrow 16); a ``None`` in ``sys.modules`` makes ``import numpy`` fail, so pyarrow
    leaves it out.
    """
    if "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]


def main() -> None:
    cli(prog_name="fenjie", obj=OWN_PROCESS)


if __name__ == "__main__":  # pragma: no cover
    main()
