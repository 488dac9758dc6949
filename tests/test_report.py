"""gxxl report: sentences from the data, the official tables in Word/Markdown/worksheet, T3-5."""

from __future__ import annotations

import random
import re
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from gxxl.filing import Filing
from gxxl.report import build_report, check_previous
from gxxl.report.compose import PART_1, PART_5, PART_6
from gxxl.report.grid import boxes, covered
from gxxl.report.markdown import report_markdown
from gxxl.report.numbers import fmt_percent, printed_matches, ratio_percent, share, yoy
from gxxl.report.sheet import SHEET, write_report_sheet
from gxxl.report.word import report_docx_bytes
from gxxl.samples import random_filing
from conftest import WORKBOOKS, sha256

SEED004 = WORKBOOKS / "seed004_某区人民政府办公室_2024.xlsx"


def _report(filing, **kw):
    return build_report(filing, **kw)


# ------------------------------------------------------------------------------------------
# numbers
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("part,base,text", [
    (68, 113, "60.2%"), (4, 113, "3.5%"), (1, 113, "0.9%"), (40, 113, "35.4%"),
    (113, 113, "100%"), (1, 2, "50%"), (1, 16, "6.3%"), (1, 3, "33.3%"), (2, 3, "66.7%"), (0, 5, "0%"),
])
def test_share_one_decimal_half_up_exact_whole_without_decimal(part, base, text):
    assert share(part, base) == text


def test_share_of_zero_base_is_empty():
    assert share(3, 0) == ""


@pytest.mark.parametrize("cur,prev,text", [
    (90, 80, "，同比增长12.5%"), (60, 80, "，同比下降25%"), (80, 80, "，与上年持平"), (5, 0, "（上年为0件）"),
    (0, 0, "，与上年持平"), (0, 4, "，同比下降100%"), (7, None, ""), (100, 113, "，同比下降11.5%"),
])
def test_year_on_year(cur, prev, text):
    assert yoy(cur, prev) == text


def test_printed_percentage_tolerance():
    assert printed_matches("79.4", ratio_percent(239, 301))
    assert not printed_matches("80", ratio_percent(239, 301))  # reference S-8, seed 001
    assert printed_matches("60.2", ratio_percent(68, 113)) and printed_matches("60", ratio_percent(68, 113))
    assert printed_matches("100", ratio_percent(113, 113)) and printed_matches("100.0", ratio_percent(113, 113))
    assert fmt_percent(ratio_percent(1, 8)) == "12.5"


# ------------------------------------------------------------------------------------------
# sentences
# ------------------------------------------------------------------------------------------
def test_seed004_sentences_carry_exactly_its_numbers(seed_filing):
    rep = _report(seed_filing)
    s = rep.sentences()
    assert "2024年，本机关新收政府信息公开申请100件，上年结转13件，办结113件，结转下年度继续办理0件，办结率100%。" in s
    assert ("办结的申请中，予以公开68件，占办结总数的60.2%；部分公开4件，占3.5%；不予公开1件，占0.9%；"
            "无法提供40件，占35.4%；无不予处理和其他处理的情形。") in s
    assert "未能公开的答复中，主要情形为：本机关不掌握相关政府信息40件，属于三类内部事务信息1件。" in s
    assert "新收申请均由自然人提出。" in s
    assert "2024年，本机关未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。" in s
    assert "2024年，本机关未制发行政规范性文件，废止5件，截至年底现行有效6件。本年度未作出行政许可、行政处罚和行政强制决定；未收取行政事业性收费。" in s
    text = "\n".join(s)
    assert re.search(r"(?<![\d.])0件，占", text) is None and "0.0%" not in text


def test_zero_cases_are_said_in_words():
    f = Filing.zeros()
    f.cover.update(unit_name="某乡人民政府", year=2023, level="乡镇（街道）")
    text = "\n".join(_report(f).sentences())
    assert "2023年，本机关未收到政府信息公开申请，也没有上年结转的申请。" in text
    assert "未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况" in text
    assert "未制发、废止规章和行政规范性文件" in text
    assert "占" not in text and "%" not in text and re.search(r"(?<!\d)0件", text) is None


