"""图解 charts from the cells: one chart model, drawn as SVG (HTML), PNG (Word) and as
native, editable Excel charts (the report sheet and the roll-up workbook).

Which charts (all from the tables' cells, labels from the spec via :mod:`.vocab`):

* ``applicants`` — 本年新收申请 by applicant type (表三 一、 by column);
* ``outcomes`` — 办理结果: 予以公开, 部分公开, 不予公开, 无法提供, 不予处理, 其他处理 (each the
  sum of its rows in the 总计 column);
* ``deny`` — 不予公开 by reason (the eight items of （三）);
* ``appeals`` — 行政复议 / 行政诉讼 by result (表四);
* ``yoy`` — with last year's tables: this year against last year (新收, the outcome groups,
  复议, 诉讼).

A chart whose values are all zero is not drawn: :attr:`Chart.empty_sentence` says so in
words instead.  A chart any of whose cells holds text (not a number) is not drawn either;
numbers are never made up.

Why no chart library: the charts are horizontal bar charts.  Their geometry is computed
here once (:func:`layout` → rectangles and texts) and written out as SVG text (no
dependency) or drawn with Pillow for Word's PNG (one small wheel, imported only when a
Word report with charts is written).  matplotlib would add numpy and ~0.5 s of import for
the same bars, and its CJK font set-up is fiddlier.  The PNG uses the installed CJK face
(Noto Sans CJK / Source Han Sans on Linux, 微软雅黑 / 黑体 on Windows).
"""

from __future__ import annotations

import html
import io
import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from ..filing import Filing
from ..findings import fmt_num
from .vocab import Vocab, plain, vocab

#: bar colours by series (this year first); dark enough for white text contrast rules
COLOURS = ("#1F5A96", "#C0504D", "#4F8A3A")
TEXT = "#222222"
GRID = "#BBBBBB"
FONT_FAMILY = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','SimHei',sans-serif"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    #: per category, the cells whose sum is the value
    codes: tuple[tuple[str, ...], ...]
    #: the filing the values come from ("current" or "previous")
    source: str = "current"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    #: the table the chart illustrates (placed after it)
    table: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = "件"
    #: why there is no chart (all zero / text in a cell); '' when it is drawn
    skipped: str = ""

    @property
    def drawn(self) -> bool:
        return not self.skipped

    def alt_text(self) -> str:
        """The data in words: the chart's alternative text (GB/T 37668) and its test oracle."""
        parts = []
        for s in self.series:
            items = "，".join(f"{c}{fmt_num(v)}{self.unit}" for c, v in zip(self.categories, s.values))
            parts.append(f"{s.name}：{items}" if len(self.series) > 1 or s.name else items)
        return f"图：{self.title}。" + "；".join(parts) + "。"


# ------------------------------------------------------------------------------------------
# the charts of a report
# ------------------------------------------------------------------------------------------
def report_charts(filing: Filing, previous: Filing | None = None) -> list[Chart]:
    """Every chart for ``filing`` (and the year-on-year one when ``previous`` is given)."""
    v = vocab(filing.spec)
    t3, t4 = v.t3, v.t4
    year = f"{filing.year}年" if filing.year else "本年"
    out = []
    cols = (v.person_col, *v.org_cols)
    out.append(_chart(filing, "applicants", f"{year}新收政府信息公开申请的申请人情况", "T3",
                      [(t3.col_by_code[c].label, (f"T3.{v.new}.{c}",)) for c in cols]))
    out.append(_chart(filing, "outcomes", f"{year}政府信息公开申请办理结果", "T3",
                      [(g.name, tuple(f"T3.{r}.{v.total_col}" for r in g.rows)) for g in v.groups]))
    deny = v.group("deny")
    out.append(_chart(filing, "deny", f"{year}不予公开的理由", "T3",
                      [(plain(t3.row_by_code[r].path[-1]), (f"T3.{r}.{v.total_col}",)) for r in deny.rows]))
    results = [c for c in v.t4_results if c != "total"]
    blocks = v.t4_blocks
    series = []
    for b in blocks:
        codes = tuple((f"T4.{b}.{c}",) for c in results)
        series.append(Series(t4.row_by_code[b].short or t4.row_by_code[b].label, _values(filing, codes), codes))
    out.append(_finish(filing, Chart("appeals", f"{year}政府信息公开行政复议、行政诉讼结果", "T4",
                                     tuple(t4.col_by_code[c].label for c in results), tuple(series))))
    if previous is not None:
        out.append(_yoy(filing, previous, v))
    return out


