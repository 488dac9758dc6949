"""《中华人民共和国政府信息公开工作年度报告格式（试行）》(国办公开办函〔2019〕60号), report years 2019–2020.

Source: ../shared/reference/annual-report-format.md §2.1–2.2 (tables) and §4 (rules).
What differs from the 2021 format (§2.2):

- 表二 has five blocks; （一） counts 本年新制作数量 / 本年新公开数量 / 对外公开总数量 of
  规章 and 规范性文件; （五）（六） carry 上一年项目数量 / 本年增/减 / 处理决定数量;
  （八） counts 收费 *items* (上一年项目数量 / 本年增/减), not money; （九） 政府集中采购.
- 表三 has a single row 「（六）其他处理」 (2021 splits it into three numbered rows).
- 表四 is the same as 2021 (the 2021 table is reused).

Everything that is the same as in the 2021 format (cover, 表三 columns and rows, 表四,
rules T3-1/T3-3/T3-4/T4-1/T4-2) is taken from :mod:`gxxl.spec.gov2021`, not retyped.
Cell codes that exist in both formats mean the same thing; where a concept changed, the
code differs (2019 「对外公开总数量」 is ``public_total``, never ``in_force``).
"""

from __future__ import annotations

from . import gov2021 as _g21
from .common import COMMON
from .model import (
    PREV, CrossYearRule, DomainRule, FormatSpec, SumRule, TableSpec, ZeroForLevelsRule,
)

