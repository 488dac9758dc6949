"""The gate's sheet-extent check on crafted sheets: the one-regex proof for ordinary sheets
(every cell referenced within ZZ9999 in a part of at most 16 MB) and the exact measurement
for every other sheet — the far cell, cells without references, references that are not the
first attribute, namespaced cells, more cells than the limit."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from gxxl import gate
from gxxl.errors import InputError, LimitError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "seed004_某区人民政府办公室_2024.xlsx"


def _with_sheet(dst: Path, sheet_data: bytes) -> Path:
    """The sample workbook with its sheet3's rows replaced by ``sheet_data``."""
    with zipfile.ZipFile(SAMPLE) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet3.xml":
                head, rest = data.split(b"<sheetData", 1)
                tail = rest.split(b"</sheetData>", 1)[1]
                data = head + b"<sheetData>" + sheet_data + b"</sheetData>" + tail
            zout.writestr(info, data)
    return dst


def _row(r: int | None, cells: list[bytes]) -> bytes:
    return (b'<row r="%d">' % r if r else b"<row>") + b"".join(cells) + b"</row>"


def _sheet_name() -> str:
    with zipfile.ZipFile(SAMPLE) as zf:
        return {part: n for n, part in gate._sheet_parts(zf).items()}["xl/worksheets/sheet3.xml"]


def test_ordinary_workbooks_are_proven_small_without_measuring():
    workbooks = sorted((ROOT / "workbooks").glob("*.xlsx")) + sorted((ROOT / "templates").glob("*.xlsx"))
    assert workbooks
    for path in workbooks:
        shape = gate.check_workbook(path)
        assert shape.sheets and not any(s.measured for s in shape.sheets), path.name


def test_near_cells_in_any_order_are_proven_small(tmp_path):
    rows = [_row(9999, [b'<c r="ZZ9999"><v>1</v></c>']), _row(1, [b'<c r="A1"><v>2</v></c>'])]
    shape = gate.check_workbook(_with_sheet(tmp_path / "near.xlsx", b"".join(rows)))
    assert not any(s.measured for s in shape.sheets)


def test_a_long_sheet_is_measured_and_accepted(tmp_path):
    rows = [_row(r, [b'<c r="%s%d"><v>%d</v></c>' % (c, r, r) for c in (b"A", b"B", b"C")]) for r in range(1, 20_001)]
    shape = gate.check_workbook(_with_sheet(tmp_path / "long.xlsx", b"".join(rows)))
    (sheet,) = [s for s in shape.sheets if s.measured]
    assert (sheet.rows, sheet.cols, sheet.cells) == (20_000, 3, 60_000)


@pytest.mark.parametrize("cells, where", [
    # three-letter column far out
    (_row(20_000, [b'<c r="AAA20000"><v>1</v></c>']), "AAA20000"),
    # the reference is not the first attribute
    (_row(1_048_576, [b'<c t="n" r="XFD1048576"><v>1</v></c>']), "XFD1048576"),
    # a namespace prefix on the cell
    (_row(1_048_576, [b'<x:c r="XFD1048576"><x:v>1</x:v></x:c>']), "XFD1048576"),
    # cells without references follow the previous cell: 15,000 columns in one row, then row 1,000
    (_row(1, [b'<c r="A1"><v>1</v></c>'] + [b"<c><v>1</v></c>"] * 15_000) + _row(1_000, [b'<c r="A1000"><v>1</v></c>']),
     "VDY1000"),  # column 15,001
], ids=["three-letter column", "reference not first", "namespaced cell", "cells without references"])
def test_far_extents_are_measured_and_refused(tmp_path, cells, where):
    path = _with_sheet(tmp_path / "far.xlsx", cells)
    with pytest.raises(LimitError) as e:
        gate.check_workbook(path)
    msg = e.value.message
    assert "MAX_SHEET_AREA" in msg or "使用范围" in msg
    assert where in msg and f"工作表「{_sheet_name()}」" in msg


