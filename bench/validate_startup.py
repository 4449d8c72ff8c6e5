"""How long `csa-stats validate` takes on one normal submission of each format, start-up included.

The goal (issue 26): under 0.5 s per submission on an idle machine (issue 3 set 1 s). The
baseline, measured in the same run, is a bare interpreter start (`python -c pass`), so the ratio
shows what the command adds on this machine whatever its load; the best of the runs is the
least disturbed by other jobs, and the CPU time of the process (user + system) what it costs
when no other job waits for the cores. Run: .venv/bin/python bench/validate_startup.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
GOAL = 0.5  # seconds, start-up included


def _time(command: list[str], runs: int) -> tuple[float, float, float]:
    """Best and median wall time, and the least CPU time (user + system) of the process, in
    seconds: on a loaded machine the wall time waits for a core, the CPU time much less."""
    walls, cpus = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
    return min(walls), statistics.median(walls), min(cpus)


def main(runs: int = 11) -> None:
    from csa_stats.demo import generate_demo
    from transforms.canonical import Received
    from transforms.readers import detect_format

    with tempfile.TemporaryDirectory() as folder:
        files = generate_demo(Path(folder), geos=["AT", "BE", "CY", "LT"])
        samples = {}
        for path in files:
            fmt = detect_format(Received.from_path(path))
            if fmt is not None and "_2023_" in path.name:
                samples.setdefault(fmt, path)
        baseline, middle, cpu = _time([sys.executable, "-c", "pass"], runs)
        print(
            f"baseline python -c pass: best {baseline:.3f} s, median {middle:.3f} s, "
            f"CPU {cpu:.3f} s of {runs} runs"
        )
        for fmt, path in sorted(samples.items()):
            took, middle, cpu = _time([str(BIN / "csa-stats"), "validate", str(path)], runs)
            goal = "ok" if took < GOAL else f"OVER {GOAL} s"
            print(
                f"validate {fmt:<9} {path.name:<22} best {took:.3f} s (median {middle:.3f}, CPU {cpu:.3f})  "
                f"x{took / baseline:.1f} baseline  {goal}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
