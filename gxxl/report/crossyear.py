"""Cross-year check T3-5: this year's 上年结转 = last year's 结转下年度继续办理, per column.

Reference §4.1 T3-5 (warning: a difference may have a reason, e.g. 机构改革, which the
report should explain).  Used by ``gxxl report --previous``; the signature matches what
``gxxl validate --previous`` expects of ``check_previous``.
"""

from __future__ import annotations

from ..filing import Filing
from ..findings import Finding, fmt_num
from .vocab import vocab

RULE = "T3-5"
TITLE = "跨年度：本年“上年结转”应等于上年“结转下年度继续办理”"


def check_previous(filing: Filing, previous: Filing) -> list[Finding]:
    """Cross-year findings for ``gxxl report --previous``.

    When the engine has its own cross-year checks (``gxxl.crossyear.check_previous``, the
    spec's cross-year rules) they are used, so a rule is executed in one place only;
    otherwise :func:`check_carried` does T3-5 here.
    """
    try:
        from ..crossyear import check_previous as engine_check
    except ImportError:
        return check_carried(filing, previous)
    return engine_check(filing, previous)


def check_carried(filing: Filing, previous: Filing) -> list[Finding]:
    """T3-5 for every column of 表三, plus a warning when the two years do not follow each other."""
    v = vocab(filing.spec)
    t3 = v.t3
    out: list[Finding] = []
    year, last = filing.year, previous.year
    prev_name = previous.source or "上年报表"
    if year and last and last != year - 1:
        out.append(Finding(
            rule=RULE, severity="warning", cells=("cover.year",), reported=last, computed=year - 1,
            message=f"上年报表的报告年度为{last}年，不是{year - 1}年，跨年度核对可能不适用（{prev_name}）",
        ))
    if filing.unit_name and previous.unit_name and filing.unit_name != previous.unit_name:
        out.append(Finding(
            rule=RULE, severity="info", cells=("cover.unit_name",), reported=previous.unit_name,
            message=f"上年报表的单位名称为「{previous.unit_name}」，本年为「{filing.unit_name}」，请确认是同一单位",
        ))
    carried_label = v.row_label(t3, v.carried)
    carry_label = v.row_label(t3, v.carry_over)
    for col in t3.columns:
        here = f"T3.{v.carried}.{col.code}"
        there = f"T3.{v.carry_over}.{col.code}"
        a, b = filing.values.get(here), previous.values.get(there)
        if a is None or b is None:
            continue  # a blank or unreadable cell is reported by the validator
        if a == b:
            continue
        out.append(Finding(
            rule=RULE, severity="warning", cells=(here,), locations=(filing.where(here),),
            reported=a, computed=b, file=filing.source,
            message=(f"表三 {col.label}列：本年“{carried_label}”为{fmt_num(a)}，上年报表“{carry_label}”为{fmt_num(b)}，"
                     f"相差{fmt_num(abs(a - b))}；如因机构改革等原因不一致，请在报告中说明"),
        ))
    return out
