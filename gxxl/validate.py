"""The validator: executes a spec's rules on a filing and returns findings.

The spec says *what* the rules are (pandera-style); this module is one backend that
executes them on Python data.  The self-checking template compiles the same rules to
spreadsheet formulas (``gxxl.formulas``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .filing import Filing
from .findings import Finding, fmt_num, sort_key
from .reader import credit_code_valid
from .spec import FormatSpec
from .spec.model import DomainRule, LeqRule, SumRule, ZeroForLevelsRule

EPS = 1e-6


@dataclass(frozen=True)
class SumInstance:
    """One instance of a sum rule: a concrete column (or row) of a table."""

    rule: SumRule
    item: str  # loop value code ("np", "new", "" for loop none)
    item_label: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]


def sum_instances(spec: FormatSpec, rule: SumRule) -> list[SumInstance]:
    """Expand ``*`` in the rule's terms over the loop; instances whose cells all exist."""
    table = spec.table_by_code[rule.loop_table]
    if rule.loop == "columns":
        items = [(c.code, c.label) for c in table.columns]
    elif rule.loop == "rows":
        items = [(r.code, r.short or r.label) for r in table.rows]
    else:
        items = [("", "")]
    out = []
    for code, label in items:
        lhs = tuple(t.replace("*", code) for t in rule.lhs)
        rhs = tuple(t.replace("*", code) for t in rule.rhs)
        if all(c in spec.cells for c in lhs + rhs):
            out.append(SumInstance(rule, code, label, lhs, rhs))
    return out


def validate(filing: Filing, spec: FormatSpec | None = None) -> list[Finding]:
    """All findings for a filing: what the reader noticed, then every rule."""
    spec = spec or filing.spec
    findings = list(filing.findings)
    if not filing.readable:
        return findings
    findings += check_cover(filing, spec)
    for rule in spec.rules:
        if isinstance(rule, (SumRule, LeqRule)):
            findings += _check_sum(filing, spec, rule)
        elif isinstance(rule, DomainRule):
            findings += _check_domain(filing, spec, rule)
        elif isinstance(rule, ZeroForLevelsRule):
            findings += _check_zero_for_levels(filing, spec, rule)
    from .importer.gaps import apply_gaps  # cells never in an imported source: F-5 / F-6

    findings = apply_gaps(filing, spec, findings)
    findings += suspects(findings, spec)
    file = filing.source
    order = {code: i for i, code in enumerate(spec.cells)}
    return sorted(
        (f if f.file else f.model_copy(update={"file": file}) for f in findings),
        key=lambda f: (sort_key(f)[:2], [order.get(c, -1) for c in f.cells[:1]]),
    )


def _holds(rule: SumRule | LeqRule, lhs: int | float, rhs: int | float) -> bool:
    if isinstance(rule, LeqRule):
        return lhs <= rhs + EPS
    return abs(lhs - rhs) <= EPS


def _check_sum(filing: Filing, spec: FormatSpec, rule: SumRule | LeqRule) -> list[Finding]:
    """Σ lhs = Σ rhs (SumRule) or Σ lhs ≤ Σ rhs (LeqRule), for every instance of the loop."""
    out = []
    table = spec.table_by_code[rule.loop_table]
    for inst in sum_instances(spec, rule):
        cells = inst.lhs + inst.rhs
        # a text or formula-without-result cell is reported by the domain rule; its sum is unknown
        if any(filing.problems.get(c, ("",))[0] in ("text", "nocache") for c in cells):
            continue
        lhs = _total(filing, inst.lhs)
        rhs = _total(filing, inst.rhs)
        if _holds(rule, lhs, rhs):
            continue
        msg = rule.message.format(
            table=table.number, item=inst.item_label, lhs=fmt_num(lhs), rhs=fmt_num(rhs), diff=fmt_num(abs(lhs - rhs))
        )
        blanks = [c for c in cells if filing.problems.get(c, ("",))[0] == "blank"]
        if blanks and isinstance(rule, SumRule):
            msg += f"（其中{len(blanks)}个空白单元格按0计算）"
        out.append(
            Finding(
                rule=rule.id, severity=rule.severity, message=msg, cells=cells,
                locations=tuple(filing.where(c) for c in cells), reported=lhs, computed=rhs,
            )
        )
    return out


def _total(filing: Filing, codes) -> int | float:
    t = sum(filing.number(c) for c in codes)
    return round(t, 6) if isinstance(t, float) else t