def test_more_cells_than_the_limit_in_a_big_part_are_counted(tmp_path):
    # 4,000,001 one-cell repetitions of A1: a small extent, but too many cells for calamine's memory
    cells = b'<row r="1">' + b'<c r="A1"/>' * (gate.MAX_SHEET_CELLS + 1) + b"</row>"
    path = _with_sheet(tmp_path / "many.xlsx", cells)
    with pytest.raises(LimitError) as e:
        gate.check_workbook(path)
    assert "MAX_SHEET_CELLS" in e.value.message or f"{gate.MAX_SHEET_CELLS:,}" in e.value.message


def test_doctype_in_a_later_chunk_is_refused(tmp_path):
    filler = b"".join(_row(r, [b'<c r="A%d"><v>%d</v></c>' % (r, r)]) for r in range(1, 60_000))
    path = _with_sheet(tmp_path / "dtd.xlsx", filler + b'<!DOCTYPE x [<!ENTITY a "b">]>')
    with pytest.raises(InputError) as e:
        gate.check_workbook(path)
    assert "DOCTYPE" in e.value.message


# --------------------------------------------------------------------------------------
# the reader: each worksheet checked just before calamine parses it
# --------------------------------------------------------------------------------------
def _with_part(dst: Path, part: str, edit) -> Path:
    with zipfile.ZipFile(SAMPLE) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, edit(data) if info.filename == part else data)
    return dst


def _part_of(sheet_name: str) -> str:
    with zipfile.ZipFile(SAMPLE) as zf:
        return gate._sheet_parts(zf)[sheet_name]


FAR_CELL = lambda data: data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')  # noqa: E731


def test_a_far_cell_in_a_sheet_the_reader_never_parses_does_not_stop_reading(tmp_path):
    from gxxl.reader import read_filing

    part = _part_of("自动校验")
    path = _with_part(tmp_path / "far_selfcheck.xlsx", part, FAR_CELL)
    with pytest.raises(LimitError):
        gate.check_workbook(path)  # the whole-workbook gate (import, annotate, report's sheet) refuses it
    got, want = read_filing(path), read_filing(SAMPLE)
    assert got.readable and got.values == want.values


def test_a_far_cell_in_a_table_sheet_is_an_f1_naming_the_sheet(tmp_path):
    from gxxl.reader import read_filing

    path = _with_part(tmp_path / "far_table.xlsx", _part_of("表三 依申请公开"), FAR_CELL)
    f = read_filing(path)
    assert not f.readable
    (finding,) = f.findings
    assert finding.rule == "F-1" and "工作表「表三 依申请公开」" in finding.message and "XFD1048576" in finding.message


def test_a_doctype_in_a_parsed_sheet_is_refused_by_the_reader(tmp_path):
    from gxxl.reader import read_filing

    dtd = lambda data: data.replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY a "b">]><worksheet', 1)  # noqa: E731
    f = read_filing(_with_part(tmp_path / "dtd.xlsx", _part_of("封面"), dtd))
    assert not f.readable and f.findings[0].rule == "F-1" and "DOCTYPE" in f.findings[0].message


def test_annotate_checks_every_sheet_before_openpyxl_parses_them(tmp_path):
    import hashlib

    from gxxl.annotate import annotate
    from gxxl.reader import read_filing
    from gxxl.validate import validate

    path = _with_part(tmp_path / "far_selfcheck.xlsx", _part_of("自动校验"), FAR_CELL)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    filing = read_filing(path)
    out = annotate(path, filing, validate(filing), tmp_path / "out.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert "自动校验" not in wb.sheetnames or wb["自动校验"].max_row < 1_048_576  # the far cell was not copied
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_sheet_names_with_references_name_the_sheet_in_messages(tmp_path):
    name = "表三 <依申请> & \"公开\""
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLE)
    wb["表三 依申请公开"].title = name
    src = tmp_path / "renamed.xlsx"
    wb.save(src)
    with zipfile.ZipFile(src) as zf:
        part = gate._sheet_parts(zf)[name]
    dst = tmp_path / "renamed_far.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, FAR_CELL(data) if info.filename == part else data)
    with pytest.raises(LimitError) as e:
        gate.check_workbook(dst)
    assert f"工作表「{name}」" in e.value.message


