"""gxxl import SOURCE -o FILE.xlsx — published report / web page / Word / other workbook → gxxl workbook."""

from __future__ import annotations

from ..errors import UserError

HELP = "导入：把已发布的年报（文本、网页、Word、PDF）或其他样式的工作簿中的统计表，按栏目名称识别后转成本系统的工作簿"


def add_arguments(p) -> None:
    p.add_argument("source", metavar="SOURCE",
                   help="来源文件：已发布年报的文字（.txt）、网页（.html/.htm）、Word（.docx）、文字版 PDF，或 .xlsx/.xls/.ods 等工作簿")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="输出的工作簿（本系统模板，已填好数字）")
    p.add_argument("--format", dest="format", metavar="格式",
                   help="统计表格式：gov2021（2021年格式）、gov2019（2019年试行格式）、legacy2014（2014–2018年统计表）；默认按栏目名称自动判断")
    p.add_argument("--unit", metavar="单位名称", help="封面“单位名称”（来源中没有或识别不对时指定）")
    p.add_argument("--level", metavar="行政层级", help="封面“行政层级”，如 县级政府部门")
    p.add_argument("--year", metavar="年度", help="封面“报告年度”，如 2024")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出导入说明（供程序使用）")
    p.add_argument("--no-info", action="store_true", help="不显示“提示”级别的条目")


def run(args) -> int:
    from .. import api
    from ..importer import STATE_ZH
    from .output import display_path, findings_table, print_json, summary_line

    year = None
    if args.year is not None:
        try:
            year = int(str(args.year).strip().rstrip("年度").rstrip("年"))
        except ValueError:
            raise UserError(f"--year「{args.year}」不是年份，应为四位数字，如 2024") from None
    imported = api.import_source(args.source, args.output, format=args.format, unit=args.unit, level=args.level,
                                 year=year, force=args.force)
    result = imported.result
    src, out = args.source, args.output
    if not imported.found_any:
        if args.json:
            print_json(imported.to_json())
            return imported.exit_code
        print(f"\n== {display_path(src)}")
        print(findings_table(result.findings, show_info=not args.no_info))
        print(f"\n   来源中没有找到任何统计表（{'、'.join(t.number for t in result.spec.tables)}），未生成 {display_path(out)}")
        return imported.exit_code
    if args.json:
        print_json(imported.to_json())
        return imported.exit_code
    spec = result.spec
    cover = result.filing.cover
    print(f"\n== {display_path(src)} → {display_path(out)}")
    print(f"   格式：{spec.name}（{spec.basis}）")
    print(f"   封面：{cover.get('unit_name') or '（单位名称未识别）'}，{cover.get('year') or '？'}年度，{cover.get('level') or '（行政层级未识别）'}")
    parts = []
    counts = result.state_counts()
    for t in spec.tables:
        n, total = result.coverage.get(t.code, (0, len(t.cells)))
        detail = "，".join(f"{zh}{counts[t.code][s]}" for s, zh in STATE_ZH.items() if counts[t.code].get(s))
        parts.append(f"{t.number} {n}/{total}" + (f"（{detail}）" if detail else ""))
    print(f"   找到的单元格：{'；'.join(parts)}")
    print(f"   导入说明：{summary_line(result.findings)}（已写入输出工作簿的“导入说明”表）")
    print(findings_table(result.findings, show_info=not args.no_info))
    n = imported.validation.counts
    verdict = "通过" if not n["error"] and not n["warning"] else f"{n['error']}处错误，{n['warning']}处警告"
    print(f"\n   导入后校验：{verdict}（详见 gxxl validate {display_path(out)}）")
    return imported.exit_code