def _check_domain(filing: Filing, spec: FormatSpec, rule: DomainRule) -> list[Finding]:
    out = []
    for table_code in rule.tables:
        for cs in spec.table_by_code[table_code].cells:
            code = cs.code
            where = filing.where(code)
            label = spec.cell_label(code)
            problem = filing.problems.get(code)
            if problem:
                kind, raw = problem
                if kind == "blank":
                    out.append(_cell_finding(rule, rule.blank_severity, code, where, None,
                                             f"{label}：单元格为空白，按0计算；如确无此项请填0"))
                elif kind == "nocache":
                    out.append(_cell_finding(rule, rule.severity, code, where, "公式",
                                             f"{label}：单元格是公式但没有计算结果，请在 Excel/WPS 中重新计算并保存"))
                else:
                    out.append(_cell_finding(rule, rule.severity, code, where, raw,
                                             f"{label}：「{raw}」不是数字，请填写数字（没有发生的填0）"))
                continue
            v = filing.values.get(code)
            if v is None:
                continue
            if v < 0 and not cs.signed:
                out.append(_cell_finding(rule, rule.severity, code, where, v, f"{label}：{fmt_num(v)} 为负数，应不小于0"))
            elif cs.kind == "int" and abs(v - round(v)) > EPS:
                out.append(_cell_finding(rule, rule.severity, code, where, v, f"{label}：{fmt_num(v)} 不是整数，件数应为整数"))
    return out


def _cell_finding(rule, severity, code, where, reported, message) -> Finding:
    return Finding(rule=rule.id, severity=severity, message=message, cells=(code,), locations=(where,), reported=reported)


def _check_zero_for_levels(filing: Filing, spec: FormatSpec, rule: ZeroForLevelsRule) -> list[Finding]:
    level = filing.cover.get("level")
    severity = rule.levels.get(level or "")
    if not severity:
        return []
    out = []
    for code in rule.cells:
        v = filing.values.get(code)
        if v is None or v == 0:
            continue
        out.append(
            Finding(
                rule=rule.id, severity=severity, cells=(code,), locations=(filing.where(code),), reported=v, computed=0,
                message=rule.message.format(cell=spec.cell_label(code), value=fmt_num(v), level=level),
            )
        )
    return out


def _years_text(spec: FormatSpec) -> str:
    lo, hi = spec.years
    return f"适用于{lo}年度起" if hi >= 9999 else f"适用于{lo}—{hi}年度"


def check_cover(filing: Filing, spec: FormatSpec) -> list[Finding]:
    """C-1 required fields, C-2 field values, S-1 format vs report year."""
    from .layout import cover_positions, sheet_ref

    out = []
    pos = cover_positions(spec)

    def where(code: str) -> str:
        return sheet_ref(spec.cover_sheet, *pos[code])

    for f in spec.cover:
        v = filing.cover.get(f.code)
        if f.required and (v is None or v == ""):
            out.append(Finding(rule="C-1", severity="error", cells=(f"cover.{f.code}",), locations=(where(f.code),),
                               message=f"封面“{f.label}”未填写"))
            continue
        if v is None:
            continue
        if f.choices and v not in f.choices:
            out.append(Finding(rule="C-2", severity="error", cells=(f"cover.{f.code}",), locations=(where(f.code),),
                               reported=str(v), message=f"封面“{f.label}”为「{v}」，应为以下之一：{'、'.join(f.choices)}"))
        elif f.kind == "year" and not (isinstance(v, int) and 2008 <= v <= 2100):
            out.append(Finding(rule="C-2", severity="error", cells=(f"cover.{f.code}",), locations=(where(f.code),),
                               reported=str(v), message=f"封面“{f.label}”为「{v}」，应为四位年份，如 2024"))
        elif f.kind == "credit_code" and not credit_code_valid(str(v)):
            out.append(Finding(rule="C-2", severity="warning", cells=(f"cover.{f.code}",), locations=(where(f.code),),
                               reported=str(v), message=f"封面“{f.label}”「{v}」不是有效的18位统一社会信用代码（校验位不符或含非法字符）"))
    year = filing.cover.get("year")
    if isinstance(year, int) and not (spec.years[0] <= year <= spec.years[1]):
        from .spec import spec_for_year

        right = spec_for_year(year)
        hint = f"，{year}年度应使用《{right.name}》（{right.basis}）" if right else ""
        out.append(Finding(rule="S-1", severity="error", cells=("cover.year",), locations=(where("year"),), reported=year,
                           message=f"报告年度为{year}年，但统计表是{spec.basis}格式（{_years_text(spec)}）{hint}"))
    return out


def suspects(findings: list[Finding], spec: FormatSpec) -> list[Finding]:
    """X-1: the single cell shared by every failing sum in a table, when there are several.

    A wrong number in one cell breaks each identity it takes part in (its column and its
    row); the cell common to all of them is where to look first.
    """
    out = []
    by_table: dict[str, list[Finding]] = {}
    for f in findings:
        if f.rule in spec.rule_by_id and isinstance(spec.rule_by_id[f.rule], SumRule):
            by_table.setdefault(f.cells[0].split(".")[0], []).append(f)
    for table, failing in by_table.items():
        if len(failing) < 2:
            continue
        common = set(failing[0].cells)
        for f in failing[1:]:
            common &= set(f.cells)
        if len(common) != 1:
            continue
        code = common.pop()
        where = next(loc for f in failing for c, loc in zip(f.cells, f.locations) if c == code)
        rules = "、".join(sorted({f.rule for f in failing}))
        out.append(
            Finding(
                rule="X-1", severity="info", cells=(code,), locations=(where,), file=failing[0].file,
                message=f"{spec.cell_label(code)}（{where.split('!')[-1]}）同时出现在{len(failing)}处不平衡（{rules}）中，最可能是这个单元格填错了",
            )
        )
    return out
