"""The gxxl command as a clerk runs it: exit codes, output, JSON, annotated copies."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from openpyxl import load_workbook

from conftest import ROOT, sha256


def gxxl(*args, cwd=None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)


def test_validate_clean_file_exit_0(seed_filing, write):
    r = gxxl("validate", write(seed_filing))
    assert r.returncode == 0, r.stderr
    assert "错误 0  警告 0" in r.stdout and "某区人民政府办公室" in r.stdout


def test_validate_errors_exit_1_and_table(seed_filing, write):
    seed_filing.values["T3.disclosed.np"] = 69
    r = gxxl("validate", write(seed_filing))
    assert r.returncode == 1
    assert "表三 依申请公开!D30" in r.stdout and "相差1" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_unreadable_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("oops")
    r = gxxl("validate", bad)
    assert r.returncode == 2 and "坏文件.xlsx" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    r = gxxl("validate", tmp_path / "不存在.xlsx")
    assert r.returncode == 2 and "不存在.xlsx：文件不存在" in r.stderr


def test_json_output(seed_filing, write):
    seed_filing.values["T4.review.total"] = 1
    r = gxxl("validate", "--json", write(seed_filing))
    assert r.returncode == 1
    (doc,) = json.loads(r.stdout)
    assert doc["ok"] is False and doc["counts"]["error"] == 1
    (f,) = doc["findings"]
    assert f["rule"] == "T4-1" and f["cells"][0] == "T4.review.total"
    assert f["reported"] == 1 and f["computed"] == 0 and f["difference"] == 1
    assert f["locations"][0] == "表四 复议诉讼!E7" and f["severity_zh"] == "错误"


def test_annotate_writes_a_marked_copy_and_leaves_input_alone(seed_filing, write, tmp_path):
    seed_filing.values["T3.disclosed.np"] = 69
    src = write(seed_filing)
    before = sha256(src)
    out = tmp_path / "标注.xlsx"
    r = gxxl("validate", src, "--annotate", out)
    assert r.returncode == 1 and out.exists()
    assert sha256(src) == before
    wb = load_workbook(out)
    t3 = wb["表三 依申请公开"]
    assert t3["D9"].fill.fgColor.rgb.endswith("FF7C80")  # the suspect cell
    assert t3["D30"].fill.fgColor.rgb.endswith("FFC7CE") and "T3-2" in t3["D30"].comment.text
    assert "T3-3" in t3["J9"].comment.text
    assert t3["E9"].comment is None
    res = wb["校验结果"]
    rows = list(res.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == ["T3-2", "T3-3", "X-1"]
    assert res["D2"].hyperlink.location == "'表三 依申请公开'!D30" or res["D2"].hyperlink.target.endswith("D30")
    assert wb["封面"]["B13"].value == "校验：2处错误"
    # an existing output is not replaced silently
    r2 = gxxl("validate", src, "--annotate", out)
    assert r2.returncode == 2 and "已存在" in r2.stderr
    r3 = gxxl("validate", src, "--annotate", src)
    assert r3.returncode == 2 and sha256(src) == before


def test_validate_folder_and_glob(tmp_path, seed_filing, write):
    write(seed_filing, "a.xlsx")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "~$a.xlsx").write_text("lock")  # Excel's lock file: skipped
    r = gxxl("validate", tmp_path)
    assert r.returncode == 0 and "a.xlsx" in r.stdout and "~$" not in r.stdout


def test_template_command(tmp_path):
    out = tmp_path / "模板.xlsx"
    r = gxxl("template", "-o", out)
    assert r.returncode == 0 and sha256(out) == sha256(ROOT / "templates" / "gov2021.xlsx")
    r = gxxl("template", "-o", out)
    assert r.returncode == 2 and "--force" in r.stderr


def test_demo_runs_on_bundled_samples(tmp_path):
    r = gxxl("demo", "--out", tmp_path / "demo", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "示例县_05_财政局.xlsx" in r.stdout and "演示完成" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_unwritable_output_is_a_chinese_message(tmp_path, seed_filing, write):
    src = write(seed_filing)
    blocker = tmp_path / "一个文件"
    blocker.write_text("x")
    for args in (["template", "-o", blocker / "t.xlsx"],
                 ["validate", src, "--annotate", blocker / "a.xlsx"]):
        r = gxxl(*args)
        assert r.returncode == 2, args
        assert "不是文件夹" in r.stderr and "Traceback" not in r.stdout + r.stderr


def test_annotate_several_files_into_a_folder(tmp_path, seed_filing, write):
    (tmp_path / "甲").mkdir()
    (tmp_path / "乙").mkdir()
    a = write(seed_filing, "甲/报表.xlsx")
    b = write(seed_filing, "乙/报表.xlsx")
    r = gxxl("validate", a, b, "--annotate", tmp_path / "合并.xlsx")
    assert r.returncode == 2 and "文件夹" in r.stderr and not (tmp_path / "合并.xlsx").exists()
    out = tmp_path / "标注"
    r = gxxl("validate", a, b, "--annotate", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["乙_报表.校验.xlsx", "甲_报表.校验.xlsx"]


def test_output_piped_into_a_reader_that_leaves_ends_quietly():
    """``gxxl validate … | head -1``: the reader closes the pipe; no message, no traceback,
    exit 141 (128 + SIGPIPE) as other command-line tools do."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "gxxl", "validate", str(ROOT / "workbooks" / "示例县_03_教育局.xlsx")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # before the child writes anything
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=60) == 141, err
    assert err == ""
