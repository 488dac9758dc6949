"""Partial published pages: four cell states, notes that are true, validate's 「来源不完整」."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gxxl.cli import main
from gxxl.importer import import_source
from gxxl.reader import read_filing
from gxxl.validate import validate

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not available")

#: a 2021 表三 cut off inside a row (the copy stops after one cell of 4.保护第三方合法权益)
CUT = """三、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 | ||||||||
自然人 | 法人或其他组织 | 总计 | |||||||
商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 | |||||
一、本年新收政府信息公开申请数量 | 4 | 1 | 0 | 0 | 0 | 0 | 5 | ||
二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
三、本年度办理结果 | (一)予以公开 | 2 | 1 | 0 | 0 | 0 | 0 | 3 | |
(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
(三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |
2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
3.危及“三安全一稳定” | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
4.保护第三方合法权益 | 1 | """


def test_cut_off_row_keeps_what_is_there(tmp_path):
    src = tmp_path / "cut.txt"
    src.write_text(CUT, encoding="utf-8")
    r = import_source(src, spec_id="gov2021", year=2023, unit="某县某局", level="县级政府部门")
    v, st = r.filing.values, r.states
    assert v["T3.new.np"] == 4 and v["T3.new.tot"] == 5 and v["T3.disclosed.tot"] == 3
    assert v["T3.deny_4.np"] == 1 and st["T3.deny_4.np"] == "number"
    # the rest of the row and everything after it were never in the source
    assert v["T3.deny_4.be"] is None and st["T3.deny_4.be"] == "absent"
    assert st["T3.total.tot"] == "absent" and st["T4.review.keep"] == "absent"
    assert not any(s == "blank" for s in st.values())  # nothing is called 「published blank」
    i13 = [f for f in r.findings if f.rule == "I-13"]
    assert i13 and "不在来源中" in i13[0].message
    # validate on the imported workbook: one 「来源不完整」, no sum error from cut-off cells
    out = tmp_path / "cut.xlsx"
    assert main(["import", str(src), "-o", str(out), "--format", "gov2021", "--year", "2023",
                 "--unit", "某县某局", "--level", "县级政府部门"]) == 0
    back = read_filing(out)
    found = validate(back)
    assert [f.rule for f in found if f.rule == "F-7"] == ["F-7"]
    assert "来源不完整" in next(f.message for f in found if f.rule == "F-7")
    assert not any(f.severity == "error" for f in found), [f.message for f in found if f.severity == "error"]


def test_unattributable_numbers_are_unreadable_not_guessed(tmp_path):
    # two numbers where the row has seven cells: which columns they belong to is unknown
    text = CUT.replace("一、本年新收政府信息公开申请数量 | 4 | 1 | 0 | 0 | 0 | 0 | 5 | ||",
                       "一、本年新收政府信息公开申请数量 |\n5 |\n5 |\n|||||||")
    src = tmp_path / "broken.txt"
    src.write_text(text, encoding="utf-8")
    r = import_source(src, spec_id="gov2021")
    assert all(r.filing.values[f"T3.new.{c}"] is None for c in ("np", "be", "ri", "po", "ls", "ot", "tot"))
    assert r.states["T3.new.np"] == "unreadable"
    assert any(f.rule == "I-12" and "有2个值（5、5），应有7个" in f.message for f in r.findings)
    assert r.filing.values["T3.carried.tot"] == 0  # the next rows are read as usual


@needs_corpus
def test_all_blank_template_is_not_passed(tmp_path, capsys):
    out = tmp_path / "blank.xlsx"
    main(["import", str(CORPUS / "068" / "page.txt"), "-o", str(out)])
    printed = capsys.readouterr().out
    assert "表二 22/22（原文空白22）" in printed
    assert main(["validate", str(out)]) != 0
    assert "工作簿中没有任何数字" in capsys.readouterr().out


def test_json_when_nothing_is_found(tmp_path, capsys):
    src = tmp_path / "none.txt"
    src.write_text("一、总体情况\n本年度没有统计表。\n", encoding="utf-8")
    rc = main(["import", str(src), "-o", str(tmp_path / "x.xlsx"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 2 and doc["output"] is None and doc["ok"] is False
    assert doc["cells"]["T3"] == {"absent": 175}
    assert not (tmp_path / "x.xlsx").exists()


def test_states_are_in_the_hidden_sheet(tmp_path):
    src = tmp_path / "cut.txt"
    src.write_text(CUT, encoding="utf-8")
    out = tmp_path / "o.xlsx"
    assert main(["import", str(src), "-o", str(out), "--format", "gov2021"]) in (0, 1)
    meta = {r[0]: r[1] for r in load_workbook(out)["_gxxl"].iter_rows(values_only=True)}
    assert "T3.deny_4.be" in meta["cells_absent"].split(",") and "T3.new.np" not in meta["cells_absent"]
