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
from .findings import Finding, fmt_num
from .spec import FormatSpec
from .spec.model import PREV, CrossYearRule

EPS = 1e-6

#: why a rule cannot be checked across two formats: (last year's format, this year's) → reason
NOT_COMPARABLE: dict[tuple[str, str], str] = {
    ("gov2019", "gov2021"): "上年为2019年试行格式，其“对外公开总数量”是累计公开数量，与2021年格式的“现行有效件数”口径不同，不能相互推算",
    ("gov2021", "gov2019"): "两年格式不同（2021年格式与2019年试行格式），表二（一）（五）（六）（八）的栏目口径不同",
    ("legacy2014", "gov2019"): "上年为2014–2018年《政府信息公开情况统计表》，其指标与本表没有对应关系",
    ("legacy2014", "gov2021"): "上年为2014–2018年《政府信息公开情况统计表》，其指标与本表没有对应关系",
}
#: T3-6 (reference §4.1): the first year of the 2019 format cannot be linked to the old table
T3_6 = "上年为2014–2018年《政府信息公开情况统计表》，旧表没有“结转下年度继续办理”，本年“上年结转”无法与上年核对"


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
        return [Finding(rule="P-3", severity="warning", file=filing.source,
                        message=f"上一年度文件无法读取，未进行跨年度核对（{reason or name}）")]
    out: list[Finding] = []
    compare = True
    y, py = filing.year, previous.year
    if y is not None and py is not None and py != y - 1:
        compare = False
        out.append(Finding(rule="P-1", severity="warning", cells=("cover.year",), locations=_cover_loc(spec, "year"),
                           reported=py, computed=y - 1,
                           message=f"上一年度文件{name}的报告年度为{py}年，不是{y - 1}年，未进行跨年度数值核对；请提供{y - 1}年度的报表"))
    elif y is None or py is None:
        which = "本年" if y is None else "上年"
        out.append(Finding(rule="P-1", severity="warning", cells=("cover.year",), locations=_cover_loc(spec, "year"),
                           message=f"{which}报表封面未填报告年度，无法确认{name}是上一年度的报表；以下跨年度核对按上一年度处理"))
    a, b = _unit_key(filing.unit_name), _unit_key(previous.unit_name)
    if a and b and a != b:
        out.append(Finding(rule="P-2", severity="warning", cells=("cover.unit_name",), locations=_cover_loc(spec, "unit_name"),
                           reported=previous.unit_name, message=f"两年的单位名称不同：本年「{filing.unit_name}」，上年「{previous.unit_name}」；"
                           "如为同一单位（如机构改革更名）请说明，否则跨年度核对没有意义"))
    if not compare:
        return _with_file(out, filing)
    prev = _Prev(previous, spec)
    for rule in spec.cross_year_rules:
        instances = _instances(spec, rule, prev)
        if not instances:
            reason = NOT_COMPARABLE.get((previous.spec_id, spec.id))
            if reason and _applies_somewhere(spec, rule):
                rid = rule.id
                if rule.id == "T3-5" and previous.spec_id == "legacy2014":
                    rid, reason = "T3-6", T3_6
                out.append(Finding(rule=rid, severity="info", message=f"{rule.title}：未核对，{reason}"))
            continue
        for item_label, lhs, rhs in instances:
            f = _check(filing, spec, rule, item_label, lhs, rhs, prev)
            if f is not None:
                out.append(f)
    if prev.mapped and previous.spec_id == "gov2019" and spec.id == "gov2021" and spec.cross_year_rules:
        out.append(Finding(rule="T3-10", severity="info",
                           message=f"上年报表{name}为2019年试行格式：表三按两种格式的对应关系核对（除（六）其他处理外各行相同）"))
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


def _items(spec: FormatSpec, rule: CrossYearRule) -> list[tuple[str, str]]:
    table = spec.table_by_code.get(rule.loop_table)
    if table is None:
        return []
    if rule.loop == "columns":
        return [(c.code, c.label) for c in table.columns]
    if rule.loop == "rows":
        return [(r.code, r.short or r.label) for r in table.rows]
    return [("", "")]


def _applies_somewhere(spec: FormatSpec, rule: CrossYearRule) -> bool:
    """The rule has instances when last year's filing is in the same format."""
    for code, _ in _items(spec, rule):
        terms = [t.replace("*", code).removeprefix(PREV) for t in rule.lhs + rule.rhs]
        if all(t in spec.cells for t in terms):
            return True
    return False


def _instances(spec: FormatSpec, rule: CrossYearRule, prev: _Prev):
    out = []
    for code, label in _items(spec, rule):
        lhs = tuple(t.replace("*", code) for t in rule.lhs)
        rhs = tuple(t.replace("*", code) for t in rule.rhs)
        ok = all((t[len(PREV):] in prev.cells) if t.startswith(PREV) else (t in spec.cells) for t in lhs + rhs)
        if ok:
            out.append((label, lhs, rhs))
    return out


def _check(filing: Filing, spec: FormatSpec, rule: CrossYearRule, item_label: str, lhs, rhs, prev: _Prev):
    values: dict[str, float | int] = {}
    where: dict[str, str] = {}
    blanks = 0
    for term in lhs + rhs:
        if term.startswith(PREV):
            v, problem, loc = prev.cells[term[len(PREV):]]
            loc = f"上年 {loc}"
        else:
            v, problem, loc = filing.values.get(term), filing.problems.get(term, ("",))[0], filing.where(term)
        if problem in NO_NUMBER:
            return None  # the single-year rules already report an unusable cell
        if v is None:
            blanks += 1
        values[term] = 0 if v is None else v
        where[term] = loc
    left = _round(sum(values[t] for t in lhs))
    right = _round(sum(values[t] for t in rhs))
    if rule.op == "=" and abs(left - right) <= EPS or rule.op == "<=" and left <= right + EPS:
        return None
    star = _pattern_keys(rule, lhs + rhs)
    expected = _round(right - (left - values[lhs[0]]))
    msg = rule.message.format(
        table=spec.table_by_code[rule.loop_table].number, item=item_label,
        v={star[t]: fmt_num(values[t]) for t in values}, where={star[t]: where[t] for t in where},
        lhs=fmt_num(left), rhs=fmt_num(right), diff=fmt_num(abs(left - right)), expected=fmt_num(expected),
    )
    if blanks:
        msg += f"（其中{blanks}个空白单元格按0计算）"
    here = [t for t in lhs + rhs if not t.startswith(PREV)]
    return Finding(
        rule=rule.id, severity=rule.severity, message=msg, cells=tuple(here),
        locations=tuple(filing.where(t) for t in here), reported=values[lhs[0]], computed=expected,
    )


def _pattern_keys(rule: CrossYearRule, terms) -> dict[str, str]:
    """concrete term → the rule's pattern it came from (the message addresses values by pattern)."""
    patterns = rule.lhs + rule.rhs
    return {t: p for t, p in zip(terms, patterns)}


def _round(x):
    return round(x, 6) if isinstance(x, float) else x
