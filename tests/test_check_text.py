"""gxxl check-text: numeric claims of a report's text against the tables."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from docx import Document

from gxxl.filing import Filing
from gxxl.reader import read_filing
from gxxl.report import build_report
from gxxl.report.checktext import check_text
from gxxl.report.claims import cn_number
from gxxl.report.draft import DraftError, Paragraph, read_draft
from gxxl.samples import random_filing
from conftest import ROOT, WORKBOOKS

DATA = ROOT / "tests" / "data" / "report"
SEED004 = WORKBOOKS / "seed004_某区人民政府办公室_2024.xlsx"
PLANTED = json.loads((DATA / "seed004_planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_book():
    return read_filing(SEED004)


def _check(text: str, filing: Filing):
    paras = [Paragraph(i + 1, t) for i, t in enumerate(x for x in text.splitlines() if x.strip())]
    return check_text(paras, filing)


def _flat(findings):
    return sorted((f.rule, f.anchor, f.reported, f.computed) for f in findings)


def _expected():
    return sorted((e["rule"], e["cell"], e["reported"], e["computed"]) for e in PLANTED["expect"])


# ------------------------------------------------------------------------------------------
# seed 004: its own text, and a copy with planted wrong numbers
# ------------------------------------------------------------------------------------------
def test_seed004_text_has_no_contradiction(seed_book):
    checked, findings = check_text(DATA / "seed004.txt", seed_book)
    assert findings == []
    said = {c.claim.surface for c in checked}
    # the numbers of its text were all found (新收100, 上年结转13, 办结113, 办结率100%, no 复议/诉讼)
    assert {"新收到政府信息公开申请100件", "上年结转13件", "办结113件", "办结率100%"} <= said
    assert any("行政复议" in s for s in said) and any("行政诉讼" in s for s in said)
    # the duplicated paragraph is one set of claims seen twice
    assert all(c.claim.occurrences == 2 for c in checked)


def test_seed004_text_is_the_shared_seed():
    for name, copy in (("004_45eff0c929365845.txt", "seed004.txt"), ("001_53b9d79bba00987a.txt", "seed001.txt")):
        shared = ROOT.parent / "shared" / "seeds" / name
        if not shared.exists():
            pytest.skip("../shared is not checked out here (the copies in tests/data are what the tests use)")
        assert shared.read_bytes() == (DATA / copy).read_bytes()


def test_planted_copy_flags_every_planted_number_and_nothing_else(seed_book):
    _, findings = check_text(DATA / "seed004_planted.txt", seed_book)
    assert _flat(findings) == _expected()
    for e in PLANTED["expect"]:
        f = next(f for f in findings if f.anchor == e["cell"] and f.rule == e["rule"])
        assert e["quote"] in f.message  # the sentence is quoted
        assert f.severity == "warning" and f.locations and "!" in f.locations[0]


def _as_docx(text: str, path: Path) -> Path:
    doc = Document()
    for line in text.splitlines():
        if "|" in line:
            continue
        doc.add_paragraph(line)
    t = doc.add_table(rows=2, cols=3)  # a table with other numbers: not running text
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 1).text = "予以公开", "999", "新收申请555件"
    doc.save(path)
    return path


def _as_html(text: str, path: Path) -> Path:
    body = "\n".join(f"<p>{line}</p>" if "|" not in line else "" for line in text.splitlines())
    table = "<table><tr><td>新收申请</td><td>777件</td></tr></table>"
    path.write_text(f"<html><head><meta charset='gb2312'><title>年报</title></head><body>{body}{table}</body></html>",
                    encoding="gb2312", errors="ignore")
    return path


@pytest.mark.parametrize("make", [_as_docx, _as_html])
def test_planted_copy_in_word_and_html(seed_book, tmp_path, make):
    planted = (DATA / "seed004_planted.txt").read_text(encoding="utf-8")
    path = make(planted, tmp_path / ("d.docx" if make is _as_docx else "d.html"))
    _, findings = check_text(path, seed_book)
    assert _flat(findings) == _expected()
    clean = make((DATA / "seed004.txt").read_text(encoding="utf-8"), tmp_path / ("c.docx" if make is _as_docx else "c.html"))
    assert check_text(clean, seed_book)[1] == []


# ------------------------------------------------------------------------------------------
# the generated report reads back exactly; every number in it is checked
# ------------------------------------------------------------------------------------------
def _filings(n):
    for seed in range(n):
        rng = random.Random(seed)
        f = random_filing(rng, unit_name="测试局", level=rng.choice(["县级政府部门", "市级政府"]), scale=rng.choice([0, 1, 3, 20, 80]))
        prev = None
        if seed % 2:
            prev = random_filing(random.Random(seed + 500), unit_name="测试局", level="县级政府部门", year=2023)
        yield f, prev


def test_generated_report_has_no_contradiction():
    for f, prev in _filings(120):
        text = build_report(f, previous=prev).plain_text()
        assert _check(text, f)[1] == [], text


_NUM = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(件|万元|%)")


def test_every_number_of_the_generated_report_is_checked():
    """Change any count, amount or share of a generated paragraph: exactly one contradiction."""
    tried = 0
    for f, prev in _filings(24):
        for text in build_report(f, previous=prev).sentences():
            for m in _NUM.finditer(text):
                before = text[max(0, m.start() - 6):m.start()]
                if "同比" in before or "上年" in before or text[m.end():m.end() + 1] == "年":
                    continue  # year-on-year changes and dates are not in the tables
                n, unit = m.group(1), m.group(2)
                wrong = f"{float(n) + 0.4:.1f}" if unit == "%" or "." in n else str(int(n) + 1)
                mutated = text[:m.start()] + wrong + text[m.end(1):]
                findings = _check(mutated, f)[1]
                assert len(findings) == 1, (mutated, [x.message for x in findings])
                tried += 1
    assert tried > 300


# ------------------------------------------------------------------------------------------
# single claims
# ------------------------------------------------------------------------------------------
def test_full_and_half_width_read_the_same(seed_book):
    a = _check("2024年，本机关新收政府信息公开申请１１０件，上年结转１３件。", seed_book)[1]
    b = _check("2024年,本机关新收政府信息公开申请110件,上年结转13件.", seed_book)[1]
    assert _flat(a) == _flat(b) == [("T3-8", "T3.new.tot", 110, 100)]


def test_zero_in_words(seed_book):
    f = seed_book.model_copy(deep=True)
    assert _check("未收到因政府信息依申请公开的行政复议和行政诉讼案件。", f)[1] == []
    f.values.update({"T4.direct.pending": 1, "T4.direct.total": 1})
    (x,) = _check("未收到因政府信息依申请公开的行政复议和行政诉讼案件。", f)[1]
    assert x.rule == "T4-3" and x.reported == 0 and x.computed == 1 and "未收到" in x.message
    assert _check("本年度未作出行政许可、行政处罚和行政强制决定。", f)[1] == []
    f.values["T2.penalty.decisions"] = 7
    (x,) = _check("本年度未作出行政许可、行政处罚和行政强制决定。", f)[1]
    assert x.rule == "T2-6" and x.anchor == "T2.penalty.decisions"


def test_upheld_claim_must_be_true(seed_book):
    """The real pattern: 「均获维持」 while the table shows cases 尚未审结."""
    f = seed_book.model_copy(deep=True)
    f.values.update({"T4.review.keep": 6, "T4.review.pending": 1, "T4.review.total": 7})
    (x,) = _check("本年度发生政府信息公开行政复议7件，均获维持。", f)[1]
    assert x.rule == "T4-3" and "尚未审结1件" in x.message
    f.values.update({"T4.review.keep": 7, "T4.review.pending": 0})
    assert _check("本年度发生政府信息公开行政复议7件，均获维持。", f)[1] == []


def test_disclosed_and_partial_together(seed_book):
    """The real pattern: 「予以公开及部分公开258件」 while the table says 275."""
    assert _check("予以公开及部分公开72件。", seed_book)[1] == []
    (x,) = _check("予以公开及部分公开75件。", seed_book)[1]
    assert (x.rule, x.reported, x.computed) == ("T3-8", 75, 72)


def test_rounded_percentage_is_flagged(seed_book):
    f = Filing.zeros()
    f.values.update({"T3.new.tot": 301, "T3.total.tot": 301, "T3.disclosed.tot": 239})
    (x,) = _check("办结301件，其中予以公开239件，占80%。", f)[1]
    assert x.rule == "S-8" and x.reported == 80 and x.computed == 79.4
    assert _check("办结301件，其中予以公开239件，占79.4%。", f)[1] == []


def test_all_done_while_carried_over(seed_book):
    f = seed_book.model_copy(deep=True)
    assert _check("所有申请均已全部办结。", f)[1] == []
    f.values["T3.carry_over.tot"] = 3
    (x,) = _check("所有申请均已全部办结。", f)[1]
    assert x.rule == "T3-9" and x.computed == 3


def test_year_on_year_figures_are_not_table_claims(seed_book):
    text = "新收政府信息公开申请100件，同比增长25%，比上年增加20件（上年为80件）。"
    assert _check(text, seed_book)[1] == []


def test_unrelated_numbers_are_ignored(seed_book):
    text = ("通过区政府门户网站主动公开信息6755条，开展政策文件信息发布543次，编撰政府公报4期，"
            "将75个政务公众账号、119个工作群组录入平台。本年度未收取信息处理费。")
    checked, findings = _check(text, seed_book)
    assert checked == [] and findings == []


def test_chinese_numerals():
    assert cn_number("十二") == 12 and cn_number("两") == 2 and cn_number("一百零五") == 105
    f = Filing.zeros()
    f.values["T4.review.total"] = 2
    f.values["T4.review.keep"] = 2
    assert _check("被申请行政复议两件，均获维持。", f)[1] == []


def test_draft_errors(tmp_path):
    with pytest.raises(DraftError, match="文件不存在"):
        read_draft(tmp_path / "无.docx")
    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DraftError, match="另存为 .docx"):
        read_draft(tmp_path / "a.doc")
    (tmp_path / "b.docx").write_text("不是 Word 文件")
    with pytest.raises(DraftError, match="无法作为 Word 文档"):
        read_draft(tmp_path / "b.docx")
    (tmp_path / "c.txt").write_text("")
    with pytest.raises(DraftError, match="没有读到正文"):
        read_draft(tmp_path / "c.txt")


def test_gb18030_text(tmp_path, seed_book):
    p = tmp_path / "g.txt"
    p.write_bytes("本机关新收政府信息公开申请100件。".encode("gb18030"))
    checked, findings = check_text(p, seed_book)
    assert findings == [] and len(checked) == 1


def test_real_report_excerpt_only_the_rounded_share():
    """Seed 001 (商丘2017, sections 三 and 五) against tables holding its own numbers:
    the one contradiction is reference S-8's example, 239/301 = 79.4% printed as 「80%」."""
    f = Filing.zeros()
    f.values.update({"T3.new.tot": 301, "T3.total.tot": 301, "T3.disclosed.tot": 239, "T3.partial.tot": 16,
                     "T3.deny_1.tot": 6, "T3.unable_1.tot": 40,
                     "T4.review.keep": 6, "T4.review.fix": 2, "T4.review.other": 2, "T4.review.total": 10,
                     "T4.direct.keep": 1, "T4.direct.total": 1})
    checked, findings = check_text(DATA / "seed001_excerpt.txt", f)
    assert _flat(findings) == [("S-8", "T3.disclosed.tot", 80, 79.4)]
    said = {c.claim.surface for c in checked}
    # channel counts (网络申请103件，占34%) are not in the tables and are not claims
    assert not any("网络" in s or "34%" in s for s in said)
    assert {"行政复议10件", "纠错2件", "占5%", "占2%"} <= said


