"""The declarative format spec: the single source of truth for every format version.

A :class:`FormatSpec` describes one official format (for example the 2021 format of
国办公开办函〔2021〕30号): its cover fields, its tables (rows, columns, cells, units and
the printed layout) and its rules.  The template writer, the reader, the validator, the
roll-up, the report writer and the Excel layer all derive what they need from it; no
label or rule is typed anywhere else.

Spec objects are frozen standard-library dataclasses (:class:`gxxl.records.Frozen`):
keyword-only fields, no validation at run time (``tests/test_spec_types.py`` checks every
declared value against its annotation); derived data are ``functools.cached_property``.

Cells are addressed by a stable code ``"<table>.<row>.<column>"`` (for example
``"T3.new.np"``).  Sheet coordinates exist only in :class:`Layout` and are turned into
A1 addresses only where a finding is shown to a person.
"""

from __future__ import annotations

from dataclasses import field
from functools import cached_property
from typing import Literal

from ..records import Frozen

Severity = Literal["error", "warning", "info"]
Unit = Literal["件", "万元", "条", "次", "篇", "个", "人", "人次", "元"]
#: the largest plausible value of any table cell, counts (件, 条 …) and 万元 amounts alike
#: (10 亿件; 10 亿万元 = 10 万亿元): a larger one is a typing or formula error, reported by the
#: reader as F-5 and never used in a sum
MAX_PLAUSIBLE = 10**9


class Span(Frozen):
    """A printed label cell of the official table (row/col relative to the table origin)."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    kind: Literal["header", "label", "caption", "note"] = "header"


class Column(Frozen):
    code: str
    label: str
    #: header path from the top header row down, used to find the column by its labels
    path: tuple[str, ...] = ()


class Row(Frozen):
    code: str
    #: label path from the outermost group down to the row's own label (verbatim)
    path: tuple[str, ...]
    #: a short name for messages and report sentences (e.g. "（三）不予公开 1.属于国家秘密")
    short: str = ""

    @property
    def label(self) -> str:
        return self.path[-1]


class CellSpec(Frozen):
    code: str
    table: str
    row: str
    col: str
    unit: Unit = "件"
    #: "int" → whole number ≥ 0; "decimal" → number ≥ 0 (money)
    kind: Literal["int", "decimal"] = "int"
    #: position in the sheet, relative to the table origin (0-based)
    r: int
    c: int
    #: the value cell spans this many columns (merged), as in the official table
    colspan: int = 1
    #: the value may be negative (2019 试行 表二 "本年增/减"); otherwise it must be ≥ 0
    signed: bool = False


class Layout(Frozen):
    """Where things are printed: header spans, row-label spans and the sheet's geometry."""

    spans: tuple[Span, ...]
    #: number of columns the table occupies
    width: int
    #: number of rows the table occupies (header + data)
    height: int
    #: column widths in characters, index = table column
    col_widths: tuple[float, ...] = ()
    #: row heights in points for special rows {table row: height}
    row_heights: dict[int, float] = field(default_factory=dict)
    landscape: bool = False
    #: 1-based sheet row and column of table position (0, 0)
    origin: tuple[int, int] = (4, 1)

    def __post_init__(self) -> None:
        # widths and heights are declared as whole numbers (``col_widths=(26, 20)``) and
        # stored as the floats the annotations say
        object.__setattr__(self, "col_widths", tuple(float(w) for w in self.col_widths))
        object.__setattr__(self, "row_heights", {r: float(h) for r, h in self.row_heights.items()})


class TableSpec(Frozen):
    code: str  # "T2", "T3", "T4"
    number: str  # "表二"
    title: str  # "二、主动公开政府信息情况"
    sheet: str  # sheet name in the template
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]
    cells: tuple[CellSpec, ...]
    layout: Layout
    #: how the reader locates cells when the layout was edited: "grid" (rows by label,
    #: columns by header), "blocks" (each block's rows by label, value columns by header),
    #: "positional" (one data row below the header, columns by position in order)
    locate: Literal["grid", "blocks", "positional"] = "grid"
    #: the unit line printed above the table; empty → derived from the cells' units
    unit_note: str = ""

    @cached_property
    def row_by_code(self) -> dict[str, Row]:
        return {r.code: r for r in self.rows}

    @cached_property
    def col_by_code(self) -> dict[str, Column]:
        return {c.code: c for c in self.columns}

    @cached_property
    def sheet_positions(self) -> tuple[tuple[tuple[str, int, int], ...], tuple[tuple[int, int, str], ...]]:
        """((code, row, col) of each cell, (row, col, text) of each printed span), 1-based
        sheet coordinates in the template (computed by :mod:`gxxl.layout`)."""
        from ..layout import table_sheet_positions

        return table_sheet_positions(self)


