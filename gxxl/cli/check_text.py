"""gxxl check-text DRAFT --against FILE — numbers in a drafted report that contradict the tables."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import UserError
from .output import display_path, findings_table, summary_line

HELP = "核对报告文字：找出草稿（.docx/.txt/.html）中与统计表不一致的数字和百分比"


def add_arguments(p) -> None:
    p.add_argument("draft", metavar="DRAFT", help="报告草稿或已发布的报告（.docx、.txt、.md、.html）")
    p.add_argument("--against", required=True, metavar="FILE", help="对照的统计表工作簿（.xlsx）")
    p.add_argument("--all", action="store_true", help="列出核对过的每一处数字表述（✓ 一致 / ✗ 不一致）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")


def run(args) -> int:
    from ..reader import read_filing
    from ..report.checktext import check_text
    from ..report.draft import DraftError, read_draft
    from ..report.vocab import UnsupportedFormat
    from ..validate import validate

    book = Path(args.against)
    if not book.exists():
        raise UserError(f"{args.against}：文件不存在")
    from .. import gate

    gate.check_file(args.draft, role="报告草稿")  # a regular file within the size limit: a FIFO is never opened
    gate.check_file(book)
    try:
        paragraphs = read_draft(args.draft)
    except DraftError as e:
        raise UserError(str(e))
    filing = read_filing(book)
    if not filing.readable:
        raise UserError(filing.findings[0].message if filing.findings else f"{book.name}：无法读取")
    try:
        checked, findings = check_text(paragraphs, filing)
    except UnsupportedFormat as e:
        raise UserError(e.explain("核对报告文字"))
    findings = [f.model_copy(update={"file": str(args.draft)}) for f in findings]
    table_errors = [f for f in validate(filing) if f.severity == "error"]

    if args.json:
        json.dump({
            "draft": str(args.draft), "against": str(book), "unit": filing.unit_name, "year": filing.year,
            "claims": len(checked), "contradictions": len(findings),
            "table_errors": len(table_errors),
            "checked": [
                {"ok": c.ok, "paragraph": c.claim.paragraph, "text": c.claim.surface, "kind": c.claim.kind,
                 "claimed": c.claim.printed or (None if c.claim.value is None else str(c.claim.value)),
                 "table": c.table, "cells": list(c.cells)}
                for c in checked
            ],
            "findings": [f.to_json() for f in findings],
        }, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 1 if findings else 0

    who = f"{filing.unit_name or '未填单位名称'}，{filing.year or '？'}年度"
    print(f"\n== {display_path(args.draft)}  对照 {display_path(book)}（{who}）")
    print(f"   核对了 {len(checked)} 处数字表述，{len(findings)} 处与统计表不一致")
    if table_errors:
        print(f"   注意：统计表本身有 {len(table_errors)} 处校验错误（请先运行 gxxl validate），以下对照结果可能受影响")
    print(f"   {summary_line(findings)}")
    print(findings_table(findings))
    if args.all:
        print("\n  核对明细：")
        for c in sorted(checked, key=lambda c: c.claim.paragraph):
            mark = "✓" if c.ok else "✗"
            shown = "" if c.table is None else f"（统计表：{_fmt(c.table)}）"
            times = f" ×{c.claim.occurrences}" if c.claim.occurrences > 1 else ""
            print(f"  {mark} 第{c.claim.paragraph}段  {c.claim.surface}{times}{shown}")
    return 1 if findings else 0


def _fmt(v) -> str:
    from ..findings import fmt_num

    if isinstance(v, float):
        return f"{v:.1f}" if v != int(v) else fmt_num(v)
    return fmt_num(v)
