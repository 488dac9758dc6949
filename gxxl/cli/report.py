"""gxxl report FILE [-o OUT] [--to docx|md|sheet] [--previous LAST_YEAR] — report sections.

Writes the six-part outline with 表二、表三、表四 in the official layout and sentences
generated from the data (Word, Markdown, or a 报告章节 sheet in a copy of the workbook).
The output type follows the -o extension (or --to).  A filing with validation errors is
refused unless --ignore-errors; --force overwrites an existing output.  The work is
:func:`gxxl.api.report`; this module parses, calls and prints.

Old spellings kept for one release, each with a one-line notice on stderr:
``--overwrite`` (now --force), ``--format docx|md|sheet`` (now --to; --format is the
table format), ``--force`` in its old sense "generate despite errors" (now
--ignore-errors; for this release --force still does that too, with a notice).
"""

from __future__ import annotations

import sys

HELP = "生成年度报告章节：按官方格式输出表二、表三、表四及据数据生成的文字（Word/Markdown/工作表）"

NOTICE = "gxxl：提示：{old} 是旧写法，请改用 {new}（下一版本将不再支持旧写法）"


def add_arguments(p) -> None:
    from ..report.outputs import OUTPUT_TYPES

    types = "、".join(f"{t}（{what}）" for t, (what, _, _) in OUTPUT_TYPES.items())
    p.add_argument("file", metavar="FILE", help="本年度统计表工作簿（.xlsx）")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="输出文件，类型按扩展名判断（默认：与输入同目录的“<文件名>.报告.docx”）")
    p.add_argument("--to", choices=tuple(OUTPUT_TYPES), metavar="类型",
                   help=f"输出类型：{types}；不指定时按 -o 的扩展名判断")
    p.add_argument("--format", metavar="格式",
                   help="统计表格式（如 gov2021）：指定时核对工作簿是否为该格式；默认按工作簿判断")
    p.add_argument("--previous", metavar="LAST_YEAR", help="上一年度的工作簿：生成同比变化，并核对“上年结转”（T3-5）")
    p.add_argument("--subject", default="本机关", help="句子的主语（默认：本机关），如“区政府办公室”")
    p.add_argument("--ignore-errors", action="store_true", help="统计表有错误时仍然生成（稿件开头会注明）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("--overwrite", action="store_true", help="（旧写法，同 --force）")
    p.add_argument("--in-place", action="store_true",
                   help="把“报告章节”工作表直接写入原工作簿，而不是另存副本")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")


def _flags(args) -> tuple[str | None, str | None, bool]:
    """(output type, table format, old --force) after translating the old spellings."""
    from ..report.outputs import OUTPUT_TYPES
    from ..spec import all_specs

    to, table_format = args.to, None
    old_force = bool(args.force and not args.ignore_errors)
    if args.overwrite:
        print(NOTICE.format(old="--overwrite", new="--force"), file=sys.stderr)
        args.force = True
    if args.format:
        if args.format in OUTPUT_TYPES and args.format not in all_specs():
            print(NOTICE.format(old=f"--format {args.format}", new=f"--to {args.format}"
                                + "（--format 现在表示统计表格式）"), file=sys.stderr)
            if to is not None and to != args.format:
                from ..errors import UserError

                raise UserError(f"--to {to} 与 --format {args.format} 矛盾，请只用 --to")
            to = args.format
        else:
            table_format = args.format
    return to, table_format, old_force


def run(args) -> int:
    from .. import api
    from ..errors import UserError
    from .output import display_path, findings_table, print_json

    to, table_format, old_force = _flags(args)
    if args.in_place and to is None and args.output is None:
        to = "sheet"
    if table_format is not None:
        from ..spec import all_specs

        if table_format not in all_specs():
            raise UserError(f"未知格式「{table_format}」，可选：{'、'.join(all_specs())}")
    kw = dict(to=to, previous=args.previous, subject=args.subject, force=args.force, in_place=args.in_place,
              table_format=table_format)
    try:
        result = api.report(args.file, args.output, ignore_errors=args.ignore_errors, **kw)
    except api.ReportRefused as e:
        if not old_force:
            if not args.json:
                f = e.filing
                print(f"== {display_path(args.file)}  （{f.unit_name or '未填单位名称'}，{f.year or '？'}年度）")
                print(findings_table(e.errors))
            raise UserError(str(e)) from None
        print(NOTICE.format(old="--force（有错误仍然生成）", new="--ignore-errors"), file=sys.stderr)
        result = api.report(args.file, args.output, ignore_errors=True, **kw)

    if args.json:
        print_json(result.to_json())
        return result.exit_code
    from ..report.outputs import OUTPUT_TYPES

    filing = result.filing
    where = "原工作簿" if args.in_place else display_path(result.output)
    print(f"已生成报告章节（{OUTPUT_TYPES[result.to][0]}）：{where}")
    print(f"  {filing.unit_name or '（未填单位名称）'}，{filing.year or '？'}年度；"
          f"据数据生成 {len(result.report.sentences())} 段文字")
    print(f"  需要填写的地方 {result.fills} 处〔请填写：…〕，需要核实的默认表述 {result.confirms} 处〔请核实：…〕")
    if result.previous is not None:
        print(f"  同比数据取自：{display_path(args.previous)}（{result.previous.year or '？'}年度）")
    elif args.previous:
        print("  上一年度文件的报告年度不是上一年，未生成同比数据")
    if result.shown:
        errs = sum(f.severity == "error" for f in result.shown)
        head = "统计表错误和警告" if errs else "警告"
        print(f"\n请注意以下{head}（应在报告中说明或更正统计表）：")
        print(findings_table(result.shown))
    return result.exit_code