class CoverField(Frozen):
    code: str
    label: str
    required: bool = False
    choices: tuple[str, ...] = ()
    kind: Literal["text", "year", "date", "credit_code", "phone"] = "text"
    hint: str = ""


class SumRule(Frozen):
    """``Σ lhs = Σ rhs`` for every instance of the loop (each column, each row, or once).

    ``loop`` names the table and what ``*`` in the terms runs over.  An instance is
    generated for each loop value for which every cell exists.  The message template can
    use ``{table}``, ``{item}`` (the loop value's label), ``{lhs}``, ``{rhs}``, ``{diff}``.
    """

    kind: Literal["sum"] = "sum"
    id: str
    title: str
    severity: Severity = "error"
    #: the official text or basis of the rule (kept as the rule's docstring)
    basis: str
    loop_table: str
    loop: Literal["columns", "rows", "none"]
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    message: str
    #: short names used in messages for the two sides
    lhs_name: str = ""
    rhs_name: str = ""
    #: appended to the message when blank cells were counted as 0 (``{count}``)
    blank_note: str = "（其中{count}个空白单元格按0计算）"


class DomainRule(Frozen):
    """Every cell of the listed tables holds a number of its kind (int ≥ 0 or decimal ≥ 0).

    A blank cell is reported with ``blank_severity`` (a blank is not silently a 0).
    """

    kind: Literal["domain"] = "domain"
    id: str
    title: str
    severity: Severity = "error"
    blank_severity: Severity = "warning"
    basis: str
    tables: tuple[str, ...]
    #: message templates; fields ``{label}`` (the cell's name), ``{raw}``, ``{value}``
    blank_message: str = "{label}：单元格为空白，按0计算；如确无此项请填0"
    nocache_message: str = "{label}：单元格是公式但没有计算结果，请在 Excel/WPS 中重新计算并保存"
    text_message: str = "{label}：「{raw}」不是数字，请填写数字（没有发生的填0）"
    negative_message: str = "{label}：{value} 为负数，应不小于0"
    not_whole_message: str = "{label}：{value} 不是整数，件数应为整数"


class ZeroForLevelsRule(Frozen):
    """Cells that must be 0 for units at some 行政层级 (e.g. 规章 below 设区的市)."""

    kind: Literal["zero_for_levels"] = "zero_for_levels"
    id: str
    title: str
    basis: str
    cells: tuple[str, ...]
    #: level → severity for levels where the cells must be 0
    levels: dict[str, Severity]
    message: str
    severity: Severity = "warning"


class LeqRule(Frozen):
    """``Σ lhs ≤ Σ rhs`` for every instance of the loop (a bound, e.g. 其中 ≤ 总数).

    Same loop and term conventions as :class:`SumRule`; usually a plausibility warning.
    """

    kind: Literal["leq"] = "leq"
    id: str
    title: str
    severity: Severity = "warning"
    basis: str
    loop_table: str
    loop: Literal["columns", "rows", "none"]
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    message: str
    lhs_name: str = ""
    rhs_name: str = ""


#: rules on the tables' values: each also compiles to spreadsheet formulas (``gxxl.formulas``)
Rule = SumRule | DomainRule | ZeroForLevelsRule | LeqRule


# --------------------------------------------------------------------------------------
# rules on the cover, on the file and on the other findings (shared by every format:
# declared once in ``spec/common.py`` and included by each format's spec)
# --------------------------------------------------------------------------------------
class CoverRequiredRule(Frozen):
    """A required cover field (``CoverField.required``) is filled in.

    Message fields: ``{label}`` (the cover field's label).
    """

    kind: Literal["cover_required"] = "cover_required"
    id: str
    title: str
    severity: Severity = "error"
    basis: str
    message: str