def test_subject_and_missing_year():
    f = Filing.zeros()
    f.cover.update(unit_name="某局")
    rep = _report(f, subject="区政府办公室")
    assert rep.title == "某局政府信息公开工作年度报告"  # no dangling 「年」 without a year
    f.cover.update(year=2024)
    assert _report(f).title == "某局2024年政府信息公开工作年度报告"
    assert any(t.startswith("本年度，区政府办公室") for t in rep.sentences())


def test_applicants_and_reasons_largest_first(seed_filing):
    v = seed_filing.values
    v.update({"T3.new.np": 80, "T3.new.be": 12, "T3.new.ls": 8, "T3.new.tot": 100})
    text = "\n".join(_report(seed_filing).sentences())
    assert "新收申请中，自然人提出80件，占新收申请的80%；法人或其他组织提出20件，占20%，其中商业企业12件、法律服务机构8件。" in text
    v.update({"T3.reject_2.tot": 41, "T3.other_3.tot": 99})
    text = "\n".join(_report(seed_filing).sentences())
    # （六）3 「其他」 names no reason and is not ranked
    assert "主要情形为：重复申请41件，本机关不掌握相关政府信息40件，属于三类内部事务信息1件。" in text


def _t4(f: Filing, block: str, keep=0, fix=0, other=0, pending=0):
    for res, n in dict(keep=keep, fix=fix, other=other, pending=pending).items():
        f.values[f"T4.{block}.{res}"] = n
    f.values[f"T4.{block}.total"] = keep + fix + other + pending


def test_review_litigation_outcomes_are_true(seed_filing):
    _t4(seed_filing, "review", keep=3)
    _t4(seed_filing, "direct", keep=2, pending=1)
    _t4(seed_filing, "after", fix=1)
    s = next(t for t in _report(seed_filing).sentences() if "因政府信息公开工作被申请" in t)
    assert s == ("2024年，本机关因政府信息公开工作被申请行政复议3件，均获维持；被提起行政诉讼4件，"
                 "其中结果维持2件，结果纠正1件，尚未审结1件；从起诉方式看，未经复议直接起诉3件，复议后起诉1件。")
    _t4(seed_filing, "review", keep=6, pending=1)
    s = next(t for t in _report(seed_filing).sentences() if "因政府信息公开工作被申请" in t)
    assert "被申请行政复议7件，其中结果维持6件，尚未审结1件" in s and "均获维持" not in s.split("；")[0]


def test_year_on_year_with_previous(seed_filing):
    prev = Filing.zeros()
    prev.cover.update(unit_name="某区人民政府办公室", year=2023)
    prev.values.update({"T3.new.tot": 80, "T3.total.tot": 113, "T3.carry_over.tot": 13, "T3.carry_over.np": 13})
    s = _report(seed_filing, previous=prev).sentences()
    assert ("2024年，本机关新收政府信息公开申请100件，同比增长25%，上年结转13件，办结113件，与上年持平，"
            "结转下年度继续办理0件，办结率100%。") in s


def test_fee_sentence_default_must_be_confirmed(seed_filing):
    rep = _report(seed_filing)
    six = rep.blocks[[b.text for b in rep.blocks].index(PART_6) + 1]
    assert six.pieces[0].text == "本年度未收取信息处理费。"  # seed 004's own wording
    assert six.pieces[1].mark == "confirm" and "请核实" in six.pieces[1].text


def test_fee_sentence_from_lapsed_fee_notices(seed_filing):
    seed_filing.values.update({"T3.other_2.np": 2, "T3.other_2.tot": 2, "T2.fee.amount": 3.5})
    rep = _report(seed_filing)
    six = rep.blocks[[b.text for b in rep.blocks].index(PART_6) + 1]
    assert "逾期未按收费通知要求缴纳费用、行政机关不再处理的申请2件" in six.text
    assert [p.mark for p in six.pieces].count("fill") == 3
    assert "3.5" not in six.text  # 行政事业性收费 (表二) is not 信息处理费


