"""The reader on real workbooks: what clerks do to the template, and wrong files."""

from __future__ import annotations


import pytest
from openpyxl import Workbook, load_workbook

from gxxl.layout import cell_positions
from gxxl.reader import read_filing
from gxxl.validate import validate


def edit(path, changes: dict, spec):
    """Set raw cell contents in a saved workbook (as a clerk typing in Excel would)."""
    wb = load_workbook(path)
    pos = cell_positions(spec)
    for code, value in changes.items():
        sheet, r, c = pos[code]
        wb[sheet].cell(r, c).value = value
    wb.save(path)
    return path


def flat(findings):
    return {f.flat() for f in findings}


def test_round_trip_through_template(seed_filing, write, spec):
    f = read_filing(write(seed_filing))
    assert f.readable and not f.moved
    assert f.values == seed_filing.values
    assert f.cover["unit_name"] == "某区人民政府办公室" and f.cover["year"] == 2024
    assert validate(f) == []


@pytest.mark.parametrize(
    "raw, value, note",
    [
        ("68", 68, "以文本形式存储的数字"),
        ("６８", 68, "全角字符"),
        ("68件", 68, "带单位「件」"),
        (" 68 ", 68, "以文本形式存储的数字"),
    ],
)
def test_tolerated_text_numbers(seed_filing, write, spec, raw, value, note):
    p = edit(write(seed_filing), {"T3.disclosed.np": raw}, spec)
    f = read_filing(p)
    assert f.values["T3.disclosed.np"] == value
    findings = validate(f)
    assert flat(findings) == {("F-3", "T3.disclosed.np", "info")}
    assert note in findings[0].message and findings[0].locations == ("表三 依申请公开!D9",)


def test_thousands_separator_and_yuan(seed_filing, write, spec):
    p = edit(write(seed_filing), {"T2.licensing.decisions": "1,234", "T2.fee.amount": "3500元"}, spec)
    f = read_filing(p)
    assert f.values["T2.licensing.decisions"] == 1234
    assert f.values["T2.fee.amount"] == pytest.approx(0.35)
    assert flat(validate(f)) == {("F-3", "T2.licensing.decisions", "info"), ("F-3", "T2.fee.amount", "info")}


@pytest.mark.parametrize("raw", ["无", "/", "-", "不详", "12个人"])
def test_text_is_never_zero(seed_filing, write, spec, raw):
    p = edit(write(seed_filing), {"T3.deny_1.np": raw}, spec)
    f = read_filing(p)
    assert f.values["T3.deny_1.np"] is None and f.problems["T3.deny_1.np"] == ("text", raw)
    findings = validate(f)
    assert flat(findings) == {("T3-4", "T3.deny_1.np", "error")}
    assert f"「{raw}」不是数字" in findings[0].message


def test_blank_is_a_warning_not_a_silent_zero(seed_filing, write, spec):
    p = edit(write(seed_filing), {"T3.deny_1.np": None, "T4.after.total": None}, spec)
    f = read_filing(p)
    assert f.values["T3.deny_1.np"] is None and f.problems["T3.deny_1.np"][0] == "blank"
    assert f.values["T3.deny_2.np"] == 0
    assert flat(validate(f)) == {("T3-4", "T3.deny_1.np", "warning"), ("T4-2", "T4.after.total", "warning")}


def test_formula_without_cached_value_is_reported(seed_filing, write, spec):
    p = edit(write(seed_filing), {"T3.total.np": "=SUM(D9:D29)"}, spec)
    f = read_filing(p)
    assert f.problems["T3.total.np"] == ("nocache", "公式")
    findings = validate(f)
    assert flat(findings) == {("T3-4", "T3.total.np", "error")}
    assert "没有计算结果" in findings[0].message


@pytest.mark.libreoffice
def test_formula_with_cached_value_from_libreoffice(seed_filing, write, spec, tmp_path, soffice):
    from gxxl.lo import recalculate_xlsx

    p = edit(write(seed_filing), {"T3.total.np": "=SUM(D9:D29)", "T3.total.tot": "=SUM(D30:I30)"}, spec)
    out = recalculate_xlsx(p, tmp_path / "recalc.xlsx")
    f = read_filing(out)
    assert f.values["T3.total.np"] == 113 and f.values["T3.total.tot"] == 113
    assert validate(f) == []