# --------------------------------------------------------------------------------------
# issue 12: blank and not-imported cells, the applicant columns, other formats, the text alone
# --------------------------------------------------------------------------------------
def _t3(spec_id="gov2021", **cells):
    from gxxl.spec import get_spec

    f = Filing.blank(get_spec(spec_id))
    for code, v in cells.items():
        f.values[code.replace("__", ".")] = v
    f.problems = {c: ("blank", "") for c, v in f.values.items() if v is None}
    return f


def test_blank_cell_is_cannot_check_never_a_contradiction():
    f = _t3(T3__new__tot=None)
    checked, found = _check("本年度共收到政府信息公开申请12件。", f)
    assert found == [] and [c.ok for c in checked] == [None]
    assert "无法核对" in checked[0].note


def test_not_imported_cell_is_cannot_check():
    f = _t3(T3__new__np=3, T3__new__tot=3)
    f.meta["cells_absent"] = "T3.carried.tot,T3.carried.np"
    checked, found = _check("上年结转政府信息公开申请2件。", f)
    assert found == [] and checked[0].ok is None


def test_blank_total_column_is_the_sum_of_the_applicants_and_says_so():
    f = _t3(T3__new__np=4, T3__new__be=1, T3__new__tot=None)
    checked, found = _check("本年新收政府信息公开申请6件。", f)
    assert len(found) == 1 and found[0].computed == 5
    assert "总计栏空白，按各申请人栏之和" in found[0].message
    checked, found = _check("本年新收政府信息公开申请5件。", f)
    assert found == [] and checked[0].ok is True and "各申请人栏之和" in checked[0].note


