"""The committed template is what the spec produces, and is laid out like the official tables."""

from openpyxl import load_workbook

from gxxl.layout import META_SHEET, cell_positions
from gxxl.template import template_path, write_template
from conftest import ROOT, sha256


def test_template_regenerates_identically(tmp_path, spec):
    out = write_template(tmp_path / "t.xlsx", spec)
    assert sha256(out) == sha256(ROOT / "templates" / "gov2021.xlsx")
    assert template_path(spec) == ROOT / "templates" / "gov2021.xlsx"


def test_template_structure(spec):
    wb = load_workbook(ROOT / "templates" / "gov2021.xlsx")
    assert wb.sheetnames[:4] == ["封面", "表二 主动公开", "表三 依申请公开", "表四 复议诉讼"]
    meta = wb[META_SHEET]
    assert meta.sheet_state == "hidden"
    assert {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, 7)}["format"] == "gov2021"
    pos = cell_positions(spec)
    for code, (sheet, r, c) in pos.items():
        cell = wb[sheet].cell(r, c)
        assert cell.protection.locked is False, code
        assert cell.fill.fgColor.rgb.endswith("FFF2CC"), code
    for name in wb.sheetnames[:4]:
        ws = wb[name]
        assert ws.protection.sheet is True and not ws.protection.password
        assert int(ws.page_setup.paperSize) == 9  # A4
    t3 = wb["表三 依申请公开"]
    assert "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" in [c.value for c in t3[4]]
    merged = {str(m) for m in t3.merged_cells.ranges}
    assert "A4:C6" in merged and "A9:A30" in merged  # the note; 三、本年度办理结果 over 22 rows
    label = t3["A4"]
    assert label.protection.locked is True


def test_data_validation_on_inputs(spec):
    wb = load_workbook(ROOT / "templates" / "gov2021.xlsx")
    t2 = wb["表二 主动公开"]
    kinds = {dv.type: str(dv.sqref) for dv in t2.data_validations.dataValidation}
    sheet, r, c = cell_positions(spec)["T2.fee.amount"]
    assert kinds["decimal"] == f"B{r}"
    assert "whole" in kinds
    t3 = wb["表三 依申请公开"]
    whole = [dv for dv in t3.data_validations.dataValidation if dv.type == "whole"]
    assert whole and whole[0].operator == "greaterThanOrEqual" and whole[0].formula1 == "0"
    cover = wb["封面"]
    lists = [dv for dv in cover.data_validations.dataValidation if dv.type == "list"]
    assert lists and "乡镇（街道）" in lists[0].formula1
