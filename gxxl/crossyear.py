"""Cross-year checks: this year's filing against last year's (``gxxl validate --previous``).

The rules are data in each format's spec (``FormatSpec.cross_year_rules``, :class:`~gxxl.spec.model.CrossYearRule`).
Terms starting with ``prev:`` are last year's cells *in this year's cell codes*: a filing
in another format is first mapped onto them with the 2019 → 2021 correspondence of
reference §2.2 (:data:`gxxl.spec.gov2019.TO_GOV2021`).  A cell without a counterpart is
never compared — 2019 「对外公开总数量」 (a cumulative published count) is not 2021
「现行有效件数」 (documents in force), and the 2014–2018 统计表 has no 结转 at all (T3-6).

Findings are anchored at this year's cells; last year's cell is named in the message.
"""

from __future__ import annotations

from .filing import NO_NUMBER, Filing
from .findings import Finding
from .spec import FormatSpec
from .validate import Context, cross_year_instances, evaluate, notice

#: why a rule cannot be checked across two formats: (last year's format, this year's) → reason
NOT_COMPARABLE: dict[tuple[str, str], str] = {
    ("gov2019", "gov2021"): "上年为2019年试行格式，其“对外公开总数量”是累计公开数量，与2021年格式的“现行有效件数”口径不同，不能相互推算",
    ("gov2021", "gov2019"): "两年格式不同（2021年格式与2019年试行格式），表二（一）（五）（六）（八）的栏目口径不同",
    ("legacy2014", "gov2019"): "上年为2014–2018年《政府信息公开情况统计表》，其指标与本表没有对应关系",
    ("legacy2014", "gov2021"): "上年为2014–2018年《政府信息公开情况统计表》，其指标与本表没有对应关系",
}


# --------------------------------------------------------------------------------------
# last year's values in this year's codes
# --------------------------------------------------------------------------------------
class _Prev:
    """Last year's cells mapped onto this year's cell codes: value, problem kind, where."""

    def __init__(self, prev: Filing, spec: FormatSpec):
        self.cells: dict[str, tuple[float | int | None, str, str]] = {}
        self.mapped = prev.spec_id != spec.id
        if prev.spec_id == spec.id:
            for code in spec.cells:
                self.cells[code] = self._one(prev, code)
            return
        from .spec.gov2019 import TO_GOV2021

        if (prev.spec_id, spec.id) == ("gov2019", "gov2021"):
            for c19, targets in TO_GOV2021.items():
                if len(targets) == 1:
                    self.cells[targets[0]] = self._one(prev, c19)
        elif (prev.spec_id, spec.id) == ("gov2021", "gov2019"):
            for c19, targets in TO_GOV2021.items():
                parts = [self._one(prev, t) for t in targets]
                value = None if all(p[0] is None for p in parts) else sum(p[0] or 0 for p in parts)
                worst = next((p[1] for p in parts if p[1] in NO_NUMBER), "blank" if value is None else "")
                self.cells[c19] = (value, worst, "、".join(p[2] for p in parts))
        # the 2014–2018 统计表 has no counterpart for any cell of the later formats

    @staticmethod
    def _one(prev: Filing, code: str):
        problem = prev.problems.get(code, ("",))[0]
        return prev.values.get(code), problem, prev.where(code)


# --------------------------------------------------------------------------------------
# the check
# --------------------------------------------------------------------------------------
def check_previous(filing: Filing, previous: Filing) -> list[Finding]:
    """Cross-year findings for ``filing`` given last year's ``previous`` filing."""
    spec = filing.spec
    name = _name(previous)
    if not previous.readable:
        reason = "；".join(f.message for f in previous.findings if f.severity == "error")
        return [notice(spec, "P-3", file=filing.source, reason=reason or name)]
    out: list[Finding] = []
    compare = True
    y, py = filing.year, previous.year
    if y is not None and py is not None and py != y - 1:
        compare = False
        out.append(notice(spec, "P-1", cells=("cover.year",), locations=_cover_loc(spec, "year"), reported=py,
                          computed=y - 1, name=name, previous=py, expected=y - 1))
    elif y is None or py is None:
        out.append(notice(spec, "P-1", "no_year", cells=("cover.year",), locations=_cover_loc(spec, "year"),
                          which="本年" if y is None else "上年", name=name))
    a, b = _unit_key(filing.unit_name), _unit_key(previous.unit_name)
    if a and b and a != b:
        out.append(notice(spec, "P-2", cells=("cover.unit_name",), locations=_cover_loc(spec, "unit_name"),
                          reported=previous.unit_name, this=filing.unit_name, previous=previous.unit_name))
    if not compare:
        return _with_file(out, filing)
    prev = _Prev(previous, spec)
    ctx = Context(filing=filing, spec=spec, findings=out, previous=prev.cells)
    for rule in spec.cross_year_rules:
        if not cross_year_instances(spec, rule, prev.cells):
            reason = NOT_COMPARABLE.get((previous.spec_id, spec.id))
            if reason and cross_year_instances(spec, rule, None):  # it applies between two filings of this format
                if rule.id == "T3-5" and previous.spec_id == "legacy2014":
                    out.append(notice(spec, "T3-6", title=rule.title, reason=spec.rule_by_id["T3-6"].variants["reason"]))
                else:
                    out.append(Finding(rule=rule.id, severity=rule.not_checked_severity,
                                       message=rule.not_checked.format(title=rule.title, reason=reason)))
            continue
        out += evaluate(rule, ctx)
    if prev.mapped and previous.spec_id == "gov2019" and spec.id == "gov2021" and spec.cross_year_rules:
        out.append(notice(spec, "T3-10", name=name))
    return _with_file(out, filing)


def _cover_loc(spec: FormatSpec, code: str) -> tuple[str, ...]:
    from .layout import cover_positions, sheet_ref

    pos = cover_positions(spec).get(code)
    return (sheet_ref(spec.cover_sheet, *pos),) if pos else ()


def _with_file(findings: list[Finding], filing: Filing) -> list[Finding]:
    return [f if f.file else f.model_copy(update={"file": filing.source}) for f in findings]


def _name(f: Filing) -> str:
    from pathlib import Path

    return f"「{Path(f.source).name}」" if f.source else ""


def _unit_key(name: str) -> str:
    from .text import norm

    return norm(name).replace("人民政府", "政府")
