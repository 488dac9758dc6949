"""The legacy 2014–2018 统计表: labels from the data file, identities (§4.5), S-10, import."""

from __future__ import annotations

import tomllib
from pathlib import Path

from openpyxl import load_workbook

from gxxl.filing import Filing
from gxxl.importer import import_source
from gxxl.reader import read_filing
from gxxl.spec import get_spec
from gxxl.spec.legacy2014 import LABELS_FILE
from gxxl.spec.model import LeqRule, SumRule
from gxxl.template import build_template, write_template
from gxxl.validate import validate
from gxxl.writer import write_filing

DATA = Path(__file__).parent / "data" / "import"
SPEC = get_spec("legacy2014")
T = SPEC.tables[0]

# the 附表 of tests/data/import/district_2016_legacy.txt
FIXTURE = {
    "active_total": 3120, "active_normative": 14, "normative_issued": 15,
    "ch_gazette": 36, "ch_website": 2980, "ch_weibo": 950, "ch_wechat": 900, "ch_other": 120,
    "resp_total": 12, "press_conf": 6, "press_conf_head": 2, "interview": 4, "interview_head": 1,
    "interpretation": 18, "resp_weibo_wechat": 9, "resp_other": 3,
    "received": 25, "recv_in_person": 8, "recv_fax": 0, "recv_online": 14, "recv_letter": 3,
    "closed": 25, "closed_on_time": 25, "closed_extended": 0,
    "answered": 25, "ans_already_public": 6, "ans_disclosed": 10, "ans_partial": 2, "ans_refused": 2,
    "ref_state_secret": 0, "ref_trade_secret": 1, "ref_privacy": 1, "ref_security": 0, "ref_not_gov_info": 0,
    "ref_other_law": 0, "ans_not_ours": 3, "ans_not_exist": 1, "ans_amend": 1, "ans_other_channel": 0,
    "review": 2, "review_keep": 1, "review_fix": 0, "review_other": 1,
    "suit": 1, "suit_keep": 1, "suit_fix": 0, "suit_other": 0,
    "complaint": 0, "complaint_keep": 0, "complaint_fix": 0, "complaint_other": 0, "fees": 0,
    "offices": 1, "reading_points": 3, "staff": 5, "staff_full": 2, "staff_part": 3, "budget": 8.5,
    "meetings": 2, "trainings": 1, "trainees": 60,
}


def filing(**changes) -> Filing:
    f = Filing.zeros(SPEC)
    f.values.update({f"L.{k}.n": v for k, v in FIXTURE.items()})
    f.values.update({f"L.{k}.n": v for k, v in changes.items()})
    f.cover.update(unit_name="示例区人民政府", level="县级政府", year=2016)
    return f


def flat(findings):
    return {x.flat() for x in findings}


def test_labels_come_from_one_data_file():
    data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    codes = [r["code"] for r in data["rows"]]
    assert len(codes) == len(set(codes)) and all("." not in c for c in codes)
    assert [r.code for r in T.rows] == codes
    assert [r.label for r in T.rows] == [r["label"] for r in data["rows"]]
    assert tuple(s.text for s in T.layout.spans[:3]) == tuple(data["table"]["headers"])
    # group headings have no value cell; every other row has exactly one
    groups = {r["code"] for r in data["rows"] if r["unit"] == "—"}
    assert {c.row for c in T.cells} == set(codes) - groups
    assert SPEC.cells["L.budget.n"].kind == "decimal" and SPEC.cells["L.trainees.n"].unit == "人次"
    assert SPEC.years == (2014, 2018)


def test_short_names_carry_their_section_when_ambiguous():
    short = {r.code: r.short for r in T.rows}
    assert short["review_keep"] == "行政复议数量·维持具体行政行为数"
    assert short["complaint_keep"] == "举报投诉数量·维持具体行政行为数"
    assert short["staff_full"] == "专职人员数"


def test_channel_counts_are_not_summed():
    """S-10: 不同渠道和方式公开相同信息计1条 — Σ channels may exceed the total."""
    channel_rows = {"ch_gazette", "ch_website", "ch_weibo", "ch_wechat", "ch_other",
                    "press_conf", "interview", "interpretation", "resp_weibo_wechat", "resp_other"}
    for rule in SPEC.rules:
        if isinstance(rule, SumRule):
            assert not {t.split(".")[1] for t in rule.rhs} & channel_rows, rule.id
    f = filing(ch_website=5000)  # channels now far exceed 主动公开政府信息数
    assert validate(f) == []


def test_identities_of_4_5():
    assert validate(filing()) == []
    got = flat(validate(filing(review=3)))
    assert ("L-5", "L.review.n", "error") in got
    assert ("L-1", "L.received.n", "warning") in flat(validate(filing(recv_online=15)))
    assert ("L-3", "L.answered.n", "error") in flat(validate(filing(ans_amend=2)))
    assert ("L-8", "L.staff.n", "error") in flat(validate(filing(staff_part=4)))
    leq = flat(validate(filing(active_normative=16)))
    assert ("L-9", "L.active_normative.n", "warning") in leq
    assert isinstance(SPEC.rule_by_id["L-9"], LeqRule)
    msg = next(x.message for x in validate(filing(review=3)) if x.rule == "L-5")
    assert msg == "统计表：行政复议数量=3，维持具体行政行为数+被依法纠错数+其他情形数=2，相差1"


def test_template_and_reader(tmp_path):
    path = write_template(tmp_path / "legacy.xlsx", SPEC)
    ws = load_workbook(path)["统计表"]
    assert [ws.cell(4, c).value for c in (1, 2, 3)] == ["统计指标", "单位", "统计数"]
    assert read_filing(path).spec_id == "legacy2014"
    wb = build_template(SPEC)
    del wb["_gxxl"]
    wb.save(tmp_path / "no_meta.xlsx")
    assert read_filing(tmp_path / "no_meta.xlsx").spec_id == "legacy2014"
    back = read_filing(write_filing(filing(), tmp_path / "filled.xlsx"))
    assert back.values["L.budget.n"] == 8.5 and validate(back) == []


def test_import_legacy_annex_text(tmp_path):
    result = import_source(DATA / "district_2016_legacy.txt")
    f = result.filing
    assert f.spec_id == "legacy2014"
    assert {k: v for k, v in f.values.items()} == {f"L.{k}.n": v for k, v in FIXTURE.items()}
    assert f.cover["year"] == 2016 and f.cover["unit_name"] == "示例区人民政府"  # a bare division name is completed (I-8 says so)
    assert result.coverage == {"L": (61, 61)}
    assert result.ok
    assert validate(f) == []
