"""gxxl export FILES... -o data.csv|data.xlsx — the cells of many workbooks as one long table."""

from __future__ import annotations

import sys

HELP = "导出数据：把多个统计表的全部单元格导出为一张长表（.csv 或 .xlsx），供 Excel、WPS 或统计软件分析"

EPILOG = """\
说明：
  每个单位的每个单元格一行，列为：file（文件）、unit_name（单位名称）、level（行政层级）、year（报告年度）、
  format（统计表格式）、table（表）、row（行的官方栏目名称，各级以“ / ”连接）、column（列的官方栏目名称）、
  code（单元格代码）、unit（计量单位）、value（数值）、status（number 数字 / blank 空白 / text 文字 /
  no_result 公式无结果 / invalid 错误值 / absent 来源中没有）、raw（原文，仅文字）。
  CSV 为带 BOM 的 UTF-8，Excel/WPS 可直接打开；以 = + - @ 开头的文字按文字写出，不会被当作公式。
  无法读取的文件不导出，并在屏幕上列出原因。

示例：
  gxxl export 收件箱/ -o 2024年各单位数据.csv
  gxxl export 示例县_*.xlsx -o 数据.xlsx
"""


def add_arguments(p) -> None:
    p.epilog = EPILOG  # the parser's formatter (cli.ChineseHelp) keeps it as written
    p.add_argument("files", nargs="+", metavar="FILE", help="工作簿或文件夹（文件夹会递归查找 .xlsx/.xlsm/.xls）")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="输出文件：.csv（UTF-8，带 BOM）或 .xlsx")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出导出情况（供程序使用）")


def run(args) -> int:
    from pathlib import Path

    from .. import api
    from ..errors import OutputExistsError, UserError
    from ..frame import write_frame
    from .inputs import expand
    from .output import display_path, print_json

    out = Path(args.output)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError(f"{args.output}：输出文件应为 .csv 或 .xlsx")
    if out.exists() and not args.force:
        raise OutputExistsError(out)
    paths, problems = expand(args.files)
    for msg in problems:
        print(f"gxxl：{msg}", file=sys.stderr)
    if not paths:
        from . import _json_error

        return _json_error(args, "；".join(problems), 2)
    from ..fileio import check_output

    check_output(out, inputs=tuple((p, "要导出的工作簿") for p in paths))
    filings = [api.read(p) for p in paths]
    unreadable = [f for f in filings if not f.readable]
    frame = api.read_frame(f for f in filings if f.readable)
    write_frame(frame, out, force=args.force)
    if args.json:
        print_json({"output": str(out), "files": len(paths), "exported": len(filings) - len(unreadable),
                    "rows": len(frame),
                    "unreadable": [{"file": f.source, "reason": f.findings[0].message if f.findings else ""}
                                   for f in unreadable]})
    else:
        print(f"已导出：{display_path(out)}（{len(filings) - len(unreadable)} 个文件，{len(frame)} 行）")
        for f in unreadable:
            reason = f.findings[0].message if f.findings else "无法读取"
            print(f"  未导出：{display_path(f.source or '')}：{reason}")
    return 2 if unreadable else 0