class CoverChoiceRule(Frozen):
    """A cover field with a fixed list (``CoverField.choices``) holds one of the choices.

    Message fields: ``{label}``, ``{value}``, ``{choices}`` (joined with 「、」).
    """

    kind: Literal["cover_choice"] = "cover_choice"
    id: str
    title: str
    severity: Severity = "error"
    basis: str
    message: str


class CoverYearRule(Frozen):
    """A cover field of kind ``year`` (without choices) holds a year in ``[first, last]``."""

    kind: Literal["cover_year"] = "cover_year"
    id: str
    title: str
    severity: Severity = "error"
    basis: str
    first: int
    last: int
    message: str


class CreditCodeRule(Frozen):
    """A cover field of kind ``credit_code`` (without choices) is a valid 统一社会信用代码
    (GB 32100-2015: 18 characters from the code alphabet with a check character)."""

    kind: Literal["credit_code"] = "credit_code"
    id: str
    title: str
    severity: Severity = "warning"
    basis: str
    message: str


class FormatYearRule(Frozen):
    """The cover's 报告年度 lies within the format's years (``FormatSpec.years``).

    Message fields: ``{year}``, ``{basis}`` (this format's), ``{years}`` (``years_open`` or
    ``years_closed`` filled with ``{first}``/``{last}``), ``{hint}`` (``hint`` filled with
    the right format's ``{name}``/``{basis}``, empty when no format applies).
    """

    kind: Literal["format_year"] = "format_year"
    id: str
    title: str
    severity: Severity = "error"
    basis: str
    message: str
    years_open: str
    years_closed: str
    hint: str


class SuspectRule(Frozen):
    """On the other findings: the one cell shared by every failing rule of ``of_kinds`` in
    a table, when there are at least two (where to look first).

    Message fields: ``{cell}`` (label), ``{a1}``, ``{count}``, ``{rules}``.
    """

    kind: Literal["suspect"] = "suspect"
    id: str
    title: str
    severity: Severity = "info"
    basis: str
    of_kinds: tuple[str, ...] = ("sum",)
    message: str


class NoticeRule(Frozen):
    """A rule whose condition is found where the data are (``raised_by``: the reader, the
    cross-year mapping), but whose ID, severity and message templates are declared here.

    ``message`` is the main template; ``variants`` are alternative templates by name.
    Findings are made with :func:`gxxl.validate.notice`.
    """

    kind: Literal["notice"] = "notice"
    id: str
    title: str
    severity: Severity
    basis: str
    #: "reader" (gxxl.reader), "crossyear" (gxxl.crossyear), "gaps" (gxxl.gaps, in validate)
    raised_by: Literal["reader", "crossyear", "gaps"]
    message: str
    variants: dict[str, str] = field(default_factory=dict)


#: rules on the cover (run on every filing, after the reader's own findings)
CoverRule = CoverRequiredRule | CoverChoiceRule | CoverYearRule | CreditCodeRule | FormatYearRule


#: marks a term of a CrossYearRule that names last year's cell (in this year's codes)
PREV = "prev:"


class CrossYearRule(Frozen):
    """A rule between this year's filing and last year's (``gxxl validate --previous``).

    Terms are cell patterns as in :class:`SumRule`; a term starting with ``prev:`` is a
    cell of last year's filing, expressed in this year's cell codes (a filing in an older
    format is first mapped onto them; cells without a counterpart are not compared).
    """

    kind: Literal["crossyear"] = "crossyear"
    id: str
    title: str
    severity: Severity = "warning"
    basis: str
    loop_table: str
    loop: Literal["columns", "rows", "none"]
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    op: Literal["=", "<="] = "="
    message: str
    #: the finding when no instance can be compared (the two years' formats differ);
    #: fields ``{title}``, ``{reason}``
    not_checked: str = "{title}：未核对，{reason}"
    #: appended to the message when blank cells were counted as 0 (``{count}``)
    blank_note: str = "（其中{count}个空白单元格按0计算）"
    not_checked_severity: Severity = "info"


