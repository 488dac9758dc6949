"""《中华人民共和国政府信息公开工作年度报告格式》(国办公开办函〔2021〕30号), report years 2021–.

Source: ../shared/reference/annual-report-format.md §1.3–1.5 (tables, verbatim) and §4 (rules).
Each table below reads top to bottom like the official table; hold it against the
official table on one screen.  Positions are (table row, table column), 0-based.
"""

from __future__ import annotations

from .common import COMMON
from .model import (
    CellSpec,
    Column,
    CoverField,
    DomainRule,
    FormatSpec,
    Layout,
    Row,
    Span,
    SumRule,
    TableSpec,
    ZeroForLevelsRule,
)
from .model import PREV, CrossYearRule


LEVELS = (
    "国务院部门",
    "省级政府",
    "省级政府部门",
    "市级政府",
    "市级政府部门",
    "县级政府",
    "县级政府部门",
    "乡镇（街道）",
)

COVER = (
    CoverField(code="unit_name", label="单位名称", required=True, hint="填写全称，与公章一致"),
    CoverField(code="credit_code", label="统一社会信用代码", kind="credit_code", hint="18位"),
    CoverField(code="level", label="行政层级", required=True, choices=LEVELS, hint="从下拉列表选择"),
    CoverField(code="parent", label="上级单位", hint="报送对象，如 ××县人民政府办公室"),
    CoverField(code="year", label="报告年度", required=True, kind="year", hint="如 2024"),
    CoverField(code="preparer", label="填报人"),
    CoverField(code="phone", label="联系电话", kind="phone"),
    CoverField(code="date", label="填报日期", kind="date", hint="如 2025-01-20"),
)

# --------------------------------------------------------------------------------------
# 表二  二、主动公开政府信息情况   (4 columns; four blocks, each with a caption row)
# --------------------------------------------------------------------------------------
_T2_BLOCKS = (
    # caption,            value-column headers,                                rows
    ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"), (("rule", "规章"), ("normative", "行政规范性文件"))),
    ("第二十条第（五）项", ("本年处理决定数量",), (("licensing", "行政许可"),)),
    ("第二十条第（六）项", ("本年处理决定数量",), (("penalty", "行政处罚"), ("coercion", "行政强制"))),
    ("第二十条第（八）项", ("本年收费金额（单位：万元）",), (("fee", "行政事业性收费"),)),
)
_T2_COLS = {
    "本年制发件数": "issued",
    "本年废止件数": "repealed",
    "现行有效件数": "in_force",
    "本年处理决定数量": "decisions",
    "本年收费金额（单位：万元）": "amount",
}


def table2_from_blocks(blocks, col_codes: dict[str, str], *, unit_note: str = "", signed: tuple[str, ...] = ()) -> TableSpec:
    """表二 from its blocks: (caption, ((header, colspan), …), ((row code, label), …)).

    Shared by the 2021 and the 2019 format; 「amount」 is money (万元, decimal), columns
    in ``signed`` may be negative (2019 「本年增/减」).
    """
    spans: list[Span] = []
    rows: list[Row] = []
    cells: list[CellSpec] = []
    columns: dict[str, Column] = {}
    r = 0
    for caption, heads, block_rows in blocks:
        spans.append(Span(text=caption, row=r, col=0, colspan=4, kind="caption"))
        spans.append(Span(text="信息内容", row=r + 1, col=0))
        c = 1
        places = []
        for h, wide in heads:
            spans.append(Span(text=h, row=r + 1, col=c, colspan=wide))
            columns.setdefault(col_codes[h], Column(code=col_codes[h], label=h, path=(h,)))
            places.append((col_codes[h], c, wide))
            c += wide
        for j, (code, label) in enumerate(block_rows):
            rr = r + 2 + j
            rows.append(Row(code=code, path=(caption, label), short=label))
            spans.append(Span(text=label, row=rr, col=0, kind="label"))
            for col, cc, wide in places:
                money = col == "amount"
                cells.append(
                    CellSpec(
                        code=f"T2.{code}.{col}", table="T2", row=code, col=col,
                        unit="万元" if money else "件", kind="decimal" if money else "int",
                        r=rr, c=cc, colspan=wide, signed=col in signed,
                    )
                )
        r += 2 + len(block_rows)
    return TableSpec(
        code="T2", number="表二", title="二、主动公开政府信息情况", sheet="表二 主动公开",
        rows=tuple(rows), columns=tuple(columns.values()), cells=tuple(cells), locate="blocks",
        unit_note=unit_note,
        layout=Layout(spans=tuple(spans), width=4, height=r, col_widths=(26, 20, 20, 20)),
    )


