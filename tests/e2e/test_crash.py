"""Crash safety and determinism: SIGKILL at seeded random moments, rerun, and the warehouse and
the release tree equal a clean run's; a half-written release is never visible."""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from csa_stats.demo import generate_demo

CLI = str(Path(sys.executable).parent / "csa-stats")
GEOS = ["LU", "NL"]  # NL revises 2023
TRIALS = 16  # 8 kills of each step, one in each eighth of its duration


def _env(data: Path) -> dict:
    return {**os.environ, "CSA_DATA_DIR": str(data), "CSA_LOG_LEVEL": "WARNING"}


def _steps(data: Path) -> list[list[str]]:
    return [[CLI, "ingest", str(data / "landing")], [CLI, "release"]]


def _land(data: Path, source: Path | None = None) -> None:
    """Land the demo files (copied with their landing times when a source is given)."""
    if source:
        shutil.copytree(source / "landing", data / "landing")
        shutil.copy(source / "receipts.json", data / "receipts.json")
    else:
        generate_demo(data / "landing", geos=GEOS, years=range(2022, 2024), receipts=data / "receipts.json")


def _run_all(data: Path, steps: slice = slice(None)) -> None:
    """The steps to completion, in this process (only the killed run needs a process of its own)."""
    from csa_stats.cli import main

    saved = os.environ.get("CSA_DATA_DIR")
    os.environ["CSA_DATA_DIR"] = str(data)
    try:
        for step in _steps(data)[steps]:
            assert main(step[1:]) in (0, 2)
    finally:
        os.environ.pop("CSA_DATA_DIR") if saved is None else os.environ.update(CSA_DATA_DIR=saved)


def warehouse_fingerprint(path: Path) -> tuple:
    """What the loads decided, without wall-clock times of the loads themselves."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return tuple(
            con.execute(sql).fetchall()
            for sql in (
                "SELECT submission_id, geo, time_period, revision, received_at, status, errors, warnings, "
                "sha256, metadata_sha256, contract_version FROM submission ORDER BY ALL",
                "SELECT * FROM observation ORDER BY ALL",
                "SELECT sha256, original_name, byte_size, first_received_at FROM raw_file ORDER BY ALL",
            )
        ) + (audit_fingerprint(con),)
    finally:
        con.close()


def audit_fingerprint(con) -> list[tuple]:
    """Every decision in the audit log, once each, without when it was logged or the absolute
    paths of this run's folders; `duplicate` rows only say a file was offered again."""
    rows = con.execute(
        "SELECT actor, action, object, detail FROM audit_log WHERE action <> 'duplicate'"
    ).fetchall()
    found = []
    for actor, action, obj, detail in rows:
        fields = json.loads(detail) if detail else {}
        fields.pop("path", None)
        found.append((actor, action, obj, json.dumps(fields, sort_keys=True)))
    return sorted(found)


def tree_fingerprint(root: Path) -> dict[str, str]:
    """Every visible file and link of the public tree with its content hash."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".tmp-") for part in rel.parts):
            continue
        if path.is_symlink():
            found[str(rel)] = "-> " + os.readlink(path)
        elif path.is_file():
            found[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_no_half_release(public: Path) -> None:
    """Every visible v<N> is complete: SHA256SUMS lists and verifies every file in it."""
    for version in public.glob("releases/**/v[0-9]*"):
        sums = version / "SHA256SUMS"
        assert sums.exists(), f"{version} visible without SHA256SUMS"
        listed = dict(reversed(line.split("  ", 1)) for line in sums.read_text().splitlines())
        present = {p.name for p in version.iterdir()} - {"SHA256SUMS"}
        assert set(listed) == present, version
        for name, digest in listed.items():
            assert hashlib.sha256((version / name).read_bytes()).hexdigest() == digest


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("clean") / "data"
    _land(data)
    durations = []
    for step in _steps(data):  # as separate processes, to time what a killed process would do
        started = time.monotonic()
        subprocess.run(step, env=_env(data), check=True, capture_output=True, timeout=120)
        durations.append(time.monotonic() - started)
    return data, durations


def test_same_inputs_give_the_same_warehouse_and_byte_identical_releases(clean_run, tmp_path):
    clean, _ = clean_run
    again = tmp_path / "data"
    _land(again)  # generated anew: the demo itself is deterministic too
    _run_all(again)
    assert warehouse_fingerprint(again / "warehouse.duckdb") == warehouse_fingerprint(
        clean / "warehouse.duckdb"
    )
    assert tree_fingerprint(again / "public") == tree_fingerprint(clean / "public")
    assert tree_fingerprint(clean / "public"), "the clean run published nothing"


def test_killed_ingest_or_release_then_rerun_equals_a_clean_run(clean_run, tmp_path):
    clean, durations = clean_run
    expected = (warehouse_fingerprint(clean / "warehouse.duckdb"), tree_fingerprint(clean / "public"))
    rng = random.Random(8)
    for trial in range(TRIALS):
        data = tmp_path / f"trial{trial}" / "data"
        _land(data, source=clean)
        steps = _steps(data)
        victim = trial % 2  # even trials kill the ingest, odd ones the release
        _run_all(data, slice(0, victim))
        process = subprocess.Popen(
            steps[victim], env=_env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # a random moment in the trial's own slice of the step's time, start-up to the end: the
        # kills spread over the whole step instead of bunching where the random draws fall
        eighth = durations[victim] / (TRIALS // 2)
        time.sleep(max(0.05, rng.uniform(trial // 2 * eighth, (trial // 2 + 1) * eighth)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if (data / "public").exists():
            assert_no_half_release(data / "public")
        _run_all(data)
        got = (warehouse_fingerprint(data / "warehouse.duckdb"), tree_fingerprint(data / "public"))
        assert got == expected, f"trial {trial} (killed {'release' if victim else 'ingest'})"
        assert not list((data / "public").rglob(".tmp-*")), "a rerun leaves no unfinished build behind"


# A child that opens a new warehouse and SIGKILLs itself before its N-th write: every statement,
# and inside a batch of rows before the first, the second and the last row (rows a batch wrote in
# autocommit mode would stay). The forking parent never connects, so each fork starts clean.
_FIRST_OPEN = r"""
import os, signal, sys
from pathlib import Path
import duckdb
from warehouse import db