def test_outline_order_and_headings(seed_filing, spec):
    rep = _report(seed_filing)
    h1 = [b.text for b in rep.blocks if b.kind == "h1"]
    assert h1 == [PART_1, *(t.title for t in spec.tables), PART_5, PART_6]
    tables = [b.table for b in rep.blocks if b.kind == "table"]
    assert tables == ["T2", "T3", "T4"]
    # each table comes right after its heading
    for i, b in enumerate(rep.blocks):
        if b.kind == "table":
            assert rep.blocks[i - 1].text == spec.table_by_code[b.table].title


def test_notice_when_forced_with_errors(seed_filing):
    from gxxl.findings import Finding

    err = Finding(rule="T3-1", severity="error", message="x")
    rep = _report(seed_filing, findings=[err])
    assert rep.blocks[1].kind == "notice" and "1处错误" in rep.blocks[1].text


def test_random_filings_never_print_zero_shares():
    for seed in range(60):
        rng = random.Random(seed)
        f = random_filing(rng, unit_name="测试局", level="县级政府部门", scale=rng.choice([0, 1, 3, 20]))
        text = "\n".join(build_report(f).sentences())
        assert re.search(r"(?<![\d.])0件，占", text) is None and "占0%" not in text and "占0.0%" not in text, text
        assert "None" not in text


# ------------------------------------------------------------------------------------------
# T3-5
# ------------------------------------------------------------------------------------------
def _t3_5(found):
    return sorted(f.flat() for f in found if f.rule == "T3-5")


def test_t3_5_carried_equals_last_years_carry_over(seed_filing):
    """--previous uses the engine's cross-year checks (gxxl.crossyear), T3-5 among them."""
    prev = seed_filing.model_copy(deep=True)
    prev.cover.update(year=2023)
    prev.values.update({"T3.carry_over.np": 13, "T3.carry_over.tot": 13})
    assert _t3_5(check_previous(seed_filing, prev)) == []
    prev.values.update({"T3.carry_over.np": 12, "T3.carry_over.tot": 12})
    found = check_previous(seed_filing, prev)
    assert _t3_5(found) == [("T3-5", "T3.carried.np", "warning"), ("T3-5", "T3.carried.tot", "warning")]
    f = next(x for x in found if x.anchor == "T3.carried.np")
    assert f.reported == 13 and "相差1" in f.message


# ------------------------------------------------------------------------------------------
# tables: grid, Word, Markdown, worksheet
# ------------------------------------------------------------------------------------------
def test_every_grid_position_is_one_box(spec):
    for table in spec.tables:
        seen: dict[tuple[int, int], str] = {}
        for b in boxes(table):
            for r in range(b.row, b.row + b.rowspan):
                for c in range(b.col, b.col + b.colspan):
                    assert (r, c) not in seen, (table.code, r, c)
                    seen[(r, c)] = b.text
        assert set(seen) == {(r, c) for r in range(table.layout.height) for c in range(table.layout.width)}
        assert len(covered(table)) == len(seen) - len(boxes(table))


def _grid(tbl):
    """{(row, col): (tc, gridSpan, vMerge)} read from the table XML."""
    out = {}
    for r, tr in enumerate(tbl._tbl.tr_lst):
        c = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            vm = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            vmerge = None if vm is None else (vm.get(qn("w:val")) or "continue")
            out[(r, c)] = (tc, span, vmerge)
            c += span
    return out


def _docx(filing):
    import io

    return Document(io.BytesIO(report_docx_bytes(build_report(filing))))


