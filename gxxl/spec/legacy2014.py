"""《政府信息公开情况统计表》(国办发〔2014〕32号), the 附表 of 2014–2018 annual reports.

Source: ../shared/reference/annual-report-format.md §3.2 (indicator list, marked [P/U]:
reconstructed, not checked against an original) and §4.5 (identities).  Because the
wording is unconfirmed, every label, unit and identity lives in ONE data file,
``legacy2014_labels.toml`` next to this module; correct it there.

Layout: a single table 统计指标 | 单位 | 统计数, one indicator per row, group headings
(unit "—") without a value.  Cells are ``L.<row>.n``.

Channel counts are not additive (S-10: “不同渠道和方式公开相同信息计1条”), so the data
file deliberately has no Σ channels = total identity.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from . import gov2021 as _g21
from .common import COMMON
from .model import CellSpec, Column, DomainRule, FormatSpec, Layout, LeqRule, Row, Span, SumRule, TableSpec

LABELS_FILE = Path(__file__).with_name("legacy2014_labels.toml")
TABLE = "L"
VALUE_COL = "n"
GROUP_UNIT = "—"
INDENT = "\u3000"  # printed indentation per level (ignored when labels are matched)


def _load() -> dict:
    with open(LABELS_FILE, "rb") as fh:
        return tomllib.load(fh)


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])")
_REMARK = re.compile(r"[（(](?:不同|不包括)[^）)]*[）)]")


def _display(label: str) -> str:
    """「（一）维持具体行政行为数」→「维持具体行政行为数」; 「其中：涉及国家秘密」→「涉及国家秘密」;
    remarks such as 「（不包括……）」 are dropped."""
    t = _NUMBERING.sub("", label.strip())
    t = re.sub(r"^其中[：:]", "", t)
    return _REMARK.sub("", t)


def _rows(data: dict) -> list[tuple[dict, tuple[str, ...], str]]:
    """(row entry, label path, short name) in table order; the short name carries its
    section (「行政复议数量·其他情形数」) when the same name occurs in several sections."""
    out = []
    stack: list[tuple[int, str]] = []  # (level, label) of the open ancestors
    for entry in data["rows"]:
        level = int(entry["level"])
        while stack and stack[-1][0] >= level:
            stack.pop()
        path = tuple(lab for _, lab in stack) + (entry["label"],)
        out.append((entry, path))
        stack.append((level, entry["label"]))
    names = [_display(e["label"]) for e, _ in out]
    return [
        (e, path, f"{_display(path[0])}·{name}" if names.count(name) > 1 and len(path) > 1 else name)
        for (e, path), name in zip(out, names)
    ]


def _table(data: dict) -> TableSpec:
    heads = tuple(data["table"]["headers"])
    spans = [Span(text=h, row=0, col=i) for i, h in enumerate(heads)]
    rows, cells = [], []
    for i, (entry, path, short) in enumerate(_rows(data)):
        r = 1 + i
        code, unit, level = entry["code"], entry["unit"], int(entry["level"])
        rows.append(Row(code=code, path=path, short=short))
        spans.append(Span(text=INDENT * level + entry["label"], row=r, col=0, kind="label"))
        spans.append(Span(text=unit, row=r, col=1, kind="label"))
        if unit != GROUP_UNIT:
            money = unit in ("万元", "元")
            cells.append(
                CellSpec(code=f"{TABLE}.{code}.{VALUE_COL}", table=TABLE, row=code, col=VALUE_COL,
                         unit=unit, kind="decimal" if money else "int", r=r, c=2)
            )
    return TableSpec(
        code=TABLE, number="统计表", title=data["table"]["title"], sheet="统计表",
        rows=tuple(rows), columns=(Column(code=VALUE_COL, label=heads[2], path=(heads[2],)),),
        cells=tuple(cells), locate="grid", unit_note="计量单位见“单位”列",
        layout=Layout(spans=tuple(spans), width=3, height=1 + len(rows), col_widths=(62, 8, 12)),
    )


def _rules(data: dict, table: TableSpec) -> tuple:
    short = {r.code: r.short for r in table.rows}
    label = {r.code: r.label for r in table.rows}
    rules: list = [
        DomainRule(
            id="L-0", title="统计表各数值为不小于0的数（件数、次数、人数为整数）",
            basis="统计数为非负数；空白单元格须填0或说明", tables=(TABLE,),
        )
    ]
    for r in data.get("rules", ()):
        lhs = tuple(f"{TABLE}.{c}.{VALUE_COL}" for c in r["lhs"])
        rhs = tuple(f"{TABLE}.{c}.{VALUE_COL}" for c in r["rhs"])
        lhs_name = "+".join(short[c] for c in r["lhs"])
        rhs_name = "+".join(_display(label[c]) for c in r["rhs"])
        common = dict(
            id=r["id"], title=r["title"], severity=r.get("severity", "warning"), basis=r["basis"],
            loop_table=TABLE, loop="none", lhs=lhs, rhs=rhs, lhs_name=lhs_name, rhs_name=rhs_name,
        )
        if r.get("op", "=") == "<=":
            rules.append(LeqRule(**common, message=f"{{table}}：{lhs_name}={{lhs}}，超过{rhs_name}={{rhs}}"))
        else:
            rules.append(SumRule(**common, message=f"{{table}}：{lhs_name}={{lhs}}，{rhs_name}={{rhs}}，相差{{diff}}"))
    return tuple(rules)


def _spec() -> FormatSpec:
    data = _load()
    table = _table(data)
    return FormatSpec(
        **COMMON,
        id="legacy2014",
        version="1",
        name="政府信息公开情况统计表",
        basis="国办发〔2014〕32号",
        years=(2014, 2018),
        cover_sheet=_g21.SPEC.cover_sheet,
        cover=_g21.COVER,
        tables=(table,),
        rules=_rules(data, table),
        levels=_g21.LEVELS,
    )


SPEC = _spec()
