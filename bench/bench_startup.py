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


#: the children run as an installed gxxl does: with compiled bytecode.  A development
#: shell with PYTHONDONTWRITEBYTECODE=1 compiles every gxxl module from source at each
#: start (tens of ms); the bytecode goes to a temporary folder, not into the work tree.
_PYCACHE = None


def child_env() -> dict[str, str]:
    global _PYCACHE
    if _PYCACHE is None:
        import tempfile

        _PYCACHE = tempfile.mkdtemp(prefix="gxxl-bench-pycache-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=_PYCACHE)
    return env


def run(cmd: list[str], runs: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of the child: user + system) over ``runs`` runs.

    The CPU time hardly changes with the machine's load; the wall time is the target's
    measure but is only meaningful on a quiet machine (see the load average printed).
    """
    import resource

    env = child_env()
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def importtime(cmd: list[str], top: int = 8) -> list[tuple[int, str]]:
    env = child_env()
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
    for cmd in cases.values():  # warm-up: write the bytecode once
        run(cmd, 1)
    # interleave the runs so a change of machine load hits every case alike
    base, results = [], {k: [] for k in cases}
    for _ in range(args.runs):
        base.append(run([py, "-c", "pass"], 1))
        for k, cmd in cases.items():
            results[k].append(run(cmd, 1))
    b = statistics.median(w for w, _ in base)
    bc = statistics.median(c for _, c in base)
    print(f"python -c pass: {b:.0f} ms wall, {bc:.0f} ms CPU (medians of {args.runs}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    for k, xs in results.items():
        m = statistics.median(w for w, _ in xs)
        c = statistics.median(c for _, c in xs)
        print(f"{k}: {m:.0f} ms wall {m - b:+.0f} ms, CPU {c - bc:+.0f} ms over python -c pass (target ≤ +60 ms wall)")
    for k, cmd in cases.items():
        print(f"\nslowest top-level imports of {k} (cumulative µs, one run):")
        for cum, name in importtime(cmd[1:]):
            print(f"  {cum:>8}  {name}")


if __name__ == "__main__":
    main()
