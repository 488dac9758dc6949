"""The imported workbook of a page, fast: the same file as :func:`gxxl.importer.write_import`.

Building the official template with openpyxl takes about 0.3 s a workbook, which would
make the imported workbooks the largest cost of an audit of 1,000 pages.  Here the
template is built once per process *by write_import itself*, from a probe filing whose
every value cell holds a unique sentinel number, whose cover fields and source name are
sentinel strings and whose 导入说明 sheet has one probe row.  For each page the sentinels
in that package's XML are replaced by the page's values, and the 导入说明 rows are
generated in the probe rows' styles; the hidden ``_gxxl`` rows (which cells the page did
not have) are written from the importer's own ``gap_meta``, the 导入说明 header and footer
by the shared :func:`gxxl.sheetprint.setup_print`.  Everything else (layout, styles,
formulas, data validation, protection) is the template's own bytes.

Safety: the first workbook each process writes is also written by ``write_import`` and the
two are compared (values, links, header, print areas, wrapping); if they differ — the
importer's workbook changed in a way this module does not know — the process uses
``write_import`` from then on.  ``tests/test_audit.py`` makes the same comparison.
"""

from __future__ import annotations

import html
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..fileio import FIXED_TIME, atomic_write_bytes
from ..findings import SEVERITY_ZH, Finding

