"""Benchmark: ``gxxl check-text`` on large texts — seconds per MB (issue 11: was quadratic).

    python bench/bench_checktext.py              # 1, 4 and 10 MB, in many paragraphs and in one
    python bench/bench_checktext.py --mb 10      # one size

Three texts: real published reports (the seeds and corpus pages of ../shared, repeated),
a synthetic text with a claim in every sentence (the worst case for the per-claim work),
and the same as one paragraph with no line break at all (the case that was quadratic:
every claim re-normalised its whole sentence).  Each run is a fresh child process, end to end (``python -m gxxl check-text``,
with ``--against`` a generated workbook and without), so start-up and reading count.
Files are written to ``bench/out/`` (git-ignored).  Target: 10 MB in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "checktext"

SENTENCES = [
    "本年新收政府信息公开申请12件，上年结转2件，办结11件，结转下年度继续办理3件。",
    "其中予以公开6件，占54.5%；部分公开2件，占18.2%；不予公开1件，占9.1%；无法提供2件，占18.2%。",
    "全年共接待咨询，现场咨询331件、电话咨询61件，共372件。",
    "本年度制发规范性文件4件，废止规范性文件1件，现行有效规范性文件32件。",
    "因政府信息公开申请引发行政复议两件，均获维持；行政诉讼1件，尚未审结。",
    "2024年，我局通过政府网站主动公开政府信息1234条，其中政策文件234条，工作动态1000条。",
    "全年行政许可处理决定46209件，行政处罚处理决定6件，行政事业性收费12.5万元。",
]


SHARED = ROOT.parent / "shared"


def real_prose() -> list[str]:
    """Paragraphs of the real published reports in ../shared (seeds and corpus pages)."""
    texts = sorted(SHARED.glob("seeds/*.txt")) + sorted(SHARED.glob("corpus/*/page.txt"))
    return [line for p in texts for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def make(mb: float, shape: str) -> Path:
    """shape: "dense" (a claim in every sentence), "one" (the same in one paragraph, no line
    break), "real" (real published reports, repeated)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"text_{mb:g}mb_{shape}.txt"
    if path.exists():
        return path
    source = real_prose() if shape == "real" else SENTENCES
    target = int(mb * 1024 * 1024)
    parts, size, i = [], 0, 0
    sep = "" if shape == "one" else "\n"
    while size < target:
        s = source[i % len(source)] + sep
        parts.append(s)
        size += len(s.encode("utf-8"))
        i += 1
    path.write_text("".join(parts), encoding="utf-8")
    return path


def workbook() -> Path:
    path = OUT / "filing.xlsx"
    if not path.exists():
        subprocess.run([sys.executable, "-c", (
            "import sys; from gxxl.samples import seed004_filing; from gxxl.writer import write_filing; "
            f"write_filing(seed004_filing(), r'{path}')")], check=True, env=_env())
    return path


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def run(path: Path, against: Path | None) -> float:
    cmd = [sys.executable, "-m", "gxxl", "check-text", str(path), "--json"]
    if against:
        cmd += ["--against", str(against)]
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    dt = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise SystemExit(f"check-text failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, action="append", help="text size in MB (repeatable)")
    args = ap.parse_args()
    sizes = args.mb or [1, 4, 10]
    book = workbook()
    print(f"{'size':>6}  {'text':<26} {'against':<8} {'seconds':>8} {'s/MB':>6}")
    names = {"real": "real reports (../shared)", "dense": "a claim in every sentence", "one": "the same, one paragraph"}
    shapes = ["real", "dense", "one"] if SHARED.exists() else ["dense", "one"]
    for mb in sizes:
        for shape in shapes:
            path = make(mb, shape)
            real_mb = path.stat().st_size / 1024 / 1024
            for against in (None, book):
                dt = run(path, against)
                print(f"{real_mb:5.1f}M  {names[shape]:<26} {'yes' if against else 'no':<8} {dt:8.2f} {dt / real_mb:6.2f}", flush=True)


if __name__ == "__main__":
    main()
