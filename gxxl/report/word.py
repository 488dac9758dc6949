"""Report → Word (.docx) with python-docx.

Looks like a published report (GB/T 9704 style): A4, title in 宋体 二号 bold, part headings
in 黑体 三号, sub-headings in 楷体 三号, body in 仿宋 三号 with a two-character first-line
indent and a fixed 28-point line pitch.  Every run carries an East-Asian font (``w:eastAsia``)
so Chinese text renders in the intended face, not in a Latin fallback.

Tables are built from the spec's grid (:mod:`gxxl.report.grid`): the official merged
headers (``cell.merge``), verbatim labels, single-line borders on every cell, widths in
proportion to the layout's column widths, header rows repeated on a new page and rows
that never split.  表二 and 表四 are kept whole; 表三 may continue on the next page, but
only where no merged row label (「三、本年度办理结果」, 「（三）不予公开」 …) would be cut
(:func:`rows_kept_with_next`).  表四's 15 narrow columns use a smaller font and tight cell
margins so the table keeps to the portrait text width with two characters per line
(「结果/维持」), as real reports print it.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from ..fileio import atomic_write_bytes
from ..spec import TableSpec
from .grid import boxes, header_rows
from .model import Block, Report

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
H1_FONT = "黑体"
H2_FONT = "楷体"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"

PAGE_W, PAGE_H = Cm(21.0), Cm(29.7)
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6  # 15.6 cm

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
LINE_PT = 28
#: table font size by table code (表四 has 15 narrow columns)
TABLE_PT = {"T4": 9}
TABLE_PT_DEFAULT = 10.5  # 五号


def report_docx_bytes(report: Report, *, charts: bool = True) -> bytes:
    from .charts import report_charts

    chart_list = report_charts(report.filing, report.previous) if charts else []
    doc = Document()
    _page_setup(doc)
    _doc_defaults(doc)
    _font_table(doc)
    _styles(doc)
    doc.core_properties.title = report.title
    doc.core_properties.author = report.filing.unit_name or "gxxl"
    doc.core_properties.comments = "由 gxxl report 根据统计表生成"
    n_fig = 0
    for block in report.blocks:
        _block(doc, report, block)
        if block.kind == "table":
            for chart in (c for c in chart_list if c.table == block.table):
                n_fig = _chart(doc, chart, n_fig)
    _page_numbers(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_docx(report: Report, path: str | Path, *, charts: bool = True) -> Path:
    return atomic_write_bytes(path, report_docx_bytes(report, charts=charts))


# ------------------------------------------------------------------------------------------
# fonts and styles
# ------------------------------------------------------------------------------------------
def set_fonts(rpr_owner, east: str, latin: str = LATIN_FONT) -> None:
    """Set ascii/hAnsi/eastAsia fonts on a run or style, dropping theme fonts that override them."""
    rpr = rpr_owner.get_or_add_rPr() if hasattr(rpr_owner, "get_or_add_rPr") else rpr_owner
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


#: the Chinese faces used, as the font table describes them (charset 86 = GB2312); a
#: program without the face picks a replacement of the same family (serif / sans)
_FONT_TABLE = (
    ("宋体", "SimSun", "02010600030101010101", "auto", "variable"),
    ("仿宋", "FangSong", "02010609060101010101", "modern", "fixed"),
    ("黑体", "SimHei", "02010609060101010101", "modern", "fixed"),
    ("楷体", "KaiTi", "02010609060101010101", "modern", "fixed"),
)


def _doc_defaults(doc) -> None:
    """Document defaults: Chinese body font and East-Asian language zh-CN (not the template's)."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        ppr.remove(spacing)


def _font_table(doc) -> None:
    from lxml import etree

    part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alt, panose, family, pitch in _FONT_TABLE:
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}panose1", {f"{{{w}}}val": panose})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": family})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": pitch})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_setup(doc) -> None:
    s = doc.sections[0]
    s.orientation = WD_ORIENT.PORTRAIT
    s.page_width, s.page_height = PAGE_W, PAGE_H
    s.top_margin, s.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    s.left_margin, s.right_margin = MARGINS["left"], MARGINS["right"]
    s.footer_distance = Cm(2.2)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PT)
    pf.space_before = pf.space_after = Pt(0)
    pf.widow_control = True
    for name, font, bold in (("Heading 1", H1_FONT, False), ("Heading 2", H2_FONT, False), ("Title", TITLE_FONT, True)):
        st = doc.styles[name]
        st.font.size = Pt(TITLE_PT if name == "Title" else BODY_PT)
        st.font.bold = bold
        st.font.italic = False
        st.font.color.rgb = RGBColor(0, 0, 0)
        set_fonts(st.element, font)
        spf = st.paragraph_format
        spf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        spf.line_spacing = Pt(LINE_PT if name != "Title" else 36)
        spf.space_before = Pt(0)
        spf.space_after = Pt(0)
        spf.keep_with_next = True
        # the default template draws a rule under the title
        ppr = st.element.get_or_add_pPr()
        for tag in ("w:pBdr",):
            el = ppr.find(qn(tag))
            if el is not None:
                ppr.remove(el)


