"""``gxxl import``: tables that were not made by gxxl → a filled gxxl workbook.

Sources: a published report as text (「a | b | c」 lines, seed 004), an HTML page
(``<table>`` with rowspan/colspan), a .docx, or any workbook holding the official tables
in some other layout.  The importer parses the source into grids (:mod:`.sources`); the
format is detected and every cell located by its labels with the same detector
(:mod:`gxxl.detect`) and label locator (:mod:`gxxl.locate`) as the reader, never by a
fixed position.  Whatever the importer decides that a person might dispute — a label
matched approximately, a header mapped by position, 「/」 read as blank, a cover field
taken from the title — becomes a finding with an I-* rule (listed on screen and on the
导入说明 sheet of the output workbook):

======  ==========================================================================
I-1     a table, row or column of the official table was not found (cells left blank)
I-2     a label matched approximately (traditional script, typo, truncated, other numbering)
I-3     header unreadable or incomplete: columns mapped by their position in the block
I-4     「/」「-」「无」 and the like: recorded as blank (never 0)
I-5     a value converted (full-width digits, 「12件」, thousands separator, 元 → 万元)
I-6     text that is not a number: kept as text (the validator reports it)
I-7     empty cells kept blank (not 0)
I-8     where a cover field came from (option, a labelled field, the title, the text, a guess)
I-9     which format was assumed, and why
I-10    the same table found more than once: the most complete copy is used
I-11    columns in the source that are not in the official table: ignored
I-12    a row is in the source but its numbers cannot be given to columns: left blank
I-13    cells not in the source (the copy stops, or the rows are missing): left blank
======  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..detect import detect_format
from ..filing import Filing
from ..findings import Finding, fmt_num
from ..spec import FormatSpec, all_specs, get_spec, spec_for_year
from ..text import parse_number_text
from .cover import Found, cover_from_document, infer_level
from ..hanzi import to_simplified, traditional_share
from ..locate import Decision, TableHit, locate_best
from ..locate.match import key, kind_of
from ..locate import Placed
from ..reader import shown_value, unusable_value
from .stream import StreamHit, label_texts, match_table
from .sources import Document, SourceError, read_source

__all__ = ["ImportResult", "SourceError", "import_source", "write_import", "IMPORT_SHEET", "STATE_ZH"]

IMPORT_SHEET = "导入说明"
#: how the four cell states (and text kept as text) are named to a person
STATE_ZH = {"number": "数字", "blank": "原文空白", "text": "文字", "unreadable": "无法识别", "absent": "不在来源中"}
IMPORT_HEADERS = ("序号", "级别", "规则", "位置", "原文", "导入值", "说明")


@dataclass
class ImportResult:
    filing: Filing
    findings: list[Finding]
    document: Document
    #: table code → (cells found, cells in the official table)
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: cell code → "number", "blank" (published blank), "text", "absent" (not in the source),
    #: "unreadable" (in the source, but not attributable to a column)
    states: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> FormatSpec:
        return self.filing.spec

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def state_counts(self) -> dict[str, dict[str, int]]:
        """table code → {state: number of cells} (see ``states``; a cell not found is absent)."""
        out: dict[str, dict[str, int]] = {}
        for t in self.spec.tables:
            counts: dict[str, int] = {}
            for cs in t.cells:
                s = self.states.get(cs.code, "absent")
                counts[s] = counts.get(s, 0) + 1
            out[t.code] = counts
        return out


def import_source(path: str | Path, *, spec_id: str | None = None, unit: str | None = None,
                  level: str | None = None, year: int | None = None) -> ImportResult:
    """Read ``path`` and return the filing with the importer's findings.

    Raises :class:`SourceError` (a Chinese message) when the source cannot be read at all.
    """
    path = Path(path)
    doc = read_source(path)
    decisions: list[Decision] = []
    share = traditional_share(doc.all_text)
    if share >= 0.03:
        decisions.append(Decision("I-2", "info", "来源使用繁体字，已按繁简对照识别栏目名称（原文未改动）"))
    spec = _choose_spec(doc, spec_id, year, decisions)
    hits, states = _locate_all(doc, spec, decisions)
    filing = Filing(spec_id=spec.id, source=str(path))
    coverage = _fill_values(filing, spec, hits, decisions, states, text_source=doc.kind == "text")
    from ..gaps import gap_meta

    filing.meta.update(gap_meta(states))
    _fill_cover(filing, spec, doc, decisions, unit=unit, level=level, year=year)
    y = filing.cover.get("year")
    if isinstance(y, int) and not spec.years[0] <= y <= spec.years[1]:
        right = spec_for_year(y)
        decisions.append(Decision(
            "I-9", "warning",
            f"来源的统计表是《{spec.name}》格式，但报告年度为{y}年"
            + (f"（{y}年度应使用《{right.name}》）" if right else "")
            + "；已按来源的格式导入，没有换算，校验时会提示 S-1",
            cells=("cover.year",),
        ))
    findings = [_finding(d, filing) for d in decisions]
    return ImportResult(filing=filing, findings=findings, document=doc, coverage=coverage, states=states)


# --------------------------------------------------------------------------------------
# which format
# --------------------------------------------------------------------------------------
def _choose_spec(doc: Document, spec_id: str | None, year: int | None, decisions: list[Decision]) -> FormatSpec:
    specs = all_specs()
    if spec_id:
        decisions.append(Decision("I-9", "info", f"按指定格式导入：《{specs[spec_id].name}》（{specs[spec_id].basis}）"))
        return specs[spec_id]
    found = detect_format([c.text for g in doc.grids for row in g.rows for c in row] + label_texts(doc.tokens))
    if found.spec is not None:
        spec = found.spec
        decisions.append(Decision("I-9", "info", f"按表格栏目判断为《{spec.name}》（{spec.basis}）"))
        return spec
    by_year = spec_for_year(year) if year else None
    if by_year is None:
        from .cover import cover_from_document

        y = cover_from_document(doc, get_spec()).get("year")
        by_year = spec_for_year(y.value) if y and isinstance(y.value, int) else None
    spec = by_year or get_spec()
    decisions.append(Decision(
        "I-9", "warning" if by_year is None else "info",
        f"栏目名称不足以判断格式，按{'报告年度' if by_year else '默认'}采用《{spec.name}》（{spec.basis}）；如不对请用 --format 指定",
    ))
    return spec


# --------------------------------------------------------------------------------------
# the tables
# --------------------------------------------------------------------------------------
def _locate_all(doc: Document, spec: FormatSpec, decisions: list[Decision]) -> tuple[dict[str, TableHit], dict[str, str]]:
    """The best copy of each table: by the labels of a real grid, or from the stream of cells
    (:mod:`.stream`), whichever recovers more; and the state of every cell not found."""
    hits: dict[str, TableHit] = {}
    states: dict[str, str] = {}
    for table in spec.tables:
        best, found = locate_best(doc.grids, table)
        sh = match_table(doc.tokens, table) if doc.tokens else None
        if sh is not None and (best is None or (_grid_numbers(best), len(best.values)) < (sh.count("value"), sh.count("value", "blank"))):
            hits[table.code] = _stream_hit(table, sh, states, decisions)
            continue
        if best is None:
            decisions.append(Decision(
                "I-1", "warning", f"来源中未找到{table.number}（{table.title}），该表的单元格全部留空（不在来源中，不是0）",
                cells=tuple(c.code for c in table.cells),
            ))
            for cs in table.cells:
                states[cs.code] = "absent"
            continue
        hits[table.code] = best
        complete = [h for h in found if len(h.values) >= 0.8 * len(table.cells)]
        if len(complete) > 1:
            others = "、".join(h.grid.name for h in complete if h is not best)
            decisions.append(Decision(
                "I-10", "warning",
                f"{table.number}在来源中出现了{len(complete)}次（{best.grid.name}；{others}），采用最完整的一处（{best.grid.name}）；请确认两处数字是否一致",
            ))
        decisions.extend(best.decisions)
    return hits, states


def _grid_numbers(hit: TableHit) -> int:
    return sum(1 for p in hit.values.values() if p.cell is not None and kind_of(p.cell.text, p.cell.raw) == "number")


def _stream_hit(table, sh: StreamHit, states: dict[str, str], decisions: list[Decision]) -> TableHit:
    """A stream match as a :class:`TableHit` (cells with a token); the other cells' states."""
    from .sources import Cell, Grid

    hit = TableHit(table=table, grid=Grid(name="正文"), rows_found=sh.rows_found, rows_total=len(table.rows))
    for code, sc in sh.cells.items():
        if sc.state in ("value", "blank") and sc.token is not None:
            cell = Cell(text=sc.token.text, r=0, c=0, where=sc.token.where)
            hit.values[code] = Placed(code, cell, sc.token.where)
        elif sc.state == "blank":
            hit.values[code] = Placed(code, None, sc.where or "正文")
        else:
            states[code] = sc.state
    for label, why, where in sh.unreadable:
        decisions.append(Decision(
            "I-12", "warning",
            f"{table.number}「{label}」（{where}）{why}，无法确定各数字所在的栏目，该行未导入（留空，不是0），请对照原文填写",
            cells=tuple(cs.code for cs in table.cells if cs.row in {r.code for r in table.rows if (r.short or r.label) == label}),
        ))
    absent = [code for code, sc in sh.cells.items() if sc.state == "absent"]
    if absent:
        decisions.append(Decision(
            "I-13", "warning",
            f"{table.number}有{len(absent)}个单元格不在来源中（来源不完整或在此截断，如{table_label(table, absent[0])}），留空，不是0；"
            "校验时按“来源不完整”处理",
            cells=tuple(absent),
        ))
    return hit