def test_inserted_rows_and_columns_are_located_by_label(seed_filing, write, spec):
    p = write(seed_filing)
    wb = load_workbook(p)
    wb["表三 依申请公开"].insert_cols(1, 2)
    wb["表三 依申请公开"].insert_rows(5)
    wb["表二 主动公开"].insert_rows(3, 2)
    wb["表四 复议诉讼"].insert_rows(1)
    wb.create_sheet("说明").append(["这是填报人自己加的工作表"])
    wb.save(p)
    f = read_filing(p)
    assert f.values == seed_filing.values
    assert f.moved["T3.new.np"] == "表三 依申请公开!F8"
    findings = validate(f)
    assert {x.rule for x in findings} == {"F-4"}
    assert all(x.severity == "warning" for x in findings)
    assert "表三" in " ".join(x.message for x in findings)


def test_errors_in_a_moved_table_name_the_moved_cell(seed_filing, write, spec):
    seed_filing.values["T3.disclosed.np"] = 69
    p = write(seed_filing)
    wb = load_workbook(p)
    wb["表三 依申请公开"].insert_rows(2)
    wb.save(p)
    findings = validate(read_filing(p))
    x1 = [x for x in findings if x.rule == "X-1"]
    assert x1 and x1[0].locations == ("表三 依申请公开!D10",)


