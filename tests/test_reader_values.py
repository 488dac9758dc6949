"""Values that are not counts: error values, NaN, ±∞, absurd numbers (issue 11, items 5 and 6).

Each case is a real workbook in the official template whose cell 表三 依申请公开!D9
(T3.disclosed.np) holds the odd value, written into the sheet XML as Excel, WPS or a
program would store it.  The reader makes each an F-5 error at that cell (value None,
problem ``invalid``, never 0), and no verb downstream may raise on it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gxxl.filing import NO_NUMBER
from gxxl.reader import read_filing
from gxxl.samples import seed004_filing
from gxxl.spec.model import MAX_PLAUSIBLE
from gxxl.validate import validate
from gxxl.writer import write_filing

ROOT = Path(__file__).resolve().parents[1]
DRAFT = ROOT / "tests" / "data" / "report" / "seed004.txt"
CODE, WHERE, SHEET_PART = "T3.disclosed.np", "表三 依申请公开!D9", "xl/worksheets/sheet3.xml"
ERRORS = ("#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")
DIGITS_309 = "1" + "0" * 308


def _inline(text: str) -> str:
    return f'<c r="D9" s="18" t="inlineStr"><is><t>{text}</t></is></c>'


#: case → (cell XML, what the person must see in the message)
CASES = {
    "nan": ('<c r="D9" s="18"><v>NaN</v></c>', "NaN"),
    "inf": ('<c r="D9" s="18"><v>inf</v></c>', "∞"),
    "-inf": ('<c r="D9" s="18"><v>-inf</v></c>', "-∞"),
    "1e308": ('<c r="D9" s="18"><v>1e308</v></c>', "1e+308"),
    "5e9": ('<c r="D9" s="18"><v>5000000000</v></c>', "5000000000"),
    "309 digits as text": (_inline(DIGITS_309), DIGITS_309[:40]),
    "#DIV/0! from a formula": ('<c r="D9" s="18" t="e"><f>C9/0</f><v>#DIV/0!</v></c>', "#DIV/0!"),
    "#REF! typed as text": (_inline("#REF!"), "#REF!"),
}
CASES.update({f"{e} stored": (f'<c r="D9" s="18" t="e"><v>{e}</v></c>', e) for e in ERRORS})


def patched(src: Path, dst: Path, cell_xml: str, ref: str = "D9", part: str = SHEET_PART) -> Path:
    """A copy of ``src`` whose cell ``ref`` (D9 of 表三) is replaced by ``cell_xml``."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == part:
                pattern = rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode()
                data, n = re.subn(pattern, cell_xml.encode(), data, count=1, flags=re.S)
                assert n == 1
            out.writestr(info, data)
    return dst


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return write_filing(seed004_filing(), tmp_path_factory.mktemp("base") / "seed004.xlsx")


def book(base: Path, tmp_path: Path, case: str) -> Path:
    return patched(base, tmp_path / "填报.xlsx", CASES[case][0])


def gxxl(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=120)
    assert "Traceback" not in p.stderr + p.stdout, p.stderr
    return p


# ------------------------------------------------------------------------------ the reader
@pytest.mark.parametrize("case", list(CASES))
def test_each_odd_value_is_an_f5_error_at_its_cell(base, tmp_path, case):
    f = read_filing(book(base, tmp_path, case))
    assert f.values[CODE] is None and f.problems[CODE][0] == "invalid"
    (f5,) = [x for x in f.findings if x.rule == "F-5"]
    assert f5.severity == "error" and f5.cells == (CODE,) and f5.locations == (WHERE,)
    assert CASES[case][1] in f5.message and "表三" in f5.message
    findings = validate(f)
    # no sum over the cell is checked (its value is unknown), and nothing else is reported
    assert {(x.rule, x.severity) for x in findings} == {("F-5", "error")}


@pytest.mark.parametrize("case", ["nan", "-inf", "5e9", "309 digits as text", "#DIV/0! from a formula",
                                  "#N/A stored", "#REF! typed as text"])
