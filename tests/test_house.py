"""The house rules no linter checks: every module outside tests stays short enough to read
in one sitting, and the import-linter contracts (pyproject.toml) name every DAG file."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 350
CODE = ("contracts", "transforms", "warehouse", "publish", "csa_stats", "dags", "bench")


def lines_per_module() -> dict[str, int]:
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for folder in CODE
        for path in sorted((ROOT / folder).rglob("*.py"))
    }


def test_no_module_outside_tests_exceeds_the_limit():
    lines = lines_per_module()
    too_long = {name: count for name, count in lines.items() if count > MAX_LINES}
    assert not too_long, f"split these modules (at most {MAX_LINES} lines each): {too_long}"


def test_the_import_contracts_forbid_every_dag_module_below_dags():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (forbidden,) = [c for c in contracts if c["name"] == "Nothing below dags/ imports a DAG module"]
    assert set(forbidden["forbidden_modules"]) == {path.stem for path in (ROOT / "dags").glob("*.py")}
