"""Terminal output shared by the verbs: width-aware tables of findings."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Finding


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, w: int) -> str:
    return s + " " * max(0, w - width(s))


def table(rows: list[list[str]], headers: list[str]) -> str:
    cols = len(headers)
    widths = [max(width(str(r[i])) for r in rows + [headers]) for i in range(cols - 1)]
    lines = ["  ".join(pad(str(h), w) for h, w in zip(headers, widths)) + "  " + headers[-1]]
    for r in rows:
        lines.append("  ".join(pad(str(v), w) for v, w in zip(r, widths)) + "  " + str(r[-1]))
    return "\n".join(lines)


def findings_table(findings: list["Finding"], *, show_info: bool = True) -> str:
    from ..findings import SEVERITY_ZH, fmt_num

    rows = []
    for f in findings:
        if f.severity == "info" and not show_info:
            continue
        loc = f.locations[0] if f.locations else ""
        rows.append([
            SEVERITY_ZH[f.severity], f.rule, loc,
            "" if f.reported is None else fmt_num(f.reported) if not isinstance(f.reported, str) else f.reported,
            "" if f.computed is None else fmt_num(f.computed),
            f.message,
        ])
    if not rows:
        return "  （无）"
    return "\n".join("  " + line for line in table(rows, ["级别", "规则", "位置", "报告值", "计算值", "说明"]).splitlines())


def summary_line(findings: list["Finding"]) -> str:
    from ..findings import counts

    n = counts(findings)
    return f"错误 {n['error']}  警告 {n['warning']}  提示 {n['info']}"


def display_path(p: str | Path) -> str:
    p = Path(p)
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def print_json(obj) -> None:
    """``--json`` output: one JSON document on stdout (Chinese kept readable), then a newline."""
    import json
    import sys

    json.dump(obj, sys.stdout, ensure_ascii=False, indent=1)
    print()
