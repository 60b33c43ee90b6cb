"""The ``fenjie`` command: a thin layer over the library, one function per command.

Exit codes: 0 all inputs done; 1 some inputs failed (one line each on stderr); 2 usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import PipelineError, RulesError


def _fail_usage(msg: str) -> None:
    raise click.UsageError(msg)


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
def extract(inputs: tuple[str, ...], out_dir: str, rules_dir: str | None, raw_dir: str) -> None:
    """Extract notices (files, folders or URLs) into Parquet tables and JSON.

    Example:

        fenjie extract raw/ --out out/
    """
    from .extract import run_extract

    try:
        report = run_extract(list(inputs), Path(out_dir), rules_dir=rules_dir, raw_dir=Path(raw_dir),
                             echo=lambda line: click.echo(line), warn=lambda line: click.echo(line, err=True))
    except RulesError as exc:
        click.echo(f"fenjie: rules: {exc}", err=True)
        sys.exit(2)
    except PipelineError as exc:
        click.echo(f"fenjie: {exc}", err=True)
        sys.exit(1)
    sys.exit(0 if report.ok else 1)


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
    """Compare two breakdowns: tasks new/continued/modified/dropped, target changes, unit load.

    OLD and NEW are doc_ids in the extracted dataset (a unique prefix will do), document JSON files, or
    notice files (extracted on the fly). Writes alignment/indicators/unit_load.parquet, report.md and
    report.html to OUT/<old doc_id>__<new doc_id>/.

    Example:

    \b
        fenjie compare huangshigang-2024-1a2b3c4d huangshigang-2025-5e6f7a8b --out out/compare/
    """
    from .compare import run_compare

    try:
        paths = run_compare(old, new, Path(out_dir), data_dir=Path(data_dir), rules_dir=rules_dir)
    except RulesError as exc:
        click.echo(f"fenjie: rules: {exc}", err=True)
        sys.exit(2)
    except PipelineError as exc:
        click.echo(f"fenjie: {exc}", err=True)
        sys.exit(1)
    for path in paths:
        click.echo(str(path))
    sys.exit(0)


def main() -> None:
    cli(prog_name="fenjie")


if __name__ == "__main__":  # pragma: no cover
    main()