AnyRule = Rule | CoverRule | SuspectRule | NoticeRule | CrossYearRule


class FormatSpec(Frozen):
    id: str  # "gov2021"
    version: str  # spec revision, bumped when the template changes
    name: str  # 《中华人民共和国政府信息公开工作年度报告格式》
    basis: str  # 国办公开办函〔2021〕30号
    years: tuple[int, int]  # first and last report year the format applies to (inclusive)
    cover_sheet: str
    cover: tuple[CoverField, ...]
    tables: tuple[TableSpec, ...]
    #: rules on the tables' values (each compiles to spreadsheet formulas)
    rules: tuple[Rule, ...]
    #: rules on the cover (C-1, C-2, S-1: ``spec.common.COVER_RULES``)
    cover_rules: tuple[CoverRule, ...] = ()
    #: rules on the other findings, run last (X-1: ``spec.common.SUMMARY_RULES``)
    summary_rules: tuple[SuspectRule, ...] = ()
    #: rules found by the reader (F-1 … F-4: ``spec.common.FILE_RULES``)
    file_rules: tuple[NoticeRule, ...] = ()
    #: rules against last year's filing (``gxxl validate --previous``)
    cross_year_rules: tuple[CrossYearRule, ...] = ()
    #: notices of the cross-year check (P-1 … P-3, T3-6, T3-10: ``spec.common.PREVIOUS_RULES``)
    previous_rules: tuple[NoticeRule, ...] = ()
    #: administrative levels (行政层级), fixed list
    levels: tuple[str, ...]

    @cached_property
    def table_by_code(self) -> dict[str, TableSpec]:
        return {t.code: t for t in self.tables}

    @cached_property
    def cells(self) -> dict[str, CellSpec]:
        """All cells in template order, by code."""
        return {c.code: c for t in self.tables for c in t.cells}

    @cached_property
    def checks(self) -> tuple:
        """The rules ``validate`` executes, in order: cover, tables, then on the findings."""
        return self.cover_rules + self.rules + self.summary_rules

    @cached_property
    def catalogue(self) -> tuple:
        """Every rule declared for this format: file, cover, tables, findings, cross-year."""
        return self.file_rules + self.checks + self.cross_year_rules + self.previous_rules

    @cached_property
    def rule_by_id(self) -> dict[str, AnyRule]:
        """Rule ID → its (first) declaration.  C-2 has one declaration per kind of check."""
        out: dict[str, AnyRule] = {}
        for r in self.catalogue:
            out.setdefault(r.id, r)
        return out

    @cached_property
    def cell_index(self) -> dict[str, int]:
        """Cell code → position in template order (finding order, the roll-up's arrays)."""
        return {code: i for i, code in enumerate(self.cells)}

    @cached_property
    def compiled_checks(self):
        """The fast path of ``validate``: each rule compiled to a prover (``gxxl.validate``)."""
        from ..validate import compile_checks

        return compile_checks(self)

    @cached_property
    def self_check(self):
        """The rules compiled to the template's check formulas (``gxxl.formulas``)."""
        from ..formulas import build_self_check

        return build_self_check(self)

    @cached_property
    def cover_by_code(self) -> dict[str, CoverField]:
        return {f.code: f for f in self.cover}

    @cached_property
    def cell_positions(self) -> dict[str, tuple[str, int, int]]:
        """code → (sheet, row, col) in the template (see :func:`gxxl.layout.cell_positions`)."""
        return {code: (t.sheet, r, c) for t in self.tables for code, r, c in t.sheet_positions[0]}

    @cached_property
    def signature(self) -> frozenset[str]:
        """The label keys identifying this format among the registered ones (:mod:`gxxl.detect`)."""
        from ..detect import signature_of

        return signature_of(self)

    def cell_label(self, code: str) -> str:
        """Human name of a cell: 「表三 自然人列 （一）予以公开」."""
        c = self.cells[code]
        t = self.table_by_code[c.table]
        row = t.row_by_code[c.row]
        col = t.col_by_code[c.col]
        return f"{t.number} {row.short or row.label}·{col.label}"


def cell_code(table: str, row: str, col: str) -> str:
    return f"{table}.{row}.{col}"
