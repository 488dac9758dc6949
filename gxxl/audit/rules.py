"""The audit's own rules (A-*), and the kind of defect every rule ID belongs to.

``gxxl audit`` reuses the engine's findings — S-1 and the 勾稽 rules from
:func:`gxxl.validate.validate`, the text–table contradictions from
:func:`gxxl.report.checktext.check_text` — and adds the checks of a *published page* that
the engine does not make.  Each of those is declared here once: ID, severity, the kind of
defect it counts as, what it is based on, and its Chinese message template.  The checks in
:mod:`gxxl.audit.page` only fill the templates.

``KINDS`` groups every rule ID (the engine's and these) into the kinds of defect the
审查汇总 sheet counts and the 统计 sheet charts; :func:`kind_of` is the one lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Finding, Severity


@dataclass(frozen=True)
class AuditRule:
    id: str
    severity: Severity
    kind: str
    title: str
    basis: str
    message: str

    def finding(self, *, where: str = "", quote: str | None = None, table=None, file: str | None = None,
                severity: Severity | None = None, **fields) -> Finding:
        """A finding of this rule; ``where`` is the place in the page, ``quote`` the page's words."""
        return Finding(
            rule=self.id, severity=severity or self.severity, message=self.message.format(**fields),
            locations=(where,) if where else (), reported=quote, computed=table, file=file,
        )


# -- kinds of defect (columns of 审查汇总, categories of the 统计 charts), in display order ------
K_UNREADABLE = "无法获取"
K_VERSION = "格式版本"
K_TABLES = "统计表缺失"
K_SUMS = "勾稽错误"
K_VALUES = "数值问题"
K_TEXT = "表文不符"
K_ARITH = "文字计算"
K_OUTLINE = "章节提纲"
K_PERIOD = "统计期限"
K_DATE = "发布时间"
K_FEE = "信息处理费"
K_TITLE = "标题年度"
K_OTHER = "其他"
KIND_ORDER = (K_UNREADABLE, K_VERSION, K_TABLES, K_SUMS, K_VALUES, K_TEXT, K_ARITH, K_OUTLINE, K_PERIOD, K_DATE,
              K_FEE, K_TITLE, K_OTHER)

_R = AuditRule
AUDIT_RULES: tuple[AuditRule, ...] = (
    _R("A-0", "error", K_UNREADABLE, "页面无法获取或读取",
       "网址无法下载、文件无法打开，或页面中既无文字也无表格",
       "{reason}"),
    _R("A-1", "warning", K_OUTLINE, "缺少规定的章节",
       "国办公开办函〔2021〕30号：年度报告由六部分组成（参考资料 §1.2，S-2）",
       "未找到第{n}部分“{title}”{hint}"),
    _R("A-2", "warning", K_OUTLINE, "章节顺序与规定不符",
       "国办公开办函〔2021〕30号规定的六部分顺序（参考资料 §1.2，S-2）",
       "章节顺序为{found}，应为{expected}"),
    _R("A-3", "warning", K_PERIOD, "统计期限与报告年度不符或表述不规范",
       "统计期限为报告年度的1月1日至12月31日（参考资料 S-5）",
       "统计期限写为「{said}」，{why}；应为“{year}年1月1日至{year}年12月31日”"),
    _R("A-4", "warning", K_DATE, "发布日期晚于法定期限",
       "《政府信息公开条例》第四十九条：部门每年1月31日前、县级以上地方人民政府每年3月31日前公布上一年度报告",
       "页面显示的发布日期为{date}，晚于{level}的公布期限{deadline}（{basis}）"),
    _R("A-5", "warning", K_FEE, "未说明信息处理费收取情况",
       "第六部分“其他需要报告的事项”应说明信息处理费的收取情况（参考资料 §1.2、S-4）",
       "第六部分“其他需要报告的事项”中没有关于信息处理费的说明（如“本年度未收取信息处理费”）"),
    _R("A-6", "warning", K_TABLES, "规定的统计表缺失",
       "表二、表三、表四不得缺失或以文字代替（参考资料 S-2）",
       "第{n}部分“{title}”中没有找到{tname}"),
    _R("A-7", "info", K_OTHER, "页面内容不完整（截断）",
       "保存的页面在中途结束，其后的章节和表格无法审查",
       "页面内容在{after}之后中断{tail}，其后的内容没有审查"),
    _R("A-8", "warning", K_TITLE, "标题中的年度与报告年度不符或标题不规范",
       "标题应为“单位名称+年度+政府信息公开工作年度报告”（参考资料 S-5）",
       "{what}"),
    _R("A-9", "warning", K_TITLE, "正文中的年份疑似笔误",
       "本年度工作的叙述应以报告年度开头（参考资料 S-5：年度错写、照抄上年报告）",
       "{place}以“{said}”叙述，而报告年度为{year}年，疑为沿用上年报告的笔误"),
    _R("A-10", "warning", K_VALUES, "统计表单元格空白",
       "统计表各项应填写数字，没有发生的填0（参考资料 T3-4、T2-1、T4-2）",
       "{tname}有{n}个单元格空白（如{first}），无法区分“0”与“未填”"),
    _R("A-11", "info", K_OTHER, "报告文字未与统计表核对",
       "文字与统计表的核对目前只支持2021年格式",
       "报告使用《{name}》，文字与统计表的核对只支持2021年格式，本页未核对"),
    _R("A-13", "error", K_UNREADABLE, "页面不是政府信息公开工作年度报告",
       "页面中既没有年度报告的章节标题，也没有统计表，也没有“政府信息公开”字样",
       "页面中没有找到年度报告的章节、统计表或“政府信息公开”字样，不像是政府信息公开工作年度报告（可能是错误页、跳转页或其他文件）"),
    _R("A-14", "warning", K_ARITH, "正文中各分项之和与总数不符",
       "“共X条，其中A条、B条……”列出的分项之和应等于总数（参考资料 S-9）",
       "{place}：总数为{total}{unit}，其后列出的{n}个分项之和为{parts}{unit}，相差{diff}{unit}"),
    _R("A-12", "info", K_OTHER, "统计表无法按表格读取",
       "页面中有统计表的栏目名称，但表格被拆成了零散的文字（每格一行等），无法还原各单元格",
       "第{n}部分中出现了{tname}的栏目名称，但表格结构已丢失（如每个单元格各占一行），无法读取数字，未作勾稽审查"),
    _R("A-15", "warning", K_VALUES, "“处理决定数量”疑填为项目数量",
       "2019年格式表二第（五）（六）项的“处理决定数量”是本年作出的处理决定数，不是本年末的项目数量"
       "（上一年项目数量+本年增/减）；各行都恰好相等，是对2019年模板的常见误读（参考资料 §2.2）",
       "{tname}各行的处理决定数量都等于上一年项目数量+本年增/减（{rows}），疑将本年项目数量误填为处理决定数量"),
    _R("A-16", "warning", K_VALUES, "统计表结构损坏",
       "页面中统计表有两行以上的数字个数与栏目不符，无法确定各数字所在的栏目（导入时按“无法识别”留空）",
       "{tname}结构损坏：{n}个单元格无法对应到栏目（如{first}），这些单元格未作勾稽审查"),
)
RULE_BY_ID: dict[str, AuditRule] = {r.id: r for r in AUDIT_RULES}


