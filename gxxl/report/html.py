"""Report → one self-contained web page for the government site (``-o 报告.html``).

* No external resources: CSS is inline (a ``<style>`` block for the page, and ``style``
  attributes on the tables and figures so a copy pasted into a CMS editor, which usually
  drops ``<style>``, keeps its borders and its horizontal scrolling); charts are inline SVG.
* The three official tables are real ``<table>`` elements built from the spec's layout
  spans (:mod:`.grid`, as the Word renderer): merged headers with ``rowspan``/``colspan``,
  ``<caption>`` with the table's number, title and unit, ``<th scope>`` for column headers
  and row labels, the 勾稽 note in its cell.  No layout by spaces.
* Readable on a phone: text reflows; each table sits in a wrapper that scrolls
  horizontally (``overflow-x:auto``) so the page itself never gets wider than the screen;
  charts scale to the width.
* Accessible (GB/T 37668): ``lang="zh-CN"``, one ``<h1>``, headings in order, table
  headers with scope, a caption per table, charts as ``role="img"`` with a title and the
  data in words (``<desc>``), placeholders as ``<mark>``.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..fileio import atomic_write_bytes
from ..spec import TableSpec
from .grid import boxes, header_rows, unit_text
from .model import Block, Report

CSS = """
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;padding:0;background:#fff;color:#222}
.gxxl-report{max-width:52em;margin:0 auto;padding:1em;font-family:"FangSong","仿宋","STFangsong","Noto Serif CJK SC",serif;
 font-size:1.0625rem;line-height:1.8;overflow-wrap:anywhere}