def _chart(filing: Filing, key: str, title: str, table: str, items: list[tuple[str, tuple[str, ...]]],
           name: str = "") -> Chart:
    codes = tuple(c for _, c in items)
    s = Series(name, _values(filing, codes), codes)
    return _finish(filing, Chart(key, title, table, tuple(n for n, _ in items), (s,)))


def _values(filing: Filing, codes: tuple[tuple[str, ...], ...]) -> tuple[float, ...]:
    return tuple(sum(filing.number(c) for c in cs) for cs in codes)


def _finish(filing: Filing, chart: Chart, previous: Filing | None = None) -> Chart:
    texts = []
    for s in chart.series:
        src = previous if s.source == "previous" else filing
        texts += [c for cs in s.codes for c in cs if c in src.problems and src.problems[c][0] == "text"]
    if texts:
        return _replace(chart, f"因表中有非数字的单元格（{len(texts)}处），未生成“{chart.title}”图。")
    if all(v == 0 for s in chart.series for v in s.values):
        return _replace(chart, f"“{chart.title}”各项均为0，未生成图表。")
    return chart


def _replace(chart: Chart, why: str) -> Chart:
    return Chart(chart.key, chart.title, chart.table, chart.categories, chart.series, chart.unit, why)


def _yoy(filing: Filing, previous: Filing, v: Vocab) -> Chart:
    """新收申请, the outcome groups, 行政复议 and 行政诉讼: last year and this year.

    Last year's tables may be in another format: a category is compared only when every
    one of its cells exists in both formats (by code)."""
    items: list[tuple[str, tuple[str, ...]]] = [("新收申请", (f"T3.{v.new}.{v.total_col}",))]
    items += [(g.name, tuple(f"T3.{r}.{v.total_col}" for r in g.rows)) for g in v.groups]
    blocks = v.t4_blocks
    items.append((v.t4.row_by_code[blocks[0]].label, (f"T4.{blocks[0]}.total",)))
    items.append(("行政诉讼", tuple(f"T4.{b}.total" for b in blocks[1:])))
    items = [(n, cs) for n, cs in items if all(c in previous.spec.cells for c in cs)]
    codes = tuple(cs for _, cs in items)
    py = f"{previous.year}年" if previous.year else "上年"
    cy = f"{filing.year}年" if filing.year else "本年"
    chart = Chart("yoy", f"{cy}与{py}对比", "T4", tuple(n for n, _ in items), (
        Series(py, _values(previous, codes), codes, "previous"),
        Series(cy, _values(filing, codes), codes, "current"),
    ))
    return _finish(filing, chart, previous)


# ------------------------------------------------------------------------------------------
# geometry: rectangles and texts (shared by SVG and PNG)
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    anchor: str = "start"  # start | middle | end
    bold: bool = False
    fill: str = TEXT


@dataclass
class Scene:
    width: float
    height: float
    items: list = field(default_factory=list)


