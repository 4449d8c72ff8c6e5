"""Audit: the integer attacker (bench/integer_attacker.py) over every release `make demo` wrote.

    .venv/bin/python bench/attack_releases.py                  # data/ (CSA_DATA_DIR's default)
    .venv/bin/python bench/attack_releases.py --data other/data --reasons

Per year it reads every version of the Union release (`<data>/public/releases/<year>/v<N>`),
every national release beside it (`.../<year>/<GEO>/v<N>`) and every national office's own
(`<data>/national/<GEO>/public/releases/<year>/<GEO>/v<N>`) as one reader would: the same
unknowns for a state's figure in every release of its submission. The true values of the
figures their owners flagged come from the warehouse (current submissions), so their
protection levels are checked too. `--reasons` reads the releases as a reader of the two
markings used before contract 2.5 (C: a count of 1 to threshold - 1; D: never). Prints what the
attacker narrows; exits 1 if it narrows anything.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.integer_attacker import exposed  # noqa: E402
from contracts.contract import load_contract  # noqa: E402
from publish.disclosure import NOT_FOR_PUBLICATION, PRIMARY  # noqa: E402
from warehouse.db import reader  # noqa: E402

C = load_contract()


def release_roots(data: Path, year: int) -> list[Path]:
    """The Union release of a year first, then every national release of that year."""
    union = data / "public" / "releases" / str(year)
    national = sorted(p for p in union.glob("*") if p.is_dir() and p.name in C.code_lists["geo"])
    offices = sorted((data / "national").glob(f"*/public/releases/{year}/*"))
    return [union, *national, *(p for p in offices if p.is_dir() and p.name in C.code_lists["geo"])]


def owner_flags(warehouse: Path, year: int) -> dict:
    """(geo, series key) -> value of every current figure its owner flagged (N; C on a count
    that is not small: a small count flagged C has the threshold's protection)."""
    if not warehouse.exists():
        return {}
    dims = ", ".join(C.series_dimensions)
    with reader(warehouse) as con:
        rows = con.execute(
            f"SELECT geo, {dims}, obs_value, conf_status FROM current_observation "
            "WHERE time_period = ? AND conf_status IN (?, ?) AND obs_value IS NOT NULL",
            [year, PRIMARY, NOT_FOR_PUBLICATION],
        ).fetchall()
    threshold = C.disclosure.threshold
    return {
        (r[0], tuple(r[1:-2])): r[-2]
        for r in rows
        if r[-1] == NOT_FOR_PUBLICATION or not 0 < r[-2] < threshold
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--reasons", action="store_true", help="read C and D as two markings")
    args = parser.parse_args()
    years = sorted(int(p.name) for p in (args.data / "public" / "releases").glob("*") if p.name.isdigit())
    total_checked = total_narrowed = 0
    for year in years:
        roots = release_roots(args.data, year)
        owner = owner_flags(args.data / "warehouse.duckdb", year)
        start = time.perf_counter()
        checked, narrowed = exposed(*roots, owner=owner, reasons=args.reasons)
        versions = sum(len(list(r.glob("v[0-9]*"))) for r in roots)
        pinned = sum(
            low == high for low, high in (line.rsplit("[", 1)[1][:-1].split(", ") for line in narrowed)
        )
        print(f"{year}: {versions} release versions, {checked} hidden figures ({len(owner)} flagged by "
              f"their owners), narrowed {len(narrowed)}, of which pinned {pinned}  "
              f"[{time.perf_counter() - start:.1f} s]")  # fmt: skip
        for line in narrowed:
            print(f"  {line}")
        total_checked, total_narrowed = total_checked + checked, total_narrowed + len(narrowed)
    print(f"all years: {total_checked} hidden figures, {total_narrowed} narrowed by the integer attacker")
    return 1 if total_narrowed else 0


if __name__ == "__main__":
    sys.exit(main())