def _table2() -> TableSpec:
    # a single value column spans the block's three columns, as in the official table
    blocks = tuple(
        (caption, tuple((h, 3 if len(heads) == 1 else 1) for h in heads), rows) for caption, heads, rows in _T2_BLOCKS
    )
    return table2_from_blocks(blocks, _T2_COLS)


# --------------------------------------------------------------------------------------
# 表三  三、收到和处理政府信息公开申请情况   (3 label columns + 7 numeric columns)
# --------------------------------------------------------------------------------------
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

#          code     header label     header path
_T3_COLS = (
    ("np", "自然人", ("申请人情况", "自然人")),
    ("be", "商业企业", ("申请人情况", "法人或其他组织", "商业企业")),
    ("ri", "科研机构", ("申请人情况", "法人或其他组织", "科研机构")),
    ("po", "社会公益组织", ("申请人情况", "法人或其他组织", "社会公益组织")),
    ("ls", "法律服务机构", ("申请人情况", "法人或其他组织", "法律服务机构")),
    ("ot", "其他", ("申请人情况", "法人或其他组织", "其他")),
    ("tot", "总计", ("申请人情况", "总计")),
)

_R3 = "三、本年度办理结果"
#          code           label path (verbatim)
_T3_ROWS = (
    ("new",          ("一、本年新收政府信息公开申请数量",)),
    ("carried",      ("二、上年结转政府信息公开申请数量",)),
    ("disclosed",    (_R3, "（一）予以公开")),
    ("partial",      (_R3, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")),
    ("deny_1",       (_R3, "（三）不予公开", "1.属于国家秘密")),
    ("deny_2",       (_R3, "（三）不予公开", "2.其他法律行政法规禁止公开")),
    ("deny_3",       (_R3, "（三）不予公开", "3.危及“三安全一稳定”")),
    ("deny_4",       (_R3, "（三）不予公开", "4.保护第三方合法权益")),
    ("deny_5",       (_R3, "（三）不予公开", "5.属于三类内部事务信息")),
    ("deny_6",       (_R3, "（三）不予公开", "6.属于四类过程性信息")),
    ("deny_7",       (_R3, "（三）不予公开", "7.属于行政执法案卷")),
    ("deny_8",       (_R3, "（三）不予公开", "8.属于行政查询事项")),
    ("unable_1",     (_R3, "（四）无法提供", "1.本机关不掌握相关政府信息")),
    ("unable_2",     (_R3, "（四）无法提供", "2.没有现成信息需要另行制作")),
    ("unable_3",     (_R3, "（四）无法提供", "3.补正后申请内容仍不明确")),
    ("reject_1",     (_R3, "（五）不予处理", "1.信访举报投诉类申请")),
    ("reject_2",     (_R3, "（五）不予处理", "2.重复申请")),
    ("reject_3",     (_R3, "（五）不予处理", "3.要求提供公开出版物")),
    ("reject_4",     (_R3, "（五）不予处理", "4.无正当理由大量反复申请")),
    ("reject_5",     (_R3, "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息")),
    ("other_1",      (_R3, "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")),
    ("other_2",      (_R3, "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")),
    ("other_3",      (_R3, "（六）其他处理", "3.其他")),
    ("total",        (_R3, "（七）总计")),
    ("carry_over",   ("四、结转下年度继续办理",)),
)
#: outcome rows: （一）…（六） numbered items, each application in exactly one of them
T3_OUTCOMES = tuple(code for code, path in _T3_ROWS if path[0] == _R3 and code != "total")
#: the applicant columns that add up to 总计
T3_APPLICANTS = tuple(code for code, _, _ in _T3_COLS if code != "tot")


def _short(path: tuple[str, ...]) -> str:
    if len(path) == 1:
        return path[0]
    if len(path) == 2:
        return path[1].split("（区分")[0]
    return f"{path[1]} {path[2]}"


def table3_from_rows(row_paths) -> TableSpec:
    """表三 from its rows ((code, label path), …): the same header and columns in 2019 and 2021."""
    H = 3  # header rows
    spans = [
        Span(text=T3_NOTE, row=0, col=0, rowspan=3, colspan=3, kind="note"),
        Span(text="申请人情况", row=0, col=3, colspan=7),
        Span(text="自然人", row=1, col=3, rowspan=2),
        Span(text="法人或其他组织", row=1, col=4, colspan=5),
        Span(text="总计", row=1, col=9, rowspan=2),
    ]
    spans += [Span(text=lab, row=2, col=4 + i) for i, (_, lab, _) in enumerate(_T3_COLS[1:6])]
    # row labels: level 1 in col 0, level 2 in col 1, numbered items in col 2
    for i, (code, path) in enumerate(row_paths):
        r = H + i
        if len(path) == 1:
            spans.append(Span(text=path[0], row=r, col=0, colspan=3, kind="label"))
        elif len(path) == 2:
            spans.append(Span(text=path[1], row=r, col=1, colspan=2, kind="label"))
        else:
            spans.append(Span(text=path[2], row=r, col=2, kind="label"))
    _group(spans, list(row_paths), H, level=0, col=0, colspan=1)
    _group(spans, list(row_paths), H, level=1, col=1, colspan=1)
    rows = tuple(Row(code=c, path=p, short=_short(p)) for c, p in row_paths)
    columns = tuple(Column(code=c, label=lab, path=path) for c, lab, path in _T3_COLS)
    cells = tuple(
        CellSpec(code=f"T3.{row.code}.{col.code}", table="T3", row=row.code, col=col.code, r=H + i, c=3 + j)
        for i, row in enumerate(rows)
        for j, col in enumerate(columns)
    )
    return TableSpec(
        code="T3", number="表三", title="三、收到和处理政府信息公开申请情况", sheet="表三 依申请公开",
        rows=rows, columns=columns, cells=cells, locate="grid",
        layout=Layout(
            spans=tuple(spans), width=10, height=H + len(rows),
            col_widths=(9, 14, 34, 7, 7, 7, 7, 7, 7, 7), row_heights={0: 30, 1: 30, 2: 42},
            landscape=False,
        ),
    )


def _table3() -> TableSpec:
    return table3_from_rows(_T3_ROWS)


def _group(spans: list[Span], rows, first: int, *, level: int, col: int, colspan: int) -> None:
    """Add a rowspan label for consecutive rows sharing path[level] with deeper levels below it."""
    i = 0
    while i < len(rows):
        path = rows[i][1]
        if len(path) > level + 1:
            j = i
            while j < len(rows) and len(rows[j][1]) > level + 1 and rows[j][1][level] == path[level]:
                j += 1
            spans.append(Span(text=path[level], row=first + i, col=col, rowspan=j - i, colspan=colspan, kind="label"))
            i = j
        else:
            i += 1


# --------------------------------------------------------------------------------------
# 表四  四、政府信息公开行政复议、行政诉讼情况   (15 cells in one data row)
# --------------------------------------------------------------------------------------
_T4_RESULTS = (("keep", "结果维持"), ("fix", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计"))
#          code       block label path                        short name
_T4_BLOCKS = (
    ("review", ("行政复议",), "行政复议"),
    ("direct", ("行政诉讼", "未经复议直接起诉"), "行政诉讼（未经复议直接起诉）"),
    ("after", ("行政诉讼", "复议后起诉"), "行政诉讼（复议后起诉）"),
)


def _table4() -> TableSpec:
    spans = [
        Span(text="行政复议", row=0, col=0, colspan=5),
        Span(text="行政诉讼", row=0, col=5, colspan=10),
        Span(text="未经复议直接起诉", row=1, col=5, colspan=5),
        Span(text="复议后起诉", row=1, col=10, colspan=5),
    ]
    spans += [Span(text=lab, row=1, col=i, rowspan=2) for i, (_, lab) in enumerate(_T4_RESULTS)]
    spans += [Span(text=lab, row=2, col=5 * b + i) for b in (1, 2) for i, (_, lab) in enumerate(_T4_RESULTS)]
    rows = tuple(Row(code=c, path=p, short=s) for c, p, s in _T4_BLOCKS)
    columns = tuple(Column(code=c, label=lab, path=(lab,)) for c, lab in _T4_RESULTS)
    cells = tuple(
        CellSpec(code=f"T4.{row.code}.{col.code}", table="T4", row=row.code, col=col.code, r=3, c=5 * b + i)
        for b, row in enumerate(rows)
        for i, col in enumerate(columns)
    )
    return TableSpec(
        code="T4", number="表四", title="四、政府信息公开行政复议、行政诉讼情况", sheet="表四 复议诉讼",
        rows=rows, columns=columns, cells=cells, locate="positional",
        layout=Layout(
            spans=tuple(spans), width=15, height=4, col_widths=(7.5,) * 15,
            row_heights={0: 22, 1: 30, 2: 30}, landscape=True,
        ),
    )


# --------------------------------------------------------------------------------------
# Rules (reference §4).  IDs are the reference's; the basis is the official text.
# --------------------------------------------------------------------------------------
RULES = (
    SumRule(
        id="T3-1", title="表三各列：第一项+第二项=第三项+第四项",
        basis="表三官方注：本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和",
        loop_table="T3", loop="columns",
        lhs=("T3.new.*", "T3.carried.*"), rhs=("T3.total.*", "T3.carry_over.*"),
        lhs_name="第一项+第二项", rhs_name="第三项（七）总计+第四项",
        message="{table} {item}列：第一项+第二项={lhs}，第三项（七）总计+第四项={rhs}，相差{diff}",
    ),
    SumRule(
        id="T3-2", title="表三各列：（七）总计=（一）至（六）各项之和",
        basis="每件申请只计入一种办理结果（“区分处理的，只计这一情形，不计其他情形”），（七）总计为各项办理结果之和",
        loop_table="T3", loop="columns",
        lhs=("T3.total.*",), rhs=tuple(f"T3.{r}.*" for r in T3_OUTCOMES),
        lhs_name="（七）总计", rhs_name="（一）至（六）各项之和",
        message="{table} {item}列：（七）总计={lhs}，（一）至（六）各项之和={rhs}，相差{diff}",
    ),
    SumRule(
        id="T3-3", title="表三各行：总计=自然人+法人或其他组织各列",
        basis="表头“申请人情况”下，总计为自然人与法人或其他组织（商业企业、科研机构、社会公益组织、法律服务机构、其他）之和",
        loop_table="T3", loop="rows",
        lhs=("T3.*.tot",), rhs=tuple(f"T3.*.{c}" for c in T3_APPLICANTS),
        lhs_name="总计", rhs_name="自然人与法人或其他组织各列之和",
        message="{table} {item}行：总计={lhs}，自然人与法人或其他组织各列之和={rhs}，相差{diff}",
    ),
    DomainRule(
        id="T3-4", title="表三各单元格为不小于0的整数",
        basis="申请件数为非负整数；空白单元格须填0或说明", tables=("T3",),
    ),
    SumRule(
        id="T4-1", title="表四各部分：总计=结果维持+结果纠正+其他结果+尚未审结",
        basis="行政复议、未经复议直接起诉、复议后起诉三部分各自的总计等于四种结果之和",
        loop_table="T4", loop="rows",
        lhs=("T4.*.total",), rhs=("T4.*.keep", "T4.*.fix", "T4.*.other", "T4.*.pending"),
        lhs_name="总计", rhs_name="结果维持+结果纠正+其他结果+尚未审结",
        message="{table} {item}：总计={lhs}，结果维持+结果纠正+其他结果+尚未审结={rhs}，相差{diff}",
    ),
    DomainRule(
        id="T4-2", title="表四各单元格为不小于0的整数",
        basis="案件数为非负整数", tables=("T4",),
    ),
    DomainRule(
        id="T2-1", title="表二件数为不小于0的整数，收费金额为不小于0的数（万元）",
        basis="件数为整数；本年收费金额（单位：万元）可有小数", tables=("T2",),
    ),
    ZeroForLevelsRule(
        id="T2-4", title="无规章制定权的单位，规章一行应为0",
        basis="《立法法》：只有国务院部门和省、自治区、直辖市及设区的市、自治州人民政府可以制定规章",
        cells=("T2.rule.issued", "T2.rule.repealed", "T2.rule.in_force"),
        levels={
            "省级政府部门": "warning",
            "市级政府部门": "warning",
            "县级政府": "warning",
            "县级政府部门": "warning",
            "乡镇（街道）": "error",
        },
        message="{cell}={value}：行政层级为“{level}”的单位无规章制定权，规章一行应为0",
    ),
)

# Cross-year rules (reference §4.1 T3-5, §4.2 T2-2, T2-3): this year against last year's filing
T3_5 = CrossYearRule(
    id="T3-5", title="表三各列：本年“上年结转”=上年“结转下年度继续办理”",
    basis="同一单位，本年度“二、上年结转政府信息公开申请数量”应等于上一年度“四、结转下年度继续办理”（各列）；"
          "机构改革等原因不等时请说明",
    loop_table="T3", loop="columns",
    lhs=("T3.carried.*",), rhs=(f"{PREV}T3.carry_over.*",),
    message="{table} {item}列：本年“二、上年结转政府信息公开申请数量”={v[T3.carried.*]}，"
            "上年“四、结转下年度继续办理”={v[prev:T3.carry_over.*]}（{where[prev:T3.carry_over.*]}），相差{diff}",
)
T2_2 = CrossYearRule(
    id="T2-2", title="表二：现行有效件数=上年现行有效件数+本年制发件数−本年废止件数",
    basis="上年有效+本年制发−本年废止=现行有效（第三方核查工具的做法）；“制发”可能含修改、文件也可能因有效期届满失效，故只作提醒",
    loop_table="T2", loop="rows",
    lhs=("T2.*.in_force", "T2.*.repealed"), rhs=(f"{PREV}T2.*.in_force", "T2.*.issued"),
    message="{table} {item}：现行有效件数={v[T2.*.in_force]}，而上年现行有效件数{v[prev:T2.*.in_force]}"
            "+本年制发件数{v[T2.*.issued]}−本年废止件数{v[T2.*.repealed]}={expected}，相差{diff}；"
            "如有修改、有效期届满失效等情况请说明",
)
T2_3 = CrossYearRule(
    id="T2-3", title="表二：本年废止件数不超过上年现行有效件数+本年制发件数",
    basis="只能废止已经有效的文件：本年废止件数 ≤ 上年现行有效件数 + 本年制发件数",
    loop_table="T2", loop="rows", op="<=",
    lhs=("T2.*.repealed",), rhs=(f"{PREV}T2.*.in_force", "T2.*.issued"),
    message="{table} {item}：本年废止件数={v[T2.*.repealed]}，超过上年现行有效件数{v[prev:T2.*.in_force]}"
            "+本年制发件数{v[T2.*.issued]}={rhs}",
)
SPEC = FormatSpec(
    **COMMON,
    id="gov2021",
    version="1",
    name="中华人民共和国政府信息公开工作年度报告格式",
    basis="国办公开办函〔2021〕30号",
    years=(2021, 9999),
    cover_sheet="封面",
    cover=COVER,
    tables=(_table2(), _table3(), _table4()),
    rules=RULES,
    cross_year_rules=(T3_5, T2_2, T2_3),
    levels=LEVELS,
)
