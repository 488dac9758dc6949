"""Cells an imported workbook never had: the source stopped early, or a row was unreadable.

``gxxl import`` records in the hidden ``_gxxl`` sheet which cells were not in the source
(``cells_absent``) and which could not be given to a column (``cells_unreadable``).  A sum
over such a cell says nothing about the report, so :func:`apply_gaps` replaces every rule
finding that involves one by a single 「来源不完整」 finding (rule F-5); a workbook with no
number at all is never 「通过」 (rule F-6).  Both apply to any filing, imported or not.
"""

from __future__ import annotations

from ..findings import Finding

META_ABSENT = "cells_absent"
META_UNREADABLE = "cells_unreadable"


def gap_meta(states: dict[str, str]) -> dict[str, str]:
    """The ``_gxxl`` entries for an import's cell states."""
    out = {}
    for key, state in ((META_ABSENT, "absent"), (META_UNREADABLE, "unreadable")):
        codes = [c for c, s in states.items() if s == state]
        if codes:
            out[key] = ",".join(codes)
    return out


def source_gaps(filing) -> tuple[set[str], set[str]]:
    meta = filing.meta or {}
    absent = {c for c in str(meta.get(META_ABSENT, "")).split(",") if c}
    unreadable = {c for c in str(meta.get(META_UNREADABLE, "")).split(",") if c}
    return absent, unreadable


def apply_gaps(filing, spec, findings: list[Finding]) -> list[Finding]:
    absent, unreadable = source_gaps(filing)
    gaps = (absent | unreadable) & set(spec.cells)
    rule_ids = {r.id for r in spec.rules} | {"X-1"}
    out = findings
    if gaps:
        dropped = [f for f in findings if f.rule in rule_ids and set(f.cells) & gaps]
        out = [f for f in findings if not (f.rule in rule_ids and set(f.cells) & gaps)]
        tables = [t.number for t in spec.tables if any(cs.code in gaps for cs in t.cells)]
        parts = []
        if absent:
            parts.append(f"{len(absent & gaps)}个单元格不在来源中（来源不完整或被截断）")
        if unreadable:
            parts.append(f"{len(unreadable & gaps)}个单元格在来源中无法识别")
        msg = (f"来源不完整：本工作簿由 gxxl import 导入，{'，'.join(parts)}（{'、'.join(tables)}）；"
               f"涉及这些单元格的{len(dropped)}条校验结果（勾稽关系、空白单元格）不逐条列出。请对照完整的原文补齐后再校验")
        cells = tuple(c for c in spec.cells if c in gaps)
        from ..layout import cell_positions, sheet_ref

        pos = cell_positions(spec).get(cells[0])
        out = out + [Finding(rule="F-5", severity="warning", message=msg, cells=cells[:1],
                             locations=(sheet_ref(*pos),) if pos else (), reported=len(gaps))]
    if filing.values and all(v is None for v in filing.values.values()):
        out = out + [Finding(rule="F-6", severity="error", cells=(),
                             message="工作簿中没有任何数字（所有单元格都是空白），不能视为通过；请填写数字（没有发生的填0）")]
    return out