def table_label(table, code: str) -> str:
    cs = next(c for c in table.cells if c.code == code)
    row = table.row_by_code[cs.row]
    return f"「{row.short or row.label}」{table.col_by_code[cs.col].label}"


def _fill_values(filing: Filing, spec: FormatSpec, hits: dict[str, TableHit], decisions: list[Decision],
                 states: dict[str, str], *, text_source: bool = False):
    coverage = {}
    for table in spec.tables:
        hit = hits.get(table.code)
        blanks: list[tuple[str, str]] = []
        n = 0
        for cs in table.cells:
            code = cs.code
            placed = hit.values.get(code) if hit else None
            if placed is None:
                filing.values[code] = None
                filing.problems[code] = ("blank", "")
                states.setdefault(code, "absent")
                continue
            n += 1
            cell = placed.cell
            label = spec.cell_label(code)
            if cell is None and hit.grid.name != "正文" and text_source:
                # a row of a text export shorter than its header: the cell is not in the source
                # (wrapped or cut), which is not the same as published blank
                filing.values[code] = None
                filing.problems[code] = ("blank", "")
                states[code] = "absent"
                continue
            if cell is None or (cell.text == "" and not isinstance(cell.raw, (int, float))):
                filing.values[code] = None
                filing.problems[code] = ("blank", "")
                states[code] = "blank"
                blanks.append((code, placed.where))
                continue
            raw = cell.raw
            bad = unusable_value(raw if isinstance(raw, (int, float)) else cell.text)
            if bad is not None:  # #DIV/0!, NaN, ±∞, beyond 10⁹: as the reader does (F-5 when read)
                _unusable(filing, code, label, bad if isinstance(bad, str) else shown_value(bad), placed.where, decisions)
                states[code] = "text"  # kept as the source's text
                continue
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                value, note, unit = raw, "", ""
            else:
                text = cell.text.strip()
                kind = kind_of(text)
                if kind == "placeholder":
                    filing.values[code] = None
                    filing.problems[code] = ("blank", "")
                    states[code] = "blank"
                    decisions.append(Decision(
                        "I-4", "warning",
                        f"{label}：来源填的是「{text}」（{placed.where}），按空白导入，没有当作0；如确为0请填0",
                        cells=(code,), reported=text,
                    ))
                    continue
                p = parse_number_text(to_simplified(text))
                if p.value is None:
                    filing.values[code] = None
                    filing.problems[code] = ("text", text)
                    states[code] = "text"
                    decisions.append(Decision(
                        "I-6", "warning", f"{label}：来源为文字「{text}」（{placed.where}），不是数字，原样写入，请改为数字",
                        cells=(code,), reported=text,
                    ))
                    continue
                value, unit = p.value, p.unit
                note = p.note.replace("以文本形式存储的数字", "").strip("、")
            value, note = _units(cs, value, unit, note, placed.header)
            if unusable_value(value) is not None:  # a text number beyond 10⁹ (or 309 digits)
                _unusable(filing, code, label, cell.text.strip(), placed.where, decisions)
                states[code] = "text"
                continue
            value = int(value) if isinstance(value, float) and value.is_integer() else value
            filing.values[code] = value
            states[code] = "number"
            if note:
                decisions.append(Decision(
                    "I-5", "info", f"{label}：「{cell.text}」（{placed.where}）{note}，按 {fmt_num(value)} 导入",
                    cells=(code,), reported=cell.text,
                ))
        if blanks:
            decisions.append(Decision(
                "I-7", "info",
                f"{table.number}有{len(blanks)}个单元格在来源中是空白（如{blanks[0][1]}），导入后保持空白，没有当作0",
                cells=tuple(c for c, _ in blanks),
            ))
        coverage[table.code] = (n, len(table.cells))
    return coverage