def text_width(text: str, size: float) -> float:
    """Approximate advance of ``text`` at ``size`` px (CJK one em, Latin about 0.55 em)."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.56 for ch in text)


def layout(chart: Chart, width: float = 640) -> Scene:
    """Horizontal bars, one group per category, values printed at the bar ends."""
    title_size, label_size, value_size = 17, 13, 12
    n = len(chart.series)
    bar_h = 18 if n == 1 else 13
    gap = 12
    group_h = n * bar_h + gap
    label_w = min(width * 0.42, max(text_width(c, label_size) for c in chart.categories) + 12)
    vmax = max((v for s in chart.series for v in s.values), default=0) or 1
    value_w = text_width(fmt_num(vmax) + chart.unit, value_size) + 10
    x0 = label_w + 4
    plot_w = max(40.0, width - x0 - value_w - 8)
    scene = Scene(width, 0)
    # the title, wrapped when the chart is narrow
    title_lines = _wrap(chart.title, width - 16, title_size)
    for k, line in enumerate(title_lines):
        scene.items.append(Text(width / 2, 22 + k * (title_size + 4), line, title_size, "middle", bold=True))
    top = 12 + len(title_lines) * (title_size + 4)
    y = top
    if n > 1:  # the legend, wrapped onto more lines when it does not fit
        lx, ly = 8.0, top
        for i, s in enumerate(chart.series):
            item = 16 + text_width(s.name, label_size) + 18
            if lx > 8 and lx + item > width:
                lx, ly = 8.0, ly + label_size + 8
            scene.items.append(Rect(lx, ly + 3, 12, 12, COLOURS[i % len(COLOURS)]))
            scene.items.append(Text(lx + 16, ly + 14, s.name, label_size))
            lx += item
        y = ly + 24
    for ci, cat in enumerate(chart.categories):
        gy = y + ci * group_h
        lines = _wrap(cat, label_w - 8, label_size)
        mid = gy + n * bar_h / 2
        first = mid - (len(lines) - 1) * (label_size + 2) / 2 + label_size * 0.36
        for k, line in enumerate(lines):
            scene.items.append(Text(label_w - 4, first + k * (label_size + 2), line, label_size, "end"))
        for si, s in enumerate(chart.series):
            v = s.values[ci]
            w = plot_w * v / vmax
            by = gy + si * bar_h
            if w > 0:
                scene.items.append(Rect(x0, by + 1, max(w, 1.5), bar_h - 2, COLOURS[si % len(COLOURS)]))
            scene.items.append(Text(x0 + w + 4, by + bar_h / 2 + value_size * 0.36, fmt_num(v) + chart.unit,
                                    value_size))
    bottom = y + len(chart.categories) * group_h
    scene.items.insert(1, Rect(x0 - 1, y - 4, 1, bottom - y, GRID))
    scene.height = bottom + 6
    return scene


def _wrap(text: str, width: float, size: float) -> list[str]:
    if text_width(text, size) <= width:
        return [text]
    lines, cur = [], ""
    for ch in text:
        if cur and text_width(cur + ch, size) > width:
            lines.append(cur)
            cur = ""
        cur += ch
    return lines + [cur] if cur else lines


# ------------------------------------------------------------------------------------------
# SVG
# ------------------------------------------------------------------------------------------
#: the drawing width of a chart in the web page: narrow enough that a phone (≈ 330 px of
#: text width) shows its labels at ~11 px; it grows to ``SVG_MAX_WIDTH`` on a desktop
SVG_WIDTH = 420
SVG_MAX_WIDTH = 640


def chart_svg(chart: Chart, *, ident: str = "", width: float = SVG_WIDTH) -> str:
    """The chart as an inline ``<svg>`` (role=img, a <title> and the data as <desc>).

    Scales with its container (``viewBox``, ``width:100%``, ``max-width``), so it fits a
    phone screen; each bar carries ``data-code``/``data-value`` (the cells it sums)."""
    scene = layout(chart, width)
    ident = ident or f"gxxl-chart-{chart.key}"
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {scene.width:g} {scene.height:g}" '
        f'width="{scene.width:g}" height="{scene.height:g}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" '
        f'style="width:100%;max-width:{max(scene.width, SVG_MAX_WIDTH):g}px;height:auto;display:block;margin:0 auto" '
        f'font-family="{esc(FONT_FAMILY)}">',
        f'<title id="{ident}-t">{esc(chart.title)}</title>',
        f'<desc id="{ident}-d">{esc(chart.alt_text())}</desc>',
    ]
    for it in scene.items:
        if isinstance(it, Rect):
            out.append(f'<rect x="{it.x:.1f}" y="{it.y:.1f}" width="{it.w:.1f}" height="{it.h:.1f}" fill="{it.fill}"/>')
        else:
            anchor = f' text-anchor="{it.anchor}"' if it.anchor != "start" else ""
            weight = ' font-weight="bold"' if it.bold else ""
            out.append(f'<text x="{it.x:.1f}" y="{it.y:.1f}" font-size="{it.size:g}"{anchor}{weight} '
                       f'fill="{it.fill}">{esc(it.text)}</text>')
    # the data, machine-readable: one empty group per value (not drawn)
    for (name, cat, value, codes) in _bar_meta(chart):
        out.append(f'<g class="datum" data-series="{esc(name)}" data-category="{esc(cat)}" '
                   f'data-value="{fmt_num(value)}" data-code="{esc(" ".join(codes))}"/>')
    out.append("</svg>")
    return "".join(out)


def _bar_meta(chart: Chart) -> list[tuple[str, str, float, tuple[str, ...]]]:
    return [(s.name, c, s.values[i], s.codes[i]) for s in chart.series for i, c in enumerate(chart.categories)]


# ------------------------------------------------------------------------------------------
# PNG (Pillow)
# ------------------------------------------------------------------------------------------
#: CJK faces tried for the PNG: fontconfig names (Linux), then Windows font files
_FC_NAMES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")
_WIN_FILES = ("msyh.ttc", "msyh.ttf", "simhei.ttf", "simsun.ttc", "Deng.ttf")
_MAC_FILES = ("/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/STHeiti Medium.ttc")


class NoChartFont(Exception):
    """No installed font can draw Chinese: the Word report gets the chart's data as text."""