@dataclass(frozen=True)
class ItemCountPattern:
    """A-15's data: in ``table``, the rows that have all three columns are checked."""
    table: str
    prev: str
    change: str
    decisions: str


#: 2019 试行 表二 第（五）（六）项 (cell codes T2.<row>.prev_items/change/decisions); a format
#: without these columns (2021) has no row to check
DECISIONS_AS_ITEMS = ItemCountPattern(table="T2", prev="prev_items", change="change", decisions="decisions")

#: A-16: a table counts as structurally damaged when at least this many of its rows could not be
#: given to columns; one such row alone (a stray number in an otherwise blank row) is the
#: importer's I-12 note in the kept workbook and, if the rest is blank, A-10
STRUCTURE_DAMAGE_MIN_ROWS = 2

#: the engine's rule IDs → kind of defect (prefix match for families such as L-*)
_ENGINE_KINDS: dict[str, str] = {
    "S-1": K_VERSION,
    "T3-1": K_SUMS, "T3-2": K_SUMS, "T3-3": K_SUMS, "T4-1": K_SUMS, "X-1": K_SUMS, "L-": K_SUMS,
    "T2-4": K_VALUES, "T3-4": K_VALUES, "T2-1": K_VALUES, "T4-2": K_VALUES,
    "T3-8": K_TEXT, "T3-9": K_TEXT, "T4-3": K_TEXT, "T2-6": K_TEXT, "S-8": K_TEXT, "S-9": K_TEXT,
}


def kind_of(rule_id: str) -> str:
    if rule_id in RULE_BY_ID:
        return RULE_BY_ID[rule_id].kind
    if rule_id in _ENGINE_KINDS:
        return _ENGINE_KINDS[rule_id]
    for prefix, kind in _ENGINE_KINDS.items():
        if prefix.endswith("-") and rule_id.startswith(prefix):
            return kind
    return K_OTHER


def is_defect(f: Finding) -> bool:
    """Errors and warnings are defects of the report; infos are notes for the reviewer."""
    return f.severity in ("error", "warning")


# -- the legal deadline for publishing (A-4) ---------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    month: int
    day: int
    basis: str


_DEPT = Deadline(1, 31, "条例第四十九条第一款")
_GOV = Deadline(3, 31, "条例第四十九条第二款")
#: 乡镇（街道）: not fixed by 第四十九条; provincial notices set 1月底 in practice [U]
_TOWN = Deadline(1, 31, "各地通知（通常为1月底）")
#: before the 2019 revision (reports for 2018 and earlier): every agency by 3月31日 (old 第三十一条)
_OLD = Deadline(3, 31, "原条例第三十一条")
DEADLINES: dict[str, Deadline] = {
    "国务院部门": _DEPT, "省级政府部门": _DEPT, "市级政府部门": _DEPT, "县级政府部门": _DEPT,
    "省级政府": _GOV, "市级政府": _GOV, "县级政府": _GOV,
    "乡镇（街道）": _TOWN,
}


def deadline_for(level: str | None, year: int) -> tuple[Deadline, str]:
    """(deadline, who) for a report of ``year`` by a unit of ``level`` (None: the latest one)."""
    if year <= 2018:
        return _OLD, level or "各行政机关"
    if level in DEADLINES:
        return DEADLINES[level], level
    return _GOV, "各级行政机关（行政层级未识别，按最晚期限）"
