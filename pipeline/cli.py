"""The ``fenjie`` command: a thin layer over the library, one function per command.

Exit codes: 0 all inputs done; 1 some inputs failed (one line each on stderr); 2 usage error.
`fenjie eval`: 0 every floor holds; 1 a score is below its floor; 2 bad fixtures, floors or usage.
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

    try:
        floors = load_floors(floors_path or Path(fixture_dir) / FLOORS_FILE)
        report = evaluate(fixture_dir, floors=floors)
    except FixtureError as exc:
        click.echo(f"fenjie: {exc}", err=True)
        sys.exit(2)
    except RulesError as exc:
        click.echo(f"fenjie: rules: {exc}", err=True)
        sys.exit(2)
    click.echo(format_report(report, details=details))
    below = report.below_floors()
    for line in below:
        click.echo(f"fenjie: eval: {line}", err=True)
    sys.exit(1 if below else 0)


def main() -> None:
    cli(prog_name="fenjie")


if __name__ == "__main__":  # pragma: no cover
    main()
