"""gxxl audit SOURCES... -o 审查结果.xlsx — review many published annual reports at once (年报审查)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import UserError, progress
from .output import display_path

HELP = "年报审查：一次审查一个地区已发布的全部年度报告（网页、Word、PDF、文本或网址列表），生成审查结果工作簿"


def add_arguments(p) -> None:
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="已发布的年报：.html/.htm/.mhtml/.docx/.pdf（文字型）/.txt 文件、文件夹（含子文件夹），"
                        "或每行一个网址的 .txt 网址列表，也可以直接写网址")
    p.add_argument("-o", "--output", metavar="审查结果.xlsx",
                   help="输出的审查结果工作簿（审查汇总、问题明细、统计图表）；下载的网页保存在旁边的“.网页”文件夹，"
                        "导入的统计表保存在“.导入”文件夹")
    p.add_argument("--grades", metavar="评级表.toml", help="自定义评级标准（默认使用内置的 grades.toml，见 README）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出每份报告的审查结果（供程序使用）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("--no-workbooks", action="store_true", help="不保存每份报告导入后的工作簿")
    p.add_argument("--jobs", metavar="N", help="并行进程数（默认为 CPU 核数）")
    p.add_argument("--timeout", metavar="秒", default="20", help="下载每个网址的超时时间（默认 20 秒）")
    p.add_argument("--delay", metavar="秒", default="1", help="两次下载之间的间隔，避免给网站造成压力（默认 1 秒）")
    p.add_argument("--max-size", metavar="KB", default="20480", help="单个网页的大小上限（默认 20480 KB）")


def run(args) -> int:
    from ..audit import Options, run_audit
    from ..errors import Interrupted
    from ..fileio import check_output

    if not args.output and not args.json:
        raise UserError("请用 -o 指定输出的审查结果工作簿，如 -o 审查结果.xlsx（或加 --json 只输出 JSON）")
    out = Path(args.output) if args.output else None
    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise UserError(f"{args.output}：输出文件应为 .xlsx 工作簿")
        # the output gate before any download: never over an input (links included), --force to replace
        check_output(out, force=args.force, inputs=tuple(Path(s) for s in args.sources if Path(s).is_file()))
    opts = Options(
        inputs=list(args.sources), output=out, grades=args.grades, force=args.force,
        jobs=progress.number(args.jobs, "--jobs", lo=1, hi=256, integer=True) if args.jobs else None,
        keep_workbooks=not args.no_workbooks,
        timeout=progress.number(args.timeout, "--timeout", lo=1, hi=600),
        delay=progress.number(args.delay, "--delay", lo=0, hi=60),
        max_bytes=progress.number(args.max_size, "--max-size", lo=1, hi=200 * 1024, integer=True) * 1024,
    )
    bar = AuditProgress(sys.stderr)
    first = [True]

    def on_report(a):  # --json streams one report at a time (memory does not grow with the pages)
        if args.json:
            sys.stdout.write(('{"reports": [\n' if first[0] else ",\n") + json.dumps(_json(a), ensure_ascii=False))
            first[0] = False

    try:
        summ = run_audit(opts, progress=bar, on_report=on_report)
    except KeyboardInterrupt:
        bar.clear()
        raise Interrupted(130) from None
    finally:
        bar.clear()
    if args.json:
        summary = {"reports": summ.reports, "findings": summ.findings, "by_grade": summ.by_grade,
                   "by_kind": summ.by_kind, "output": str(out) if out else None}
        sys.stdout.write(('{"reports": [' if first[0] else "\n") + '], "summary": '
                         + json.dumps(summary, ensure_ascii=False) + "}\n")
    else:
        print(f"\n== 年报审查：{summ.reports} 份报告")
        grades = "，".join(f"{g} {n} 份" for g, n in summ.by_grade.items())
        print(f"   评级：{grades}")
        if summ.by_kind:
            print("   问题：" + "，".join(f"{k} {n}" for k, n in summ.by_kind.items()))
        if out is not None:
            print(f"   审查结果：{display_path(out)}（审查汇总、问题明细、统计）")
        if summ.workbooks_dir:
            print(f"   导入的统计表：{display_path(summ.workbooks_dir)}")
        if summ.pages_dir:
            print(f"   下载的网页：{display_path(summ.pages_dir)}（可离线重新审查：gxxl audit {display_path(summ.pages_dir)} -o …）")
    bad = summ.by_grade.get(_worst(args.grades), 0)
    return 1 if bad or summ.by_kind else 0


def _worst(path) -> str:
    from ..audit import load_grades

    return load_grades(path).names[0]


def _json(a) -> dict:
    from ..audit.output import counts_by_kind

    return {
        "index": a.index + 1, "source": a.source, "file": a.file, "unit": a.unit, "level": a.level, "year": a.year,
        "format": a.format_id, "tables": {k: {"found": v[0], "cells": v[1], "state": v[2]} for k, v in a.tables.items()},
        "truncated": a.truncated, "text_checked": a.text_checked, "grade": a.grade, "workbook": a.workbook,
        "defects": counts_by_kind(a.findings), "findings": [f.to_json() for f in a.findings],
    }


class AuditProgress(progress.ProgressBar):
    """Downloads, then pages audited, then writing the workbook."""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == "write":
            self.line("正在写出审查结果……")
        else:
            self.bar("下载网页" if phase == "fetch" else "审查报告", done, total)
