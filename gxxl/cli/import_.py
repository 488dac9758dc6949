"""gxxl import SOURCE -o FILE.xlsx — published report / web page / Word / other workbook → gxxl workbook."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import UserError
from .output import display_path, findings_table, summary_line

HELP = "导入：把已发布的年报（文本、网页、Word）或其他样式的工作簿中的统计表，按栏目名称识别后转成本系统的工作簿"


def add_arguments(p) -> None:
    p.add_argument("source", metavar="SOURCE",
                   help="来源文件：.txt（含“|”分隔的表格）、.html/.htm、.docx、.xlsx/.xls/.ods 等")
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
    from ..fileio import OutputExistsError
    from ..importer import SourceError, import_source, write_import
    from ..spec import all_specs

    src = Path(args.source)
    out = Path(args.output)
    specs = all_specs()
    if args.format and args.format not in specs:
        raise UserError(f"未知格式「{args.format}」，可选：{'、'.join(specs)}")
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"{args.output}：输出文件应为 .xlsx 工作簿")
    if src.exists() and out.exists() and out.resolve() == src.resolve():
        raise UserError(f"{args.output}：输出文件不能覆盖来源文件")
    if out.exists() and not args.force:
        raise UserError(f"{args.output}：文件已存在，如需覆盖请加 --force")
    year = None
    if args.year is not None:
        try:
            year = int(str(args.year).strip().rstrip("年度").rstrip("年"))
        except ValueError:
            raise UserError(f"--year「{args.year}」不是年份，应为四位数字，如 2024")
        if not 2008 <= year <= 2100:
            raise UserError(f"--year「{args.year}」不是合理的报告年度")
    spec_for_level = specs[args.format] if args.format else next(iter(specs.values()))
    if args.level and args.level not in spec_for_level.levels:
        raise UserError(f"--level「{args.level}」不在规定的行政层级中，可选：{'、'.join(spec_for_level.levels)}")
    try:
        result = import_source(src, spec_id=args.format, unit=args.unit, level=args.level, year=year)
    except SourceError as e:
        raise UserError(f"{args.source}：{e}")
    found_any = any(n for n, _ in result.coverage.values())
    if not found_any and args.json:
        json.dump(_json(result, src, None, None), sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 2
    if not found_any:
        print(f"\n== {display_path(src)}")
        print(findings_table(result.findings, show_info=not args.no_info))
        print(f"\n   来源中没有找到任何统计表（{'、'.join(t.number for t in result.spec.tables)}），未生成 {display_path(out)}")
        return 2  # unusable input, like an unreadable file for gxxl validate
    try:
        write_import(result, out, force=True)
    except OutputExistsError:  # pragma: no cover - checked above
        raise UserError(f"{args.output}：文件已存在，如需覆盖请加 --force")
    except PermissionError:
        raise UserError(f"{args.output}：无法写入（文件可能正在 Excel/WPS 中打开）")

    from ..validate import validate

    checked = validate(result.filing)
    if args.json:
        json.dump(_json(result, src, out, checked), sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        spec = result.spec
        cover = result.filing.cover
        print(f"\n== {display_path(src)} → {display_path(out)}")
        print(f"   格式：{spec.name}（{spec.basis}）")
        print(f"   封面：{cover.get('unit_name') or '（单位名称未识别）'}，{cover.get('year') or '？'}年度，{cover.get('level') or '（行政层级未识别）'}")
        parts = []
        for t in spec.tables:
            n, total = result.coverage.get(t.code, (0, len(t.cells)))
            counts = _state_counts(result, t)
            detail = "，".join(f"{_STATE_ZH[s]}{counts[s]}" for s in _STATE_ZH if counts.get(s))
            parts.append(f"{t.number} {n}/{total}" + (f"（{detail}）" if detail else ""))
        print(f"   找到的单元格：{'；'.join(parts)}")
        print(f"   导入说明：{summary_line(result.findings)}（已写入输出工作簿的“导入说明”表）")
        print(findings_table(result.findings, show_info=not args.no_info))
        n_err = sum(f.severity == "error" for f in checked)
        n_warn = sum(f.severity == "warning" for f in checked)
        verdict = "通过" if not n_err and not n_warn else f"{n_err}处错误，{n_warn}处警告"
        print(f"\n   导入后校验：{verdict}（详见 gxxl validate {display_path(out)}）")
    return 0 if result.ok else 1


_STATE_ZH = {"number": "数字", "blank": "原文空白", "text": "文字", "unreadable": "无法识别", "absent": "不在来源中"}


def _state_counts(result, table) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cs in table.cells:
        s = result.states.get(cs.code, "absent")
        counts[s] = counts.get(s, 0) + 1
    return counts


def _json(result, src, out, checked) -> dict:
    """The --json document: the same keys whether or not a table was found."""
    return {
        "source": str(src), "output": None if out is None else str(out), "format": result.spec.id,
        "cover": result.filing.cover, "coverage": {k: list(v) for k, v in result.coverage.items()},
        "cells": {t.code: _state_counts(result, t) for t in result.spec.tables},
        "ok": result.ok and out is not None, "findings": [f.to_json() for f in result.findings],
        "validation": None if checked is None else {s: sum(f.severity == s for f in checked) for s in ("error", "warning", "info")},
    }
