"""gxxl report and gxxl check-text as a clerk runs them: outputs, refusals, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from docx import Document
from openpyxl import load_workbook

from gxxl.filing import Filing
from conftest import ROOT, WORKBOOKS, sha256

DATA = ROOT / "tests" / "data" / "report"
SEED004 = WORKBOOKS / "seed004_某区人民政府办公室_2024.xlsx"


def gxxl(*args, cwd=None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)


def _seed(tmp_path, name="seed.xlsx"):
    p = tmp_path / name
    shutil.copy(SEED004, p)
    return p


def test_report_docx_default_name_and_no_overwrite(tmp_path):
    src = _seed(tmp_path)
    before = sha256(src)
    r = gxxl("report", src)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "seed.报告.docx"
    assert out.exists() and "已生成报告章节（Word 文档）" in r.stdout
    assert sha256(src) == before
    doc = Document(out)
    assert any("新收政府信息公开申请100件" in p.text for p in doc.paragraphs)
    assert len(doc.tables) == 3
    r = gxxl("report", src)
    assert r.returncode == 2 and "已存在" in r.stderr and "--force" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    r = gxxl("report", src, "--force")
    assert r.returncode == 0 and r.stderr == ""


def test_report_markdown_by_extension(tmp_path):
    src = _seed(tmp_path)
    r = gxxl("report", src, "-o", tmp_path / "报告.md")
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "报告.md").read_text(encoding="utf-8")
    assert md.startswith("# 某区人民政府办公室2024年政府信息公开工作年度报告") and md.count("<table") == 3
    r = gxxl("report", src, "-o", tmp_path / "x.md", "--to", "docx")
    assert r.returncode == 2 and ".docx" in r.stderr
    r = gxxl("report", src, "-o", tmp_path / "x.odt")
    assert r.returncode == 2 and "扩展名" in r.stderr


def test_report_sheet_goes_into_a_copy_unless_in_place(tmp_path):
    src = _seed(tmp_path)
    before = sha256(src)
    r = gxxl("report", src, "--to", "sheet")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "seed.报告章节.xlsx"
    assert "报告章节" in load_workbook(out).sheetnames
    assert sha256(src) == before and "报告章节" not in load_workbook(src).sheetnames
    # naming the input as output is refused without --in-place
    r = gxxl("report", src, "-o", src)
    assert r.returncode == 2 and "--in-place" in r.stderr and sha256(src) == before
    r = gxxl("report", src, "--to", "docx", "--in-place")
    assert r.returncode == 2 and "--in-place" in r.stderr and sha256(src) == before
    r = gxxl("report", src, "--in-place")
    assert r.returncode == 0, r.stderr
    wb = load_workbook(src)
    assert wb.sheetnames.count("报告章节") == 1 and "原工作簿" in r.stdout
    # the workbook still validates and reads the same
    assert gxxl("validate", src).returncode == 0


def test_report_refuses_a_filing_with_errors_unless_told_to_ignore_them(tmp_path, seed_filing, write):
    seed_filing.values["T3.disclosed.np"] = 69
    src = write(seed_filing, "bad.xlsx")
    r = gxxl("report", src, "-o", tmp_path / "r.docx")
    assert r.returncode == 2
    assert "不能据此生成报告" in r.stderr and "--ignore-errors" in r.stderr and "T3-2" in r.stdout
    assert not (tmp_path / "r.docx").exists()
    r = gxxl("report", src, "-o", tmp_path / "r.docx", "--ignore-errors")
    assert r.returncode == 1 and (tmp_path / "r.docx").exists()
    assert "请注意以下统计表错误和警告" in r.stdout and r.stdout.rstrip().splitlines()[-1].lstrip().startswith(("错误", "警告", "提示"))
    first = [p.text for p in Document(tmp_path / "r.docx").paragraphs if p.text][1]
    assert "据有错误的数据生成" in first


def test_report_old_spellings_still_work_with_a_notice(tmp_path, seed_filing, write):
    src = _seed(tmp_path)
    # --format docx|md|sheet is now --to
    r = gxxl("report", src, "--format", "md")
    assert r.returncode == 0 and (tmp_path / "seed.报告.md").exists()
    assert r.stderr.count("\n") == 1 and "--format md" in r.stderr and "--to md" in r.stderr
    # --overwrite is now --force
    r = gxxl("report", src, "--format", "md")
    assert r.returncode == 2 and "已存在" in r.stderr
    r = gxxl("report", src, "--format", "md", "--overwrite")
    assert r.returncode == 0 and "--overwrite" in r.stderr and "--force" in r.stderr
    # --format is the table format: a wrong one is refused
    r = gxxl("report", src, "--format", "gov2019", "-o", tmp_path / "y.md")
    assert r.returncode == 2 and "gov2019" in r.stderr and not (tmp_path / "y.md").exists()
    # the old --force (generate despite errors) still generates, with a notice
    seed_filing.values["T3.disclosed.np"] = 69
    bad = write(seed_filing, "bad.xlsx")
    r = gxxl("report", bad, "-o", tmp_path / "old.docx", "--force")
    assert r.returncode == 1 and (tmp_path / "old.docx").exists()
    assert r.stderr.count("\n") == 1 and "--ignore-errors" in r.stderr


def test_report_json(tmp_path):
    src = _seed(tmp_path)
    r = gxxl("report", src, "-o", tmp_path / "j.md", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["output"] == str(tmp_path / "j.md") and data["to"] == "md" and data["year"] == 2024
    assert data["unit"] == "某区人民政府办公室" and data["sentences"] > 0 and data["findings"] == []


def test_report_lists_warnings_at_the_end(tmp_path, seed_filing, write):
    seed_filing.values["T3.deny_1.np"] = None  # a blank cell: warning T3-4
    seed_filing.problems["T3.deny_1.np"] = ("blank", "")
    src = write(seed_filing, "warn.xlsx")
    r = gxxl("report", src, "-o", tmp_path / "w.docx")
    assert r.returncode == 0, r.stderr
    tail = r.stdout[r.stdout.index("请注意以下警告"):]
    assert "T3-4" in tail and "表三 依申请公开!D11" in tail


def test_report_previous_year(tmp_path, seed_filing, write):
    src = write(seed_filing, "2024.xlsx")
    prev = Filing.zeros()
    prev.cover.update(unit_name="某区人民政府办公室", level="县级政府部门", year=2023)
    prev.values.update({"T3.new.np": 80, "T3.new.tot": 80, "T3.total.np": 68, "T3.total.tot": 68,
                        "T3.disclosed.np": 68, "T3.disclosed.tot": 68, "T3.carry_over.np": 12, "T3.carry_over.tot": 12})
    last = write(prev, "2023.xlsx")
    r = gxxl("report", src, "--previous", last, "-o", tmp_path / "r.md")
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "新收政府信息公开申请100件，同比增长25%" in md and "办结113件，同比增长66.2%" in md
    tail = r.stdout[r.stdout.index("请注意以下警告"):]
    assert "T3-5" in tail and "表三 依申请公开!D8" in tail  # 上年结转 13 ≠ last year's 结转 12
    r = gxxl("report", src, "--previous", tmp_path / "无.xlsx", "-o", tmp_path / "r2.md")
    assert r.returncode == 2 and "文件不存在" in r.stderr


def test_report_user_mistakes_without_traceback(tmp_path):
    r = gxxl("report", tmp_path / "无.xlsx")
    assert r.returncode == 2 and "文件不存在" in r.stderr
    bad = tmp_path / "坏.xlsx"
    bad.write_text("oops")
    r = gxxl("report", bad)
    assert r.returncode == 2 and "坏.xlsx" in r.stderr
    r = gxxl("report", tmp_path)
    assert r.returncode == 2
    for r in (r,):
        assert "Traceback" not in r.stdout + r.stderr


def test_check_text_cli(tmp_path):
    r = gxxl("check-text", DATA / "seed004.txt", "--against", SEED004)
    assert r.returncode == 0, r.stderr
    assert "0 处与统计表不一致" in r.stdout
    r = gxxl("check-text", DATA / "seed004_planted.txt", "--against", SEED004, "--all")
    assert r.returncode == 1
    assert "7 处与统计表不一致" in r.stdout and "✗ 第7段  予以公开70件（统计表：68）" in r.stdout
    assert "级别  规则" in r.stdout  # the same table as gxxl validate
    r = gxxl("check-text", DATA / "seed004_planted.txt", "--against", SEED004, "--json")
    doc = json.loads(r.stdout)
    assert doc["contradictions"] == 7 and {f["rule"] for f in doc["findings"]} == {"T2-6", "T3-8", "S-8", "T4-3"}


def test_check_text_against_the_generated_report(tmp_path):
    src = _seed(tmp_path)
    assert gxxl("report", src, "-o", tmp_path / "r.docx").returncode == 0
    r = gxxl("check-text", tmp_path / "r.docx", "--against", src)
    assert r.returncode == 0 and "0 处与统计表不一致" in r.stdout


def test_check_text_user_mistakes(tmp_path):
    r = gxxl("check-text", tmp_path / "无.docx", "--against", SEED004)
    assert r.returncode == 2 and "文件不存在" in r.stderr
    r = gxxl("check-text", DATA / "seed004.txt", "--against", tmp_path / "无.xlsx")
    assert r.returncode == 2 and "文件不存在" in r.stderr
    (tmp_path / "r.pdf").write_bytes(b"%PDF-1.4")  # a damaged PDF
    r = gxxl("check-text", tmp_path / "r.pdf", "--against", SEED004)
    assert r.returncode == 2 and "r.pdf" in r.stderr and "PDF" in r.stderr
    (tmp_path / "r.rtf").write_bytes(b"{\\rtf1 x}")
    r = gxxl("check-text", tmp_path / "r.rtf", "--against", SEED004)
    assert r.returncode == 2 and "另存为" in r.stderr
    r = gxxl("check-text", DATA / "seed004.txt")  # without --against: the text alone (issue 12)
    assert r.returncode == 0 and "只核对文字本身" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_2019_format_workbook_is_refused(tmp_path):
    from gxxl.spec import get_spec
    from gxxl.writer import write_filing

    f = Filing.zeros(get_spec("gov2019"))
    f.cover.update(unit_name="某局", year=2020, level="县级政府部门")
    src = write_filing(f, tmp_path / "2020.xlsx")
    r = gxxl("report", src, "-o", tmp_path / "r.docx")
    assert r.returncode == 2 and "只支持2021年格式" in r.stderr and not (tmp_path / "r.docx").exists()
    # check-text compares 2019 tables too (issue 12): seed 004's text against all-zero tables
    r = gxxl("check-text", DATA / "seed004.txt", "--against", src)
    assert r.returncode == 1 and "只支持" not in r.stderr and "办结申请写为113件，统计表为0件" in r.stdout
