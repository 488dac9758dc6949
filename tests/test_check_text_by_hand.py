"""An independent check of ``gxxl check-text``: drafts written by hand, expectations by hand.

Nothing here is text the product generated.  The numbers are seed 004's tables as a
person reads them off the workbook (workbooks/seed004_某区人民政府办公室_2024.xlsx):

* 表三 总计列: 新收 100, 上年结转 13, 予以公开 68, 部分公开 4, 不予公开·属于三类内部事务信息 1,
  无法提供·本机关不掌握相关政府信息 40, 办结 (七)总计 113, 结转下年度 0;
  予以公开 68 / 办结 113 = 60.18 % → 「60.2%」;
* 表四: all zero (no 行政复议, no 行政诉讼);
* 表二 行政规范性文件: 本年废止 5, 现行有效 6.

Each wrong statement below is wrong in exactly one way, and the test says which rule
must flag it with which numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import gxxl
from conftest import ROOT, WORKBOOKS

SEED004 = WORKBOOKS / "seed004_某区人民政府办公室_2024.xlsx"

CONSISTENT = """\
某区人民政府办公室2024年政府信息公开工作年度报告

2024年，本机关新收政府信息公开申请100件，上年结转13件。
全年办结113件，其中予以公开68件，占60.2%；部分公开4件；无法提供40件。
本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。
本年度废止行政规范性文件5件，现行有效6件。
"""

#: (sentence, rule, number the draft claims, number the tables give)
WRONG = [
    ("2024年，本机关新收政府信息公开申请120件。", "T3-8", 120, 100),
    ("全年办结113件，其中予以公开68件，占70%。", "S-8", 70, 60.2),
    ("本年度被申请行政复议2件。", "T4-3", 2, 0),
    ("本年度废止行政规范性文件3件。", "T2-6", 3, 5),
]


def write_draft(tmp_path: Path, name: str, paragraphs: list[str]) -> Path:
    path = tmp_path / name
    if path.suffix == ".docx":
        from docx import Document

        doc = Document()
        for p in paragraphs:
            doc.add_paragraph(p)
        doc.save(path)
    elif path.suffix == ".html":
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        path.write_text(f'<!doctype html><html lang="zh-CN"><body>{body}</body></html>', encoding="utf-8")
    else:
        path.write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("ext", [".txt", ".docx", ".html"])
def test_a_consistent_draft_has_no_contradiction(tmp_path, ext):
    draft = write_draft(tmp_path, f"一致{ext}", CONSISTENT.splitlines())
    result = gxxl.check_text(draft, SEED004)
    assert result.findings == []
    said = {c.claim.surface for c in result.checked}
    # every number of the draft was looked at and found right
    for number in ("100件", "13件", "113件", "68件", "60.2%", "4件", "40件", "5件", "6件"):
        assert any(number in s for s in said), (number, said)
    assert all(c.ok for c in result.checked)


@pytest.mark.parametrize("sentence, rule, claimed, table", WRONG)
def test_each_wrong_statement_is_flagged_once_with_its_numbers(tmp_path, sentence, rule, claimed, table):
    draft = write_draft(tmp_path, "错.txt", ["某区人民政府办公室2024年政府信息公开工作年度报告", sentence])
    result = gxxl.check_text(draft, SEED004)
    assert len(result.findings) == 1, [f.message for f in result.findings]
    (f,) = result.findings
    assert f.rule == rule and f.severity != "info"
    assert float(f.reported) == claimed and float(f.computed) == table
    assert "第2段" in f.message and str(claimed) in f.message
    assert f.locations and all("!" in loc for loc in f.locations)


def test_the_cli_counts_the_contradictions_of_a_draft_with_all_mistakes(tmp_path):
    paragraphs = ["某区人民政府办公室2024年政府信息公开工作年度报告"] + [s for s, *_ in WRONG]
    draft = write_draft(tmp_path, "全错.docx", paragraphs)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "gxxl", "check-text", str(draft), "--against", str(SEED004), "--json"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    against_tables = [f for f in data["findings"] if f["locations"]]
    assert sorted(f["rule"] for f in against_tables) == sorted(rule for _, rule, _, _ in WRONG)
    # the text against itself: 68 of 113 is not 70 % whatever the tables say
    by_itself = [f for f in data["findings"] if not f["locations"]]
    assert [(f["rule"], f["reported"], f["computed"]) for f in by_itself] == [("S-8", 70, 60.2)]
    assert data["contradictions"] == len(WRONG) + 1
    r = subprocess.run([sys.executable, "-m", "gxxl", "check-text", str(write_draft(tmp_path, "对.txt", CONSISTENT.splitlines())),
                        "--against", str(SEED004)], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "0 处与统计表不一致" in r.stdout
