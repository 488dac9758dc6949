"""xlsxfast.fill: rows streamed into placeholder sheets of a saved openpyxl package (stdlib zipfile)."""

from __future__ import annotations

import io
import struct
import zipfile

from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from gxxl.rollup.xlsxfast import Rows, SharedStrings, compress, fill, generic_rows, sheet_parts


def package() -> bytes:
    wb = Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "封面文字"
    for title in ("流式", "分段"):
        ws = wb.create_sheet(title)
        ws.append(["名称", "数值"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROWS = [[f"单位{i % 37}", i * 1.5] for i in range(5000)]


def build(pkg: bytes | None = None) -> bytes:
    sst = SharedStrings()
    streamed = Rows("流式", 2, len(ROWS) + 1, 2, generic_rows(ROWS, 2))
    # the same rows cut into independently compressed segments, as worker processes do
    pieces = [generic_rows(ROWS[a:a + 700], 2 + a)(sst) for a in range(0, len(ROWS), 700)]
    segmented = Rows("分段", 2, len(ROWS) + 1, 2, segments=[compress(p) for p in pieces])
    return bytes(fill(pkg or package(), [streamed, segmented], sst=sst))


def local_header(data: bytes, info: zipfile.ZipInfo) -> tuple[int, bytes]:
    """(version needed to extract, extra field) of a member's local header."""
    o = info.header_offset
    sig, version, _, _, _, _, _, _, _, nlen, xlen = struct.unpack("<IHHHHHIIIHH", data[o:o + 30])
    assert sig == 0x04034B50
    return version, data[o + 30 + nlen:o + 30 + nlen + xlen]


def test_both_kinds_of_rows_read_back_in_openpyxl_and_calamine():
    data = build()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert "xl/sharedStrings.xml" in z.namelist()
    expected = [("名称", "数值")] + [(a, b) for a, b in ROWS]
    wb = load_workbook(io.BytesIO(data))
    assert wb["封面"]["A1"].value == "封面文字"
    for title in ("流式", "分段"):
        ws = wb[title]
        assert ws.dimensions == f"A1:B{len(ROWS) + 1}"
        assert list(ws.iter_rows(values_only=True)) == expected
    cal = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for title in ("流式", "分段"):
        got = [tuple(r) for r in cal.get_sheet_by_name(title).to_python()]
        assert got == expected


def test_zip64_only_where_the_part_size_is_not_known():
    """Rows generated while writing may grow past 4 GiB: ZIP64 header; segments: sizes known."""
    data = build()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = sheet_parts(z)
        infos = {i.filename: i for i in z.infolist()}
    version, extra = local_header(data, infos[parts["流式"]])
    assert version == 45 and struct.unpack("<H", extra[:2])[0] == 0x0001  # ZIP64 extended information
    version, extra = local_header(data, infos[parts["分段"]])
    assert version == 20 and extra == b""


def test_output_is_reproducible():
    """Parts carry a fixed date: the same package gives the same bytes."""
    pkg = package()
    assert build(pkg) == build(pkg)