def _unusable(filing: Filing, code: str, label: str, kept: str, where: str, decisions: list[Decision]) -> None:
    """A cell with no usable number: ``kept`` (the source's text) is written to the output."""
    shown = shown_value(kept)
    filing.values[code] = None
    filing.problems[code] = ("invalid", kept)
    decisions.append(Decision(
        "I-6", "warning",
        f"{label}：来源为「{shown}」（{where}），不是有效数字，原样写入，没有当作0；请改为正确的数字",
        cells=(code,), reported=shown,
    ))


def _units(cs, value, unit: str, note: str, header: str):
    notes = [note] if note else []
    if cs.unit == "万元":
        header = to_simplified(header)
        header_unit = "元" if ("元" in header and "万元" not in header) else ""
        if unit == "元" or (not unit and header_unit == "元"):
            value = value / 10000
            notes.append("单位为元，已换算为万元")
    elif unit and unit not in (cs.unit, "件", "个", "条", "项", "宗"):
        notes.append(f"带单位「{unit}」")
    return value, "，".join(x for x in notes if x)


# --------------------------------------------------------------------------------------
# the cover
# --------------------------------------------------------------------------------------
_HOW = {"field": "来源中的“{label}”一栏", "title": "报告标题", "text": "正文"}


def _fill_cover(filing: Filing, spec: FormatSpec, doc: Document, decisions: list[Decision], *,
                unit: str | None, level: str | None, year: int | None) -> None:
    found = cover_from_document(doc, spec)
    given = {"unit_name": unit, "level": level, "year": year}
    for f in spec.cover:
        opt = given.get(f.code)
        hit: Found | None = found.get(f.code)
        if opt not in (None, ""):
            filing.cover[f.code] = opt
            if hit is not None and _differs(hit.value, opt):
                decisions.append(Decision(
                    "I-8", "warning", f"封面“{f.label}”按命令行选项填为「{opt}」，但来源中为「{hit.value}」（{hit.evidence}）；请确认",
                    cells=(f"cover.{f.code}",), reported=str(hit.value),
                ))
            continue
        if hit is None:
            continue
        filing.cover[f.code] = hit.value
        how = _HOW.get(hit.how, hit.how).format(label=f.label)
        decisions.append(Decision(
            "I-8", "info", f"封面“{f.label}”取自{how}：「{hit.value}」（{hit.evidence}）",
            cells=(f"cover.{f.code}",), reported=str(hit.value),
        ))
    if not filing.cover.get("level") and filing.cover.get("unit_name"):
        guess = infer_level(str(filing.cover["unit_name"]), spec.levels)
        if guess:
            filing.cover["level"] = guess
            decisions.append(Decision(
                "I-8", "warning",
                f"封面“行政层级”按单位名称「{filing.cover['unit_name']}」推断为“{guess}”，请核对（可用 --level 指定）",
                cells=("cover.level",), reported=guess,
            ))
    for f in spec.cover:
        if f.required and filing.cover.get(f.code) in (None, ""):
            opt = {"unit_name": "--unit", "level": "--level", "year": "--year"}.get(f.code, "")
            decisions.append(Decision(
                "I-8", "warning",
                f"封面“{f.label}”未能从来源中识别，暂留空；请在输出工作簿的封面填写" + (f"，或导入时用 {opt} 指定" if opt else ""),
                cells=(f"cover.{f.code}",),
            ))


