"""Worksheet functions of the add-in (``UDF Modules`` = gxxl.excel.udfs in the gxxl.conf sheet).

Few on purpose: validation itself stays on the 校验本表 button (a function per cell
would recalculate all the time).  These give a live status in one cell:

* ``=GXXL_STATUS(封面, 表1, [表2], [表3])`` → 「校验：通过」 or 「校验：3处错误，1处警告」
* ``=GXXL_RULE("T3-1", 封面, 表1, [表2], [表3])`` → 「通过」 or what fails first
* ``=GXXL_VERSION()`` → versions (shows that Excel reaches Python)

A worksheet function only sees what it is given, and Excel recalculates it only when
those cells change, so the workbook's sheets are passed as ranges: the cover and each
table sheet, e.g. for the 2021 format::

    =GXXL_STATUS('封面'!A:C,'表二 主动公开'!A:D,'表三 依申请公开'!A:J,'表四 复议诉讼'!A:O)

(关于/自检 shows this formula.)  Whole columns are fine: each range is clipped to its
sheet's used area before it is read.  Ranges may start anywhere; values are placed at
their own position on their own sheet, so the engine reads them exactly as it reads the
saved file (by position, or by labels when rows were inserted).

Every function returns text and never raises: a problem is returned as 「gxxl：…」.
"""

from __future__ import annotations

import xlwings as xw

from . import book as bk

CATEGORY = "政务公开年报"
_SHEET_DOCS = {
    "cover": "封面工作表的区域，如 '封面'!A:C",
    "table1": "第一张统计表所在工作表的区域，如 '表二 主动公开'!A:D",
    "table2": "（可选）第二张统计表的区域，如 '表三 依申请公开'!A:J",
    "table3": "（可选）第三张统计表的区域，如 '表四 复议诉讼'!A:O",
}


def _findings(ranges):
    from .. import api

    ranges = [r for r in ranges if r is not None]
    name = ranges[0].sheet.book.name if ranges else "工作簿"
    checked = api.validate(api.read_grids(bk.grids_from_ranges(ranges), name))
    return checked.filing, checked.findings


def _problem(e: Exception) -> str:
    return f"gxxl：{type(e).__name__}: {e}"


@xw.func(category=CATEGORY)
@xw.arg("cover", "range", doc=_SHEET_DOCS["cover"])
@xw.arg("table1", "range", doc=_SHEET_DOCS["table1"])
@xw.arg("table2", "range", doc=_SHEET_DOCS["table2"])
@xw.arg("table3", "range", doc=_SHEET_DOCS["table3"])
def GXXL_STATUS(cover, table1, table2=None, table3=None):
    """本工作簿的校验状态：“校验：通过”或“校验：3处错误，1处警告”（与“校验本表”按钮的结果相同）。"""
    from ..findings import status_line

    try:
        filing, findings = _findings([cover, table1, table2, table3])
        if not filing.readable:
            return "校验：" + findings[0].message
        return status_line(findings)
    except Exception as e:  # a cell shows text, never a traceback
        return _problem(e)


@xw.func(category=CATEGORY)
@xw.arg("rule", doc="规则编号，如 \"T3-1\"（表三各列：第一项+第二项=第三项+第四项）")
@xw.arg("cover", "range", doc=_SHEET_DOCS["cover"])
@xw.arg("table1", "range", doc=_SHEET_DOCS["table1"])
@xw.arg("table2", "range", doc=_SHEET_DOCS["table2"])
@xw.arg("table3", "range", doc=_SHEET_DOCS["table3"])
def GXXL_RULE(rule, cover, table1, table2=None, table3=None):
    """一条规则的校验结果：“通过”，或不符的处数和第一处的说明。"""
    from ..findings import FILE_RULES, SEVERITY_ZH

    try:
        rule_id = str(rule or "").strip().upper()
        filing, findings = _findings([cover, table1, table2, table3])
        known = set(filing.spec.rule_by_id) | set(FILE_RULES) | {"X-1"}
        if rule_id not in known:
            return f"gxxl：未知规则“{rule}”，可用：{'、'.join(sorted(filing.spec.rule_by_id))}"
        hits = [f for f in findings if f.rule == rule_id]
        if not hits:
            return "通过"
        first = hits[0]
        more = f"共{len(hits)}处，" if len(hits) > 1 else ""
        return f"{SEVERITY_ZH[first.severity]}：{more}{first.message}"
    except Exception as e:
        return _problem(e)


@xw.func(category=CATEGORY)
def GXXL_VERSION():
    """gxxl、xlwings 和 Python 的版本（用于确认 Excel 能调用 Python）。"""
    import sys

    from .. import __version__

    return f"gxxl {__version__} · xlwings {xw.__version__} · Python {sys.version.split()[0]}"