# --------------------------------------------------------------------------------------
# parts whose directory sizes lie, read from memory (small files) and streamed (large)
# --------------------------------------------------------------------------------------
def _lying(dst: Path, part: str, delta: int, pad: int) -> Path:
    """The sample with ``part``'s declared uncompressed size changed by ``delta`` (in the
    local header and the central directory), and ``pad`` bytes of incompressible padding
    (a large file is streamed by the gate, a small one read into memory)."""
    import os

    with zipfile.ZipFile(SAMPLE) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        if pad:
            zout.writestr(zipfile.ZipInfo("xl/media/image1.png"), os.urandom(pad), compress_type=zipfile.ZIP_STORED)
    data = bytearray(dst.read_bytes())
    with zipfile.ZipFile(dst) as zf:
        info = zf.getinfo(part)
    real = info.file_size
    at = info.header_offset
    assert data[at:at + 4] == b"PK\x03\x04"
    data[at + 22:at + 26] = (real + delta).to_bytes(4, "little")
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n = int.from_bytes(data[pos + 28:pos + 30], "little")
        if bytes(data[pos + 46:pos + 46 + n]).decode() == part:
            data[pos + 24:pos + 28] = (real + delta).to_bytes(4, "little")
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    assert pos != -1
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("pad", [0, 9 << 20], ids=["in memory", "streamed"])
def test_a_part_that_inflates_to_more_than_declared_is_damaged(tmp_path, pad):
    from gxxl.reader import read_filing

    part = _part_of("表三 依申请公开")
    path = _lying(tmp_path / "lying.xlsx", part, -1000, pad)
    with pytest.raises(InputError) as e:
        gate.check_workbook(path)
    assert "已损坏" in e.value.message and part in e.value.message
    f = read_filing(path)
    assert not f.readable and f.findings[0].rule == "F-1" and "已损坏" in f.findings[0].message


@pytest.mark.parametrize("pad", [0, 9 << 20], ids=["in memory", "streamed"])
def test_a_part_that_inflates_to_less_than_declared_reads_the_same_both_ways(tmp_path, pad):
    from gxxl.reader import read_filing

    path = _lying(tmp_path / "lying.xlsx", _part_of("表三 依申请公开"), 1000, pad)
    gate.check_workbook(path)  # zipfile accepts it when streaming (the CRC matches): so does the gate in memory
    f = read_filing(path)
    assert f.readable and f.values == read_filing(SAMPLE).values