def test_docx_tables_have_the_official_structure(seed_filing, spec):
    doc = _docx(seed_filing)
    assert len(doc.tables) == 3
    for tbl, table in zip(doc.tables, spec.tables):
        assert len(tbl.rows) == table.layout.height
        assert len(tbl.columns) == table.layout.width
        grid = _grid(tbl)
        for b in boxes(table, seed_filing):
            tc, span, vmerge = grid[(b.row, b.col)]
            assert span == b.colspan, (table.code, b)
            assert (vmerge == "restart") == (b.rowspan > 1), (table.code, b)
            for r in range(b.row + 1, b.row + b.rowspan):
                assert grid[(r, b.col)][2] == "continue" and grid[(r, b.col)][1] == b.colspan
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            assert text == b.text, (table.code, b)  # labels verbatim from the spec, values from the filing
        borders = tbl._tbl.tblPr.find(qn("w:tblBorders"))
        assert {e.tag.split("}")[1]: e.get(qn("w:val")) for e in borders} == {
            s: "single" for s in ("top", "left", "bottom", "right", "insideH", "insideV")}
    t3 = doc.tables[1]
    assert t3.cell(0, 0).text == spec.table_by_code["T3"].layout.spans[0].text  # the 勾稽 note
    assert t3.cell(3 + 2, 9).text == "68"  # （一）予以公开 · 总计


def _on(p, tag: str) -> bool:
    """A paragraph property switched on (``<w:keepNext/>``, not absent or ``w:val="0"``)."""
    el = p.pPr.find(qn(f"w:{tag}")) if p.pPr is not None else None
    return el is not None and el.get(qn("w:val"), "1") not in ("0", "false", "off")