def test_number_before_its_keyword_and_chinese_numerals():
    f = _t3(T3__deny_8__tot=1, T3__deny_1__tot=0)
    _, found = _check("本年度其中2件属于行政查询事项不予公开。", f)
    assert [(x.reported, x.computed) for x in found] == [(2, 1)]
    _, found = _check("本年度一件属于行政查询事项。", f)
    assert found == []
    # a time limit is not a count: 「20个工作日内予以公开」
    checked, _ = _check("确保在20个工作日内予以公开。", _t3(T3__disclosed__tot=3))
    assert checked == []


def test_all_closed_against_pending():
    f = _t3(T4__review__total=2, T4__review__pending=1, T4__review__keep=1)
    _, found = _check("因政府信息公开申请引发行政复议2件，均已审结。", f)
    assert len(found) == 1 and "尚未审结1件" in found[0].message


def test_2019_format_is_checked():
    f = _t3("gov2019", T3__new__np=25, T3__new__tot=25, T2__licensing__decisions=23)
    checked, found = _check("本年新收政府信息公开申请25件，行政许可处理决定30件。", f)
    assert [(x.reported, x.computed) for x in found] == [(30, 23)]


def test_text_alone_cli(tmp_path, capsys):
    from gxxl.cli import main

    p = tmp_path / "r.txt"
    p.write_text("2017年共收到依申请公开301件，其中网络申请103件，占34%，其他方式申请198件，占66%。"
                 "其中同意公开239件，占80%；部分公开16件，占5%；不予公开6件，占2%；其他40件，占13%。\n"
                 "全年现场咨询331件、电话咨询61件，共372件。\n", encoding="utf-8")
    assert main(["check-text", str(p)]) == 1
    out = capsys.readouterr().out
    assert "239件的占比写为80%，按239÷301计算为79.4%" in out
    assert "所列各项之和为392件（331+61），与所称总数372件不符" in out
    assert main(["check-text", str(p), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["against"] is None and doc["contradictions"] == 2
    ok = tmp_path / "ok.txt"
    ok.write_text("本年度没有数字。\n", encoding="utf-8")
    assert main(["check-text", str(ok), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_seed001_text_alone():
    from gxxl.report.arith import check_arithmetic

    seed = DATA / "seed001.txt"  # = ../shared/seeds/001_53b9d79bba00987a.txt
    _, found = check_arithmetic(read_draft(seed))
    # 239 of 301 stated as 80% (79.4%); 行政复议10件 = 维持6件 + 纠错2件 leaves 2 unexplained (S-9)
    assert [(x.rule, x.reported, x.computed) for x in found] == [("S-8", 80.0, 79.4), ("S-9", 10, 8)]


def test_legacy_2014_format_is_checked():
    from gxxl.spec import get_spec

    seed = DATA / "seed001.txt"
    f = Filing.zeros(get_spec("legacy2014"))
    for row, v in {"received": 301, "closed": 301, "ans_disclosed": 239, "ans_partial": 16, "ans_refused": 6,
                   "review": 10, "review_keep": 6, "review_fix": 2, "suit": 1, "suit_keep": 1}.items():
        f.values[f"L.{row}.n"] = v
    checked, found = check_text(read_draft(seed), f)
    agree = {c.claim.surface for c in checked if c.ok}
    assert {"部分公开16件", "不予公开6件", "行政复议10件", "纠错2件", "行政诉讼事件1件"} <= agree
    shares = [x for x in found if x.rule == "S-8"]
    assert [(x.reported, x.computed) for x in shares] == [(80, 79.4)]
