"""The rule files: one loader validates them all, and names the file and key of any error."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from pipeline.deadlines import parse_deadline
from pipeline.errors import RulesError
from pipeline.rules import DEFAULT_RULES_DIR, SPECS, load_rules


def test_every_rule_file_loads_and_says_what_it_holds(rules):
    assert set(rules.about) == set(SPECS)
    for name, description in rules.about.items():
        assert description.strip(), name
        assert getattr(rules, name) is not None, name
    for name, d in rules.issuers.items():
        assert d.issuers and d.name == name, name


@pytest.fixture
def rules_copy(tmp_path):
    d = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, d)
    return d


@pytest.mark.parametrize("file,edit,key,reason", [
    ("roles.toml", lambda s: 'bogus = "x"\n' + s, "bogus", "unknown key"),
    ("outline.toml", lambda s: s.replace("bullet = '''", "bullet = '''(unclosed", 1), "bullet", "bad regex"),
    ("deadlines.toml", lambda s: __import__("re").sub(r"(?m)^labels = \[.*\]$", "labels = 3", s), "labels",
     "expected a list"),
    ("units.toml", lambda s: s.replace("about.description", "about.nothing", 1), "about.description", "missing"),
    ("repairs.toml", lambda s: s + "\n[[[", "<file>", "not valid TOML"),
], ids=["unknown-key", "bad-regex", "wrong-shape", "missing-about", "bad-toml"])
def test_invalid_rule_files_are_refused_with_file_and_key(rules_copy, file, edit, key, reason):
    p = rules_copy / file
    p.write_text(edit(p.read_text("utf-8")), "utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    assert err.value.path.endswith(file) and err.value.key == key and reason in err.value.reason


def test_missing_rule_file_is_refused(rules_copy):
    (rules_copy / "targets.toml").unlink()
    with pytest.raises(RulesError, match="targets.toml: <file>: rule file missing"):
        load_rules(rules_copy)


def test_cli_reports_a_bad_rules_dir_with_exit_2(rules_copy, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    (rules_copy / "roles.toml").write_text("about.description='x'\nabout.source='y'\n", "utf-8")
    r = CliRunner().invoke(cli, ["extract", str(DEFAULT_RULES_DIR.parent / "raw"), "--rules", str(rules_copy),
                                 "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "roles.toml" in r.stderr and "labels: missing" in r.stderr


# rules/deadlines.toml: what printed deadlines mean (plan year 2025)
DEADLINES = [
    ("2025年6月底前", dt.date(2025, 6, 30)), ("6月底前", dt.date(2025, 6, 30)), ("9月份", dt.date(2025, 9, 30)),
    ("2月底", dt.date(2025, 2, 28)), ("10月中旬", dt.date(2025, 10, 20)), ("2025年11月30日前", dt.date(2025, 11, 30)),
    ("2026年3月", dt.date(2026, 3, 31)), ("第三季度", dt.date(2025, 9, 30)), ("一季度末", dt.date(2025, 3, 31)),
    ("上半年", dt.date(2025, 6, 30)), ("年底前", dt.date(2025, 12, 31)), ("年内持续推进", dt.date(2025, 12, 31)),
    ("全年", dt.date(2025, 12, 31)), ("长期坚持", None), ("持续推进", None), ("常态化", None),
    ("按上级要求", None), ("港政发〔2025〕1号", None), ("", None),
]


@pytest.mark.parametrize("text,date", DEADLINES, ids=[t or "empty" for t, _ in DEADLINES])
def test_deadline_dates(rules, text, date):
    assert parse_deadline(text, 2025, rules.deadlines) == date


def test_deadline_without_a_plan_year_is_not_guessed(rules):
    assert parse_deadline("6月底前", None, rules.deadlines) is None
    assert parse_deadline("2024年6月底前", None, rules.deadlines) == dt.date(2024, 6, 30)
