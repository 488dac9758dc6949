"""Big sheets, fast: rows written as XML straight into placeholder sheets of a saved package.

openpyxl builds the workbook (the official template, headers, widths, styles, frozen
panes, filters) with each big sheet holding only its header rows.  After saving, this
module streams the data rows into those sheets' ``<sheetData>`` with a shared-string
table — about ten times faster than creating openpyxl cells, and memory stays flat
because rows are generated, compressed and written chunk by chunk.

Style ids for data cells come from openpyxl (``cell.style_id`` of a styled cell), so
fills and fonts are declared once, in openpyxl's styles part.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator
from xml.etree import ElementTree as ET

from ..layout import col_letter

MAX_ROWS = 1_048_576
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def clean_text(s: str) -> str:
    """Text safe for a cell: no control characters, at most 32,767 characters."""
    s = _ILLEGAL.sub("", s)
    return s if len(s) <= 32767 else s[:32760] + "…"


def escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SharedStrings:
    """The package's shared-string table; ``sst(text)`` → index."""

    def __init__(self, existing: list[str] | None = None):
        self.items: list[str] = []
        self.index: dict[str, int] = {}
        self.base_xml: list[str] = []
        for s in existing or ():
            self.add(s)

    def __call__(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.add(s)
        return i

    def add(self, s: str) -> int:
        i = len(self.items)
        self.items.append(s)
        self.index.setdefault(s, i)
        return i

    def xml(self) -> Iterator[str]:
        n = len(self.items)
        yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_NS_MAIN}" count="{n}" uniqueCount="{n}">'
        buf = []
        for s in self.items:
            t = escape(clean_text(s))
            space = ' xml:space="preserve"' if t != t.strip() or "\n" in t else ""
            buf.append(f"<si><t{space}>{t}</t></si>")
            if len(buf) >= 4096:
                yield "".join(buf)
                buf = []
        buf.append("</sst>")
        yield "".join(buf)


@dataclass
class Rows:
    """Data rows for the placeholder sheet ``title``: rows ``first_row``…``last_row``.

    ``xml(sst)`` yields the ``<row>`` elements as text (in chunks); ``ncols`` sets the
    sheet's dimension.
    """

    title: str
    first_row: int
    last_row: int
    ncols: int
    xml: Callable[[SharedStrings], Iterable[str]]


def generic_rows(rows: Iterable[list], first_row: int) -> Callable[[SharedStrings], Iterator[str]]:
    """Rows of plain values: ``str`` (shared), ``int``/``float``, ``None``/"" (empty), or
    ``(value, style_id)`` for a styled cell."""
    letters = [col_letter(i + 1) for i in range(64)]

    def gen(sst: SharedStrings) -> Iterator[str]:
        buf: list[str] = []
        r = first_row
        for row in rows:
            cells = []
            for j, v in enumerate(row):
                style = ""
                if isinstance(v, tuple):
                    v, sid = v
                    style = f' s="{sid}"' if sid else ""
                if v is None or v == "":
                    if style:
                        cells.append(f'<c r="{letters[j]}{r}"{style}/>')
                    continue
                if isinstance(v, bool):
                    v = "是" if v else "否"
                if isinstance(v, (int, float)):
                    cells.append(f'<c r="{letters[j]}{r}"{style}><v>{_num(v)}</v></c>')
                else:
                    cells.append(f'<c r="{letters[j]}{r}"{style} t="s"><v>{sst(str(v))}</v></c>')
            buf.append(f'<row r="{r}">{"".join(cells)}</row>')
            r += 1
            if len(buf) >= 2000:
                yield "".join(buf)
                buf = []
        if buf:
            yield "".join(buf)

    return gen


def _num(v: int | float) -> str:
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return repr(round(v, 10))
    return str(v)


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """sheet title → part name (「xl/worksheets/sheet6.xml」)."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{_NS_PKG_REL}}}Relationship")}
    out = {}
    for sh in wb.iter(f"{{{_NS_MAIN}}}sheet"):
        t = targets.get(sh.get(f"{{{_NS_REL}}}id"), "")
        out[sh.get("name")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def fill(package: bytes, fills: list[Rows], *, compresslevel: int = 1) -> bytes:
    """Return ``package`` with each ``Rows`` streamed into its placeholder sheet."""
    src = zipfile.ZipFile(io.BytesIO(package))
    parts = sheet_parts(src)
    by_part = {}
    for f in fills:
        if f.title not in parts:
            raise KeyError(f"placeholder sheet {f.title!r} not in the package")
        by_part[parts[f.title]] = f
    names = src.namelist()
    sst = SharedStrings(_existing_strings(src) if "xl/sharedStrings.xml" in names else None)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as dst:
        for info in src.infolist():
            name = info.filename
            if name == "xl/sharedStrings.xml":
                continue
            body = src.read(name)
            if name in by_part:
                _write_sheet(dst, info, body.decode("utf-8"), by_part[name], sst)
                continue
            if name == "[Content_Types].xml" and b"sharedStrings" not in body:
                body = body.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_CT}"/></Types>'.encode(),
                )
            elif name == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in body:
                body = body.replace(
                    b"</Relationships>",
                    f'<Relationship Type="{_SST_TYPE}" Target="/xl/sharedStrings.xml" Id="rIdGxxlSst"/></Relationships>'.encode(),
                )
            dst.writestr(_info(info), body)
        with dst.open(zipfile.ZipInfo("xl/sharedStrings.xml", date_time=_DATE), "w", force_zip64=True) as w:
            for chunk in sst.xml():
                w.write(chunk.encode("utf-8"))
    return out.getvalue()


_DATE = (2021, 9, 26, 0, 0, 0)


def _info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = info.external_attr
    return zi


def _write_sheet(dst: zipfile.ZipFile, info: zipfile.ZipInfo, xml: str, rows: Rows, sst: SharedStrings) -> None:
    end = xml.find("</sheetData>")
    if end < 0:  # openpyxl writes <sheetData/> for a sheet without cells
        empty = xml.find("<sheetData/>")
        if empty < 0:
            raise ValueError(f"no sheetData in {info.filename}")
        xml = xml[:empty] + "<sheetData></sheetData>" + xml[empty + len("<sheetData/>"):]
        end = xml.find("</sheetData>")
    head, tail = xml[:end], xml[end:]
    last = max(rows.last_row, rows.first_row - 1)
    ref = f"A1:{col_letter(max(1, rows.ncols))}{max(1, last)}"
    head = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', head, count=1)
    with dst.open(_info(info), "w", force_zip64=True) as w:
        w.write(head.encode("utf-8"))
        for chunk in rows.xml(sst):
            w.write(chunk.encode("utf-8"))
        w.write(tail.encode("utf-8"))


def _existing_strings(z: zipfile.ZipFile) -> list[str]:
    root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    out = []
    for si in root.iter(f"{{{_NS_MAIN}}}si"):
        out.append("".join(t.text or "" for t in si.iter(f"{{{_NS_MAIN}}}t")))
    return out