def test_hand_made_workbook_in_another_layout(tmp_path, seed_filing, spec):
    """A clerk typed the official tables into one sheet of their own workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = "年报数据"
    ws.append(["单位名称：", "某区人民政府办公室"])
    ws.append(["报告年度", "2024年"])
    ws.append(["行政层级", "县级政府部门"])
    ws.append([])
    # 表二, shifted one column to the right
    r = 6
    t2 = spec.table_by_code["T2"]
    for block_caption, heads, rows in (
        ("第二十条第(一)项", ["本年制发件数", "本年废止件数", "现行有效件数"], [("规章", "rule"), ("行政规范性文件", "normative")]),
        ("第二十条第(五)项", ["本年处理决定数量"], [("行政许可", "licensing")]),
        ("第二十条第(六)项", ["本年处理决定数量"], [("行政处罚", "penalty"), ("行政强制", "coercion")]),
        ("第二十条第(八)项", ["本年收费金额(单位:万元)"], [("行政事业性收费", "fee")]),
    ):
        ws.cell(r, 2, block_caption)
        ws.cell(r + 1, 2, "信息内容")
        for j, h in enumerate(heads):
            ws.cell(r + 1, 3 + j, h)
        for i, (label, code) in enumerate(rows):
            ws.cell(r + 2 + i, 2, label)
            cols = [c for c in t2.cells if c.row == code]
            for j, cs in enumerate(cols):
                ws.cell(r + 2 + i, 3 + j, seed_filing.values[cs.code])
        r += 2 + len(rows) + 1
    # 表三: labels in one column (no merged groups), header on one row, half-width brackets
    r += 1
    t3 = spec.table_by_code["T3"]
    ws.cell(r, 2, "三、收到和处理政府信息公开申请情况")
    heads = ["自然人", "商业 企业", "科研 机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    for j, h in enumerate(heads):
        ws.cell(r + 1, 3 + j, h)
    for i, row in enumerate(t3.rows):
        ws.cell(r + 2 + i, 2, row.label.replace("（", "(").replace("）", ")"))
        for j, col in enumerate(t3.columns):
            ws.cell(r + 2 + i, 3 + j, seed_filing.values[f"T3.{row.code}.{col.code}"])
    r += 2 + len(t3.rows) + 2
    # 表四: headers in three rows, data below
    ws.cell(r, 2, "行政复议")
    ws.cell(r, 7, "行政诉讼")
    ws.cell(r + 1, 7, "未经复议直接起诉")
    ws.cell(r + 1, 12, "复议后起诉")
    for b in range(3):
        for j, h in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]):
            ws.cell(r + 2, 2 + 5 * b + j, h)
    for j in range(15):
        ws.cell(r + 3, 2 + j, 0)
    p = tmp_path / "自制表格.xlsx"
    wb.save(p)
    f = read_filing(p)
    assert f.readable
    assert f.values == seed_filing.values
    assert f.cover["unit_name"] == "某区人民政府办公室" and f.cover["year"] == 2024
    findings = validate(f)
    assert {x.rule for x in findings} == {"F-4"}


# ----------------------------------------------------------------------------- wrong files
def one(path):
    f = read_filing(path)
    assert not f.readable
    (finding,) = f.findings
    assert finding.severity == "error" and path.name in finding.message
    return finding


def test_not_a_workbook(tmp_path):
    p = tmp_path / "报表.xlsx"
    p.write_text("这不是工作簿", encoding="utf-8")
    assert one(p).rule == "F-1"


def test_empty_file(tmp_path):
    p = tmp_path / "空.xlsx"
    p.write_bytes(b"")
    assert "为空" in one(p).message


def test_truncated_zip(tmp_path, seed_filing, write):
    data = write(seed_filing).read_bytes()
    p = tmp_path / "坏.xlsx"
    p.write_bytes(data[: len(data) // 2])
    assert one(p).rule == "F-1"


def test_word_document(tmp_path):
    import docx

    p = tmp_path / "年报.docx"
    docx.Document().save(p)
    finding = one(p)
    assert "这是 .docx 文件，不是 Excel 工作簿" in finding.message


def test_encrypted_workbook(tmp_path, seed_filing, write):
    from msoffcrypto.format.ooxml import OOXMLFile

    src = write(seed_filing)
    p = tmp_path / "加密.xlsx"
    with open(src, "rb") as fh, open(p, "wb") as out:
        OOXMLFile(fh).encrypt("123456", out)
    finding = one(p)
    assert "密码" in finding.message


def test_other_template(tmp_path):
    wb = Workbook()
    wb.active.append(["姓名", "部门", "工资"])
    wb.active.append(["张三", "办公室", 5000])
    p = tmp_path / "工资表.xlsx"
    wb.save(p)
    assert one(p).rule == "F-2"


def test_empty_workbook(tmp_path):
    p = tmp_path / "空白.xlsx"
    Workbook().save(p)
    assert one(p).rule == "F-2"


@pytest.mark.libreoffice
def test_xls_saved_by_libreoffice_is_read(tmp_path, seed_filing, write, soffice):
    from gxxl.lo import convert

    xls = convert(write(seed_filing), "xls", tmp_path / "xls")
    f = read_filing(xls)
    assert f.readable and f.values == seed_filing.values
    assert validate(f) == []


def test_blank_cell_beside_a_formula_is_blank_not_nocache(tmp_path):
    """Self-closing <c …/> cells must not swallow the next cell's formula (files saved by Excel/WPS/LO)."""
    from gxxl.reader import _CELL

    xml = b'<row><c r="D5" s="3"/><c r="E5" s="2"><f>SUM(A1)</f><v>1</v></c><c r="F5" t="s"><v>0</v></c></row>'
    found = {m.group(1).decode() for m in _CELL.finditer(xml) if m.group(3) and b"<f" in m.group(3)}
    assert found == {"E5"}


def test_traditional_script_labels_are_read(tmp_path, seed_filing, write, spec):
    """A workbook whose labels were converted to traditional script (e.g. by a Hong Kong/Taiwan IME)."""
    from gxxl.hanzi import TRAD_TO_SIMP

    simp_to_trad = {s: t for t, s in TRAD_TO_SIMP.items()}
    p = write(seed_filing)
    wb = load_workbook(p)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    c.value = "".join(simp_to_trad.get(ch, ch) for ch in c.value)
    wb["表三 依申请公开"].insert_rows(2)
    wb.save(p)
    f = read_filing(p)
    assert f.readable and f.values == seed_filing.values
    assert f.cover["level"] == "县级政府部门"
    assert {x.rule for x in validate(f)} == {"F-4"}