# --------------------------------------------------------------------------------------
# 表二  二、主动公开政府信息情况   (4 columns; five blocks, each with a caption row)
# --------------------------------------------------------------------------------------
#          caption,              value-column headers (header, colspan),                          rows
_T2_BLOCKS = (
    ("第二十条第（一）项", (("本年新制作数量", 1), ("本年新公开数量", 1), ("对外公开总数量", 1)),
     (("rule", "规章"), ("normative", "规范性文件"))),
    ("第二十条第（五）项", (("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)),
     (("licensing", "行政许可"), ("services", "其他对外管理服务事项"))),
    ("第二十条第（六）项", (("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)),
     (("penalty", "行政处罚"), ("coercion", "行政强制"))),
    ("第二十条第（八）项", (("上一年项目数量", 1), ("本年增/减", 2)),
     (("fee", "行政事业性收费"),)),
    ("第二十条第（九）项", (("采购项目数量", 1), ("采购总金额", 2)),
     (("procurement", "政府集中采购"),)),
)
_T2_COLS = {
    "本年新制作数量": "made",
    "本年新公开数量": "published",
    "对外公开总数量": "public_total",
    "上一年项目数量": "prev_items",
    "本年增/减": "change",
    "处理决定数量": "decisions",
    "采购项目数量": "projects",
    "采购总金额": "amount",
}
#: 采购总金额 has no unit in the official header; gxxl asks for 万元 (reference §5.3 item 2)
_T2_UNIT_NOTE = "件数、项目数单位：件；采购总金额单位：万元；“本年增/减”减少时填负数"


def _table2() -> TableSpec:
    return _g21.table2_from_blocks(_T2_BLOCKS, _T2_COLS, unit_note=_T2_UNIT_NOTE, signed=("change",))


# --------------------------------------------------------------------------------------
# 表三  三、收到和处理政府信息公开申请情况   (as 2021, with one row 「（六）其他处理」)
# --------------------------------------------------------------------------------------
_R3 = "三、本年度办理结果"
_OTHER = "（六）其他处理"

def _rows_2019() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The 2021 rows with its three （六） rows replaced by the single 2019 row."""
    out = []
    for code, path in _g21._T3_ROWS:
        if len(path) == 3 and path[1] == _OTHER:
            continue
        if code == "total":
            out.append(("other", (_R3, _OTHER)))
        out.append((code, path))
    return tuple(out)


_T3_ROWS = _rows_2019()
T3_OUTCOMES = tuple(code for code, path in _T3_ROWS if path[0] == _R3 and code != "total")
T3_APPLICANTS = _g21.T3_APPLICANTS


def _table3() -> TableSpec:
    return _g21.table3_from_rows(_T3_ROWS)


# --------------------------------------------------------------------------------------
# Rules (reference §4).  T3-1, T3-3, T3-4, T4-1, T4-2 are the 2021 rules unchanged.
# --------------------------------------------------------------------------------------
_same = _g21.SPEC.rule_by_id

RULES = (
    _same["T3-1"],
    SumRule(
        id="T3-2", title="表三各列：（七）总计=（一）至（六）各项之和",
        basis="每件申请只计入一种办理结果（“区分处理的，只计这一情形，不计其他情形”），（七）总计为各项办理结果之和；2019年格式的（六）其他处理为一行",
        loop_table="T3", loop="columns",
        lhs=("T3.total.*",), rhs=tuple(f"T3.{r}.*" for r in T3_OUTCOMES),
        lhs_name="（七）总计", rhs_name="（一）至（六）各项之和",
        message="{table} {item}列：（七）总计={lhs}，（一）至（六）各项之和={rhs}，相差{diff}",
    ),
    _same["T3-3"],
    _same["T3-4"],
    _same["T4-1"],
    _same["T4-2"],
    DomainRule(
        id="T2-1", title="表二件数、项目数为整数（本年增/减可为负数），采购总金额为不小于0的数（万元）",
        basis="件数、项目数为整数，除“本年增/减”外不小于0；采购总金额可有小数", tables=("T2",),
    ),
    ZeroForLevelsRule(
        id="T2-4", title="无规章制定权的单位，规章一行应为0",
        basis=_same["T2-4"].basis,
        cells=("T2.rule.made", "T2.rule.published", "T2.rule.public_total"),
        levels=dict(_same["T2-4"].levels),
        message=_same["T2-4"].message,
    ),
)

# Cross-year rules: T3-5 as in 2021 (rows unchanged but （六）), T2-5 for the 2019 item counts
T2_5 = CrossYearRule(
    id="T2-5", title="表二（2019年格式）：上一年项目数量=上年的上一年项目数量+上年的本年增/减",
    basis="2019年格式的“上一年项目数量”应承接上年报告的项目数量及其增减",
    severity="info", loop_table="T2", loop="rows",
    lhs=("T2.*.prev_items",), rhs=(f"{PREV}T2.*.prev_items", f"{PREV}T2.*.change"),
    message="{table} {item}：上一年项目数量={v[T2.*.prev_items]}，上年报告的上一年项目数量{v[prev:T2.*.prev_items]}"
            "+本年增/减{v[prev:T2.*.change]}={rhs}",
)

SPEC = FormatSpec(
    **COMMON,
    id="gov2019",
    version="1",
    name="中华人民共和国政府信息公开工作年度报告格式（试行）",
    basis="国办公开办函〔2019〕60号",
    years=(2019, 2020),
    cover_sheet=_g21.SPEC.cover_sheet,
    cover=_g21.COVER,
    tables=(_table2(), _table3(), _g21.SPEC.table_by_code["T4"]),
    rules=RULES,
    cross_year_rules=(_g21.T3_5, T2_5),
    levels=_g21.LEVELS,
)

# --------------------------------------------------------------------------------------
# 2019 → 2021 correspondence (reference §2.2), used by cross-year checks and conversions.
# Each 2019 cell with a 2021 counterpart → the 2021 cells whose sum equals it.
# Not mapped, on purpose: 对外公开总数量 (cumulative published count) ≠ 现行有效件数
# (documents in force); 本年新制作/新公开 ≠ 本年制发/废止; （八） item counts ≠ 收费金额 (万元);
# （九） 政府集中采购 and 其他对外管理服务事项 have no 2021 row.
# --------------------------------------------------------------------------------------
TO_GOV2021: dict[str, tuple[str, ...]] = {
    **{
        c.code: (c.code,)
        for c in SPEC.table_by_code["T3"].cells
        if c.row != "other"
    },
    **{f"T3.other.{col}": tuple(f"T3.other_{i}.{col}" for i in (1, 2, 3)) for col in (c.code for c in SPEC.table_by_code["T3"].columns)},
    **{c.code: (c.code,) for c in SPEC.table_by_code["T4"].cells},
    # 处理决定数量 ≈ 本年处理决定数量 (reference §2.2)
    "T2.licensing.decisions": ("T2.licensing.decisions",),
    "T2.penalty.decisions": ("T2.penalty.decisions",),
    "T2.coercion.decisions": ("T2.coercion.decisions",),
}