real_connect = duckdb.connect

class Killing:
    def __init__(self, con, at):
        self.con, self.at, self.n = con, at, 0

    def _point(self):
        self.n += 1
        if self.n == self.at:
            os.kill(os.getpid(), signal.SIGKILL)

    def execute(self, *args, **kwargs):
        self._point()
        return self.con.execute(*args, **kwargs)

    def executemany(self, sql, rows):
        rows, done = list(rows), 0
        for cut in sorted({0, 1, max(len(rows) - 1, 0)}):
            if cut > done:
                self.con.executemany(sql, rows[done:cut])
                done = cut
            self._point()
        if done < len(rows):
            self.con.executemany(sql, rows[done:])
        return self.con

    def __getattr__(self, name):
        return getattr(self.con, name)

def first_open(folder, at):
    duckdb.connect = lambda *a, **k: Killing(real_connect(*a, **k), at)
    with db.writer(folder / "warehouse.duckdb") as con:
        con.execute("SELECT 1")
    (folder / "points").write_text(str(con.n))

root, points = Path(sys.argv[1]), int(sys.argv[2])  # 0: one open, never killed, that counts them
for at in range(1, points + 1) if points else [0]:
    folder = root / f"kill{at:04d}"
    folder.mkdir(parents=True)
    pid = os.fork()
    if pid == 0:
        first_open(folder, at)
        os._exit(0)
    os.waitpid(pid, 0)
"""


def _registered(path: Path) -> tuple:
    from warehouse import db

    with db.writer(path) as con:  # the next open, as any later command makes it
        return tuple(
            con.execute(sql).fetchall()
            for sql in (
                "SELECT * FROM code_list ORDER BY ALL",
                "SELECT * FROM series ORDER BY ALL",
                "SELECT * FROM legal_basis ORDER BY ALL",
                "SELECT version, name, sha256 FROM schema_version ORDER BY ALL",
                "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL",
            )
        )


def test_a_kill_at_any_write_of_a_new_warehouses_first_open_leaves_nothing_half_registered(tmp_path):
    """Issue 29: legal bases were inserted one autocommitted row at a time; killed between them,
    a warehouse kept one for good (the next open saw the table not empty)."""
    script = tmp_path / "first_open.py"
    script.write_text(_FIRST_OPEN)
    run = [sys.executable, str(script)]
    subprocess.run([*run, str(tmp_path / "clean"), "0"], check=True, timeout=120)
    clean = tmp_path / "clean" / "kill0000"
    points = int((clean / "points").read_text())
    assert points > 20, "the first open makes at least its migrations' and registrations' writes"
    subprocess.run([*run, str(tmp_path / "killed"), str(points)], check=True, timeout=600)
    expected = _registered(clean / "warehouse.duckdb")
    assert len(expected[2]) == len(load_legal_bases()) and expected[0] and expected[1]
    killed = sorted((tmp_path / "killed").iterdir())
    assert len(killed) == points and not any((k / "points").exists() for k in killed), "each was killed"
    for folder in killed:
        assert _registered(folder / "warehouse.duckdb") == expected, folder.name


def load_legal_bases():
    from contracts.contract import load_contract

    return load_contract().legal_bases
