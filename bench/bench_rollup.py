"""Benchmark: ``gxxl rollup`` over 1,000 and 10,000 generated sub-unit workbooks.

    python bench/bench_rollup.py                 # N = 1000 and 10000
    python bench/bench_rollup.py --n 1000        # one size
    python bench/bench_rollup.py --openpyxl-files 10000   # the openpyxl loop over all files

Workbooks are made with ``gxxl.samples.random_filing`` (consistent, valid data) and
``gxxl.writer.write_filing`` in a process pool, and cached in ``bench/out/gen/``.  Each
measurement runs in a fresh child process, end to end: interpreter start, imports,
reading, validating, deciding, summing and writing OUT.  Peak memory is the child's own
``ru_maxrss`` (the main roll-up process) and the largest of its pool workers.

The openpyxl baseline is a plain ``load_workbook`` loop over the same files in the same
run.  At about 60 ms a file it takes 10 minutes for 10,000 files, so by default it runs
over the first 1,000 files (all of the N=1000 set) and the per-file time is used for the
10,000 comparison; ``--openpyxl-files 10000`` loops over all of them.

Nothing is written outside ``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
GEN = OUT / "gen"
SEED = 20250120
LEVELS = ("县级政府部门",) * 3 + ("乡镇（街道）",)


# --------------------------------------------------------------------------------------
# generating the workbooks (cached)
# --------------------------------------------------------------------------------------
def _unit(i: int) -> tuple[str, str]:
    county = i // 200
    return f"基准{county:03d}县单位{i:05d}", LEVELS[i % len(LEVELS)]


def _make(i: int) -> tuple[int, dict[str, float]]:
    sys.path.insert(0, str(ROOT))
    from gxxl.samples import random_filing
    from gxxl.writer import write_filing

    name, level = _unit(i)
    filing = random_filing(random.Random(SEED + i), unit_name=name, level=level, year=2024)
    path = GEN / f"unit_{i:05d}.xlsx"
    if not path.exists():
        write_filing(filing, path, reproducible=False)
    return i, {k: v for k, v in filing.values.items() if v}


def generate(n: int, jobs: int) -> dict[int, dict[str, float]]:
    """Make unit_00000 … unit_{n-1}; return expected totals for every measured size."""
    GEN.mkdir(parents=True, exist_ok=True)
    expected_file = GEN / f"expected_{n}.json"
    missing = [i for i in range(n) if not (GEN / f"unit_{i:05d}.xlsx").exists()]
    if not missing and expected_file.exists():
        return {int(k): v for k, v in json.loads(expected_file.read_text()).items()}
    t = time.perf_counter()
    print(f"生成 {n} 个工作簿（缺 {len(missing)} 个）到 {GEN} …", flush=True)
    sizes = sorted({s for s in (1000, 10000, n) if s <= n})
    totals = {s: {} for s in sizes}
    with ProcessPoolExecutor(jobs) as ex:
        for i, values in ex.map(_make, range(n), chunksize=64):
            for s in sizes:
                if i < s:
                    for k, v in values.items():
                        totals[s][k] = round(totals[s].get(k, 0) + v, 6)
    expected_file.write_text(json.dumps(totals, ensure_ascii=False))
    print(f"  用时 {time.perf_counter() - t:.0f} 秒", flush=True)
    return totals


def subset(n: int) -> Path:
    """bench/out/n{n}/ holding hard links to the first n generated files."""
    d = OUT / f"n{n}"
    d.mkdir(parents=True, exist_ok=True)
    have = {p.name for p in d.glob("*.xlsx")}
    for i in range(n):
        name = f"unit_{i:05d}.xlsx"
        if name not in have:
            try:
                os.link(GEN / name, d / name)
            except OSError:
                (d / name).write_bytes((GEN / name).read_bytes())
    return d


# --------------------------------------------------------------------------------------
# measurements, each in a fresh child process
# --------------------------------------------------------------------------------------
def child(argv: list[str]) -> None:
    """Run inside the child: the measured work, then rusage as JSON on the last line."""
    import resource

    what = argv[0]
    if what == "rollup":
        sys.path.insert(0, str(ROOT))
        from gxxl.cli import main

        with open(os.devnull, "w") as devnull:
            old = sys.stdout
            sys.stdout = devnull
            try:
                rc = main(["rollup", *argv[1:]])
            finally:
                sys.stdout = old
        extra = {"rc": rc}
    else:  # openpyxl: a plain load_workbook loop
        from openpyxl import load_workbook

        files = sorted(Path(argv[1]).glob("*.xlsx"))[: int(argv[2])]
        t = time.perf_counter()
        for p in files:
            wb = load_workbook(p)
            wb.close()
        extra = {"files": len(files), "loop_s": time.perf_counter() - t}
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"rss_main_kb": me.ru_maxrss, "rss_worker_kb": kids.ru_maxrss,
                      "cpu_main_s": me.ru_utime + me.ru_stime, "cpu_workers_s": kids.ru_utime + kids.ru_stime, **extra}))


def measure(args: list[str]) -> dict:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child failed: {args}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["wall_s"] = wall
    return data


def check(out: Path, expected: dict[str, float], n: int) -> str:
    sys.path.insert(0, str(ROOT))
    from gxxl.reader import read_filing
    from gxxl.validate import validate

    f = read_filing(out)
    bad = [c for c in f.spec.cells if abs((f.values.get(c) or 0) - expected.get(c, 0)) > 1e-6]
    errors = [x for x in validate(f) if x.severity == "error"]
    members = int(f.meta.get("members_count", "0"))
    ok = not bad and not errors and members == n
    return "正确" if ok else f"不正确：{len(bad)} 个单元格不等，{len(errors)} 处错误，成员 {members}"


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count()
    return f"{cpu or platform.processor()}，{ncpu} 核可用，内存 {mem}，{platform.system()} {platform.release()}，Python {platform.python_version()}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="sizes to measure")
    ap.add_argument("--openpyxl-files", type=int, default=1000, help="files in the openpyxl loop (default 1000; 0: no loop)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="processes for generating")
    ap.add_argument("--repeat", type=int, default=1, help="roll-up runs per size (the best is reported)")
    args = ap.parse_args()
    sizes = sorted(args.n)
    expected = generate(max(sizes), args.jobs)
    print(f"机器：{machine()}", flush=True)
    op_n = min(args.openpyxl_files, max(sizes))
    op = measure(["openpyxl", str(subset(max(sizes))), str(op_n)]) if op_n > 0 else None
    op_ms = op["loop_s"] / op["files"] * 1000 if op else float("nan")
    if op:
        print(f"openpyxl load_workbook 循环：{op['files']} 个文件 {op['loop_s']:.1f} 秒，{op_ms:.1f} 毫秒/个"
              f"（CPU {op['cpu_main_s'] / op['files'] * 1000:.1f} 毫秒/个），峰值内存 {op['rss_main_kb'] / 1024:.0f} MiB", flush=True)
    rows = []
    for n in sizes:
        folder = subset(n)
        out = OUT / f"rollup_{n}.xlsx"
        runs = [measure(["rollup", str(folder), "--unit", "基准市人民政府", "-o", str(out), "--force"]) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["wall_s"])
        ok = check(out, expected[n], n)
        op_total = op_ms / 1000 * n
        measured = "未测" if op is None else "实测" if op["files"] >= n else f"按前 {op['files']} 个的速度推算"
        rows.append((n, best, op_total, measured, ok, out.stat().st_size))
    print()
    print(f"{'N':>6} {'汇总用时':>8} {'文件/秒':>8} {'CPU 主/工作进程':>16} {'主进程峰值':>10} {'工作进程峰值':>12} {'openpyxl 循环':>14} {'倍数':>6}  结果  输出大小")
    for n, best, op_total, measured, ok, size in rows:
        versus = f"{op_total:>10.1f}s（{measured}） {op_total / best['wall_s']:>5.0f}×" if op else f"{'—':>14} {'—':>6}"
        print(f"{n:>6} {best['wall_s']:>7.2f}s {n / best['wall_s']:>8.0f} {best['cpu_main_s']:>7.1f}s/{best['cpu_workers_s']:>5.1f}s"
              f" {best['rss_main_kb'] / 1024:>8.0f}MiB {best['rss_worker_kb'] / 1024:>10.0f}MiB"
              f" {versus}  {ok}  {size / 1e6:.1f} MB")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        print(f"\n测量结束时的系统负载（1/5/15 分钟）：{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}（2 核机器上大于 2 表示有其他程序争用 CPU）")
    for n, best, *_ in rows:
        if n == 10000:
            verdict = "达到" if best["wall_s"] <= 15 else "未达到"
            print(f"\n目标（10,000 个 ≤ 15 秒，且至少快 20 倍）：{verdict}（{best['wall_s']:.1f} 秒）")


if __name__ == "__main__":
    main()
