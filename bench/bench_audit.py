"""Benchmark: ``gxxl audit`` over 1,000 saved pages (target: at most 60 s on 2 cores).

    python bench/bench_audit.py                  # 1,000 pages, all CPUs, imported workbooks kept
    python bench/bench_audit.py --pages 3000     # memory stays flat: compare the peak RSS
    python bench/bench_audit.py --no-workbooks   # without writing one workbook per page

The pages are the 23 real corpus pages (``../shared/corpus``) and the planted pages of
:mod:`gxxl.audit.planted` (complete reports with all three tables), copied round-robin
into ``bench/out/audit_pages/`` (git-ignored).  The audit runs in a fresh child process,
end to end (interpreter start, imports, reading, writing 审查结果.xlsx); the child prints
its own figures: pages per second, the per-stage split (time inside each stage summed over the
workers: import = reading the page and locating the tables, page checks, validate,
check-text, the imported workbook; write = the 审查结果 rows and file in the main
process), and the peak RSS of the main process and of the largest worker.  A separate
pass times the reading alone (:func:`gxxl.importer.sources.read_source`), which is part
of the import stage.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
CORPUS = ROOT.parent / "shared" / "corpus"


def make_pages(n: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from gxxl.audit.planted import planted_set

    folder = OUT / f"audit_pages_{n}"
    if folder.is_dir() and len(list(folder.iterdir())) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    proto = OUT / "audit_proto"
    shutil.rmtree(proto, ignore_errors=True)
    planted_set(proto)
    sources = sorted(proto.glob("*.html"))
    if CORPUS.is_dir():
        sources += sorted(CORPUS.glob("*/page.txt"))
    for i in range(n):
        src = sources[i % len(sources)]
        name = src.parent.name if src.name == "page.txt" else src.stem
        shutil.copyfile(src, folder / f"{i:05d}_{name}{src.suffix}")
    return folder


def child(folder: Path, out: Path, jobs: int | None, workbooks: bool) -> None:
    import resource

    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from gxxl.audit import Options, run_audit

    opts = Options(inputs=[str(folder)], output=out, force=True, jobs=jobs, keep_workbooks=workbooks)
    summ = run_audit(opts)
    wall = time.perf_counter() - t0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    main_rss, kids_rss = me.ru_maxrss / 1024, kids.ru_maxrss / 1024
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    n = summ.reports
    print(f"pages: {n}   wall time: {wall:.1f} s   pages/s: {n / wall:.0f}   findings: {summ.findings}")
    # on a shared machine the wall time depends on the others' load; the CPU time much less
    print(f"CPU time (main + workers): {cpu:.1f} s = {1000 * cpu / max(1, n):.0f} ms/page; "
          f"on {os.cpu_count()} idle cores ≈ {cpu / (os.cpu_count() or 1):.0f} s")
    print(f"grades: {summ.by_grade}")
    print("per-stage seconds (time inside each stage, summed over the workers):")
    for k, v in summ.seconds.items():
        print(f"  {k:11s} {v:7.2f} s   {1000 * v / max(1, n):6.2f} ms/page")
    print(f"peak RSS: main {main_rss:.0f} MiB, largest worker {kids_rss:.0f} MiB")
    print(f"output: {out} ({out.stat().st_size / 1024:.0f} KiB)")


def read_only(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from gxxl.importer.sources import read_source

    files = sorted(folder.iterdir())
    t = time.perf_counter()
    for f in files:
        read_source(f)
    dt = time.perf_counter() - t
    print(f"read alone (read_source, one process): {dt:.2f} s for {len(files)} pages, {1000 * dt / len(files):.2f} ms/page")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--no-workbooks", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("FOLDER", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--read-only", metavar="FOLDER", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(Path(a.child[0]), Path(a.child[1]), a.jobs, not a.no_workbooks)
        return
    if a.read_only:
        read_only(Path(a.read_only))
        return
    print(f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, {platform.platform()}")
    folder = make_pages(a.pages)
    out = OUT / f"audit_{a.pages}" / "审查结果.xlsx"
    shutil.rmtree(out.parent, ignore_errors=True)
    out.parent.mkdir(parents=True)
    cmd = [sys.executable, __file__, "--child", str(folder), str(out)]
    if a.jobs:
        cmd += ["--jobs", str(a.jobs)]
    if a.no_workbooks:
        cmd.append("--no-workbooks")
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    print(f"end to end (fresh process): {time.perf_counter() - t:.1f} s")
    subprocess.run([sys.executable, __file__, "--read-only", str(folder)], check=True)


if __name__ == "__main__":
    main()
