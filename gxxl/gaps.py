"""Cells an imported workbook never had: the source stopped early, or a row was unreadable.

``gxxl import`` records in the hidden ``_gxxl`` sheet which cells were not in the source
(``cells_absent``) and which could not be given to a column (``cells_unreadable``).  A sum
over such a cell says nothing about the report, so :func:`apply_gaps` replaces every rule
finding that involves one by a single 「来源不完整」 finding (rule F-7); a workbook with no
number at all is never 「通过」 (rule F-6).  Both apply to any filing, imported or not; both
are declared (ID, severity, message) in ``gxxl/spec/common.py``.
"""

from __future__ import annotations

from .findings import Finding

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
    gaps = {c for c in absent | unreadable if c in spec.cells}
    out = findings
    if gaps:
        rule_ids = {r.id for r in spec.rules} | {r.id for r in spec.summary_rules}
        dropped = [f for f in findings if f.rule in rule_ids and set(f.cells) & gaps]
        out = [f for f in findings if not (f.rule in rule_ids and set(f.cells) & gaps)]
        tables = [t.number for t in spec.tables if any(cs.code in gaps for cs in t.cells)]
        parts = []
        if absent:
            parts.append(f"{len(absent & gaps)}个单元格不在来源中（来源不完整或被截断）")
        if unreadable:
            parts.append(f"{len(unreadable & gaps)}个单元格在来源中无法识别")
        cells = tuple(c for c in spec.cells if c in gaps)
        from .layout import cell_positions, sheet_ref
        from .validate import notice

        pos = cell_positions(spec).get(cells[0])
        out = out + [notice(spec, "F-7", cells=cells[:1], locations=(sheet_ref(*pos),) if pos else (),
                            reported=len(gaps), parts="，".join(parts), tables="、".join(tables), count=len(dropped))]
    if filing.values and all(v is None for v in filing.values.values()):
        from .validate import notice

        out = out + [notice(spec, "F-6")]
    return out