def test_a_truncated_part_is_damaged(tmp_path):
    part = _part_of("表三 依申请公开")
    src = tmp_path / "src.xlsx"
    src.write_bytes(SAMPLE.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(part)
    data = bytearray(src.read_bytes())
    at = info.header_offset
    n, m = int.from_bytes(data[at + 26:at + 28], "little"), int.from_bytes(data[at + 28:at + 30], "little")
    start = at + 30 + n + m
    # the compressed stream cut in half, the rest of its bytes zeros (sizes unchanged)
    half = info.compress_size // 2
    data[start + half:start + info.compress_size] = bytes(info.compress_size - half)
    bad = tmp_path / "truncated.xlsx"
    bad.write_bytes(bytes(data))
    with pytest.raises(InputError) as e:
        gate.check_workbook(bad)
    assert "已损坏" in e.value.message


def _moved(dst: Path, edit=None) -> Path:
    """The sample with 表三's worksheet moved out of xl/worksheets/ (to xl/other/s3.xml, the
    relationship pointing there): calamine follows the relationship wherever it points."""
    part = _part_of("表三 依申请公开")
    with zipfile.ZipFile(SAMPLE) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data, name = zin.read(info.filename), info.filename
            if name == part:
                name, data = "xl/other/s3.xml", edit(data) if edit else data
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(part.removeprefix("xl/").encode(), b"other/s3.xml")
            elif name == "[Content_Types].xml":
                data = data.replace(b"/" + part.encode(), b"/xl/other/s3.xml")
            elif name == part.replace("worksheets/", "worksheets/_rels/") + ".rels":
                name = "xl/other/_rels/s3.xml.rels"
            zout.writestr(zipfile.ZipInfo(name, info.date_time), data)
    return dst


def test_a_worksheet_outside_xl_worksheets_is_checked_as_a_sheet(tmp_path):
    from gxxl.reader import read_filing

    far = lambda data: data.replace(b"</sheetData>", b'<row r="60000"><c r="ZZZ60000"><v>1</v></c></row></sheetData>')  # noqa: E731
    path = _moved(tmp_path / "moved_far.xlsx", far)
    with pytest.raises(LimitError) as e:
        gate.check_workbook(path)
    assert "ZZZ60000" in e.value.message and "工作表「表三 依申请公开」" in e.value.message
    # the reader's per-sheet gate, in a child process under a memory limit (calamine aborts
    # the process it runs in when it is let through)
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    code = ("import sys; from gxxl.reader import read_filing; f = read_filing(sys.argv[1]); "
            "print(f.readable, f.findings[0].rule if f.findings else '', f.findings[0].message if f.findings else '')")
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120,
                       preexec_fn=limit, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-500:]
    assert r.stdout.startswith("False F-1 ") and "ZZZ60000" in r.stdout
    moved = read_filing(_moved(tmp_path / "moved.xlsx"))  # the same, without the far cell, reads
    assert moved.readable and moved.values == read_filing(SAMPLE).values


# --------------------------------------------------------------------------------------
# the red-team corpus: crafted workbooks that once got past the gate (tests/data/hostile/)
# --------------------------------------------------------------------------------------
HOSTILE = sorted(p for p in (ROOT / "tests" / "data" / "hostile").iterdir() if p.suffix in (".xlsx", ".xls", ".ods"))

_CHILD = """
import sys, time
from gxxl import gate
from gxxl.errors import GxxlError
from gxxl.reader import read_filing
p = sys.argv[1]
try:
    gate.check_workbook(p)
    verdict = "passed"
except GxxlError as e:
    verdict = "refused"
f = read_filing(p)
# the other two parsers of a user's workbook (calamine opened otherwise: by content, by path)
from pathlib import Path
from gxxl.importer.sources import _read_workbook
from gxxl.rollup.roster import read_roster
for parse in (_read_workbook, read_roster):
    try:
        parse(Path(p))
    except Exception:
        pass
print(verdict, f.readable, f.findings[0].rule if f.findings else "-")
"""


def test_the_hostile_corpus_is_there():
    assert len(HOSTILE) >= 30


def _in_child(path: Path):
    """``_CHILD`` on ``path`` in a child process under a 2 GiB address-space limit (calamine
    aborts the process it runs in when a crafted file gets through) and a timeout."""
    import os
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=60,
                          preexec_fn=limit, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_workbooks_are_refused_without_abort_or_hang(path):
    r = _in_child(path)
    assert r.returncode == 0, f"the process died ({r.returncode}): {r.stderr[-400:]}"
    verdict, readable, rule = r.stdout.split()
    if path.stem.startswith("z_dos_wb"):  # a comment full of '<sheet ': harmless, only must not hang
        assert verdict == "passed"
    else:
        assert (verdict, readable, rule) == ("refused", "False", "F-1"), r.stdout


