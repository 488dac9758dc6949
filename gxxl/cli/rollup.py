"""gxxl rollup INPUT... -o OUT.xlsx — sum sub-unit workbooks into the same template."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import UserError

HELP = "汇总：把各单位的统计表按栏目逐项相加，生成同一模板的汇总表（附报送情况、缺报单位、明细、校验结果）"

EPILOG = """\
说明：
  INPUT 可以是工作簿（.xlsx/.xlsm/.xls）、文件夹（递归查找）或邮件文件（.eml，自动取出 Excel 附件）。
  默认只汇总无错误的文件；同一单位报送多份的只计填报日期最新的一份；已含在下级汇总表中的单位不重复计入；
  报告年度不符、格式不符、无法读取的文件不计入。每个文件的处理结果见输出文件的“汇总情况”表。
  输出的汇总表与下级报表是同一模板，可以直接校验（gxxl validate），也可以再交给上一级汇总。
  退出码：0 全部文件计入且无缺报、汇总表无错误；1 已生成汇总表，但有文件未计入、有缺报单位或汇总表有错误；2 用法错误。

示例：
  gxxl rollup 收件箱/ --roster 应报单位名单.csv --unit 示例县人民政府 -o 示例县2024年汇总.xlsx
  gxxl rollup 各县汇总/*.xlsx --unit 示例市人民政府 --level 市级政府 --year 2024 -o 示例市汇总.xlsx
"""


def add_arguments(p) -> None:
    p.formatter_class = _ChineseHelp
    p.epilog = EPILOG
    p._positionals.title = "位置参数"
    p._optionals.title = "选项"
    for action in p._actions:
        if "-h" in action.option_strings:
            action.help = "显示本帮助并退出"
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="报送的工作簿、文件夹或 .eml 邮件（可以有多个）")
    p.add_argument("-o", "--output", metavar="OUT.xlsx", help="输出的汇总表（.xlsx，必填）")
    p.add_argument("--unit", metavar="单位名称", help="汇总单位名称，写入汇总表封面（必填），如：示例县人民政府")
    p.add_argument("--level", metavar="行政层级",
                   help="汇总单位的行政层级（默认按下级单位推断：县级部门和乡镇（街道）→县级政府，市级部门和县级政府→市级政府，……）")
    p.add_argument("--year", metavar="年度", help="报告年度（默认取多数文件封面上的年度）")
    p.add_argument("--roster", metavar="名单文件",
                   help="应报单位名单（.csv 或 .xlsx，列：单位名称、统一社会信用代码（可选）、行政层级（可选）），用于列出缺报单位和名单外单位")
    p.add_argument("--include-invalid", action="store_true",
                   help="有错误的文件也计入汇总（默认不计入，在“汇总情况”中列为“有错误未汇总”）")
    p.add_argument("--feedback", metavar="文件夹",
                   help="生成退回材料：为有错误、年度或格式不符、无法读取、名单外的单位（以及有警告需说明的单位）"
                        "写出校验标注副本和回复邮件（.eml），用 gxxl send 发送；每轮汇总用同一个文件夹，可显示各单位的报送经过")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("-j", "--jobs", metavar="N", help="并行进程数（默认：CPU 核数）")


class _ChineseHelp(argparse.RawDescriptionHelpFormatter):
    """argparse's help with a Chinese 「用法：」; the epilog is kept as written."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：")


def run(args) -> int:
    from ..rollup import Options, RollupError
    from ..rollup import run as rollup

    if not args.output:
        raise UserError("请用 -o 指定输出的汇总表，如 -o 示例县2024年汇总.xlsx")
    year = _int(args.year, "--year", lo=2008, hi=2100) if args.year else None
    jobs = _int(args.jobs, "--jobs", lo=1, hi=256) if args.jobs else None
    roster = Path(args.roster) if args.roster else None
    opts = Options(
        inputs=list(args.inputs), output=Path(args.output), unit=(args.unit or "").strip(), level=args.level,
        year=year, roster=roster, include_invalid=args.include_invalid, force=args.force, jobs=jobs,
        feedback=Path(args.feedback) if args.feedback else None,
    )
    bar = ProgressBar(sys.stderr)
    try:
        result = rollup(opts, progress=bar)
    except RollupError as e:
        bar.clear()
        raise UserError(str(e)) from None
    finally:
        bar.clear()
    for note in result.collected.notes:
        print(f"gxxl：{note}", file=sys.stderr)
    print(summary(result))
    return exit_code(result)


def _int(text: str, name: str, *, lo: int, hi: int) -> int:
    try:
        v = int(str(text).strip())
    except ValueError:
        raise UserError(f"{name} 应为整数：「{text}」") from None
    if not lo <= v <= hi:
        raise UserError(f"{name} 应在 {lo} 到 {hi} 之间：「{text}」")
    return v


def exit_code(result) -> int:
    from ..rollup import INCLUDED

    d = result.decision
    clean = (all(e.status == INCLUDED for e in d.entries) and not d.missing
             and not any(f.severity == "error" for f in result.findings))
    return 0 if clean else 1


class ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        try:
            self.enabled = stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if phase == "scan":
            if done not in (0, total) and now - self.last < 0.1:
                return
            self.last = now
            elapsed = now - self.start
            frac = done / total if total else 1.0
            filled = int(self.WIDTH * frac)
            eta = f"，预计还需 {elapsed / frac - elapsed:.0f} 秒" if 0 < frac < 1 and elapsed > 1 else ""
            line = f"读取并校验 [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}（{frac:.0%}），已用 {elapsed:.1f} 秒{eta}"
        else:
            line = "正在写出汇总表……"
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def summary(result) -> str:
    """The one-screen summary printed at the end."""
    from ..findings import counts
    from ..rollup import INCLUDED, STATUSES
    from .output import display_path

    d = result.decision
    lines = []
    how = "（按下级单位推断，可用 --level 指定）" if result.level_inferred else ""
    year_how = "（取多数文件的年度，可用 --year 指定）" if result.year_inferred else ""
    lines.append(f"汇总完成：{result.aggregate.unit_name}，{d.year}年度{year_how}，行政层级：{result.level}{how}")
    parts = [f"{s} {d.count(s)}" for s in STATUSES if d.count(s)]
    lines.append(f"  收到文件 {result.files} 个：" + "，".join(parts))
    n_agg = sum(1 for e in d.included if e.is_aggregate)
    if n_agg:
        lines.append(f"  计入的下级汇总表 {n_agg} 个，合计包含 {len(d.members)} 个单位（含下级汇总表本身）")
    excluded = [e for e in d.entries if e.status != INCLUDED]
    if excluded:
        lines.append("  未计入汇总的文件：")
        for e in excluded[:8]:
            reason = e.reasons[0] if e.reasons else ""
            lines.append(f"    {e.status}  {_short(e.source.display, 40)}  {_short(reason, 60)}")
        if len(excluded) > 8:
            lines.append(f"    ……共 {len(excluded)} 个，详见输出文件的“汇总情况”表")
    if result.roster is not None:
        if d.missing:
            from ..rollup.rounds import RETURNED_NOT_RESUBMITTED

            absent = [u.name for u, _what, rel in d.missing if not rel]
            returned = sum(1 for _u, what, _rel in d.missing if what.startswith(RETURNED_NOT_RESUBMITTED))
            names = "、".join(absent[:6]) + ("等" if len(absent) > 6 else "")
            lines.append(f"  缺报单位 {len(d.missing)} 个（名单共 {len(result.roster)} 个）：未报送 {len(absent)} 个"
                         + (f"（{names}）" if absent else "")
                         + (f"，{RETURNED_NOT_RESUBMITTED} {returned} 个" if returned else "")
                         + f"，已报送但未计入 {len(d.missing) - len(absent) - returned} 个（详见“缺报单位”表）")
        else:
            lines.append(f"  缺报单位 0 个（名单共 {len(result.roster)} 个，都已计入）")
    n = counts(result.findings)
    if n["error"] or n["warning"]:
        lines.append(f"  汇总表校验：{n['error']} 处错误，{n['warning']} 处警告（详见“校验结果”表）")
    else:
        lines.append("  汇总表校验：通过")
    if result.collected.other_files:
        lines.append(f"  文件夹中另有 {result.collected.other_files} 个非 Excel 文件（如 Word 报告、PDF），未处理")
    fb = getattr(result, "feedback", None)
    if fb is not None:
        kinds = {}
        for r in fb.written:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        made = "，".join(f"{k} {v} 份" for k, v in kinds.items()) or "无需退回"
        lines.append(f"  退回材料：{made}" + (f"（另有 {fb.already} 份此前已生成）" if fb.already else "")
                     + f"，写入 {display_path(fb.folder)}；发送：gxxl send {display_path(fb.folder)} --smtp smtps://用户名@邮件服务器")
        if fb.no_address:
            names = "、".join(fb.no_address[:5]) + ("等" if len(fb.no_address) > 5 else "")
            lines.append(f"  {len(fb.no_address)} 个单位的报表不是通过邮件收到的（{names}），只生成了校验标注副本，请另行通知")
    sheets = "封面、表二、表三、表四、汇总情况" + ("、缺报单位" if result.roster is not None else "") + f"、明细（{result.detail_rows} 行）、校验结果"
    lines.append(f"  已写出：{display_path(result.output)}（{sheets}）")
    total = result.seconds.get("total", 0.0)
    rate = f"，每秒 {result.files / total:.0f} 个文件" if total > 0 else ""
    lines.append(f"  用时 {total:.1f} 秒{rate}")
    return "\n".join(lines)


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