# ------------------------------------------------------------------------------------------
# blocks
# ------------------------------------------------------------------------------------------
def _block(doc, report: Report, block: Block) -> None:
    if block.kind == "table":
        _table(doc, report, report.spec.table_by_code[block.table])
        return
    if block.kind == "title":
        p = doc.add_paragraph(style="Title")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(LINE_PT)
        _runs(p, block, TITLE_FONT, bold=True, size=TITLE_PT)
        return
    if block.kind == "h1":
        p = doc.add_paragraph(style="Heading 1")
        p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        _runs(p, block, H1_FONT)
        return
    if block.kind == "h2":
        p = doc.add_paragraph(style="Heading 2")
        p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        _runs(p, block, H2_FONT)
        return
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    _runs(p, block, BODY_FONT, bold=block.kind == "notice")


def _runs(p, block: Block, font: str, *, bold: bool = False, size: float | None = None) -> None:
    for piece in block.pieces:
        run = p.add_run(piece.text)
        set_fonts(run._element, font)
        if bold:
            run.bold = True
        if size:
            run.font.size = Pt(size)
        if piece.mark:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _page_numbers(doc) -> None:
    """「— 1 —」 centred in the footer, as on printed government documents."""
    footer = doc.sections[0].footer
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)

    def text(t: str):
        r = p.add_run(t)
        set_fonts(r._element, TABLE_FONT)
        r.font.size = Pt(14)
        return r

    text("— ")
    run = text("")
    for kind, val in (("begin", None), ("instr", " PAGE "), ("separate", None), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = val
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._element.append(el)
        if kind == "separate":
            t = OxmlElement("w:t")
            t.text = "1"
            run._element.append(t)
    text(" —")


# ------------------------------------------------------------------------------------------
# charts (PNG drawn by .charts; the data in words as the picture's alternative text)
# ------------------------------------------------------------------------------------------
CHART_WIDTH_CM = 14.0


def _chart(doc, chart, n_fig: int) -> int:
    from .charts import NoChartFont, chart_png

    def para(text: str, *, center: bool = False, size: float | None = None):
        p = doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = Pt(0)
        else:
            p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        run = p.add_run(text)
        set_fonts(run._element, TABLE_FONT if size else BODY_FONT)
        if size:
            run.font.size = Pt(size)
        return p

    if not chart.drawn:
        para(chart.skipped)
        return n_fig
    try:
        png = chart_png(chart)
    except NoChartFont as e:
        para(f"{e}：{chart.alt_text()}")
        return n_fig
    n_fig += 1
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.keep_with_next = True
    run = p.add_run()
    set_fonts(run._element, BODY_FONT)
    run.add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM))
    inline = run._element.findall(".//" + qn("wp:inline"))[-1]
    doc_pr = inline.find(qn("wp:docPr"))
    doc_pr.set("name", f"图{n_fig}")
    doc_pr.set("title", chart.title)
    doc_pr.set("descr", chart.alt_text())
    para(f"图{n_fig}　{chart.title}", center=True, size=12)
    return n_fig