def test_an_svg_picture_with_a_doctype_is_not_a_reason_to_refuse(tmp_path):
    from gxxl.reader import read_filing

    svg = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"/>')
    dst = tmp_path / "with_svg.xlsx"
    with zipfile.ZipFile(SAMPLE) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("xl/media/image1.svg", svg)
    gate.check_workbook(dst)
    assert read_filing(dst).values == read_filing(SAMPLE).values


# --------------------------------------------------------------------------------------
# the shortcuts of the gate agree with the exact checks they stand for
# --------------------------------------------------------------------------------------
def _sheet_bodies() -> list[bytes]:
    """Every sheet part of the sample workbooks, the templates and the hostile corpus."""
    out = []
    for path in sorted((ROOT / "workbooks").glob("*.xlsx")) + sorted((ROOT / "templates").glob("*.xlsx")) + HOSTILE:
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if info.file_size <= gate._SMALL_SHEET:
                        body = zf.read(info)
                        if b"sheetData" in body:
                            out.append(body)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
            continue
    return out


def test_the_plain_cell_proof_decides_as_the_general_one():
    bodies = _sheet_bodies()
    crafted = [b'<sheetData><row><c r="A1"/><x:c r="XFD1048576"/></row></sheetData>',
               b'<sheetData><row><c r="A1"/><c\tr="XFD1"/></row></sheetData>',
               b'<sheetData><row><c r="A1" r="XFD1048576"/></row></sheetData>',
               b'<sheetData><row><c r="ZZ9999" s="1"><v>1</v></c></row></sheetData>']
    # prefixes quick-xml reads as a prefix (its name is every byte up to a space, tab, CR or LF;
    # the local part follows the first colon): each cell is far, and each takes the general path
    odd = [b'<sheetData><row><c r="A1"/><%s:c r="XFD1048576"/></row></sheetData>' % p
           for p in (b"", b"a/b", b"a=b", b"\x0c", b'a">"b', b"a!b", b"a?b")]
    for body in odd:
        assert gate._PREFIXED_CELL.search(body) and gate._FAR.search(body), body
        assert gate._FAR_OR_DTD.search(body).group(1) is None
    assert gate._SHEET_DATA.search(b"<:sheetData>") and gate._SHEET_DATA.search(b'<a">"b:sheetData>')
    fast_used = 0
    for body in bodies + crafted + odd:
        general = gate._FAR.search(body) is not None
        if body.find(b"!") < 0 and gate._PREFIXED_CELL.search(body) is None:
            fast_used += 1
            assert (gate._FAR_PLAIN.search(body) is not None) == general, body[:200]
    assert fast_used >= 20  # the samples take the fast path
    assert gate._PREFIXED_CELL.search(crafted[0])  # a prefixed cell takes the general one


def _long_run_exact(body: bytes) -> bool:
    import html

    return any(len(run) > gate.MAX_CELL_TEXT and len(html.unescape(run.decode("utf-8", "replace"))) > gate.MAX_CELL_TEXT
               for run in body.split(b"<"))