@pytest.mark.parametrize("which", ["seed004", "busy"])
def test_docx_merged_row_labels_keep_their_rows_on_one_page(seed_filing, spec, which):
    """表三's tall merged labels (「三、本年度办理结果」 over 22 rows) are never cut by a page break.

    The merged cell's text is laid out in its part on the first page; a break right after
    its first row or two left 「三、本年度办」 at the page foot and 「理结果」 on the next
    page.  So: no row has an exact height or splits; a group label (「（三）不予公开」) keeps
    all its rows together; the label over the groups keeps at least as many rows as its
    text has lines (column width less cell margins, at the cell's font size) plus one —
    and the keep is on every cell of those rows, the covered cells under the merge too
    (LibreOffice reads a row's keep from its first cell, which is such a covered cell).
    """
    from gxxl.samples import city_filing

    filing = seed_filing if which == "seed004" else city_filing()
    tbl = _docx(filing).tables[1]
    table = spec.table_by_code["T3"]
    trs = tbl._tbl.tr_lst
    for tr in trs:
        assert tr.trPr.find(qn("w:cantSplit")) is not None
        height = tr.trPr.find(qn("w:trHeight"))
        assert height is None or height.get(qn("w:hRule")) != "exact"

    def kept(r: int) -> bool:
        return all(_on(p, "keepNext") for tc in trs[r].tc_lst for p in tc.p_lst)

    cols = [int(g.get(qn("w:w"))) for g in tbl._tbl.tblGrid.findall(qn("w:gridCol"))]
    mar = tbl._tbl.tblPr.find(qn("w:tblCellMar"))
    pad = sum(int(mar.find(qn(f"w:{side}")).get(qn("w:w"))) for side in ("left", "right"))
    grid = _grid(tbl)
    labels = [s for s in table.layout.spans if s.kind == "label" and s.rowspan > 1]
    assert {s.text for s in labels} >= {"三、本年度办理结果", "（三）不予公开", "（六）其他处理"}
    for s in labels:
        tc, _, vmerge = grid[(s.row, s.col)]
        assert vmerge == "restart"
        assert "".join(t.text or "" for t in tc.iter(qn("w:t"))) == s.text  # complete, verbatim
        half_points = int(next(tc.iter(qn("w:sz"))).get(qn("w:val")))
        per_line = (sum(cols[s.col:s.col + s.colspan]) - pad) // (half_points * 10)  # em in twips
        lines = -(-len(s.text) // per_line)
        groups = any(o is not s and s.row <= o.row and o.row + o.rowspan <= s.row + s.rowspan for o in labels)
        together = min(lines, s.rowspan - 1) if groups else s.rowspan - 1
        assert lines >= (3 if s.text.startswith("三、") else 2)
        for r in range(s.row, s.row + together):
            assert kept(r), (which, s.text, r)
    # the header and the rows above the first label stay with it (and, by the heading's keep, with the heading)
    assert all(kept(r) for r in range(min(s.row for s in labels)))


def test_docx_fonts_are_chinese_and_headings_black_and_bold_free(seed_filing):
    doc = _docx(seed_filing)
    runs = [r for p in doc.paragraphs for r in p.runs] + [
        r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs
    for r in runs:
        fonts = r._element.rPr.find(qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")), r.text
    heads = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [p.text for p in heads][0] == PART_1
    assert all(r._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体" for p in heads for r in p.runs)
    body = next(p for p in doc.paragraphs if p.text.startswith("2024年，本机关新收"))
    assert body.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    highlighted = [r.text for p in doc.paragraphs for r in p.runs if r.font.highlight_color is not None]
    assert any(t.startswith("〔请填写") for t in highlighted) and any(t.startswith("〔请核实") for t in highlighted)


def test_docx_is_valid_ooxml_order(seed_filing):
    """tblPr children in schema order (Word refuses files that are not)."""
    import io

    data = report_docx_bytes(build_report(seed_filing))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    for m in re.finditer(r"<w:tblPr>(.*?)</w:tblPr>", xml):
        tags = re.findall(r"<w:(\w+)", m.group(1))
        top = [t for t in tags if t in ("tblStyle", "tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook")]
        order = ["tblStyle", "tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook"]
        assert top == sorted(top, key=order.index)


def test_markdown_keeps_merged_layout(seed_filing, spec):
    md = report_markdown(build_report(seed_filing))
    assert md.count("<table") == 3
    assert '<th rowspan="3" colspan="3" align="center">' + spec.table_by_code["T3"].layout.spans[0].text in md
    assert '<th colspan="10" align="center">行政诉讼</th>' in md
    for table in spec.tables:
        for s in table.layout.spans:
            assert s.text in md
    assert "<mark>〔请填写" in md and "## 二、主动公开政府信息情况" in md
    assert "2024年，本机关新收政府信息公开申请100件" in md


def test_sheet_is_written_into_a_copy(tmp_path):
    out = tmp_path / "copy.xlsx"
    before = sha256(SEED004)
    from gxxl.reader import read_filing

    filing = read_filing(SEED004)
    write_report_sheet(build_report(filing), SEED004, out)
    assert sha256(SEED004) == before
    wb = load_workbook(out, rich_text=True)
    assert wb.sheetnames[-1] == SHEET
    src = load_workbook(SEED004)
    assert wb.sheetnames[:-1] == src.sheetnames
    ws = wb[SHEET]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("新收政府信息公开申请100件" in t for t in texts)
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert len(merged) > 40
    # the tables' values are numbers, the labels verbatim
    assert 113 in [c.value for row in ws.iter_rows() for c in row]
    assert "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" in texts
    # the copy still reads as the same filing
    again = read_filing(out)
    assert again.values == filing.values
    # writing again replaces the sheet instead of adding a second one
    write_report_sheet(build_report(filing), out, tmp_path / "again.xlsx")
    assert load_workbook(tmp_path / "again.xlsx").sheetnames.count(SHEET) == 1


def test_previous_year_in_the_2019_format(seed_filing, spec):
    """Last year's 2019 试行 filing: year-on-year only for cells that mean the same in both."""
    from gxxl.spec import get_spec

    prev = Filing.zeros(get_spec("gov2019"))
    prev.cover.update(year=2023)
    prev.values.update({"T3.new.tot": 50, "T2.licensing.decisions": 0})
    seed_filing.values["T2.normative.issued"] = 2
    s = "\n".join(build_report(seed_filing, previous=prev).sentences())
    assert "新收政府信息公开申请100件，同比增长100%" in s
    assert "制发行政规范性文件2件，" in s  # 2019 has no 本年制发件数: no year-on-year figure


def test_2019_format_is_refused_clearly():
    from gxxl.report.vocab import UnsupportedFormat, vocab
    from gxxl.spec import get_spec

    with pytest.raises(UnsupportedFormat) as e:
        vocab(get_spec("gov2019"))
    assert "国办公开办函〔2019〕60号" in e.value.explain("生成报告章节")