def _differs(a, b) -> bool:
    return key(str(a)) != key(str(b))


# --------------------------------------------------------------------------------------
# findings and the output workbook
# --------------------------------------------------------------------------------------
def _finding(d: Decision, filing: Filing) -> Finding:
    from ..layout import cover_positions, sheet_ref

    spec = filing.spec
    locs = []
    for code in d.cells[:1]:
        if code.startswith("cover."):
            pos = cover_positions(spec).get(code.split(".", 1)[1])
            if pos:
                locs.append(sheet_ref(spec.cover_sheet, *pos))
        else:
            locs.append(filing.where(code))
    computed = None
    if len(d.cells) == 1 and d.cells[0] in filing.values:
        v = filing.values[d.cells[0]]
        computed = v if isinstance(v, (int, float)) else None
    return Finding(rule=d.rule, severity=d.severity, message=d.message, cells=d.cells, locations=tuple(locs),
                   reported=d.reported if isinstance(d.reported, (str, int, float)) else None, computed=computed,
                   file=filing.source)


def write_import(result: ImportResult, out: str | Path, *, force: bool = True) -> Path:
    """The filled workbook in the official template, with the 导入说明 sheet."""
    from openpyxl.styles import Font

    from ..fileio import save_workbook
    from ..sheetprint import setup_print
    from ..findings import SEVERITY_ZH
    from ..writer import append, fill_workbook

    src = Path(result.filing.source or "")
    from ..gaps import gap_meta

    wb = fill_workbook(result.filing, meta={"imported_from": src.name, "importer": "gxxl import", **gap_meta(result.states)})
    ws = wb.create_sheet(IMPORT_SHEET)
    append(ws, [f"由 gxxl import 从「{src.name}」导入；下列各条是导入时所作的判断，请逐条核对。"])
    append(ws, list(IMPORT_HEADERS))
    for c in ws[2]:
        c.font = Font(bold=True)
    for i, f in enumerate(result.findings, start=1):
        loc = f.locations[0] if f.locations else ""
        append(ws, [i, SEVERITY_ZH[f.severity], f.rule, loc, "" if f.reported is None else f.reported,
                    "" if f.computed is None else f.computed, f.message])
        if loc and "!" in loc:
            sheet, ref = loc.rsplit("!", 1)
            cell = ws.cell(i + 2, 4)
            cell.hyperlink = f"#'{sheet}'!{ref}"
            cell.font = Font(color="0563C1", underline="single")
    for col, w in zip("ABCDEFG", (5, 6, 7, 22, 14, 9, 72)):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A3"
    setup_print(ws, title=IMPORT_SHEET, unit=result.filing.unit_name, year=result.filing.year, landscape=True,
                repeat_rows=(2, 2), last_col=7, last_row=ws.max_row, wrap_columns=(4, 5, 7), wrap_from_row=3)
    return save_workbook(wb, out, force=force, reproducible=True)
