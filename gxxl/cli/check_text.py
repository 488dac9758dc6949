"""gxxl check-text DRAFT [--against FILE] — numbers in a report that contradict the tables or themselves."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import UserError
from .output import display_path, findings_table, summary_line

HELP = "核对报告文字：找出草稿或已发布报告中与统计表不一致的数字和百分比，以及文字本身对不上的合计、百分比"


def add_arguments(p) -> None:
    p.add_argument("draft", metavar="DRAFT", help="报告草稿或已发布的报告（.docx、.txt、.md、.html）")
    p.add_argument("--against", metavar="FILE",
                   help="对照的统计表工作簿（.xlsx）；不指定时只核对文字本身（合计与分项、百分比、办结数）")
    p.add_argument("--all", action="store_true", help="列出核对过的每一处数字表述（✓ 一致 / ✗ 不一致 / ？ 无法核对）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")


def run(args) -> int:
    from ..report.arith import check_arithmetic
    from ..report.draft import DraftError, read_draft

    from ..report.claims import prepare

    try:
        paragraphs = prepare(read_draft(args.draft))
    except DraftError as e:
        raise UserError(str(e))
    if not args.against:
        n_arith, arith = check_arithmetic(paragraphs, str(args.draft))
        return _text_only(args, n_arith, arith)
    from ..reader import read_filing
    from ..report.checktext import check_text
    from ..report.vocab import UnsupportedFormat
    from ..validate import validate

    book = Path(args.against)
    if not book.exists():
        raise UserError(f"{args.against}：文件不存在")
    filing = read_filing(book)
    if not filing.readable:
        raise UserError(filing.findings[0].message if filing.findings else f"{book.name}：无法读取")
    try:
        checked, findings = check_text(paragraphs, filing)
    except UnsupportedFormat as e:
        raise UserError(e.explain("对照统计表核对报告文字"))
    n_arith, arith = check_arithmetic(paragraphs, str(args.draft), claims=[c.claim for c in checked])
    findings = [f.model_copy(update={"file": str(args.draft)}) for f in findings] + arith
    table_errors = [f for f in validate(filing) if f.severity == "error"]
    unknown = [c for c in checked if c.ok is None]
    compared = [c for c in checked if c.ok is not None]

    if args.json:
        json.dump({
            "draft": str(args.draft), "against": str(book), "unit": filing.unit_name, "year": filing.year,
            "claims": len(checked), "cannot_check": len(unknown), "arithmetic_checked": n_arith,
            "contradictions": len(findings), "table_errors": len(table_errors),
            "checked": [
                {"ok": c.ok, "paragraph": c.claim.paragraph, "text": c.claim.surface, "kind": c.claim.kind,
                 "claimed": c.claim.printed or (None if c.claim.value is None else str(c.claim.value)),
                 "table": c.table, "cells": list(c.cells), "note": c.note}
                for c in checked
            ],
            "findings": [f.to_json() for f in findings],
        }, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 1 if findings else 0

    who = f"{filing.unit_name or '未填单位名称'}，{filing.year or '？'}年度"
    print(f"\n== {display_path(args.draft)}  对照 {display_path(book)}（{who}）")
    print(f"   核对了 {len(compared)} 处数字表述，{len(findings) - len(arith)} 处与统计表不一致"
          + (f"；{len(unknown)} 处无法核对（统计表中相应单元格空白或不在来源中，加 --all 查看）" if unknown else ""))
    print(f"   文字本身：核对了 {n_arith} 处合计、百分比和办结数，{len(arith)} 处对不上")
    if table_errors:
        print(f"   注意：统计表本身有 {len(table_errors)} 处校验错误（请先运行 gxxl validate），以下对照结果可能受影响")
    print(f"   {summary_line(findings)}")
    print(findings_table(findings))
    if args.all:
        print("\n  核对明细：")
        for c in sorted(checked, key=lambda c: c.claim.paragraph):
            mark = {True: "✓", False: "✗", None: "？"}[c.ok]
            shown = "" if c.table is None else f"（统计表：{_fmt(c.table)}{'，' + c.note if c.note else ''}）"
            if c.ok is None:
                shown = f"（{c.note}）"
            times = f" ×{c.claim.occurrences}" if c.claim.occurrences > 1 else ""
            print(f"  {mark} 第{c.claim.paragraph}段  {c.claim.surface}{times}{shown}")
    return 1 if findings else 0


def _text_only(args, n_arith: int, findings) -> int:
    if args.json:
        json.dump({"draft": str(args.draft), "against": None, "arithmetic_checked": n_arith,
                   "contradictions": len(findings), "findings": [f.to_json() for f in findings]},
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 1 if findings else 0
    print(f"\n== {display_path(args.draft)}（未指定 --against：只核对文字本身）")
    print(f"   核对了 {n_arith} 处合计与分项、百分比和办结数，{len(findings)} 处对不上")
    print(f"   {summary_line(findings)}")
    print(findings_table(findings))
    return 1 if findings else 0


def _fmt(v) -> str:
    from ..findings import fmt_num

    if isinstance(v, float):
        return f"{v:.1f}" if v != int(v) else fmt_num(v)
    return fmt_num(v)
