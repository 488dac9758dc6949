"""gxxl import: published text (seed 004), HTML pages, tolerance, the output workbook, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from gxxl.cli import main
from gxxl.importer import IMPORT_SHEET, SourceError, import_source, write_import
from gxxl.hanzi import TRAD_TO_SIMP, to_simplified, traditional_share
from gxxl.locate.match import kind_of, similarity
from gxxl.reader import read_filing
from gxxl.samples import SEED004
from gxxl.validate import validate

DATA = Path(__file__).parent / "data" / "import"
#: seed 004 as published (the same bytes as ../shared/seeds/004_45eff0c929365845.txt, see test_check_text)
SEED = Path(__file__).parent / "data" / "report" / "seed004.txt"


def nonzero(values: dict) -> dict:
    return {k: v for k, v in values.items() if v}


def rules(result) -> set[tuple[str, str, str]]:
    return {f.flat() for f in result.findings}


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def variant(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------------------
# seed 004: the done-when pipeline
# --------------------------------------------------------------------------------------
def test_seed004_every_number_matches():
    r = import_source(SEED)
    f = r.filing
    assert f.spec_id == "gov2021"
    assert r.coverage == {"T2": (10, 10), "T3": (175, 175), "T4": (15, 15)}
    assert nonzero(f.values) == SEED004
    assert all(v == 0 for k, v in f.values.items() if k not in SEED004)  # the zeros are real zeros
    assert f.problems == {}
    assert f.cover == {"unit_name": "区政府办公室", "year": 2024, "level": "县级政府部门"}
    assert r.ok and validate(f) == []
    # 表四's garbled headers are mapped by position within each block, and said so
    i3 = [x for x in r.findings if x.rule == "I-3"]
    assert len(i3) == 3 and all(x.severity == "info" for x in i3)
    assert "「结果」、「其他」、「尚未」" in i3[0].message and "按其在表中的位置对应为「结果纠正」、「其他结果」、「尚未审结」" in i3[0].message
    # the guessed 行政层级 is a warning: a person must confirm it
    assert ("I-8", "cover.level", "warning") in rules(r)


def test_seed004_cli_pipeline_is_clean(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["import", str(SEED), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "表二 10/10（数字10）；表三 175/175（数字175）；表四 15/15（数字15）" in printed and "导入后校验：通过" in printed
    assert main(["validate", str(out)]) == 0
    assert "错误 0  警告 0  提示 0" in capsys.readouterr().out
    back = read_filing(out)
    assert nonzero(back.values) == SEED004 and back.spec_id == "gov2021"


def test_options_override_the_cover(tmp_path):
    r = import_source(SEED, unit="某区人民政府办公室", level="县级政府部门", year=2024)
    assert r.filing.cover == {"unit_name": "某区人民政府办公室", "level": "县级政府部门", "year": 2024}
    i8 = [x for x in r.findings if x.rule == "I-8"]
    # the text says 「区政府办公室」: the difference is pointed out, the option wins
    assert [x.flat() for x in i8] == [("I-8", "cover.unit_name", "warning")]


def test_seed004_in_traditional_script(tmp_path):
    simp_to_trad = {}
    for t, s in TRAD_TO_SIMP.items():
        simp_to_trad.setdefault(s, t)
    trad = "".join(simp_to_trad.get(ch, ch) for ch in seed_text())
    assert traditional_share(trad) > 0.3 and "結轉下年度繼續辦理" in trad
    r = import_source(variant(tmp_path, "trad.txt", trad))
    assert nonzero(r.filing.values) == SEED004
    assert "来源使用繁体字" in next(x.message for x in r.findings if x.rule == "I-2")
    # 「本年收費金額(單位:萬元)」 is 万元, not 元: nothing converted
    assert not [x for x in r.findings if x.rule == "I-5"]


def test_broken_labels_typos_and_placeholders(tmp_path):
    lines = []
    for line in seed_text().splitlines():
        if line.startswith("(六)其他处理 | 1.申请人"):
            cut = line.index("政府信息公开申请 |") + 4  # a cell broken across two lines
            lines += [line[:cut], line[cut:]]
        elif line.startswith("7.属于行政执法案卷"):
            lines.append(line.replace("| 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "| / | - | 0 |  | 无 | 0 | 0 |"))
        elif line.startswith("商业 企业"):
            lines.append(line.replace("社会公益组织", "社会公义组织"))
        elif line.startswith("4.保护第三方合法权益"):
            lines.append(line.replace("合法权益", "合法权意"))
        else:
            lines.append(line)
    r = import_source(variant(tmp_path, "broken.txt", "\n".join(lines)))
    f = r.filing
    assert r.coverage["T3"] == (175, 175)
    assert f.values["T3.other_1.np"] == 0  # the row with the broken label was read
    for col, raw in (("np", "/"), ("be", "-"), ("ls", "无")):
        code = f"T3.deny_7.{col}"
        assert f.values[code] is None and f.problems[code] == ("blank", "")  # never a silent 0
        i4 = next(x for x in r.findings if x.rule == "I-4" and x.cells == (code,))
        assert i4.severity == "warning" and f"「{raw}」" in i4.message and i4.reported == raw
    assert f.values["T3.deny_7.po"] is None  # an empty cell stays empty …
    assert any(x.rule == "I-7" and "T3.deny_7.po" in x.cells for x in r.findings)  # … and is listed
    i2 = [x.message for x in r.findings if x.rule == "I-2"]
    assert any("「社会公义组织」" in m and "「社会公益组织」" in m for m in i2)
    assert any("「4.保护第三方合法权意」" in m and "「4.保护第三方合法权益」" in m for m in i2)
    # the validator then asks for the blanks (warnings), it does not fail the sums
    checked = validate(f)
    assert not [x for x in checked if x.severity == "error"]
    assert {x.rule for x in checked} == {"T3-4"}


def test_text_values_kept_and_yuan_converted(tmp_path):
    text = (
        "二、主动公开政府信息情况\n"
        "第二十条第（一）项 | | | |\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
        "规章 | 0 | 0 | 0 |\n行政规范性文件 | 2 | 1 | 见附件 |\n"
        "第二十条第（五）项 | | | |\n信息内容 | 本年处理决定数量 | | |\n行政许可 | １２ | | |\n"
        "第二十条第（六）项 | | | |\n信息内容 | 本年处理决定数量 | | |\n行政处罚 | 3 | | |\n行政强制 | 0 | | |\n"
        "第二十条第（八）项 | | | |\n信息内容 | 本年收费金额（单位：元） | | |\n行政事业性收费 | 23000 | | |\n"
    )
    r = import_source(variant(tmp_path, "t2.txt", text), spec_id="gov2021", year=2024)
    f = r.filing
    assert f.values["T2.fee.amount"] == 2.3
    assert "单位为元，已换算为万元" in next(x.message for x in r.findings if x.rule == "I-5" and x.cells == ("T2.fee.amount",))
    assert f.values["T2.licensing.decisions"] == 12  # full-width digits
    assert f.problems["T2.normative.in_force"] == ("text", "见附件")
    assert ("I-6", "T2.normative.in_force", "warning") in rules(r)
    # 表三 and 表四 are missing: a warning (a partial page is usable), their cells not in the source
    assert ("I-1", "T3.new.np", "warning") in rules(r) and r.ok
    assert r.states["T3.new.np"] == "absent" and r.states["T2.rule.issued"] == "number"
    assert all(f.values[c] is None for c in f.spec.cells if c.startswith("T3."))


# --------------------------------------------------------------------------------------
# HTML pages
# --------------------------------------------------------------------------------------
CITY = {
    "T2.normative.issued": 3, "T2.normative.repealed": 1, "T2.normative.in_force": 12,
    "T2.licensing.decisions": 1234, "T2.penalty.decisions": 56, "T2.fee.amount": 12.5,
    "T4.review.keep": 2, "T4.review.fix": 1, "T4.review.pending": 1, "T4.review.total": 4,
    "T4.direct.keep": 1, "T4.direct.pending": 1, "T4.direct.total": 2, "T4.after.keep": 1, "T4.after.total": 1,
}
CITY_T3 = {  # row: (自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计)
    "new": (120, 15, 2, 1, 3, 4, 145), "carried": (6, 1, 0, 0, 0, 0, 7), "disclosed": (60, 9, 2, 0, 1, 2, 74),
    "partial": (8, 2, 0, 0, 0, 0, 10), "deny_4": (2, 1, 0, 0, 0, 0, 3), "deny_6": (1, 0, 0, 0, 0, 0, 1),
    "unable_1": (35, 3, 0, 1, 2, 0, 41), "unable_2": (3, 0, 0, 0, 0, 0, 3), "unable_3": (1, 0, 0, 0, 0, 0, 1),
    "reject_1": (4, 0, 0, 0, 0, 1, 5), "reject_2": (2, 0, 0, 0, 0, 0, 2), "other_1": (3, 0, 0, 0, 0, 1, 4),
    "other_3": (2, 0, 0, 0, 0, 0, 2), "total": (121, 15, 2, 1, 3, 4, 146), "carry_over": (5, 1, 0, 0, 0, 0, 6),
}
COLS = ("np", "be", "ri", "po", "ls", "ot", "tot")


def test_html_page_with_rowspan_and_colspan(tmp_path):
    r = import_source(DATA / "city_2023_rowspan.html")
    f = r.filing
    assert f.spec_id == "gov2021" and r.coverage == {"T2": (10, 10), "T3": (175, 175), "T4": (15, 15)}
    expected = dict(CITY)
    expected.update({f"T3.{row}.{c}": v for row, vals in CITY_T3.items() for c, v in zip(COLS, vals) if v})
    assert nonzero(f.values) == expected
    assert f.cover == {"unit_name": "示例市自然资源局", "year": 2023, "level": "市级政府部门"}
    got = rules(r)
    assert ("I-4", "T3.deny_1.po", "warning") in got  # 「/」
    assert ("I-5", "T2.licensing.decisions", "info") in got  # 「1,234」
    assert ("I-2", "T3.deny_4.np", "info") in got  # 「合法权意」
    assert not [x for x in r.findings if x.rule == "I-3"]  # clean headers: nothing mapped by position
    assert [x.flat() for x in validate(f)] == [("T3-4", "T3.deny_1.po", "warning")]


def test_traditional_2019_page_imports_and_validates(tmp_path):
    r = import_source(DATA / "county_2020_traditional.html")
    f = r.filing
    assert f.spec_id == "gov2019"
    assert r.coverage == {"T2": (22, 22), "T3": (161, 161), "T4": (15, 15)}
    assert f.cover == {"unit_name": "示例县人民政府", "year": 2020, "level": "县级政府"}
    assert f.values["T2.licensing.change"] == -2 and f.values["T2.fee.change"] == -1
    assert f.values["T2.procurement.amount"] == 1520.3  # 「1520.3萬元」
    assert f.values["T2.normative.public_total"] == 48 and f.values["T2.services.decisions"] == 210
    assert f.values["T3.other.np"] == 2 and f.values["T3.total.tot"] == 34 and f.values["T3.carry_over.tot"] == 1
    assert f.values["T4.review.keep"] == 1 and f.values["T4.review.total"] == 1
    assert validate(f) == []
    out = write_import(r, tmp_path / "county.xlsx")
    back = read_filing(out)
    assert back.spec_id == "gov2019" and validate(back) == []


def test_html_spans_are_laid_out(tmp_path):
    from gxxl.importer.sources import read_source

    doc = read_source(DATA / "city_2023_rowspan.html")
    t3 = doc.grids[1]
    assert t3.cell(0, 0).text.startswith("（本列数据") and t3.cell(2, 2) is t3.cell(0, 0)
    assert t3.cell(5, 0).text == "三、本年度办理结果" and t3.cell(26, 0) is t3.cell(5, 0)
    assert t3.cell(2, 4).text == "商业\n企业"
    assert "示例市自然资源局2023年政府信息公开工作年度报告" in doc.lines


# --------------------------------------------------------------------------------------
# the output workbook
# --------------------------------------------------------------------------------------
def test_output_has_import_sheet_and_source_untouched(tmp_path):
    src = DATA / "city_2023_rowspan.html"
    before = src.read_bytes()
    r = import_source(src)
    out = write_import(r, tmp_path / "city.xlsx")
    assert src.read_bytes() == before
    wb = load_workbook(out)
    assert IMPORT_SHEET in wb.sheetnames
    ws = wb[IMPORT_SHEET]
    assert ws.cell(2, 1).value == "序号" and ws.max_row == len(r.findings) + 2
    messages = [ws.cell(i, 7).value for i in range(3, ws.max_row + 1)]
    assert messages == [x.message for x in r.findings]
    slash = next(i for i in range(3, ws.max_row + 1) if ws.cell(i, 3).value == "I-4")
    assert ws.cell(slash, 4).value == "表三 依申请公开!G11" and ws.cell(slash, 5).value == "/"
    assert ws.cell(slash, 4).hyperlink is not None
    assert wb["表三 依申请公开"]["G11"].value is None  # 「/」 is written as blank, not 0
    meta = {row[0].value: row[1].value for row in wb["_gxxl"].iter_rows()}
    assert meta["imported_from"] == src.name and meta["format"] == "gov2021"
    # byte-reproducible
    again = write_import(import_source(src), tmp_path / "city2.xlsx")
    assert out.read_bytes() == again.read_bytes()


# --------------------------------------------------------------------------------------
# matching primitives
# --------------------------------------------------------------------------------------
def test_similarity_grades():
    assert similarity("（一）予以公开", "（一）予以公开").how == "exact"
    assert similarity("(一)予以公开", "（一）予以公开").how == "normalized"
    assert similarity("商业 企业", "商业企业").how == "normalized"
    assert similarity("予以公開", "（一）予以公开").how == "numbering"
    assert similarity("(二)部分公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）").how == "remark"
    assert similarity("结果", "结果纠正").how == "truncated"
    assert similarity("保护第三方合法权意", "4.保护第三方合法权益").how == "similar"
    assert not similarity("行政诉讼", "行政复议")
    assert not similarity("规章", "行政许可")


def test_cell_kinds():
    assert kind_of("0") == "number" and kind_of("１２件") == "number" and kind_of("1,234") == "number"
    assert kind_of("3.5萬元") == "number"
    for t in ("/", "-", "—", "／", "无", "——", "×"):
        assert kind_of(t) == "placeholder", t
    assert kind_of("") == "blank" and kind_of("件") == "unit"
    assert kind_of("1.属于国家秘密") == "label" and kind_of("见附件") == "label"
    assert kind_of("", 0) == "number"


def test_hanzi_map_leaves_simplified_text_alone():
    from gxxl.spec import all_specs

    labels = "".join(s.text for spec in all_specs().values() for t in spec.tables for s in t.layout.spans)
    assert to_simplified(labels) == labels
    assert to_simplified("結轉下年度繼續辦理") == "结转下年度继续办理"
    assert traditional_share("本年新收政府信息公开申请数量") == 0


# --------------------------------------------------------------------------------------
# the CLI: user mistakes are Chinese messages, exit code 2, no traceback
# --------------------------------------------------------------------------------------
def test_cli_user_errors(tmp_path, capsys):
    out = tmp_path / "o.xlsx"
    assert main(["import", str(tmp_path / "missing.txt"), "-o", str(out)]) == 2
    assert "文件不存在" in capsys.readouterr().err
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.4 ...")
    assert main(["import", str(pdf), "-o", str(out)]) == 2
    assert "PDF" in capsys.readouterr().err
    src = DATA / "city_2023_rowspan.html"
    assert main(["import", str(src), "-o", str(out), "--level", "乡镇"]) == 2
    assert "行政层级" in capsys.readouterr().err
    assert main(["import", str(src), "-o", str(out), "--format", "gov2000"]) == 2
    assert main(["import", str(src), "-o", str(out), "--year", "去年"]) == 2
    assert main(["import", str(src), "-o", str(tmp_path / "o.txt")]) == 2
    assert main(["import", str(src), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["import", str(src), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["import", str(src), "-o", str(out), "--force", "--json"]) == 0
    import json

    payload = json.loads(capsys.readouterr().out)
    assert payload["format"] == "gov2021" and payload["coverage"]["T3"] == [175, 175]
    assert any(f["rule"] == "I-4" for f in payload["findings"])


def test_missing_tables_exit_2(tmp_path, capsys):
    """No table at all is unusable input (exit 2, as for an unreadable file); nothing is written."""
    src = variant(tmp_path, "prose.txt", "某局2024年政府信息公开工作年度报告\n本年度未收到政府信息公开申请。\n")
    assert main(["import", str(src), "-o", str(tmp_path / "o.xlsx")]) == 2
    printed = capsys.readouterr().out
    assert "来源中未找到表二" in printed and "未生成" in printed
    assert not (tmp_path / "o.xlsx").exists()  # nothing found: no empty workbook
    with pytest.raises(SourceError):
        import_source(tmp_path / "nothing.txt")


def test_2019_table_in_a_2022_report_is_imported_as_found(tmp_path):
    """Real 2022 reports still used the 2019 table (丰收乡2022): no silent conversion, S-1 later."""
    text = (DATA / "county_2020_traditional.html").read_text(encoding="utf-8").replace("2020", "2022")
    r = import_source(variant(tmp_path, "c2022.html", text))
    assert r.filing.spec_id == "gov2019" and r.filing.cover["year"] == 2022
    assert ("I-9", "cover.year", "warning") in rules(r)
    assert [x.flat() for x in validate(r.filing)] == [("S-1", "cover.year", "error")]