.gxxl-report h1{font-family:"SimSun","宋体","Noto Serif CJK SC",serif;font-size:1.6em;text-align:center;line-height:1.4;margin:.5em 0 1em}
.gxxl-report h2{font-family:"SimHei","黑体","Noto Sans CJK SC",sans-serif;font-size:1.15em;font-weight:normal;margin:1.2em 0 .4em}
.gxxl-report h3{font-family:"KaiTi","楷体","Noto Serif CJK SC",serif;font-size:1.05em;font-weight:normal;margin:1em 0 .3em}
.gxxl-report p{text-indent:2em;margin:.3em 0;text-align:justify}
.gxxl-report p.gxxl-notice{font-weight:bold}
.gxxl-report mark{background:#FFF2A8;color:inherit}
.gxxl-report figure{margin:1em 0}
.gxxl-report figcaption{text-align:center;font-size:.9em;text-indent:0}
.gxxl-table-wrap:focus{outline:2px solid #1F5A96}
@media print{.gxxl-table-wrap{overflow:visible!important}.gxxl-report{max-width:none}}
@media (max-width:40em){.gxxl-report caption,.gxxl-report caption span{text-align:left!important}}
""".strip()

#: inline styles (kept when the page is pasted into a CMS editor)
WRAP_STYLE = "overflow-x:auto;max-width:100%;margin:.5em 0 1em;-webkit-overflow-scrolling:touch"
TABLE_STYLE = ("border-collapse:collapse;margin:0 auto;font-family:'SimSun','宋体','Noto Serif CJK SC',serif;"
               "font-size:.875rem;line-height:1.4;text-indent:0")
CAPTION_STYLE = "caption-side:top;text-align:center;font-weight:bold;padding:.3em 0"
UNIT_STYLE = "display:block;text-align:right;font-weight:normal;font-size:.85em"
CELL = "border:1px solid #000;padding:.25em .4em;vertical-align:middle"
#: the narrowest readable width of each table (it scrolls inside its wrapper below this)
MIN_WIDTH = {"T2": "30em", "T3": "44em", "T4": "48em"}


def report_html(report: Report, *, charts: bool = True) -> str:
    """The whole page as text."""
    from .charts import report_charts

    chart_list = report_charts(report.filing, report.previous) if charts else []
    esc = html.escape
    body: list[str] = []
    n_fig = 0
    for block in report.blocks:
        if block.kind == "table":
            table = report.spec.table_by_code[block.table]
            body.append(table_html(table, report))
            for chart in (c for c in chart_list if c.table == block.table):
                if chart.drawn:
                    n_fig += 1
                    body.append(_figure(chart, n_fig))
                else:
                    body.append(f'<p class="gxxl-chart-note">{esc(chart.skipped)}</p>')
            continue
        tag = {"title": "h1", "h1": "h2", "h2": "h3"}.get(block.kind, "p")
        cls = ' class="gxxl-notice"' if block.kind == "notice" else ""
        body.append(f"<{tag}{cls}>{_inline(block)}</{tag}>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="gxxl report">\n'
        f"<title>{esc(report.title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
        '<main class="gxxl-report">\n' + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def write_html(report: Report, path: str | Path, *, charts: bool = True) -> Path:
    return atomic_write_bytes(path, report_html(report, charts=charts).encode("utf-8"))


def _inline(block: Block) -> str:
    out = []
    for p in block.pieces:
        text = html.escape(p.text, quote=False)
        out.append(f"<mark>{text}</mark>" if p.mark else text)
    return "".join(out)


def _figure(chart, n: int) -> str:
    from .charts import chart_svg

    return (f'<figure class="gxxl-chart" style="margin:1em 0;text-align:center">'
            f'{chart_svg(chart, ident=f"gxxl-fig{n}")}'
            f'<figcaption style="text-align:center;text-indent:0">图{n}　{html.escape(chart.title)}</figcaption></figure>')


def table_html(table: TableSpec, report: Report | None = None) -> str:
    """One official table in its scrolling wrapper: caption, merged headers, scoped headers."""
    esc = html.escape
    filing = report.filing if report is not None else None
    n_head = header_rows(table)
    ident = f"gxxl-{table.code.lower()}"
    rows: dict[int, list[str]] = {r: [] for r in range(table.layout.height)}
    caption_rows: set[int] = set()
    for b in boxes(table, filing):
        span = ""
        if b.rowspan > 1:
            span += f' rowspan="{b.rowspan}"'
        if b.colspan > 1:
            span += f' colspan="{b.colspan}"'
        text = esc(b.text, quote=False)
        if b.kind == "value":
            rows[b.row].append(f'<td{span} style="{CELL};text-align:center;white-space:nowrap">{text}</td>')
        elif b.kind == "note":
            rows[b.row].append(f'<td{span} style="{CELL};text-align:left;font-size:.9em">{text}</td>')
        elif b.kind == "caption":
            caption_rows.add(b.row)
            rows[b.row].append(f'<th{span} scope="rowgroup" style="{CELL};text-align:left">{text}</th>')
        elif b.kind == "label":
            scope = "rowgroup" if b.rowspan > 1 else "row"
            left = b.rowspan == 1 and b.col + b.colspan > 1
            align = "left" if left else "center"
            rows[b.row].append(f'<th{span} scope="{scope}" style="{CELL};text-align:{align};font-weight:normal">'
                               f'{text}</th>')
        else:
            scope = "colgroup" if b.colspan > 1 else "col"
            short = ";white-space:nowrap" if len(b.text) <= 2 else ""  # 「其他」「总计」 never 「其/他」
            rows[b.row].append(f'<th{span} scope="{scope}" style="{CELL};text-align:center{short}">{text}</th>')
    min_width = MIN_WIDTH.get(table.code, "30em")
    lines = [
        f'<div class="gxxl-table-wrap" role="region" aria-labelledby="{ident}-cap" tabindex="0" style="{WRAP_STYLE}">',
        f'<table id="{ident}" style="{TABLE_STYLE};width:100%;min-width:{min_width}">',
        f'<caption id="{ident}-cap" style="{CAPTION_STYLE}">{esc(table.number)}　{esc(table.title)}'
        f'<span style="{UNIT_STYLE}">{esc(unit_text(table))}</span></caption>',
    ]
    # row groups: the header rows (thead), then one tbody per block that a caption row opens
    if n_head:
        lines.append("<thead>")
    open_body = False
    for r in range(table.layout.height):
        if r == n_head and n_head:
            lines.append("</thead>")
        if r >= n_head and (not open_body or r in caption_rows):
            if open_body:
                lines.append("</tbody>")
            lines.append("<tbody>")
            open_body = True
        lines.append("<tr>" + "".join(rows[r]) + "</tr>")
    if open_body:
        lines.append("</tbody>")
    lines.append("</table>")
    lines.append("</div>")
    return "\n".join(lines)