@lru_cache(maxsize=4)
def cjk_font_file(bold: bool = False) -> tuple[str, int]:
    """(font file, face index) of an installed font with Chinese glyphs."""
    fc = shutil.which("fc-match")
    if fc:
        for name in _FC_NAMES:
            try:
                res = subprocess.run([fc, "-f", "%{family}|%{file}|%{index}", f"{name}:lang=zh-cn" + (":bold" if bold else "")],
                                     capture_output=True, text=True, timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                break
            family, _, rest = res.stdout.partition("|")
            path, _, index = rest.partition("|")
            if res.returncode == 0 and name.split()[0].lower() in family.lower() and os.path.isfile(path):
                return path, int(index or 0)
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    if windir:
        for f in _WIN_FILES:
            p = os.path.join(windir, "Fonts", f)
            if os.path.isfile(p):
                return p, 0
    for p in _MAC_FILES:
        if os.path.isfile(p):
            return p, 0
    raise NoChartFont("未找到可显示中文的字体（如 Noto Sans CJK、微软雅黑），Word 报告中的图表改为文字")


def chart_png(chart: Chart, *, width: float = 640, scale: float = 2.5) -> bytes:
    """The chart as PNG bytes (Pillow, imported here only), ``scale`` × the SVG size."""
    from PIL import Image, ImageDraw, ImageFont

    scene = layout(chart, width)
    img = Image.new("RGB", (int(scene.width * scale), int(scene.height * scale)), "white")
    draw = ImageDraw.Draw(img)
    fonts: dict[tuple[float, bool], object] = {}

    def font(size: float, bold: bool):
        key = (size, bold)
        if key not in fonts:
            path, index = cjk_font_file(bold)
            fonts[key] = ImageFont.truetype(path, int(round(size * scale)), index=index)
        return fonts[key]

    for it in scene.items:
        if isinstance(it, Rect):
            draw.rectangle([it.x * scale, it.y * scale, (it.x + it.w) * scale - 1, (it.y + it.h) * scale - 1],
                           fill=it.fill)
        else:
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[it.anchor]
            draw.text((it.x * scale, it.y * scale), it.text, font=font(it.size, it.bold), fill=it.fill,
                      anchor=anchor)
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------
# native Excel charts (openpyxl: they stay editable)
# ------------------------------------------------------------------------------------------
def add_excel_charts(ws, charts: list[Chart], first_row: int, *, label_col: int = 1, chart_col: int | None = None,
                     per_page: int = 2) -> int:
    """Write each drawn chart's data (a small table) and a native bar chart beside it.

    The data table starts at ``label_col`` (category, then one column per series); the
    chart is anchored at ``chart_col`` (default: two columns right of the table).  Each
    chart takes a block of rows as tall as the chart, and a page break follows every
    ``per_page`` blocks, so no chart is cut by a page break.  Charts that are not drawn
    leave their sentence.  Returns the next free row.
    """
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    from ..cells import put

    row = first_row
    on_page = 0
    for chart in charts:
        if not chart.drawn:
            put(ws, row, label_col, chart.skipped)
            row += 2
            continue
        if on_page == per_page:
            ws.row_breaks.append(Break(id=row - 1))
            on_page = 0
        put(ws, row, label_col, chart.title).font = Font(bold=True, size=11)
        head = row + 1
        ws.cell(head, label_col, "项目").font = Font(bold=True)
        for j, s in enumerate(chart.series, start=1):
            put(ws, head, label_col + j, s.name or f"件数（{chart.unit}）").font = Font(bold=True)
        for i, cat in enumerate(chart.categories, start=1):
            put(ws, head + i, label_col, cat).alignment = Alignment(wrap_text=True, vertical="center")
            for j, s in enumerate(chart.series, start=1):
                v = s.values[i - 1]
                ws.cell(head + i, label_col + j, int(v) if float(v).is_integer() else v)
        last = head + len(chart.categories)
        bc = BarChart()
        bc.type = "bar"
        bc.style = 10
        bc.title = chart.title
        bc.y_axis.title = f"件数（{chart.unit}）"
        bc.y_axis.majorGridlines = None
        bc.y_axis.delete = False
        bc.x_axis.delete = False
        bc.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
        data = Reference(ws, min_col=label_col + 1, max_col=label_col + len(chart.series), min_row=head, max_row=last)
        cats = Reference(ws, min_col=label_col, min_row=head + 1, max_row=last)
        bc.add_data(data, titles_from_data=True)
        bc.set_categories(cats)
        for i, s in enumerate(bc.series):
            s.graphicalProperties.solidFill = COLOURS[i % len(COLOURS)].lstrip("#")
            s.graphicalProperties.line.solidFill = COLOURS[i % len(COLOURS)].lstrip("#")
        labels = DataLabelList()
        labels.showVal = True
        labels.showCatName = labels.showSerName = labels.showLegendKey = labels.showPercent = False
        bc.dataLabels = labels
        if len(chart.series) == 1:
            bc.legend = None
        else:
            bc.legend.position = "b"
        bars = len(chart.categories) * len(chart.series)
        bc.height = 7.0 if bars <= 8 else 8.5
        bc.width = 15.5
        ws.add_chart(bc, f"{get_column_letter(chart_col or label_col + len(chart.series) + 2)}{row}")
        chart_rows = int(bc.height / 0.53) + 2  # default rows are 15 pt = 0.53 cm
        row = max(last + 2, row + chart_rows)
        on_page += 1
    return row


CHART_SHEET = "图解"


def has_charts(spec) -> bool:
    """Does the format have the report vocabulary the charts are drawn from?"""
    from .vocab import UnsupportedFormat

    try:
        vocab(spec)
    except UnsupportedFormat:
        return False
    return True


def write_chart_sheet(wb, filing: Filing, *, title: str = CHART_SHEET, index: int | None = None,
                      unit: str = "", year: int | None = None):
    """A 图解 sheet of native charts (with their data) for ``filing``; None when the
    format has no report vocabulary (the 2014–2018 统计表)."""
    from ..sheetprint import setup_print

    if not has_charts(filing.spec):
        return None
    charts = report_charts(filing)
    ws = wb.create_sheet(title, index)
    ws.column_dimensions["A"].width = 30
    for col in "BCD":
        ws.column_dimensions[col].width = 10
    from openpyxl.styles import Font

    from ..cells import put

    put(ws, 1, 1, f"{unit or filing.unit_name}{year or filing.year or ''}年度 图解（由统计表数据生成，可编辑）").font = Font(bold=True, size=14)
    last = add_excel_charts(ws, charts, 3, label_col=1, chart_col=5)
    setup_print(ws, title=title, unit=unit or filing.unit_name, year=year or filing.year, landscape=True,
                last_col=13, last_row=last)
    return ws
