"""The spec's rules compiled to spreadsheet formulas: the self-checking template.

One rule definition (``gxxl/spec``), two evaluators: the Python validator
(``gxxl.validate``) and the formulas built here, which Excel 2010+, WPS and LibreOffice
evaluate by themselves.  Every rule instance (``validate.sum_instances`` for sums and
bounds, one instance per cell for per-cell rules) becomes one visible *check cell* whose
value is a short text:

========  ==============================================================
``✓``     the instance holds
``✗ …``   an error   (``✗ 相差3``, ``✗ 负数``, ``✗ 非整数``, ``✗ 非数字``, ``✗ 应为0``)
``⚠ …``   a warning  (``⚠ 空白`` – counted as 0, ``⚠ 应为0``, a warning-level bound)
``— 未核对``  a sum with a non-numeric cell: not checked (that cell is itself an error)
========  ==============================================================

The first character is the severity, so counting, colouring and the differential test
all classify a check by ``text[:1]`` (:func:`classify`); formulas count with exact-match
``COUNTIF`` only (no wildcards, whose support differs between programs).

Where the check cells go (:func:`self_check`) follows from the table's geometry: beside
the table, outside the print area, on the table's own sheet, so that conditional
formatting of the input cells only refers to cells on the same sheet (Excel 2010 stores
cross-sheet conditional formats in an extension WPS may not read):

* a sum/bound rule whose instances sit in distinct columns (表三 per column, 表四 per
  block) gets a row below the table, each check under its instance's first cell;
  one whose instances sit in distinct rows (表三 per row) gets a column to the right;
* a per-cell rule gets a *mirror* of the table's value cells, to the right of tall
  tables and below wide ones, one check cell per input cell at a fixed offset.

A summary sheet (:data:`SHEET`) counts each rule's errors and warnings and the cover's
status cell (``layout.cover_status_row``) says 「校验：通过」 / 「校验：3处错误，2处警告」, the
same words and the same counts as the Python validator gives for those rules (blank cells
are warnings there as here).  Deliberate difference: a number stored as text (「12」,
「12件」, 「1,234」) is read with a note (F-3) by the tolerant Python reader, but the
workbook's own sums ignore text, so here it is ``✗ 非数字`` and the sums it is in are
``— 未核对``.

Only the functions in :data:`ALLOWED_FUNCTIONS` are used (a test parses every formula of
the template); no array formulas, no dynamic arrays, no volatile functions, no macros.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .layout import a1, cell_positions, col_letter, cover_positions, cover_status_row, COVER_VALUE_COL
from .spec import FormatSpec, TableSpec

#: functions every generated formula may use: present with the same meaning in
#: Excel 2010+, WPS 表格 and LibreOffice Calc (none volatile, none array-only)
ALLOWED_FUNCTIONS = frozenset(
    {
        "ABS", "AND", "COUNT", "COUNTA", "COUNTIF", "IF", "ISBLANK", "ISLOGICAL", "ISNUMBER",
        "FIND", "LEFT", "NOT", "OR", "ROUND", "SUM", "TRIM",
    }
)

#: the summary sheet (visible, protected)
SHEET = "自动校验"

OK = "✓"
SKIPPED = "— 未核对"
MARK = {"error": "✗", "warning": "⚠", "info": "ℹ"}
SEVERITY_OF_MARK = {v: k for k, v in MARK.items()}
#: words after the mark
W_DIFF = "相差"
W_OVER = "超出"
W_BLANK = "空白"
W_NEGATIVE = "负数"
W_NOT_INT = "非整数"
W_NOT_NUMBER = "非数字"
W_ZERO = "应为0"
STATUS_EMPTY = "校验：尚未填写"
STATUS_PASS = "校验：通过"

EPS = "0.000001"  # = gxxl.validate.EPS


def classify(text: object) -> str:
    """A check cell's value → "ok" | "error" | "warning" | "info" | "skipped" | "none"."""
    if not isinstance(text, str) or not text:
        return "none"
    if text == OK:
        return "ok"
    if text == SKIPPED:
        return "skipped"
    return SEVERITY_OF_MARK.get(text[:1], "error")