# ------------------------------------------------------------------------------------------
# tables
# ------------------------------------------------------------------------------------------
def column_widths_cm(table: TableSpec, texts: dict[int, list[str]] | None = None, size: float = TABLE_PT_DEFAULT,
                     pad_cm: float = 0.25) -> list[float]:
    """The layout's column widths scaled to the text width, widened where a value needs it.

    A value column must hold its longest number on one line (「19116」 must not wrap to
    「191/16」); the width it needs is taken from the label columns in proportion to
    their widths.
    """
    w = list(table.layout.col_widths) or [1.0] * table.layout.width
    total = sum(w)
    widths = [TEXT_WIDTH_CM * x / total for x in w]
    if not texts:
        return widths
    digit_cm = size * 0.62 / 72 * 2.54  # a Latin digit is about half an em (wider in fallback faces)
    need = {c: max(len(t) for t in ts) * digit_cm + pad_cm for c, ts in texts.items() if ts}
    extra = sum(max(0.0, need[c] - widths[c]) for c in need)
    if extra <= 0:
        return widths
    for c in need:
        widths[c] = max(widths[c], need[c])
    # take it from the label columns in proportion to their width (each keeps ≥ 65%)
    donors = [c for c in range(len(widths)) if c not in need]
    pool = sum(widths[c] for c in donors)
    if pool:
        share = min(extra / pool, 0.35)
        for c in donors:
            widths[c] -= widths[c] * share
    return widths


def _squeezed(base: list[float], widths: list[float]) -> float:
    """How much the most squeezed column lost (0.2 = a fifth of its width)."""
    return max((1 - w / b for w, b in zip(widths, base) if b), default=0.0)


def _value_texts(table: TableSpec, report: Report) -> dict[int, list[str]]:
    """Single-column value cells by table column: their printed texts."""
    out: dict[int, list[str]] = {}
    for b in boxes(table, report.filing):
        if b.kind == "value" and b.colspan == 1:
            out.setdefault(b.col, []).append(b.text)
    return out


def _table(doc, report: Report, table: TableSpec) -> None:
    lay = table.layout
    size = TABLE_PT.get(table.code, TABLE_PT_DEFAULT)
    tbl = doc.add_table(rows=lay.height, cols=lay.width)
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False
    tight = table.code == "T4"
    texts = _value_texts(table, report)
    pad = 0.15 if tight else 0.32
    base = column_widths_cm(table)
    widths = column_widths_cm(table, texts, size, pad_cm=pad)
    # long numbers take room from the labels; past a point a smaller font reads better
    for smaller in (9, 8):
        if size > smaller and (sum(widths) > TEXT_WIDTH_CM + 0.05 or _squeezed(base, widths) > 0.08):
            size = smaller
            widths = column_widths_cm(table, texts, size, pad_cm=pad)
    _table_props(tbl, widths, tight=tight)
    for row in tbl.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Cm(widths[i])
    n_head = header_rows(table)
    for r, row in enumerate(tbl.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(_el("w:cantSplit"))
        if r < n_head:
            trpr.append(_el("w:tblHeader"))
    keep = rows_kept_with_next(table, widths, size, tight=tight)
    # the grid's cells taken once: ``tbl.cell(r, c)`` re-reads the whole grid on every call
    # (seconds for 表三); boxes never overlap, so merging one leaves the others' cells valid
    grid = tbl._cells
    for box in boxes(table, report.filing):
        cell = grid[box.row * lay.width + box.col]
        if box.rowspan > 1 or box.colspan > 1:
            cell = cell.merge(grid[(box.row + box.rowspan - 1) * lay.width + box.col + box.colspan - 1])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        pf = p.paragraph_format
        pf.first_line_indent = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.space_before = pf.space_after = Pt(1)
        pf.keep_with_next = keep[box.row]
        left = box.kind == "caption" or (box.kind == "label" and box.rowspan == 1 and box.col + box.colspan > 1)
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(box.text)
        set_fonts(run._element, TABLE_FONT)
        run.font.size = Pt(size)
        if box.kind == "caption":
            run.bold = True
    # the cells under a vertical merge keep an empty paragraph each: give it the table's
    # size (not the body's 16 pt on a 28 pt line) and the row's keep, which LibreOffice reads
    # from a row's first cell — for 表三's label rows that is such a covered cell
    for r, tr in enumerate(tbl._tbl.tr_lst):
        for tc in tr.tc_lst:
            for p_el in tc.p_lst:
                if p_el.r_lst:
                    continue
                pf = Paragraph(p_el, None).paragraph_format
                pf.first_line_indent = Pt(0)
                pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
                pf.space_before = pf.space_after = Pt(1)
                pf.keep_with_next = keep[r]
                _mark_size(p_el, size)
    # a little air after the table
    after = doc.add_paragraph()
    after.paragraph_format.line_spacing = Pt(12)


#: left/right cell margin in twips: 0.05 cm in 表四's narrow columns ("tight"), else 0.12 cm
CELL_PAD_TWIPS = {True: 28, False: 70}


def _label_lines(text: str, width_cm: float, size: float, pad_cm: float) -> int:
    """Lines a centred label needs in a cell ``width_cm`` wide (every character taken as 1 em)."""
    em_cm = size / 72 * 2.54
    per_line = max(1, int((width_cm - 2 * pad_cm - 0.05) / em_cm))
    return -(-len(text) // per_line)


def rows_kept_with_next(table: TableSpec, widths: list[float], size: float, *, tight: bool = False) -> list[bool]:
    """For each table row: must it stay on the page of the next row (``w:keepNext``)?

    A table without row labels spanning several rows (表二, 表四) is kept whole, with its
    heading.  表三 is usually taller than what is left of the page and may continue on the
    next one, but never where a merged row label would be torn: the header and the rows
    above the first merged label (「一、」「二、」) stay with it; a group label (「（三）不予公开」) stays with all its rows; a label over
    other groups (「三、本年度办理结果」, 22 rows) keeps at least as many rows as its text
    has lines, plus one, on its first page.  A merged cell's text is laid out from the top
    of its part on the first page, and what does not fit there is cut off or carried over
    mid-word (LibreOffice printed 「三、本年度办」 at one page foot and 「理结果」 on the
    next); this way the part on the first page holds the whole label.
    """
    lay = table.layout
    last = lay.height - 1
    tall = [s for s in lay.spans if s.kind == "label" and s.rowspan > 1]
    if not tall:
        return [r < last for r in range(lay.height)]
    keep = [False] * lay.height
    for r in range(min(s.row for s in tall)):  # the header and the rows above the first label
        keep[r] = True
    pad_cm = CELL_PAD_TWIPS[tight] / 1440 * 2.54
    for s in tall:
        outer = any(o is not s and s.row <= o.row and o.row + o.rowspan <= s.row + s.rowspan for o in tall)
        if outer:
            lines = _label_lines(s.text, sum(widths[s.col:s.col + s.colspan]), size, pad_cm)
            end = min(s.row + lines, s.row + s.rowspan - 1)
        else:
            end = s.row + s.rowspan - 1
        for r in range(s.row, end):
            keep[r] = True
    keep[last] = False
    return keep


def _mark_size(p_el, size: float) -> None:
    """The size of an empty paragraph's mark (what sets its line height)."""
    ppr = p_el.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(round(size * 2))))


