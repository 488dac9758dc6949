"""Start-up cost of the CLI: whole-process wall time over ``python -c pass``.

Prints, for ``gxxl --help`` and ``gxxl validate <one workbook>``, the median of N runs
(default 9) minus the median of ``python -c pass`` (target: at most 60 ms each), and the
modules that cost most at import (``python -X importtime``).

    PYTHONPATH=$PWD python3 bench/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONE = ROOT / "workbooks" / "seed004_某区人民政府办公室_2024.xlsx"


def wall(cmd: list[str], runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def importtime(cmd: list[str], top: int = 8) -> list[tuple[int, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    err = subprocess.run([sys.executable, "-X", "importtime", *cmd], capture_output=True, text=True,
                         env=env, cwd=ROOT).stderr
    rows = []
    for line in err.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line.split("|")
            try:
                rows.append((int(cum), name.rstrip()))
            except ValueError:
                continue
    top_level = [(c, n.strip()) for c, n in rows if not n.startswith("  ")]
    return sorted(top_level, reverse=True)[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    py = sys.executable
    cases = {
        "gxxl --help": [py, "-m", "gxxl", "--help"],
        "gxxl validate one.xlsx": [py, "-m", "gxxl", "validate", str(ONE)],
    }
    # interleave the runs so a change of machine load hits every case alike
    base, results = [], {k: [] for k in cases}
    for _ in range(args.runs):
        base.append(wall([py, "-c", "pass"], 1))
        for k, cmd in cases.items():
            results[k].append(wall(cmd, 1))
    b = statistics.median(base)
    print(f"python -c pass: {b:.0f} ms (median of {args.runs}; load average {os.getloadavg()[0]:.1f})")
    for k, xs in results.items():
        m = statistics.median(xs)
        print(f"{k}: {m:.0f} ms, {m - b:+.0f} ms over python -c pass (target ≤ +60 ms)")
    for k, cmd in cases.items():
        print(f"\nslowest top-level imports of {k} (cumulative µs, one run):")
        for cum, name in importtime(cmd[1:]):
            print(f"  {cum:>8}  {name}")


if __name__ == "__main__":
    main()