def _mark(severity: str, word: str) -> str:
    return f"{MARK[severity]} {word}"


def _q(text: str) -> str:
    """A string literal in a formula."""
    return '"' + text.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------
# references
# --------------------------------------------------------------------------------------
Pos = tuple[str, int, int]  # sheet, row, col (1-based)


def rects(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover (row, col) cells with few rectangles (r1, c1, r2, c2), in reading order."""
    todo = set(cells)
    out = []
    for r, c in sorted(todo):
        if (r, c) not in todo:
            continue
        c2 = c
        while (r, c2 + 1) in todo:
            c2 += 1
        r2 = r
        while all((r2 + 1, x) in todo for x in range(c, c2 + 1)):
            r2 += 1
        for rr in range(r, r2 + 1):
            for cc in range(c, c2 + 1):
                todo.discard((rr, cc))
        out.append((r, c, r2, c2))
    return out


def _sheet_prefix(sheet: str, here: str | None) -> str:
    return "" if sheet == here else "'" + sheet.replace("'", "''") + "'!"


def range_refs(positions: Iterable[Pos], here: str | None, *, absolute: bool = True) -> list[str]:
    """A1 references (``$D$9:$D$29``) covering ``positions``; sheet-qualified unless on ``here``."""
    by_sheet: dict[str, list[tuple[int, int]]] = {}
    for sheet, r, c in positions:
        by_sheet.setdefault(sheet, []).append((r, c))
    out = []
    for sheet, cells in by_sheet.items():
        for r1, c1, r2, c2 in rects(cells):
            a = _a1(r1, c1, absolute)
            ref = a if (r1, c1) == (r2, c2) else f"{a}:{_a1(r2, c2, absolute)}"
            out.append(_sheet_prefix(sheet, here) + ref)
    return out


def _a1(r: int, c: int, absolute: bool) -> str:
    return f"${col_letter(c)}${r}" if absolute else a1(r, c)


# --------------------------------------------------------------------------------------
# the compiled expressions (one per rule kind); ``ref`` maps a cell code to a reference
# --------------------------------------------------------------------------------------
def is_number(x: str) -> str:
    """A number that is not a boolean (LibreOffice keeps TRUE as the number 1)."""
    return f"AND(ISNUMBER({x}),NOT(ISLOGICAL({x})))"


def _not_all_numbers(refs: list[str], each: list[str]) -> str:
    """True when a non-blank cell is not a number: text and error values (COUNTA > COUNT),
    or a boolean, which LibreOffice counts as a number (hence ISLOGICAL cell by cell: in
    an array LibreOffice no longer sees that a 1 was TRUE)."""
    args = ",".join(refs)
    return f"OR(COUNTA({args})>COUNT({args}),{','.join(f'ISLOGICAL({x})' for x in each)})"


def _total(refs: list[str]) -> str:
    return f"ROUND(SUM({','.join(refs)}),6)"


def sum_formula(lhs: list[str], rhs: list[str], severity: str, each: list[str]) -> str:
    """Σlhs = Σrhs (SumRule instance), as ``validate._check_sum`` decides it.

    ``lhs``/``rhs`` are range references, ``each`` the instance's cells one by one.
    """
    d = f"ABS({_total(lhs)}-{_total(rhs)})"
    return (
        f"IF({_not_all_numbers(lhs + rhs, each)},{_q(SKIPPED)},"
        f"IF({d}<={EPS},{_q(OK)},{_q(_mark(severity, W_DIFF))}&ROUND({d},6)))"
    )


def leq_formula(lhs: list[str], rhs: list[str], severity: str, each: list[str]) -> str:
    """Σlhs ≤ Σrhs (LeqRule instance)."""
    d = f"{_total(lhs)}-{_total(rhs)}"
    return (
        f"IF({_not_all_numbers(lhs + rhs, each)},{_q(SKIPPED)},"
        f"IF({d}<={EPS},{_q(OK)},{_q(_mark(severity, W_OVER))}&ROUND({d},6)))"
    )


def domain_formula(x: str, *, integer: bool, signed: bool, severity: str, blank_severity: str) -> str:
    """One cell of a DomainRule: blank → warning; text → error; < 0; not whole."""
    inner = _q(OK)
    if integer:
        inner = f"IF(ABS({x}-ROUND({x},0))>{EPS},{_q(_mark(severity, W_NOT_INT))},{inner})"
    if not signed:
        inner = f"IF({x}<0,{_q(_mark(severity, W_NEGATIVE))},{inner})"
    return (
        f"IF(ISBLANK({x}),{_q(_mark(blank_severity, W_BLANK))},"
        f"IF({is_number(x)},{inner},{_q(_mark(severity, W_NOT_NUMBER))}))"
    )


def zero_formula(x: str, level: str, levels: dict[str, str]) -> str:
    """One cell of a ZeroForLevelsRule: a number ≠ 0 at a listed 行政层级."""
    lev = f"TRIM({level})"
    result = _q(OK)
    for severity in ("info", "warning", "error"):  # innermost first: error wins
        names = [name for name, s in levels.items() if s == severity]
        if names:
            cond = "OR(" + ",".join(f"{lev}={_q(n)}" for n in names) + ")"
            result = f"IF({cond},{_q(_mark(severity, W_ZERO))},{result})"
    return f"IF(AND({is_number(x)},{x}<>0),{result},{_q(OK)})"


def domain_texts(rule) -> list[tuple[str, str]]:
    """(severity, text) a DomainRule's check cells can show besides ``✓``."""
    return [(rule.severity, _mark(rule.severity, w)) for w in (W_NEGATIVE, W_NOT_INT, W_NOT_NUMBER)] + [
        (rule.blank_severity, _mark(rule.blank_severity, W_BLANK))]


def zero_texts(rule) -> list[tuple[str, str]]:
    """(severity, text) a ZeroForLevelsRule's check cells can show besides ``✓``."""
    return [(s, _mark(s, W_ZERO)) for s in dict.fromkeys(rule.levels.values())]


def vocabulary(rule) -> dict[str, tuple[str, ...]]:
    """Every fixed text a per-cell rule's check cells can show, by classification."""
    out: dict[str, list[str]] = {"ok": [OK]}
    for severity, text in FORMULAS[rule.kind].texts(rule):
        out.setdefault(severity, []).append(text)
    return {k: tuple(v) for k, v in out.items()}


# --------------------------------------------------------------------------------------
# the registry: rule kind → how its instances become check cells (keyed like
# ``gxxl.validate.EVALUATORS``; a kind of table rule without an entry is ``not_compiled``)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InstanceFormula:
    """A rule checked per instance (``validate.sum_instances``): one check cell each.

    ``build(rule, lhs_refs, rhs_refs, each_ref)`` → the formula (without "=")."""

    build: Callable[..., str]
    placement: str = "instances"


@dataclass(frozen=True)
class CellFormula:
    """A rule checked cell by cell: a mirror of its cells, one check cell each.

    ``cells(spec, rule)`` → the CellSpecs it checks; ``build(rule, cell, ref, level_ref)``
    → the formula (without "="); ``texts(rule)`` → every (severity, text) it can show
    besides ``✓`` (the summary counts them); ``paint_warnings``: warnings colour the input
    cell too (not for a DomainRule: a blank template would be all orange)."""

    cells: Callable[..., list]
    build: Callable[..., str]
    texts: Callable[..., list]
    paint_warnings: bool = True
    placement: str = "cells"


FORMULAS: dict[str, InstanceFormula | CellFormula] = {}


def formula(kind: str, entry: InstanceFormula | CellFormula) -> None:
    FORMULAS[kind] = entry


formula("sum", InstanceFormula(lambda rule, lhs, rhs, each: sum_formula(lhs, rhs, rule.severity, each)))
formula("leq", InstanceFormula(lambda rule, lhs, rhs, each: leq_formula(lhs, rhs, rule.severity, each)))
formula("domain", CellFormula(
    cells=lambda spec, rule: [cs for t in rule.tables for cs in spec.table_by_code[t].cells],
    build=lambda rule, cs, x, level: domain_formula(x, integer=cs.kind == "int", signed=cs.signed,
                                                    severity=rule.severity, blank_severity=rule.blank_severity),
    texts=domain_texts, paint_warnings=False,
))
formula("zero_for_levels", CellFormula(
    cells=lambda spec, rule: [spec.cells[c] for c in rule.cells],
    build=lambda rule, cs, x, level: zero_formula(x, level or '""', dict(rule.levels)),
    texts=zero_texts,
))


# --------------------------------------------------------------------------------------
# placement
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One rule instance and its check cell."""

    rule_id: str
    key: str  # "T3-1:np", "T3-4:T3.new.np"
    #: the instance's cells (the Python finding's ``cells``; one cell for per-cell rules)
    cells: tuple[str, ...]
    sheet: str
    row: int
    col: int
    formula: str  # with the leading "="
    #: the input cells a failing check colours, and how ("sum" light, "cell" strong)
    paint: str

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{a1(self.row, self.col)}"


@dataclass(frozen=True)
class Label:
    sheet: str
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    #: "header" (above check columns), "label" (left of a check row), "title" (a row of its own),
    #: "caption" (the check area's caption), "merge" (no text: a merged check cell)
    kind: str = "header"


@dataclass(frozen=True)
class Highlight:
    """A conditional format: ``formula`` true → ``style`` on ``sqref`` (same sheet)."""

    sheet: str
    sqref: str
    formula: str  # without "="
    style: str  # "cell_error" | "cell_warning" | "sum_error" | "sum_warning"


@dataclass(frozen=True)
class RuleSummary:
    rule_id: str
    title: str
    where: str  # "表三 依申请公开!D34:J34"
    count: int
    errors: str  # formula expression (no "=")
    warnings: str


@dataclass
class SelfCheck:
    checks: list[Check] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    summaries: list[RuleSummary] = field(default_factory=list)
    #: sheet → {column: width} for the check columns
    widths: dict[str, dict[int, float]] = field(default_factory=dict)
    #: sheet → {row: height} for check rows
    heights: dict[str, dict[int, float]] = field(default_factory=dict)
    #: rules that cannot be expressed as a formula (by ID)
    not_compiled: list[str] = field(default_factory=list)
    #: references (from the summary sheet) of every input cell, for 「尚未填写」
    inputs: list[str] = field(default_factory=list)


#: width of a check column (characters) and of the gap before a check block
CHECK_WIDTH = 9.0
SUM_COLUMN_WIDTH = 12.0
MIRROR_MIN_WIDTH = 24.0  # a one-column mirror is widened so that its header stays legible
GAP_WIDTH = 2.0
CAPTION_RIGHT = "自动校验（公式自动计算，无需填写，不打印）"
CAPTION_BELOW = "▼ 自动校验（公式自动计算，无需填写，不打印）"


def _cell_rules(spec: FormatSpec, table: TableSpec) -> list:
    """Per-cell rules whose (first) cell is in ``table``; their mirror goes beside it."""
    out = []
    for rule in spec.rules:
        entry = FORMULAS.get(rule.kind)
        if entry is not None and entry.placement == "cells":
            cells = [cs for cs in entry.cells(spec, rule) if cs.table == table.code]
            if cells:
                out.append((rule, entry, cells))
    return out


def _sum_rules(spec: FormatSpec, table: TableSpec) -> list:
    out = []
    for rule in spec.rules:
        entry = FORMULAS.get(rule.kind)
        if entry is not None and entry.placement == "instances" and rule.loop_table == table.code:
            out.append((rule, entry))
    return out


class _Area:
    """Free space beside one table: columns to the right, rows below (each after a gap)."""

    def __init__(self, out: "SelfCheck", table: TableSpec):
        self.out, self.table, self.sheet = out, table, table.sheet
        self.r0, self.c0 = table.layout.origin
        self.width = table.layout.width
        self.right0 = self.c0 + self.width + 1  # first check column (one gap column)
        self.below0 = self.r0 + table.layout.height + 1  # caption row (one gap row)
        self.right = self.right0
        self.below = self.below0 + 1
        #: headers of the check columns start here (the table's header band and the free
        #: row above it); the caption sits one row higher
        self.head_top = max(1, self.r0 - 1) if self.r0 > 2 else self.r0
        self.widths = out.widths.setdefault(self.sheet, {})
        self.heights = out.heights.setdefault(self.sheet, {})

    def columns(self, n: int, width: float) -> int:
        """Take ``n`` columns on the right (after a gap if something is there already)."""
        if self.right > self.right0:
            self.widths[self.right] = GAP_WIDTH
            self.right += 1
        first = self.right
        for i in range(n):
            self.widths[first + i] = width
        self.right += n
        return first

    def rows(self, n: int) -> int:
        first = self.below
        self.below += n
        return first

    def close(self) -> None:
        lab = self.out.labels
        if self.below > self.below0 + 1:
            lab.append(Label(self.sheet, self.below0, self.c0, CAPTION_BELOW, colspan=self.width, kind="caption"))
        if self.right > self.right0:
            self.widths[self.right0 - 1] = GAP_WIDTH
            lab.append(Label(self.sheet, max(1, self.head_top - 1), self.right0, CAPTION_RIGHT,
                             colspan=self.right - self.right0, kind="caption"))


def self_check(spec: FormatSpec) -> SelfCheck:
    """Where every check cell goes and what it computes, for ``spec``'s template.

    Cached on the spec object (``spec.self_check``); treat the result as read-only.
    """
    return spec.self_check


def build_self_check(spec: FormatSpec) -> SelfCheck:
    from .validate import sum_instances

    out = SelfCheck()
    pos = cell_positions(spec)
    level = None
    if "level" in spec.cover_by_code:
        r, c = cover_positions(spec)["level"]
        level = (spec.cover_sheet, r, c)
    for table in spec.tables:
        area = _Area(out, table)
        sheet, r0, c0 = table.sheet, area.r0, area.c0
        head_rows = min(cs.r for cs in table.cells)  # header band above the first value row
        rows_used = {cs.r for cs in table.cells}
        cols_used = {cs.c for cs in table.cells}
        tall = len(rows_used) >= len(cols_used)  # mirrors go right of tall tables, below wide ones

        # ---- sums and bounds: a row below the table, or a column to its right --------
        for rule, entry in _sum_rules(spec, table):
            instances = sum_instances(spec, rule)
            if not instances:
                continue
            anchors = [pos[i.lhs[0]] for i in instances]
            title = f"{rule.id} {rule.title}"
            if len({c for _, _, c in anchors}) == len(anchors):  # one per column: a row below
                free = min(c for _, _, c in anchors) - c0  # label columns left of the first check
                if free < 1:
                    out.labels.append(Label(sheet, area.rows(1), c0, title, colspan=area.width, kind="title"))
                row = area.rows(1)
                if free >= 1:
                    out.labels.append(Label(sheet, row, c0, title, colspan=free, kind="label"))
                    room = sum(_widths(table)[:free])
                    area.heights[row] = 15 * max(1, -(-len(title) * 1.9 // room))
                places = [(row, c) for _, _, c in anchors]
            elif len({r for _, r, _ in anchors}) == len(anchors):  # one per row: a column
                col = area.columns(1, SUM_COLUMN_WIDTH)
                out.labels.append(Label(sheet, area.head_top, col, title, rowspan=r0 + head_rows - area.head_top,
                                        kind="header"))
                places = [(r, col) for _, r, _ in anchors]
            else:  # pragma: no cover - no such layout in the formats so far
                out.not_compiled.append(rule.id)
                continue
            placed = []
            for inst, (r, c) in zip(instances, places):
                lhs = range_refs([pos[x] for x in inst.lhs], sheet)
                rhs = range_refs([pos[x] for x in inst.rhs], sheet)
                each = [range_refs([pos[x]], sheet)[0] for x in dict.fromkeys(inst.lhs + inst.rhs)]
                chk = Check(rule.id, f"{rule.id}:{inst.item}", inst.lhs + inst.rhs, sheet, r, c,
                            "=" + entry.build(rule, lhs, rhs, each), "sum")
                placed.append(chk)
                # the input cells of a failing instance turn red (orange for a warning)
                sqref = " ".join(x.replace("$", "") for x in range_refs([pos[x] for x in dict.fromkeys(chk.cells)], sheet))
                me = range_refs([(sheet, r, c)], sheet)[0]
                style = "sum_error" if rule.severity == "error" else "sum_warning"
                out.highlights.append(Highlight(sheet, sqref, f'LEFT({me},1)="{MARK[rule.severity]}"', style))
            out.checks += placed
            n = len(placed)
            refs = range_refs([(c.sheet, c.row, c.col) for c in placed], None)
            ok = "+".join(f"COUNTIF({x},{_q(OK)})" for x in refs)
            skip = "+".join(f"COUNTIF({x},{_q(SKIPPED)})" for x in refs)
            failing = f"{n}-({ok})-({skip})"
            out.summaries.append(RuleSummary(
                rule.id, rule.title, _where(placed), n,
                errors=failing if rule.severity == "error" else "0",
                warnings=failing if rule.severity == "warning" else "0",
            ))

        # ---- per-cell rules: a mirror of the value cells at a fixed offset --------------
        for rule, entry, cells in _cell_rules(spec, table):
            rmin, rmax = min(cs.r for cs in cells), max(cs.r for cs in cells)
            cmin, cmax = min(cs.c for cs in cells), max(cs.c + cs.colspan - 1 for cs in cells)
            title = f"{rule.id} {rule.title}"
            if tall:  # to the right, row by row
                span = cmax - cmin + 1
                first = area.columns(span, max(CHECK_WIDTH, MIRROR_MIN_WIDTH / span))
                dr, dc = 0, first - (c0 + cmin)
                out.labels.append(Label(sheet, area.head_top, first, title + "（与左侧表格逐格对应）",
                                        rowspan=r0 + rmin - area.head_top, colspan=span, kind="header"))
            else:  # wide: below, column by column
                cap = area.rows(1)
                out.labels.append(Label(sheet, cap, c0 + cmin, title + "（与上方表格逐格对应）",
                                        colspan=cmax - cmin + 1, kind="title"))
                first = area.rows(rmax - rmin + 1)
                dr, dc = first - (r0 + rmin), 0
            placed = []
            for cs in cells:
                _, r, c = pos[cs.code]
                x = range_refs([pos[cs.code]], sheet)[0]
                f = entry.build(rule, cs, x, range_refs([level], sheet)[0] if level else None)
                placed.append(Check(rule.id, f"{rule.id}:{cs.code}", (cs.code,), sheet, r + dr, c + dc, "=" + f, "cell"))
                if cs.colspan > 1:
                    out.labels.append(Label(sheet, r + dr, c + dc, "", colspan=cs.colspan, kind="merge"))
            out.checks += placed
            # conditional formats: relative references, one per rectangle of input cells
            for r1, c1, r2, c2 in rects([pos[c.cells[0]][1:] for c in placed]):
                sq = a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"
                me = a1(r1 + dr, c1 + dc)
                out.highlights.append(Highlight(sheet, sq, f'LEFT({me},1)="{MARK["error"]}"', "cell_error"))
                if entry.paint_warnings:
                    out.highlights.append(Highlight(sheet, sq, f'LEFT({me},1)="{MARK["warning"]}"', "cell_warning"))
            vocab = vocabulary(rule)
            refs = range_refs([(c.sheet, c.row, c.col) for c in placed], None)

            def count(texts: tuple[str, ...], refs=refs) -> str:
                return "+".join(f"COUNTIF({x},{_q(t)})" for x in refs for t in texts) or "0"

            out.summaries.append(RuleSummary(
                rule.id, rule.title, _where(placed), len(placed),
                errors=count(vocab.get("error", ())), warnings=count(vocab.get("warning", ())),
            ))
        area.close()
        out.inputs += range_refs([pos[cs.code] for cs in table.cells], None)
    done = {s.rule_id for s in out.summaries}
    out.not_compiled += [r.id for r in spec.rules if r.id not in done and r.id not in out.not_compiled]
    return out


def _widths(table: TableSpec) -> list[float]:
    w = list(table.layout.col_widths)
    return w + [8.43] * (table.layout.width - len(w))


def _where(checks: list[Check]) -> str:
    """「表三 依申请公开!L7:L31」: the sheet and range of a rule's check cells."""
    sheet = checks[0].sheet
    rows = [c.row for c in checks]
    cols = [c.col for c in checks]
    tl, br = a1(min(rows), min(cols)), a1(max(rows), max(cols))
    return f"{sheet}!{tl}" if tl == br else f"{sheet}!{tl}:{br}"


# --------------------------------------------------------------------------------------
# the summary sheet and the cover's status cell
# --------------------------------------------------------------------------------------
SUMMARY_HEAD = ("规则", "检查内容", "校验单元格位置", "检查项", "错误", "警告", "结果")
SUMMARY_FIRST = 7  # first rule row on the summary sheet (row 6: the column heads)


def summary_rows(sc: SelfCheck) -> tuple[int, int]:
    """(first rule row, totals row) on the summary sheet."""
    return SUMMARY_FIRST, SUMMARY_FIRST + len(sc.summaries)


def rule_result_formula(e: str, w: str) -> str:
    return (f'=IF({e}>0,"{MARK["error"]} "&{e}&"处错误"&IF({w}>0,"，"&{w}&"处警告",""),'
            f'IF({w}>0,"{MARK["warning"]} "&{w}&"处警告",{_q(OK)}))')


def status_formula(errors: str, warnings: str, inputs: list[str]) -> str:
    """The cover's 「校验：…」 line, worded like ``findings.status_line``."""
    blank = f"COUNTA({','.join(inputs)})=0" if inputs else "FALSE"
    return (
        f"=IF({blank},{_q(STATUS_EMPTY)},IF(AND({errors}=0,{warnings}=0),{_q(STATUS_PASS)},"
        f'"校验："&IF({errors}>0,{errors}&"处错误"&IF({warnings}>0,"，",""),"")'
        f'&IF({warnings}>0,{warnings}&"处警告","")))'
    )


def status_cell(spec: FormatSpec) -> tuple[str, int, int]:
    """(sheet, row, col) of the cover's status cell."""
    return spec.cover_sheet, cover_status_row(spec), COVER_VALUE_COL


__all__ = [
    "ALLOWED_FUNCTIONS", "SHEET", "OK", "SKIPPED", "MARK", "Check", "Label", "Highlight", "RuleSummary",
    "SelfCheck", "classify", "self_check", "status_formula", "status_cell", "rule_result_formula",
    "summary_rows", "sum_formula", "leq_formula", "domain_formula", "zero_formula", "rects", "range_refs",
    "vocabulary",
]

