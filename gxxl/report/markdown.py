"""Report → Markdown.

Headings are Markdown headings; the official tables are HTML tables inside the Markdown
(Markdown's own tables cannot merge cells), so the merged headers, the row groups and the
勾稽 note keep the official layout on GitHub, GitLab, Typora, VS Code and in pandoc.
Placeholders and notes to confirm are wrapped in ``<mark>``.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..fileio import atomic_write_bytes
from ..spec import TableSpec
from .grid import boxes, header_rows
from .model import Block, Report


def report_markdown(report: Report) -> str:
    out: list[str] = []
    for block in report.blocks:
        if block.kind == "table":
            out.append(table_html(report.spec.table_by_code[block.table], report))
        elif block.kind == "title":
            out.append(f"# {_escape_md(block.text)}")
        elif block.kind == "h1":
            out.append(f"## {_escape_md(block.text)}")
        elif block.kind == "h2":
            out.append(f"### {_escape_md(block.text)}")
        elif block.kind == "notice":
            out.append("> " + _inline(block))
        else:
            out.append(_inline(block))
    return "\n\n".join(out) + "\n"


def write_markdown(report: Report, path: str | Path) -> Path:
    return atomic_write_bytes(path, report_markdown(report).encode("utf-8"))


def _inline(block: Block) -> str:
    parts = []
    for p in block.pieces:
        text = _escape_md(p.text)
        parts.append(f"<mark>{text}</mark>" if p.mark else text)
    return "".join(parts)


def _escape_md(text: str) -> str:
    # a paragraph never starts a list or a heading by accident; keep it literal
    text = html.escape(text, quote=False)
    for ch in ("*", "_", "`", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def table_html(table: TableSpec, report: Report | None = None) -> str:
    filing = report.filing if report is not None else None
    n_head = header_rows(table)
    rows: dict[int, list[str]] = {r: [] for r in range(table.layout.height)}
    for b in boxes(table, filing):
        attrs = ""
        if b.rowspan > 1:
            attrs += f' rowspan="{b.rowspan}"'
        if b.colspan > 1:
            attrs += f' colspan="{b.colspan}"'
        text = html.escape(b.text, quote=False)
        if b.kind == "value":
            rows[b.row].append(f'<td{attrs} align="center">{text}</td>')
        elif b.kind == "caption":
            rows[b.row].append(f"<td{attrs}><b>{text}</b></td>")
        elif b.kind == "label":
            rows[b.row].append(f"<td{attrs}>{text}</td>")
        else:
            rows[b.row].append(f'<th{attrs} align="center">{text}</th>')
    lines = ['<table border="1" cellspacing="0" cellpadding="3">']
    if n_head:
        lines.append("<thead>")
    for r in range(table.layout.height):
        if r == n_head and n_head:
            lines.append("</thead>")
            lines.append("<tbody>")
        lines.append("<tr>" + "".join(rows[r]) + "</tr>")
    if n_head:
        lines.append("</tbody>")
    lines.append("</table>")
    return "\n".join(lines)
