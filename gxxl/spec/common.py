"""Rules shared by every format: the file (F-*), the cover (C-*, S-1), the findings (X-1)
and the notices of the cross-year check (P-*, T3-6, T3-10).

Declared once here and included by each format's spec (``FormatSpec(**COMMON, ...)``).
Each declaration carries the rule's ID, severity, Chinese message template(s) and its
basis; the code that executes or raises it is named in the rule model's docstring
(``gxxl/spec/model.py``) and in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from ..constants import YEAR_MAX, YEAR_MIN
from .model import (
    CoverChoiceRule,
    CoverRequiredRule,
    CoverYearRule,
    CreditCodeRule,
    FormatYearRule,
    NoticeRule,
    SuspectRule,
)

# --------------------------------------------------------------------------------------
# the file, as the reader finds it (gxxl.reader)
# --------------------------------------------------------------------------------------
F_1 = NoticeRule(
    id="F-1", title="文件无法读取", severity="error", raised_by="reader",
    basis="不是工作簿、已加密、是空文件或已损坏：无法读取任何数据",
    message="{name}：{reason}",
)
F_2 = NoticeRule(
    id="F-2", title="不是本系统的报表格式", severity="error", raised_by="reader",
    basis="工作簿中找不到政府信息公开年度报告统计表（或其中一张表）的栏目名称",
    message="{name}：{reason}",
    variants={"table_missing": "{name}：未找到{table}（{title}），该表的单元格按空白处理"},
)
F_3 = NoticeRule(
    id="F-3", title="单元格取值有疑问", severity="info", raised_by="reader",
    basis="数字以文本填写（全角数字、「12件」、千分位、以元填写的万元金额）时按数字读取并提示，不会悄悄当作0",
    message="{cell}：「{raw}」（{note}）按 {value} 读取",
)
F_4 = NoticeRule(
    id="F-4", title="表格布局被修改", severity="warning", raised_by="reader",
    basis="表格的行列位置与模板不同（插入、删除或移动了行列）时按栏目名称定位读取，须人工核对",
    message="{name}：{table}的布局与模板不同（{notes}），已按栏目名称定位读取，请核对",
    variants={"locator": "{name}：{reason}"},
)
F_5 = NoticeRule(
    id="F-5", title="单元格取值无效", severity="error", raised_by="reader",
    basis="单元格是公式错误值（#DIV/0!、#REF!、#N/A 等，含以文字输入的）、非数（NaN）、无穷大，"
          "或超出合理范围（绝对值大于 spec.model.MAX_PLAUSIBLE = 10亿）：没有可用的数字，不按0计算，不参加加总核对",
    message="{cell}：是错误值「{raw}」（公式或数据出错，如除数为0、引用无效），不能按0计算；请修正公式或填写数字",
    variants={
        "nan": "{cell}：「{raw}」不是有效数字（非数 NaN），不能按0计算；请重新填写",
        "inf": "{cell}：「{raw}」是无穷大，不是有效数字；请重新填写",
        "range": "{cell}：「{raw}」超出合理范围（绝对值大于 {limit} {unit}），可能是输入或公式错误；请核对",
    },
)
F_6 = NoticeRule(
    id="F-6", title="工作簿中没有任何数字", severity="error", raised_by="gaps",
    basis="所有单元格都是空白的工作簿不能视为通过",
    message="工作簿中没有任何数字（所有单元格都是空白），不能视为通过；请填写数字（没有发生的填0）",
)
F_7 = NoticeRule(
    id="F-7", title="来源不完整", severity="warning", raised_by="gaps",
    basis="gxxl import 导入的工作簿中不在来源里（来源不完整或被截断）或在来源中无法识别的单元格：涉及它们的校验结果说明不了报告本身，合并为一条",
    message="来源不完整：本工作簿由 gxxl import 导入，{parts}（{tables}）；涉及这些单元格的{count}条校验结果（勾稽关系、空白单元格）不逐条列出。请对照完整的原文补齐后再校验",
)
FILE_RULES = (F_1, F_2, F_3, F_4, F_5, F_6, F_7)

# --------------------------------------------------------------------------------------
# the cover (gxxl.validate)
# --------------------------------------------------------------------------------------
C_1 = CoverRequiredRule(
    id="C-1", title="封面必填项缺失",
    basis="封面的必填项（单位名称、行政层级、报告年度）须填写，否则无法汇总和核对",
    message="封面“{label}”未填写",
)
C_2_CHOICE = CoverChoiceRule(
    id="C-2", title="封面项目取值不合规",
    basis="行政层级等项目须从固定列表中选择，汇总按此分组",
    message="封面“{label}”为「{value}」，应为以下之一：{choices}",
)
C_2_YEAR = CoverYearRule(
    id="C-2", title="封面项目取值不合规",
    basis="报告年度为四位年份（《政府信息公开条例》2008年施行）", first=YEAR_MIN, last=YEAR_MAX,
    message="封面“{label}”为「{value}」，应为四位年份，如 2024",
)
C_2_CREDIT = CreditCodeRule(
    id="C-2", title="封面项目取值不合规",
    basis="GB 32100-2015《法人和其他组织统一社会信用代码编码规则》：18位，末位为校验码",
    message="封面“{label}”「{value}」不是有效的18位统一社会信用代码（校验位不符或含非法字符）",
)
S_1 = FormatYearRule(
    id="S-1", title="报表格式与报告年度不符",
    basis="统计表格式须与报告年度相符：2019—2020年度使用2019年试行格式（国办公开办函〔2019〕60号），"
          "2021年度起使用2021年格式（国办公开办函〔2021〕30号）",
    message="报告年度为{year}年，但统计表是{basis}格式（{years}）{hint}",
    years_open="适用于{first}年度起", years_closed="适用于{first}—{last}年度",
    hint="，{year}年度应使用《{name}》（{basis}）",
)
COVER_RULES = (C_1, C_2_CHOICE, C_2_YEAR, C_2_CREDIT, S_1)

# --------------------------------------------------------------------------------------
# on the other findings (gxxl.validate)
# --------------------------------------------------------------------------------------
X_1 = SuspectRule(
    id="X-1", title="多处不平衡的共同单元格",
    basis="一个单元格填错会使它所在的每个勾稽关系（所在列、所在行）都不平衡；同一张表中所有不平衡的和式共有的唯一单元格最可能是填错的地方",
    message="{cell}（{a1}）同时出现在{count}处不平衡（{rules}）中，最可能是这个单元格填错了",
)
SUMMARY_RULES = (X_1,)

# --------------------------------------------------------------------------------------
# notices of the cross-year check (gxxl.crossyear)
# --------------------------------------------------------------------------------------
P_1 = NoticeRule(
    id="P-1", title="上一年度文件不是上一年的报表", severity="warning", raised_by="crossyear",
    basis="跨年度核对只在上一年度的报表之间进行",
    message="上一年度文件{name}的报告年度为{previous}年，不是{expected}年，未进行跨年度数值核对；请提供{expected}年度的报表",
    variants={"no_year": "{which}报表封面未填报告年度，无法确认{name}是上一年度的报表；以下跨年度核对按上一年度处理"},
)
P_2 = NoticeRule(
    id="P-2", title="两年的单位名称不同", severity="warning", raised_by="crossyear",
    basis="跨年度核对只对同一单位有意义（机构改革更名须说明）",
    message="两年的单位名称不同：本年「{this}」，上年「{previous}」；如为同一单位（如机构改革更名）请说明，否则跨年度核对没有意义",
)
P_3 = NoticeRule(
    id="P-3", title="上一年度文件无法读取", severity="warning", raised_by="crossyear",
    basis="上一年度文件读不出数据时不做跨年度核对",
    message="上一年度文件无法读取，未进行跨年度核对（{reason}）",
)
T3_6 = NoticeRule(
    id="T3-6", title="上年为旧统计表，上年结转无法核对", severity="info", raised_by="crossyear",
    basis="2014–2018年《政府信息公开情况统计表》没有“结转下年度继续办理”，2019年度报告的“上年结转”无法与2018年核对（reference §4.1 T3-6）",
    message="{title}：未核对，{reason}",
    variants={"reason": "上年为2014–2018年《政府信息公开情况统计表》，旧表没有“结转下年度继续办理”，本年“上年结转”无法与上年核对"},
)
T3_10 = NoticeRule(
    id="T3-10", title="按2019→2021格式对应关系核对", severity="info", raised_by="crossyear",
    basis="2019→2020→2021的跨年度衔接仍然适用T3-5：除（六）外各行不变（reference §4.1 T3-10）",
    message="上年报表{name}为2019年试行格式：表三按两种格式的对应关系核对（除（六）其他处理外各行相同）",
)
PREVIOUS_RULES = (P_1, P_2, P_3, T3_6, T3_10)

#: what every format includes: ``FormatSpec(**COMMON, ...)``
COMMON = dict(file_rules=FILE_RULES, cover_rules=COVER_RULES, summary_rules=SUMMARY_RULES,
              previous_rules=PREVIOUS_RULES)
