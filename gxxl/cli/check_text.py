"""gxxl check-text DRAFT [--against FILE] — numbers in a report that contradict the tables or themselves."""

from __future__ import annotations

HELP = "核对报告文字：找出草稿或已发布报告中与统计表不一致的数字和百分比，以及文字本身对不上的合计、百分比"


def add_arguments(p) -> None:
    p.add_argument("draft", metavar="DRAFT", help="报告草稿或已发布的报告（.docx、.txt、.md、.html、文字版 .pdf）")
    p.add_argument("--against", metavar="FILE",
                   help="对照的统计表工作簿（.xlsx）；不指定时只核对文字本身（合计与分项、百分比、办结数）")
    p.add_argument("--all", action="store_true", help="列出核对过的每一处数字表述（✓ 一致 / ✗ 不一致 / ？ 无法核对）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")


def run(args) -> int:
    from .. import api
    from .output import display_path, findings_table, print_json, summary_line

    result = api.check_text(args.draft, args.against)
    if args.json:
        print_json(result.to_json())
        return result.exit_code

    arith = result.arithmetic
    if result.filing is None:
        print(f"\n== {display_path(args.draft)}（未指定 --against：只核对文字本身）")
    else:
        filing, checked = result.filing, result.checked
        who = f"{filing.unit_name or '未填单位名称'}，{filing.year or '？'}年度"
        unknown = sum(1 for c in checked if c.ok is None)
        print(f"\n== {display_path(args.draft)}  对照 {display_path(args.against)}（{who}）")
        print(f"   核对了 {len(checked) - unknown} 处数字表述，{len(result.findings)} 处与统计表不一致"
              + (f"；{unknown} 处无法核对（统计表中相应单元格空白或不在来源中，加 --all 查看）" if unknown else ""))
        if result.table_errors:
            print(f"   注意：统计表本身有 {len(result.table_errors)} 处校验错误（请先运行 gxxl validate），以下对照结果可能受影响")
    print(f"   文字本身：核对了 {result.arithmetic_checked} 处合计与分项、百分比和办结数，{len(arith)} 处对不上")
    print(f"   {summary_line(result.contradictions)}")
    print(findings_table(result.contradictions))
    if args.all and result.checked:
        print("\n  核对明细：")
        for c in sorted(result.checked, key=lambda c: c.claim.paragraph):
            mark = {True: "✓", False: "✗", None: "？"}[c.ok]
            if c.ok is None:
                shown = f"（{c.note}）"
            else:
                shown = "" if c.table is None else f"（统计表：{_fmt(c.table)}{'，' + c.note if c.note else ''}）"
            times = f" ×{c.claim.occurrences}" if c.claim.occurrences > 1 else ""
            print(f"  {mark} 第{c.claim.paragraph}段  {c.claim.surface}{times}{shown}")
    return result.exit_code


def _fmt(v) -> str:
    from ..findings import fmt_num

    if isinstance(v, float):
        return f"{v:.1f}" if v != int(v) else fmt_num(v)
    return fmt_num(v)