def test_import_treats_it_as_the_reader_does(base, tmp_path, case):
    """python-calamine shows an error cell as empty; the importer takes it from the XML as
    the reader does.  Import keeps the source's text (never a blank, never 0) with an I-6
    warning, and reading the import gives the reader's own state and F-5."""
    from gxxl.importer import import_source, write_import

    src = book(base, tmp_path, case)
    direct = read_filing(src)
    r = import_source(src)
    assert r.filing.values[CODE] is None and r.filing.problems[CODE] == direct.problems[CODE]
    assert [x.rule for x in r.findings if CODE in x.cells] == ["I-6"]
    again = read_filing(write_import(r, tmp_path / "导入.xlsx"))
    assert again.problems[CODE] == direct.problems[CODE]
    assert [(x.rule, x.message) for x in again.findings if CODE in x.cells] == \
        [(x.rule, x.message) for x in direct.findings if CODE in x.cells]
    p = gxxl("import", src, "-o", tmp_path / "cli.xlsx", cwd=tmp_path)
    assert p.returncode in (0, 1) and (tmp_path / "cli.xlsx").exists() and "I-6" in p.stdout


def test_a_number_at_the_bound_is_read(base, tmp_path):
    f = read_filing(patched(base, tmp_path / "x.xlsx", f'<c r="D9" s="18"><v>{MAX_PLAUSIBLE}</v></c>'))
    assert f.values[CODE] == MAX_PLAUSIBLE and CODE not in f.problems


def test_a_truly_blank_cell_stays_blank(base, tmp_path):
    f = read_filing(patched(base, tmp_path / "x.xlsx", '<c r="D9" s="18"/>'))
    assert f.problems[CODE] == ("blank", "")


@pytest.mark.parametrize("value", ["NaN", "inf", "1e308", "-5"])
@pytest.mark.parametrize("field", ["year", "date"])
def test_odd_numbers_on_the_cover_do_not_raise(base, tmp_path, field, value):
    from gxxl.layout import a1, cover_positions

    spec = seed004_filing().spec
    ref = a1(*cover_positions(spec)[field])
    path = patched(base, tmp_path / "x.xlsx", f'<c r="{ref}"><v>{value}</v></c>', ref, "xl/worksheets/sheet1.xml")
    f = read_filing(path)
    assert f.readable and f.values == seed004_filing().values
    assert any(x.cells == (f"cover.{field}",) for x in validate(f)) or field != "year"


# ------------------------------------------------------------------------------ every verb
VERB_CASES = ["nan", "inf", "-inf", "1e308", "309 digits as text", "#DIV/0! from a formula", "#REF! typed as text"]


@pytest.mark.parametrize("case", VERB_CASES)
def test_validate_and_json(base, tmp_path, case):
    path = book(base, tmp_path, case)
    p = gxxl("validate", path, cwd=tmp_path)
    assert p.returncode == 1 and "F-5" in p.stdout and WHERE in p.stdout and "空白" not in p.stdout
    p = gxxl("validate", "--json", path, cwd=tmp_path)
    assert p.returncode == 1

    def no_constants(name):
        raise AssertionError(f"not JSON: {name}")

    data = json.loads(p.stdout, parse_constant=no_constants)
    assert CASES[case][1][:20] in json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("case", VERB_CASES)
def test_annotate(base, tmp_path, case):
    path = book(base, tmp_path, case)
    before = path.read_bytes()
    out = tmp_path / "标注.xlsx"
    p = gxxl("validate", path, "--annotate", out, cwd=tmp_path)
    assert p.returncode == 1 and out.exists() and path.read_bytes() == before
    again = read_filing(out)  # the copy keeps what was there: no number, and an error at the cell
    assert again.values[CODE] is None and again.problems[CODE][0] in NO_NUMBER
    assert any(x.severity == "error" and CODE in x.cells for x in validate(again))


@pytest.mark.parametrize("case", VERB_CASES)
def test_check_text_against(base, tmp_path, case):
    path = book(base, tmp_path, case)
    p = gxxl("check-text", DRAFT, "--against", path, cwd=tmp_path)
    assert p.returncode in (0, 1) and p.stdout.strip()


