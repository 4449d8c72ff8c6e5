"""Benchmark: `csa-stats ingest` of a landing folder of N files against the floor of reading them.

    .venv/bin/python bench/bench_ingest.py            # 270 files: 27 states x 5 years x 2 formats
    .venv/bin/python bench/bench_ingest.py 100 --runs 3

The files: the demo's submission of every state for each year a legal basis covers (2021-2025,
each state in its own format: XLSX, CSV, JSON or SDMX-CSV, with side files), then, up to N, a
revision of the earliest years re-sent in the next format (the same figures as R2), so the
backlog holds every format and revisions, as a warehouse rebuild does.

Both steps run in a fresh process on the same folder, wall time start-up included:
  (a) ingest: `csa-stats ingest <landing>` into an empty warehouse (archive, judge, store,
      reports, analyst snapshots), the real command with its settings in a temporary data folder
  (b) floor:  the same files only read and parsed (transforms.readers.read_submission) in one
      process: what any ingest must do at least
It prints seconds (wall, the best run; CPU, user + system, the least), files per second and a/b;
the goal is 270 files in under 15 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.writers import EXTENSIONS, write_submission  # noqa: E402

YEARS = range(2021, 2026)  # the years the contract's legal bases cover to their end
FORMATS = list(EXTENSIONS)  # a re-sent file comes in the format after its first one's


def generate(landing: Path, n: int) -> list[Path]:
    """N submission files (side files not counted) in the landing layout, seeded."""
    from csa_stats.demo import generate_demo
    from transforms.canonical import Received
    from transforms.readers import detect_format, read_submission

    def fmt_of(path: Path) -> str | None:
        return detect_format(Received.from_path(path))

    written = [p for p in generate_demo(landing, years=YEARS) if fmt_of(p)]
    revised = {p.stem.replace("_R2", "_R1") for p in written if "_R2" in p.stem}  # the demo's own
    firsts = sorted(
        (p for p in written if p.stem not in revised and "_R1" in p.stem),
        key=lambda p: (read_year(p), p.parent.name),
    )
    for path in firsts[: max(0, n - len(written))]:
        sub = read_submission(path)
        fmt = FORMATS[(FORMATS.index(fmt_of(path)) + 1) % len(FORMATS)]
        target = path.with_name(path.stem.replace("_R1", "_R2") + EXTENSIONS[fmt])
        write_submission({**sub.metadata, "revision": 2}, sub.rows(), target, fmt)
        written.append(target)
    return written[:n]


def read_year(path: Path) -> int:
    return int(path.stem.split("_")[2])


def floor(files: list[str]) -> None:
    """Read and parse each file (the floor's process body)."""
    from transforms.readers import read_submission

    for name in files:
        read_submission(Path(name))


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """Wall time and the CPU time of the process (user + system), in seconds: on a loaded machine
    the wall time waits for a core, the CPU time much less."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 2):  # 1, 2: warnings or rejected files are verdicts, not failures
            err.seek(0)
            raise SystemExit(f"{command[:3]} failed ({code}): {err.read()[-2000:].decode(errors='replace')}")
    return seconds, usage.ru_utime + usage.ru_stime


def run(n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="csa-bench-ingest-") as tmp:
        landing = Path(tmp) / "landing"
        files = generate(landing, n)
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(map(str, files)))
        print(f"{len(files)} files ({_formats(files)}), {runs} run(s), best of each")
        a, b = [], []  # (wall, CPU) of each run
        for i in range(runs):
            data = Path(tmp) / f"data{i}"
            env = {
                **os.environ,
                "CSA_DATA_DIR": str(data),
                "CSA_LANDING": str(landing),
                "CSA_LOG_LEVEL": "WARNING",
            }
            env.pop("CSA_RECEIPTS", None)
            b.append(timed([sys.executable, __file__, "--floor", str(listing)], env))
            a.append(timed([str(Path(sys.executable).parent / "csa-stats"), "ingest", str(landing)], env))
        (wall_a, cpu_a), (wall_b, cpu_b) = (tuple(map(min, zip(*runs_of, strict=True))) for runs_of in (a, b))
        k = len(files)
        for name, wall, cpu in (("(a) ingest:", wall_a, cpu_a), ("(b) floor: ", wall_b, cpu_b)):
            rate = f"{k / wall:6.1f} files/s  {1000 * wall / k:5.1f} ms/file"
            print(f"{name} {wall:6.2f} s  {rate}  CPU {cpu:6.2f} s")
        goal = "met" if k >= 270 and wall_a < 15 * k / 270 else "NOT met"
        print(f"a/b {wall_a / wall_b:.1f} (CPU {cpu_a / cpu_b:.1f}); 270 files in under 15 s: {goal}")


def _formats(files: list[Path]) -> str:
    from collections import Counter

    from transforms.canonical import Received
    from transforms.readers import detect_format

    found = Counter(detect_format(Received.from_path(p)) for p in files)
    return ", ".join(f"{fmt} {n}" for fmt, n in sorted(found.items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="?", type=int, default=270, help="how many submission files")
    parser.add_argument(
        "--runs", type=int, default=1, help="measure each step this many times, keep the best"
    )
    parser.add_argument("--floor", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor(Path(args.floor).read_text().split("\n"))
        return
    run(args.files, args.runs)


if __name__ == "__main__":
    main()
