"""gxxl check-text DRAFT --against FILE — numbers in a drafted report that contradict the tables."""

from __future__ import annotations

import sys

HELP = "核对报告文字：找出草稿（.docx/.txt/.html）中与统计表不一致的数字和百分比"


def add_arguments(p) -> None:
    p.add_argument("draft", metavar="DRAFT", help="报告草稿或已发布的报告（.docx、.txt、.md、.html）")
    p.add_argument("--against", required=True, metavar="FILE", help="对照的统计表工作簿（.xlsx）")
    p.add_argument("--all", action="store_true", help="列出核对过的每一处数字表述（✓ 一致 / ✗ 不一致）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")


def run(args) -> int:
    from .. import api
    from .output import display_path, findings_table, summary_line

    result = api.check_text(args.draft, args.against)
    if args.json:
        import json

        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=1)
        print()
        return result.exit_code

    filing, checked, findings = result.filing, result.checked, result.findings
    who = f"{filing.unit_name or '未填单位名称'}，{filing.year or '？'}年度"
    print(f"\n== {display_path(args.draft)}  对照 {display_path(args.against)}（{who}）")
    print(f"   核对了 {len(checked)} 处数字表述，{len(findings)} 处与统计表不一致")
    if result.table_errors:
        print(f"   注意：统计表本身有 {len(result.table_errors)} 处校验错误（请先运行 gxxl validate），以下对照结果可能受影响")
    print(f"   {summary_line(findings)}")
    print(findings_table(findings))
    if args.all:
        print("\n  核对明细：")
        for c in sorted(checked, key=lambda c: c.claim.paragraph):
            mark = "✓" if c.ok else "✗"
            shown = "" if c.table is None else f"（统计表：{_fmt(c.table)}）"
            times = f" ×{c.claim.occurrences}" if c.claim.occurrences > 1 else ""
            print(f"  {mark} 第{c.claim.paragraph}段  {c.claim.surface}{times}{shown}")
    return result.exit_code


def _fmt(v) -> str:
    from ..findings import fmt_num

    if isinstance(v, float):
        return f"{v:.1f}" if v != int(v) else fmt_num(v)
    return fmt_num(v)
