"""gxxl import from workbooks in other layouts and from .docx reports."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import Workbook

from gxxl.cli import main
from gxxl.filing import Filing
from gxxl.importer import import_source
from gxxl.reader import read_filing
from gxxl.samples import random_filing, seed004_filing
from gxxl.spec import get_spec
from gxxl.validate import validate

SPEC = get_spec("gov2021")
RESULTS = ("keep", "fix", "other", "pending", "total")
RESULT_LABELS = [c.label for c in SPEC.table_by_code["T4"].columns]


def sample() -> Filing:
    return random_filing(random.Random(7), unit_name="示例县教育局", level="县级政府部门", year=2024)


def clerk_workbook(path: Path, f: Filing, *, t4_headers: bool = True, split_header: bool = False) -> Path:
    """A clerk's copy typed from Word: all three tables on one sheet, no merged cells,
    表二（一） and 表三 columns in another order, labels with line breaks, one typo,
    a number typed as 「1868件」, the cover as 「填报单位：…」 lines."""
    v = f.values
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["2024年度政府信息公开工作年度报告统计表"])
    ws.append([f"填报单位：{f.cover['unit_name']}", None, "年度：2024年"])
    ws.append([])
    ws.append(["二、主动公开政府信息情况"])
    ws.append(["第二十条第(一)项"])
    ws.append(["信息内容", "现行有效件数", "本年制发件数", "本年废止件数"])
    for code, lab in (("rule", "规章"), ("normative", "行政规范性文件")):
        ws.append([lab, v[f"T2.{code}.in_force"], v[f"T2.{code}.issued"], v[f"T2.{code}.repealed"]])
    ws.append(["第二十条第(五)项"])
    ws.append(["信息内容", "本年处理决定数量"])
    ws.append(["行政许可", f"{v['T2.licensing.decisions']}件"])
    ws.append(["第二十条第(六)项"])
    ws.append(["信息内容", "本年处理决定数量"])
    ws.append(["行政处罚", v["T2.penalty.decisions"]])
    ws.append(["行政强制", v["T2.coercion.decisions"]])
    ws.append(["第二十条第(八)项"])
    ws.append(["信息内容", "本年收费金额(单位:万元)"])
    ws.append(["行政事业性收费", v["T2.fee.amount"]])
    ws.append([])
    ws.append(["三、收到和处理政府信息公开申请情况"])
    order = ["tot", "np", "be", "ri", "po", "ls", "ot"]
    heads = {"tot": "总计", "np": "自然人", "be": "商业\n企业", "ri": "科研\n机构", "po": "社会公益组织",
             "ls": "法律服务机构", "ot": "其他"}
    ws.append(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", None, None, "申请人情况"])
    ws.append([None, None, None, None, None, "法人或其他组织"])
    if split_header:  # 「商业」 and 「企业」 typed into two cells, one above the other
        ws.append([None, None, None] + [heads[c].split("\n")[0] for c in order])
        ws.append([None, None, None] + [heads[c].split("\n")[1] if "\n" in heads[c] else None for c in order])
    else:
        ws.append([None, None, None] + [heads[c] for c in order])
    last = (None, None)
    for row in SPEC.table_by_code["T3"].rows:
        p = row.path
        if len(p) == 1:
            labels = [p[0], None, None]
        elif len(p) == 2:
            labels = [p[0] if p[0] != last[0] else None, p[1], None]
        else:
            labels = [p[0] if p[0] != last[0] else None, p[1] if p[1] != last[1] else None, p[2]]
        last = (p[0], p[1] if len(p) > 1 else None)
        if row.code == "deny_4":
            labels[2] = "4.保护第三方合法权意"
        ws.append(labels + [v[f"T3.{row.code}.{c}"] for c in order])
    ws.append([])
    ws.append(["四、政府信息公开行政复议、行政诉讼情况"])
    if t4_headers:
        ws.append(["行政复议", None, None, None, None, "行政诉讼"])
        ws.append(RESULT_LABELS + ["未经复议直接起诉", None, None, None, None, "复议后起诉"])
        ws.append([None] * 5 + RESULT_LABELS + RESULT_LABELS)
    else:
        ws.append(["行政复议、行政诉讼（单位：件）"])
        ws.append(["行政复议"])
    ws.append([v[f"T4.{b}.{r}"] for b in ("review", "direct", "after") for r in RESULTS])
    wb.save(path)
    return path


def test_clerk_workbook_in_another_layout(tmp_path):
    f = sample()
    r = import_source(clerk_workbook(tmp_path / "clerk.xlsx", f))
    assert r.coverage == {"T2": (10, 10), "T3": (175, 175), "T4": (15, 15)}
    assert r.filing.values == f.values  # every cell, reordered columns and all
    assert r.filing.cover == {"unit_name": "示例县教育局", "year": 2024, "level": "县级政府部门"}
    got = {x.flat() for x in r.findings}
    assert ("I-5", "T2.licensing.decisions", "info") in got  # 「1868件」
    assert ("I-2", "T3.deny_4.np", "info") in got  # the typo
    assert not [x for x in r.findings if x.rule in ("I-1", "I-3")]
    assert validate(r.filing) == []


def test_clerk_workbook_cli(tmp_path, capsys):
    src = clerk_workbook(tmp_path / "clerk.xlsx", sample())
    out = tmp_path / "导入.xlsx"
    assert main(["import", str(src), "-o", str(out), "--level", "县级政府部门"]) == 0
    assert "导入后校验：通过" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    assert read_filing(out).values == sample().values


def test_table4_without_readable_headers_is_read_in_official_order(tmp_path):
    f = sample()
    r = import_source(clerk_workbook(tmp_path / "clerk.xlsx", f, t4_headers=False))
    assert {k: v for k, v in r.filing.values.items() if k.startswith("T4")} == {k: v for k, v in f.values.items() if k.startswith("T4")}
    i3 = [x for x in r.findings if x.rule == "I-3"]
    assert len(i3) == 1 and i3[0].severity == "warning" and "官方表格的顺序" in i3[0].message
    assert len(i3[0].cells) == 15


def test_foreign_workbook_with_cover_sheet_and_merged_headers(tmp_path):
    """A province's own template: a cover sheet with other labels, each table on a sheet of
    its own name, moved two rows down and one column right, merged headers kept."""
    from gxxl.writer import fill_workbook

    f = seed004_filing()
    src = fill_workbook(f)
    wb = Workbook()
    wb.active.title = "基本情况"
    info = wb["基本情况"]
    info.append(["填报单位", f.cover["unit_name"]])
    info.append(["行政层级", "县级政府部门"])
    info.append(["统计年度", "2024年度"])
    for t, name in zip(SPEC.tables, ("附表1", "附表2", "附表3")):
        old, ws = src[t.sheet], wb.create_sheet(name)
        ws.cell(1, 1, "（省定样式）")
        for row in old.iter_rows():
            for c in row:
                if c.value is not None:
                    ws.cell(c.row + 2, c.column + 1, c.value)
        for m in old.merged_cells.ranges:
            ws.merge_cells(start_row=m.min_row + 2, start_column=m.min_col + 1, end_row=m.max_row + 2, end_column=m.max_col + 1)
    path = tmp_path / "省定样式.xlsx"
    wb.save(path)
    r = import_source(path)
    assert r.filing.values == f.values
    assert r.filing.cover == {"unit_name": "某区人民政府办公室", "level": "县级政府部门", "year": 2024}
    assert all(x.severity == "info" for x in r.findings)
    assert validate(r.filing) == []


def docx_report(path: Path, f: Filing, title: str) -> Path:
    """A .docx report with the tables laid out like the official ones (merged cells)."""
    import docx

    d = docx.Document()
    d.add_heading(title, level=1)
    d.add_paragraph("一、总体情况")
    d.add_paragraph("2024年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》。")
    for t in f.spec.tables:
        d.add_paragraph(t.title)
        lay = t.layout
        table = d.add_table(rows=lay.height, cols=lay.width)
        for sp in lay.spans:
            cell = table.cell(sp.row, sp.col)
            if sp.rowspan > 1 or sp.colspan > 1:
                cell = cell.merge(table.cell(sp.row + sp.rowspan - 1, sp.col + sp.colspan - 1))
            cell.text = sp.text
        for cs in t.cells:
            cell = table.cell(cs.r, cs.c)
            if cs.colspan > 1:
                cell = cell.merge(table.cell(cs.r, cs.c + cs.colspan - 1))
            v = f.values.get(cs.code)
            cell.text = "" if v is None else str(v)
    d.add_paragraph("六、其他需要报告的事项")
    d.save(path)
    return path


def test_docx_report_with_merged_cells(tmp_path):
    f = seed004_filing()
    path = docx_report(tmp_path / "report.docx", f, "某区人民政府办公室2024年政府信息公开工作年度报告")
    r = import_source(path)
    assert r.filing.values == f.values
    assert r.filing.cover == {"unit_name": "某区人民政府办公室", "year": 2024, "level": "县级政府部门"}
    assert validate(r.filing) == []
    from gxxl.importer.sources import read_source

    grid = read_source(path).grids[1]  # 表三: vMerge and gridSpan became spans
    assert grid.cell(0, 0).rs == 3 and grid.cell(0, 0).cs == 3
    assert grid.cell(26, 0) is grid.cell(5, 0)


def test_docx_2019_format(tmp_path):
    from test_gov2019 import sample_2019

    f = sample_2019()
    path = docx_report(tmp_path / "r2019.docx", f, "示例县交通运输局2020年政府信息公开工作年度报告")
    r = import_source(path)
    assert r.filing.spec_id == "gov2019"
    assert r.filing.values == f.values
    assert validate(r.filing) == []


def test_importing_a_gxxl_workbook_round_trips(tmp_path):
    """The template's hint column (「18位」) is not mistaken for an empty cover field."""
    from gxxl.writer import write_filing

    f = seed004_filing()
    f.cover.pop("preparer")
    src = write_filing(f, tmp_path / "gxxl.xlsx")
    r = import_source(src)
    assert r.filing.values == f.values
    assert r.filing.cover == {k: v for k, v in f.cover.items() if v}
    assert "credit_code" not in r.filing.cover
    assert validate(r.filing) == []


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_old_excel_and_ods_workbooks(tmp_path, fmt, soffice):
    """.xls and .ods are read with python-calamine (no merged-cell information)."""
    from gxxl import lo

    f = sample()
    src = lo.convert(clerk_workbook(tmp_path / "clerk.xlsx", f), fmt, tmp_path)
    r = import_source(src)
    assert r.coverage == {"T2": (10, 10), "T3": (175, 175), "T4": (15, 15)}
    assert r.filing.values == f.values


def test_header_broken_across_two_cells(tmp_path):
    f = sample()
    r = import_source(clerk_workbook(tmp_path / "split.xlsx", f, split_header=True))
    assert r.filing.values == f.values
    assert not [x for x in r.findings if x.rule in ("I-1", "I-3")]


def test_extra_subtotal_column_is_ignored_and_listed(tmp_path):
    """Some templates add 「法人或其他组织小计」: not an official column."""
    from openpyxl import load_workbook

    f = sample()
    path = clerk_workbook(tmp_path / "subtotal.xlsx", f)
    wb = load_workbook(path)
    ws = wb.active
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value == "总计")
    ws.cell(head, 11, "法人或其他组织小计")
    for r in range(head + 1, head + 26):
        ws.cell(r, 11, sum(ws.cell(r, c).value for c in range(6, 11)))
    wb.save(path)
    r = import_source(path)
    assert r.filing.values == f.values
    i11 = [x for x in r.findings if x.rule == "I-11"]
    assert len(i11) == 1 and "「法人或其他组织小计」" in i11[0].message