SENT = "GXXLSENTINEL"
BASE = 900_000_000
YEAR_SENT = 2999
_VALUE = re.compile(r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="n"><v>(9\d{8})</v></c>')
_COVER = re.compile(rf'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t>{SENT}COVER(\w+)</t></is></c>')
_STYLE = re.compile(r' s="(\d+)"')
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass
class _Template:
    names: list[str]
    parts: dict[str, bytes]
    codes: dict[int, str]  # sentinel → cell code
    notes_part: str  # the 导入说明 sheet's part name
    meta_part: str  # the hidden _gxxl sheet's part name
    notes_index: int  # the 导入说明 sheet's position (localSheetId of its print area)
    #: column letter → ' s="N"': "link" from the probe row with a location and values,
    #: "plain" from the row without
    styles: dict[str, dict[str, str]]
    meta_rows: list[tuple[str, str]]  # the _gxxl rows before the per-page gap entries
    year_ref: str  # the cover's year cell


_CACHE: dict[str, _Template] = {}


def _template(spec) -> _Template:
    if spec.id in _CACHE:
        return _CACHE[spec.id]
    from ..filing import Filing
    from ..importer import IMPORT_SHEET, ImportResult, write_import
    from ..gaps import META_ABSENT, META_UNREADABLE
    from ..layout import META_SHEET, a1, cell_positions, cover_positions

    probe = Filing(spec_id=spec.id, source=f"{SENT}SRC")
    codes = {}
    for k, code in enumerate(cell_positions(spec)):
        probe.values[code] = BASE + k
        codes[BASE + k] = code
    for f in spec.cover:
        probe.cover[f.code] = f"{SENT}COVER{f.code}"
    probe.cover["year"] = YEAR_SENT
    first_sheet = spec.tables[0].sheet
    findings = [Finding(rule=f"{SENT}RULE", severity="info", message=f"{SENT}MSG", locations=(f"{first_sheet}!B6",),
                        reported=f"{SENT}REP", computed=1),
                Finding(rule=f"{SENT}RULE", severity="info", message=f"{SENT}MSG")]
    states = {code: "absent" for code in list(codes.values())[:1]}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_import(ImportResult(filing=probe, findings=findings, document=None, states=states),
                            Path(tmp) / "t.xlsx")
        data = path.read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    names = [i.filename for i in z.infolist()]
    parts = {n: z.read(n) for n in names}
    wbxml = parts["xl/workbook.xml"].decode()
    sheets = re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="(rId\d+)"', wbxml)
    rels: dict[str, str] = {}
    rel_xml = parts["xl/_rels/workbook.xml.rels"].decode()
    for m in re.finditer(r"<Relationship [^>]*>", rel_xml):
        t = re.search(r'Target="/?(?:xl/)?([^"]+)"', m.group(0))
        i = re.search(r'Id="(rId\d+)"', m.group(0))
        if t and i:
            rels[i.group(1)] = "xl/" + t.group(1)
    names_in_order = [html.unescape(name) for name, _ in sheets]
    notes = next(rels[rid] for name, rid in sheets if html.unescape(name) == IMPORT_SHEET)
    meta = next(rels[rid] for name, rid in sheets if html.unescape(name) == META_SHEET)
    xml = parts[notes].decode()
    styles: dict[str, dict[str, str]] = {"link": {}, "plain": {}}
    for variant, r in (("link", 3), ("plain", 4)):
        row = re.search(rf'<row r="{r}".*?</row>', xml).group(0)
        for m in re.finditer(rf'<c r="([A-Z]+){r}"([^>]*)>', row):
            st = _STYLE.search(m.group(2))
            styles[variant][m.group(1)] = st.group(0) if st else ""
    meta_rows = []
    for m in re.finditer(r'<row r="\d+">(.*?)</row>', parts[meta].decode()):
        cells = [html.unescape(t) for t in re.findall(r"<t>(.*?)</t>", m.group(1))]
        if len(cells) == 2 and cells[0] not in (META_ABSENT, META_UNREADABLE):
            meta_rows.append((cells[0], cells[1]))
    yr, yc = cover_positions(spec)["year"]
    tpl = _Template(names=names, parts=parts, codes=codes, notes_part=notes, meta_part=meta,
                    notes_index=names_in_order.index(IMPORT_SHEET), styles=styles, meta_rows=meta_rows,
                    year_ref=a1(yr, yc))
    _CACHE[spec.id] = tpl
    return tpl


def _esc(text: str) -> str:
    return html.escape(_ILLEGAL.sub("", text), quote=False)


def _num(v) -> str:
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def _cell(ref: str, style: str, value) -> str:
    if value is None or value == "":
        return f'<c r="{ref}"{style} t="inlineStr"></c>' if value == "" else f'<c r="{ref}"{style} t="n"></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"{style} t="n"><v>{_num(value)}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{_esc(str(value))}</t></is></c>'


def workbook_bytes(result) -> bytes:
    filing = result.filing
    tpl = _template(filing.spec)
    src = _esc(Path(filing.source or "").name)

    def value(m: re.Match) -> str:
        code = tpl.codes[int(m.group(3))]
        v = filing.values.get(code)
        if v is None:
            problem = filing.problems.get(code)
            if problem and problem[0] in ("text", "invalid"):  # as gxxl.writer
                return _cell(m.group(1), m.group(2), problem[1])
            return f'<c r="{m.group(1)}"{m.group(2)} t="n"></c>'
        return _cell(m.group(1), m.group(2), v)

    def cover(m: re.Match) -> str:
        v = filing.cover.get(m.group(3))
        return f'<c r="{m.group(1)}"{m.group(2)} t="n"></c>' if v is None or v == "" else _cell(m.group(1), m.group(2), v)

    year = filing.cover.get("year")
    year_cell = re.compile(rf'<c r="{tpl.year_ref}"((?: s="\d+")?) t="n"><v>{YEAR_SENT}</v></c>')

    def year_repl(m: re.Match) -> str:
        return f'<c r="{tpl.year_ref}"{m.group(1)} t="n"></c>' if year in (None, "") else _cell(tpl.year_ref, m.group(1), year)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name in tpl.names:
            body = tpl.parts[name]
            if name == tpl.notes_part + ".rels" or name.endswith("_rels/" + Path(tpl.notes_part).name + ".rels"):
                continue  # the probe's hyperlink relationships: links are written as locations below
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = body.decode()
                if name == tpl.meta_part:
                    xml = _meta(xml, result, tpl, src)
                elif SENT in xml or "<v>9" in xml or str(YEAR_SENT) in xml:
                    xml = _VALUE.sub(value, xml)
                    xml = _COVER.sub(cover, xml)
                    xml = year_cell.sub(year_repl, xml)
                    if name == tpl.notes_part:
                        xml = _notes(xml, result, tpl)
                    xml = xml.replace(f"{SENT}SRC", src)
                body = xml.encode()
            elif name == "xl/workbook.xml":
                last = max(2, len(result.findings) + 2)
                body = re.sub(rf'(<definedName name="_xlnm.Print_Area" localSheetId="{tpl.notes_index}">[^<]*!\$A\$1:\$G\$)\d+',
                              rf"\g<1>{last}", body.decode(), count=1).encode()
            zi = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            z.writestr(zi, body, compresslevel=1)
    return out.getvalue()


def _notes(xml: str, result, tpl: _Template) -> str:
    findings: list[Finding] = result.findings
    link, plain = tpl.styles["link"], tpl.styles["plain"]
    rows, links = [], []
    for i, f in enumerate(findings, start=1):
        r = i + 2
        loc = f.locations[0] if f.locations else ""
        linked = bool(loc) and "!" in loc
        rep = "" if f.reported is None else f.reported
        comp = "" if f.computed is None else f.computed
        cells = [
            _cell(f"A{r}", plain.get("A", ""), i), _cell(f"B{r}", plain.get("B", ""), SEVERITY_ZH[f.severity]),
            _cell(f"C{r}", plain.get("C", ""), f.rule), _cell(f"D{r}", (link if linked else plain).get("D", ""), loc),
            _cell(f"E{r}", (link if rep != "" else plain).get("E", ""), rep),
            _cell(f"F{r}", (link if comp != "" else plain).get("F", ""), comp), _cell(f"G{r}", plain.get("G", ""), f.message),
        ]
        rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
        if linked:
            sheet, ref = loc.rsplit("!", 1)
            links.append(f'<hyperlink ref="D{r}" location="{_esc(chr(39) + sheet + chr(39) + "!" + ref).replace(chr(34), "&quot;")}"/>')
    xml = re.sub(r'<row r="3".*?<row r="4".*?</row>', lambda m: "".join(rows), xml, count=1, flags=re.S)
    xml = re.sub(r"<hyperlinks>.*?</hyperlinks>", lambda m: f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "",
                 xml, count=1, flags=re.S)
    xml = re.sub(r"<headerFooter>.*?</headerFooter>", lambda m: _header(result), xml, count=1, flags=re.S)
    return re.sub(r'<dimension ref="A1:G\d+"/>', f'<dimension ref="A1:G{max(2, len(findings) + 2)}"/>', xml, count=1)


def _header(result) -> str:
    """The 导入说明 header and footer as ``write_import`` sets them (same function, same arguments)."""
    from openpyxl.xml.functions import tostring

    from ..importer import IMPORT_SHEET
    from ..sheetprint import setup_print

    ws = _scratch()
    setup_print(ws, title=IMPORT_SHEET, unit=result.filing.unit_name, year=result.filing.year, landscape=True)
    return tostring(ws.HeaderFooter.to_tree()).decode()


_SCRATCH: list = []


def _scratch():
    """One empty worksheet per process for :func:`_header` (setup_print sets every header part)."""
    if not _SCRATCH:
        from openpyxl import Workbook

        _SCRATCH.append(Workbook().active)
    return _SCRATCH[0]


def _meta(xml: str, result, tpl: _Template, src: str) -> str:
    from ..gaps import gap_meta

    rows = list(tpl.meta_rows) + list(gap_meta(result.states).items())
    body = "".join(
        f'<row r="{i}">{_cell(f"A{i}", "", k)}{_cell(f"B{i}", "", src if v == f"{SENT}SRC" else v)}</row>'
        for i, (k, v) in enumerate(rows, start=1))
    xml = re.sub(r"<sheetData>.*?</sheetData>", lambda m: f"<sheetData>{body}</sheetData>", xml, count=1, flags=re.S)
    return re.sub(r'<dimension ref="A1:B\d+"/>', f'<dimension ref="A1:B{len(rows)}"/>', xml, count=1)


_CHECKED: dict[str, bool] = {}  # spec id → the fast path gave write_import's workbook


def write_fast(result, out: str | Path) -> Path:
    """The imported workbook of ``result`` (as ``write_import`` writes it), written atomically."""
    from ..importer import write_import

    sid = result.filing.spec_id
    if sid not in _CHECKED:
        data = workbook_bytes(result)
        with tempfile.TemporaryDirectory() as tmp:
            ref = write_import(result, Path(tmp) / "ref.xlsx").read_bytes()
        _CHECKED[sid] = same_workbook(ref, data)
        return atomic_write_bytes(out, data if _CHECKED[sid] else ref)
    if not _CHECKED[sid]:
        return write_import(result, out, force=True)
    return atomic_write_bytes(out, workbook_bytes(result))


def same_workbook(a: bytes, b: bytes) -> bool:
    """Same sheets, values, links, headers, print areas and wrapping (what a person sees)."""
    return describe(a) == describe(b)


def describe(data: bytes) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    out: list = [wb.sheetnames]
    for ws in wb.worksheets:
        out.append((ws.title, ws.sheet_state, ws.protection.sheet, str(ws.print_area), str(ws.print_title_rows),
                    str(ws.oddHeader.left.text), str(ws.oddHeader.center.text), str(ws.oddHeader.right.text),
                    ws.page_setup.orientation, ws.freeze_panes))
        for row in ws.iter_rows():
            for c in row:
                v = None if c.value == "" else c.value
                link = c.hyperlink.location or (c.hyperlink.target or "").lstrip("#") if c.hyperlink else None
                if v is not None or link:
                    out.append((ws.title, c.coordinate, v, link, bool(c.alignment.wrap_text), c.font.u, c.number_format))
    return out