@pytest.mark.parametrize("case", VERB_CASES)
def test_report(base, tmp_path, case):
    """Refused because the table has an error (no traceback), and built when asked to anyway."""
    from gxxl.report import build_report
    from gxxl.report.markdown import report_markdown

    path = book(base, tmp_path, case)
    p = gxxl("report", path, "-o", tmp_path / "r.md", cwd=tmp_path)
    assert p.returncode in (1, 2) and "gxxl" in p.stderr + p.stdout
    text = report_markdown(build_report(read_filing(path)))
    assert CASES[case][1][:20] in text  # the table shows what the unit wrote, never 0


@pytest.mark.parametrize("case", VERB_CASES)
def test_rollup_include_invalid(base, tmp_path, case):
    other = seed004_filing()
    other.cover["unit_name"] = "某区另一单位"
    good = write_filing(other, tmp_path / "另一单位.xlsx")
    bad = book(base, tmp_path, case)
    out = tmp_path / "汇总.xlsx"
    p = gxxl("rollup", good, bad, "--unit", "测试县", "--include-invalid", "-o", out, cwd=tmp_path)
    assert p.returncode in (0, 1) and out.exists()
    total = read_filing(out)
    # the odd cell adds nothing: the total is the good unit's value, never inf, NaN or 10^308
    assert total.values[CODE] == seed004_filing().values[CODE]


# ------------------------------------------------------------------------------ files
def test_file_name_not_utf8(base, tmp_path):
    name = "填报".encode("gbk") + b".xlsx"
    target = os.path.join(os.fsencode(tmp_path), name)
    with open(target, "wb") as fh:
        fh.write(base.read_bytes())
    path = Path(os.fsdecode(target))  # surrogate escapes, as Python gives such names
    f = read_filing(path)
    assert f.readable and f.values == seed004_filing().values
    p = gxxl("validate", os.fsdecode(tmp_path), cwd=tmp_path)
    assert p.returncode == 0


def _without_root_powers() -> list[str]:
    """A command prefix under which file permissions apply (root reads every file otherwise)."""
    if os.geteuid() != 0:
        return []
    import shutil

    setpriv = shutil.which("setpriv")  # util-linux, present on every Debian
    assert setpriv, "setpriv (util-linux) is needed to test permissions as root"
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_permission_denied_is_not_called_damaged(base, tmp_path):
    path = tmp_path / "无权限.xlsx"
    path.write_bytes(base.read_bytes())
    path.chmod(0)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        p = subprocess.run(_without_root_powers() + [sys.executable, "-m", "gxxl", "validate", str(path)],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    finally:
        path.chmod(0o644)
    out = p.stdout + p.stderr
    assert p.returncode == 2 and "Traceback" not in out
    assert "无权限.xlsx：没有读取权限" in out and "损坏" not in out


@pytest.mark.parametrize("raw", ["#DIV/0!", "#N/A", float("nan"), float("inf"), 5e9])
def test_live_workbook_grids(base, raw):
    """The Excel add-in reads a live workbook (xlwings with err_to_str: error values as text)."""
    from python_calamine import CalamineWorkbook

    from gxxl.reader import read_filing_grids

    book = CalamineWorkbook.from_path(str(base))
    grids = {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}
    grids["表三 依申请公开"][8][3] = raw  # D9
    f = read_filing_grids(grids, "live.xlsx")
    assert f.values[CODE] is None and f.problems[CODE][0] == "invalid"
    assert [x.rule for x in validate(f) if CODE in x.cells] == ["F-5"]


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_error_value_in_xls_and_ods_saved_by_libreoffice(base, tmp_path, soffice, fmt):
    """An Excel 97-2003 .xls keeps #DIV/0! in a BIFF record, an .ods in content.xml; python-
    calamine shows both as empty.  The reader finds them (xlrd; the XML), the importer too."""
    from gxxl import lo
    from gxxl.importer import import_source

    src = book(base, tmp_path, "#DIV/0! from a formula")
    xls = lo.convert(src, fmt, tmp_path / fmt)
    f = read_filing(xls)
    assert f.problems[CODE] == ("invalid", "#DIV/0!")
    assert [x.rule for x in validate(f) if CODE in x.cells] == ["F-5"]
    r = import_source(xls)
    assert r.filing.problems[CODE] == ("invalid", "#DIV/0!")