@pytest.mark.parametrize("length", [gate.MAX_CELL_TEXT - 3, gate.MAX_CELL_TEXT - 2, gate.MAX_CELL_TEXT - 1, 40_000])
@pytest.mark.parametrize("offset", [0, 1, 5_000, gate._RUN_BLOCK - 1, gate._RUN_BLOCK, gate._RUN_BLOCK + 1, 50_000])
def test_the_long_text_shortcut_agrees_with_splitting_at_every_tag(length, offset):
    filler = b"<v>1</v>" * (offset // 8) + b"<v>" * (offset % 8 > 0)
    for tail in (b"", b"<t>x</t>" * 5_000):
        body = filler + b"<t>" + b"x" * length + b"</t>" + tail
        # the run after "<" is "t>" and the text: length + 2 bytes
        assert gate._long_run(body) == _long_run_exact(body) == (length + 2 > gate.MAX_CELL_TEXT)


def test_a_remembered_part_is_only_trusted_for_the_same_bytes(tmp_path):
    from gxxl.errors import GxxlError

    gate.check_workbook(SAMPLE)  # its theme, styles and workbook parts are remembered now
    theme = tmp_path / "theme_doctype.xlsx"
    with zipfile.ZipFile(SAMPLE) as zin, zipfile.ZipFile(theme, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/styles.xml":  # same name, same size, other bytes
                data = data.replace(b"<styleSheet", b'<!DOCTYPE x [<!ENTITY a "b">]><styleSheet', 1)[:len(data)]
            zout.writestr(info, data)
    with pytest.raises(GxxlError, match="DOCTYPE"):
        gate.check_workbook(theme)
    # every hostile workbook is still refused after the gate has remembered the good parts
    for path in sorted((ROOT / "workbooks").glob("*.xlsx")):
        gate.check_workbook(path)
    for path in HOSTILE:
        if path.stem.startswith("z_dos_wb"):
            continue
        with pytest.raises(GxxlError):
            gate.check_workbook(path)
        with pytest.raises(GxxlError):
            with gate.sheets_checked_on_use(path) as sheets:
                for name in ("封面", "表二 主动公开", "表三 依申请公开", "表四 复议诉讼", "_gxxl"):
                    sheets.check(name)
                sheets.check_all()  # what annotate does; the reader stops at the sheets it parses
    assert len(gate._PASSED) <= gate._PASSED_MAX


def test_the_reader_parses_the_bytes_the_gate_checked(tmp_path):
    """No window between check and parse: calamine is given the bytes the gate read, so a
    file replaced after the gate passed it (a mail client still writing it, or worse) is
    not what gets parsed."""
    import shutil

    from python_calamine import CalamineWorkbook

    from gxxl.reader import _open

    other = ROOT / "workbooks" / "示例县_02_发展和改革局.xlsx"
    name = _sheet_name()
    want = CalamineWorkbook.from_path(str(SAMPLE)).get_sheet_by_name(name).to_python()
    assert want != CalamineWorkbook.from_path(str(other)).get_sheet_by_name(name).to_python()
    path = tmp_path / "changing.xlsx"
    shutil.copy(SAMPLE, path)
    with gate.sheets_checked_on_use(path) as sheets:
        assert sheets.data == SAMPLE.read_bytes()
        shutil.copy(other, path)  # replaced after the gate read it
        book = _open(path, sheets.data)
        sheets.check(name)
        assert book.get_sheet_by_name(name).to_python() == want


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_xls_and_ods_are_measured_as_calamine_places_their_cells(tmp_path, soffice, fmt):
    """.xls and .ods are measured whole before calamine opens them (it parses every sheet on
    opening): for a workbook LibreOffice saved, every sheet's measured extent is the range
    calamine then gives it, and the file reads as the .xlsx it came from."""
    from python_calamine import CalamineWorkbook

    from gxxl.lo import convert
    from gxxl.reader import read_filing

    src = ROOT / "workbooks" / "示例县_02_发展和改革局.xlsx"
    path = convert(src, fmt, tmp_path / fmt)
    shape = gate.check_workbook(path)
    book = CalamineWorkbook.from_path(str(path))
    sizes = [(s.height, s.width) for s in (book.get_sheet_by_name(n) for n in book.sheet_names)]
    assert [(s.rows, s.cols) for s in shape.sheets] == sizes
    assert all(s.measured and 0 < s.cells <= s.area for s in shape.sheets)
    assert read_filing(path).values == read_filing(src).values


def test_a_panic_inside_calamine_is_an_unreadable_file_not_a_crash():
    """Behind the gate too: pyo3's PanicException (a BaseException) from calamine becomes the
    reader's F-1 「无法作为 Excel 工作簿打开」, never a traceback (the gate refuses this file first)."""
    from gxxl.reader import _open, _Unreadable

    path = ROOT / "tests" / "data" / "hostile" / "x_xls_sheet_offset.xls"
    with pytest.raises(_Unreadable, match="无法作为 Excel 工作簿打开"):
        _open(path)  # straight to calamine: its slice past the stream's end panics


# --------------------------------------------------------------------------------------
# the exact measurement places cells where calamine does (or farther)
# --------------------------------------------------------------------------------------
def _tiny(dst: Path, rows: bytes) -> Path:
    """A one-sheet workbook (the corpus' far.xlsx) with ``rows`` as its sheetData."""
    with zipfile.ZipFile(HOSTILE_DIR / "far.xlsx") as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, rest = data.split(b"<sheetData>", 1)
                data = head + b"<sheetData>" + rows + b"</sheetData>" + rest.split(b"</sheetData>", 1)[1]
            zout.writestr(info, data)
    return dst


HOSTILE_DIR = ROOT / "tests" / "data" / "hostile"
V = b"<v>1</v>"


@pytest.mark.parametrize("rows", [
    b'<row r="B7"><c>%s</c></row>' % V,  # letters before a row's digits: calamine ignores them
    b'<row r="3"><c r="A3">%s</c></row><c>%s</c>' % (V, V),  # a cell after </row>: the next row
    b'<row><c r="C1">%s</c><c>%s</c></row><row><c>%s</c></row>' % (V, V, V),
    b'<row r="2"><row><c>%s</c></row><c>%s</c></row>' % (V, V),  # nested rows: each end moves on
    b'<row r="2"><c r="B2">%s</c></row><row><c>%s</c><c>%s</c></row>' % (V, V, V),
    b'<row><:c r="E5">%s</:c></row>' % V,  # an empty prefix
    b'<row><c r="A1">%s</c></row>' % V + b'<row><c r="B1"><v>1</v></c></row>' * 3 + b"<row><c>%s</c></row>" % V,
    b'<row><c r="AATYIVAV1">%s</c></row>' % V,  # eight letters: calamine's column wraps to XFD
    b'<row><c r="A4294967297">%s</c></row>' % V,  # ten digits: calamine's row wraps to 1
], ids=["row letters", "cell after row", "columns", "nested rows", "next row", "empty prefix", "rows counted",
        "column wraps", "row wraps"])
def test_the_measurement_is_never_smaller_than_calamines_extent(tmp_path, rows):
    from python_calamine import CalamineWorkbook

    path = _tiny(tmp_path / "t.xlsx", rows)
    end = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).end
    sheet = gate.SheetShape(part="xl/worksheets/sheet1.xml")
    measure = gate._Measure(sheet, gate._factory(path, None), sheet.part)
    with zipfile.ZipFile(path) as zf:
        measure.parser.Parse(zf.read(sheet.part), True)  # the extent, without the limits
    assert end is not None and sheet.rows >= end[0] + 1 and sheet.cols >= end[1] + 1, (sheet, end)


def test_a_row_reference_calamine_cannot_read_does_not_break_the_gate(tmp_path):
    # "²" is a digit to str.isdigit and not to int(): the measurement once raised ValueError
    path = _tiny(tmp_path / "sup.xlsx", '<row r="²"><c r="AAA1"><v>1</v></c></row>'.encode())
    shape = gate.check_workbook(path)
    assert [s.measured for s in shape.sheets] == [True]


OPEN = sorted(p for p in (HOSTILE_DIR / "open").iterdir() if p.suffix in (".xlsx", ".xls"))


@pytest.mark.xfail(strict=True, reason="known open bypasses: tests/data/hostile/open/README.md")
@pytest.mark.parametrize("path", OPEN, ids=[p.stem for p in OPEN])
def test_known_open_bypasses(path):
    r = _in_child(path)
    assert r.returncode == 0 and r.stdout.split()[0] == "refused", (r.returncode, r.stdout)
