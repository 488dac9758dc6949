"""The imported workbook of a page, fast: the same file as :func:`gxxl.importer.write_import`.

Building the official template with openpyxl takes about 0.3 s a workbook, which would
make the imported workbooks the largest cost of an audit of 1,000 pages.  Here the
template is built once per process *by write_import itself*, from a probe filing whose
every value cell holds a unique sentinel number, whose cover fields and source name are
sentinel strings and whose 导入说明 sheet has one probe row.  For each page the sentinels
in that package's XML are replaced by the page's values, and the 导入说明 rows are
generated in the probe row's styles.  Everything else (layout, styles, formulas, data
validation, protection) is the template's own bytes.  ``tests/test_audit.py`` reads both
files back and checks they hold the same cover, values, texts and 导入说明 rows.
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
    styles: dict[str, str]  # column letter → ' s="N"' of the probe row ("D" with its link font)


_CACHE: dict[str, _Template] = {}


def _template(spec) -> _Template:
    if spec.id in _CACHE:
        return _CACHE[spec.id]
    from ..filing import Filing
    from ..importer import IMPORT_SHEET, ImportResult, write_import
    from ..layout import cell_positions

    probe = Filing(spec_id=spec.id, source=f"{SENT}SRC")
    codes = {}
    for k, code in enumerate(cell_positions(spec)):
        probe.values[code] = BASE + k
        codes[BASE + k] = code
    for f in spec.cover:
        probe.cover[f.code] = f"{SENT}COVER{f.code}"
    first_sheet = spec.tables[0].sheet
    finding = Finding(rule=f"{SENT}RULE", severity="info", message=f"{SENT}MSG", locations=(f"{first_sheet}!B6",),
                      reported=f"{SENT}REP", computed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_import(ImportResult(filing=probe, findings=[finding], document=None), Path(tmp) / "t.xlsx")
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
    notes = next(rels[rid] for name, rid in sheets if html.unescape(name) == IMPORT_SHEET)
    row3 = re.search(r'<row r="3".*?</row>', parts[notes].decode()).group(0)
    styles = {}
    for m in re.finditer(r'<c r="([A-Z]+)3"([^>]*)>', row3):
        s = _STYLE.search(m.group(2))
        styles[m.group(1)] = s.group(0) if s else ""
    tpl = _Template(names=names, parts=parts, codes=codes, notes_part=notes, styles=styles)
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
            if problem and problem[0] == "text":
                return _cell(m.group(1), m.group(2), problem[1])
            return f'<c r="{m.group(1)}"{m.group(2)} t="n"></c>'
        return _cell(m.group(1), m.group(2), v)

    def cover(m: re.Match) -> str:
        v = filing.cover.get(m.group(3))
        return f'<c r="{m.group(1)}"{m.group(2)} t="n"></c>' if v is None or v == "" else _cell(m.group(1), m.group(2), v)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name in tpl.names:
            body = tpl.parts[name]
            if name == tpl.notes_part + ".rels" or name.endswith("_rels/" + Path(tpl.notes_part).name + ".rels"):
                continue  # the probe's hyperlink relationships: links are written as locations below
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = body.decode()
                if SENT in xml or "<v>9" in xml:
                    xml = _VALUE.sub(value, xml)
                    xml = _COVER.sub(cover, xml)
                    if name == tpl.notes_part:
                        xml = _notes(xml, result.findings, tpl)
                    xml = xml.replace(f"{SENT}SRC", src)
                    body = xml.encode()
            zi = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            z.writestr(zi, body, compresslevel=1)
    return out.getvalue()


def _notes(xml: str, findings: list[Finding], tpl: _Template) -> str:
    st = tpl.styles
    rows, links = [], []
    for i, f in enumerate(findings, start=1):
        r = i + 2
        loc = f.locations[0] if f.locations else ""
        linked = bool(loc) and "!" in loc
        cells = [
            _cell(f"A{r}", st.get("A", ""), i), _cell(f"B{r}", st.get("B", ""), SEVERITY_ZH[f.severity]),
            _cell(f"C{r}", st.get("C", ""), f.rule), _cell(f"D{r}", st.get("D", "") if linked else "", loc),
            _cell(f"E{r}", st.get("E", "") if f.reported is not None else "", "" if f.reported is None else f.reported),
            _cell(f"F{r}", "", "" if f.computed is None else f.computed), _cell(f"G{r}", st.get("G", ""), f.message),
        ]
        rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
        if linked:
            sheet, ref = loc.rsplit("!", 1)
            links.append(f'<hyperlink ref="D{r}" location="{_esc(chr(39) + sheet + chr(39) + "!" + ref).replace(chr(34), "&quot;")}"/>')
    xml = re.sub(r'<row r="3".*?</row>', lambda m: "".join(rows), xml, count=1, flags=re.S)
    xml = re.sub(r"<hyperlinks>.*?</hyperlinks>", lambda m: f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "",
                 xml, count=1, flags=re.S)
    return re.sub(r'<dimension ref="A1:G\d+"/>', f'<dimension ref="A1:G{max(2, len(findings) + 2)}"/>', xml, count=1)


def write_fast(result, out: str | Path) -> Path:
    """The imported workbook of ``result`` (as ``write_import`` writes it), written atomically."""
    return atomic_write_bytes(out, workbook_bytes(result))
