"""gxxl rollup INPUT... -o OUT.xlsx — sum sub-unit workbooks into the same template."""

from __future__ import annotations

import argparse
import sys

from ..errors import UserError
from . import progress

HELP = "汇总：把各单位的统计表按栏目逐项相加，生成同一模板的汇总表（附报送情况、缺报单位、明细、校验结果）"

EPILOG = """\
说明：
  INPUT 可以是工作簿（.xlsx/.xlsm/.xls）、文件夹（递归查找，如 gxxl collect 收取的文件夹）或邮件文件（.eml/.msg，自动取出 Excel 附件）。
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
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="报送的工作簿、文件夹或 .eml/.msg 邮件（可以有多个）")
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
    p.add_argument("--json", action="store_true", help="以 JSON 输出汇总结果（供程序使用）")


class _ChineseHelp(argparse.RawDescriptionHelpFormatter):
    """argparse's help with a Chinese 「用法：」; the epilog is kept as written."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：")


def run(args) -> int:
    from .. import api
    from ..constants import YEAR_MAX, YEAR_MIN

    if not args.output:
        raise UserError("请用 -o 指定输出的汇总表，如 -o 示例县2024年汇总.xlsx")
    year = progress.number(args.year, "--year", lo=YEAR_MIN, hi=YEAR_MAX, integer=True) if args.year else None
    jobs = progress.number(args.jobs, "--jobs", lo=1, hi=256, integer=True) if args.jobs else None
    bar = ProgressBar(sys.stderr)
    try:
        result = api.rollup(args.inputs, output=args.output, unit=args.unit or "", level=args.level, year=year,
                            roster=args.roster, include_invalid=args.include_invalid, force=args.force, jobs=jobs,
                            progress=bar, feedback=args.feedback)
    finally:
        bar.clear()
    for note in result.collected.notes:
        print(f"gxxl：{note}", file=sys.stderr)
    if args.json:
        from .output import print_json

        print_json(to_json(result))
    else:
        print(summary(result))
    return exit_code(result)


def to_json(result) -> dict:
    """The roll-up's outcome for programs: the aggregate's cover, the ledger, its validation."""
    from ..findings import counts

    d = result.decision
    return {
        "output": str(result.output), "unit": result.aggregate.unit_name, "year": d.year, "level": result.level,
        "files": result.files,
        "statuses": {e.status: d.count(e.status) for e in d.entries},
        "ledger": [{"no": e.no, "file": e.source.display, "status": e.status, "unit": e.scan.unit_name,
                    "reasons": list(e.reasons)} for e in d.entries],
        "missing": [u.name for u, _what, _rel in d.missing] if result.roster is not None else None,
        "counts": counts(result.findings),
        "findings": [f.to_json() for f in result.findings],
    }


def exit_code(result) -> int:
    from ..rollup import INCLUDED

    d = result.decision
    clean = (all(e.status == INCLUDED for e in d.entries) and not d.missing
             and not any(f.severity == "error" for f in result.findings))
    return 0 if clean else 1


class ProgressBar(progress.ProgressBar):
    """Reading and checking the files, then writing the roll-up."""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == "scan":
            self.bar("读取并校验", done, total, eta=True)
        else:
            self.line("正在写出汇总表……")


def summary(result) -> str:
    """The one-screen summary printed at the end (:func:`gxxl.rollup.summary.summary`)."""
    from ..rollup.summary import summary as _summary
    from .output import display_path

    return _summary(result, show_path=display_path)