def _el(tag: str, **attrs) -> OxmlElement:
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), str(v))
    return el


_TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
    "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription",
)


def _schema_order(parent, order: tuple[str, ...]) -> None:
    """Re-order children as the OOXML schema requires (Word rejects files that do not)."""
    rank = {qn(f"w:{t}"): i for i, t in enumerate(order)}
    kids = list(parent)
    for k in kids:
        parent.remove(k)
    for k in sorted(kids, key=lambda e: rank.get(e.tag, len(rank))):
        parent.append(k)


def _table_props(tbl, widths: list[float], *, tight: bool) -> None:
    tblPr = tbl._tbl.tblPr
    # fixed layout with the exact widths (Word and LibreOffice honour it)
    for tag in ("w:tblW", "w:tblLayout", "w:tblBorders", "w:tblCellMar"):
        old = tblPr.find(qn(tag))
        if old is not None:
            tblPr.remove(old)
    total_twips = int(sum(widths) / 2.54 * 1440)
    tblPr.append(_el("w:tblW", w=total_twips, type="dxa"))
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz=6, space=0, color="000000"))
    tblPr.append(borders)
    tblPr.append(_el("w:tblLayout", type="fixed"))
    mar = _el("w:tblCellMar")
    pad = CELL_PAD_TWIPS[tight]
    for side in ("left", "right"):
        mar.append(_el(f"w:{side}", w=pad, type="dxa"))
    tblPr.append(mar)
    _schema_order(tblPr, _TBLPR_ORDER)
    grid = tbl._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths):
        gc.set(qn("w:w"), str(int(w / 2.54 * 1440)))
