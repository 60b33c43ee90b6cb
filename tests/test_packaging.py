"""A normal (non-editable) install carries its rules: the wheel ships rules/ as pipeline/default_rules."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_the_wheel_carries_every_rule_file_and_loads_them(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True, timeout=120)
    (wheel,) = (tmp_path / "dist").glob("fenjie-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = sorted(p.relative_to(ROOT / "rules").as_posix() for p in (ROOT / "rules").rglob("*.toml"))
    assert rules and {f"pipeline/default_rules/{r}" for r in rules} <= names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # run from the unpacked wheel alone (dependencies from this environment): the packaged rules load
    out = subprocess.run(
        [sys.executable, "-c", "import pipeline.rules as r; print(r.DEFAULT_RULES_DIR); "
                               "print(len(r.load_rules().targets.units))"],
        cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": ""}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    where, n_units = out.stdout.split()
    assert where == str(site / "pipeline" / "default_rules") and int(n_units) > 100
