"""gxxl import / check-text on Word, PDF and HTML sources: real-looking reports made by the
report writer, PDFs made from them by LibreOffice, a scanned PDF, huge HTML spans, a .docx
renamed .txt."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from gxxl.cli import main
from gxxl.errors import LimitError
from gxxl.importer import SourceError, import_source
from gxxl.report import build_report
from gxxl.report.word import write_docx
from gxxl.samples import random_filing
from gxxl.writer import write_filing


@pytest.fixture(scope="module")
def report_files(tmp_path_factory):
    """A generated report (.docx with the official tables) of a random consistent filing."""
    d = tmp_path_factory.mktemp("pdf")
    f = random_filing(random.Random(12), unit_name="某县交通运输局", level="县级政府部门", year=2023, scale=40)
    docx = d / "report.docx"
    write_docx(build_report(f), docx)
    book = write_filing(f, d / "tables.xlsx")
    return f, docx, book, d


def _same(filing, result):
    return {k: (v, result.filing.values.get(k)) for k, v in filing.values.items() if result.filing.values.get(k) != v}


def test_docx_tables_every_number(report_files):
    f, docx, _, _ = report_files
    r = import_source(docx)
    assert r.filing.spec_id == "gov2021" and _same(f, r) == {}
    assert r.coverage == {"T2": (10, 10), "T3": (175, 175), "T4": (15, 15)}
    assert r.filing.cover["unit_name"] == "某县交通运输局" and r.filing.cover["year"] == 2023


def test_pdf_made_by_libreoffice_every_number(report_files, soffice):
    from gxxl.lo import to_pdf

    f, docx, book, d = report_files
    pdf = to_pdf(docx, d)
    r = import_source(pdf)
    assert r.filing.spec_id == "gov2021" and _same(f, r) == {}
    assert set(r.states.values()) == {"number"}
    # the tables run over pages: the repeated header and the page numbers do not get in the way
    assert r.coverage == {"T2": (10, 10), "T3": (175, 175), "T4": (15, 15)}
    # check-text reads the PDF's running text: the generated text agrees with the tables
    assert main(["check-text", str(pdf), "--against", str(book), "--json"]) == 0


def test_scanned_pdf_is_said_to_be_a_scan(tmp_path):
    from PIL import Image

    scan = tmp_path / "scan.pdf"
    Image.new("RGB", (600, 800), "white").save(scan)
    with pytest.raises(SourceError, match="扫描件，无法读取文字"):
        import_source(scan)
    assert main(["check-text", str(scan)]) == 2


def test_damaged_pdf(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    with pytest.raises(SourceError):
        import_source(bad)


def test_huge_html_spans_are_capped_with_the_limit_named(tmp_path):
    rows = "".join("<tr>" + '<td rowspan="100000" colspan="100000">1</td>' * 3 + "</tr>" for _ in range(2000))
    p = tmp_path / "spans.html"
    p.write_text(f"<html><body><table>{rows}</table></body></html>", encoding="utf-8")
    t = time.monotonic()
    with pytest.raises(LimitError, match="上限"):
        import_source(p)
    assert time.monotonic() - t < 30


def test_html_rowspan_colspan_and_nested_tables(tmp_path):
    t3_rows = "".join(
        f"<tr><td colspan='3'>{label}</td>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>"
        for label, vals in (("一、本年新收政府信息公开申请数量", (5, 1, 0, 0, 0, 0, 6)),
                            ("二、上年结转政府信息公开申请数量", (0, 0, 0, 0, 0, 0, 0))))
    html = (
        "<html><body><h1>某县财政局2023年政府信息公开工作年度报告</h1><table><tr><td><table>"
        "<tr><td rowspan='3' colspan='3'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
        "<td colspan='7'>申请人情况</td></tr>"
        "<tr><td rowspan='2'>自然人</td><td colspan='5'>法人或其他组织</td><td rowspan='2'>总计</td></tr>"
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"
        f"{t3_rows}</table></td></tr></table></body></html>"
    )
    p = tmp_path / "nested.html"
    p.write_text(html, encoding="utf-8")
    r = import_source(p)
    v = r.filing.values
    assert (v["T3.new.np"], v["T3.new.be"], v["T3.new.tot"], v["T3.carried.tot"]) == (5, 1, 6, 0)
    assert r.states["T3.total.tot"] == "absent"


def test_docx_renamed_txt_is_read_as_word(report_files, tmp_path, capsys):
    _, docx, book, _ = report_files
    renamed = tmp_path / "report.txt"
    renamed.write_bytes(docx.read_bytes())
    assert main(["check-text", str(renamed), "--against", str(book), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["claims"] > 10
