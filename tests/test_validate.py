"""Every rule: a passing and a failing case, on real workbooks."""

from __future__ import annotations

import pytest

from gxxl.reader import read_filing
from gxxl.samples import random_filing
from gxxl.validate import validate
import random


def run(filing, write):
    return validate(read_filing(write(filing)))


def flat(findings, rule=None):
    return sorted(f.flat() for f in findings if rule is None or f.rule == rule)


def test_seed004_is_clean(seed_filing, write):
    assert run(seed_filing, write) == []


@pytest.mark.parametrize("seed", range(5))
def test_random_consistent_filings_are_clean(seed, write):
    f = random_filing(random.Random(seed), unit_name="测试单位", level="县级政府部门")
    assert run(f, write) == []


def test_t3_1_every_column(seed_filing, write):
    # carried forward one too many in 法律服务机构, with the row total kept consistent
    seed_filing.values["T3.carried.ls"] = 1
    seed_filing.values["T3.carried.tot"] = 14
    findings = run(seed_filing, write)
    assert flat(findings, "T3-1") == [("T3-1", "T3.new.ls", "error"), ("T3-1", "T3.new.tot", "error")]
    ls = next(f for f in findings if f.rule == "T3-1" and f.cells[0] == "T3.new.ls")
    assert ls.message == "表三 法律服务机构列：第一项+第二项=1，第三项（七）总计+第四项=0，相差1"
    assert (ls.reported, ls.computed, ls.difference) == (1, 0, 1)
    assert ls.locations[0] == "表三 依申请公开!H7"


def test_t3_1_message_as_in_the_issue(seed_filing, write):
    seed_filing.values["T3.carry_over.np"] = -1  # 113 = 113 + (-1)?  no: 113 vs 112
    findings = run(seed_filing, write)
    t31 = next(f for f in findings if f.rule == "T3-1")
    assert t31.message == "表三 自然人列：第一项+第二项=113，第三项（七）总计+第四项=112，相差1"
    assert ("T3-4", "T3.carry_over.np", "error") in flat(findings)


def test_t3_2_outcomes_add_up(seed_filing, write):
    seed_filing.values["T3.unable_1.np"] = 39
    seed_filing.values["T3.unable_1.tot"] = 39
    findings = run(seed_filing, write)
    assert flat(findings, "T3-2") == [("T3-2", "T3.total.np", "error"), ("T3-2", "T3.total.tot", "error")]
    assert flat(findings, "T3-3") == []
    np_ = next(f for f in findings if f.cells[0] == "T3.total.np")
    assert np_.message == "表三 自然人列：（七）总计=113，（一）至（六）各项之和=112，相差1"


def test_t3_3_every_row(seed_filing, write):
    seed_filing.values["T3.deny_5.tot"] = 2
    seed_filing.values["T3.total.tot"] = 114
    seed_filing.values["T3.new.tot"] = 101
    findings = run(seed_filing, write)
    assert flat(findings, "T3-3") == sorted([
        ("T3-3", "T3.new.tot", "error"), ("T3-3", "T3.deny_5.tot", "error"), ("T3-3", "T3.total.tot", "error")])
    deny = next(f for f in findings if f.cells[0] == "T3.deny_5.tot")
    assert deny.message == "表三 （三）不予公开 5.属于三类内部事务信息行：总计=2，自然人与法人或其他组织各列之和=1，相差1"


def test_single_wrong_cell_is_pinpointed(seed_filing, write):
    seed_filing.values["T3.disclosed.np"] = 69
    findings = run(seed_filing, write)
    assert flat(findings) == sorted([
        ("T3-2", "T3.total.np", "error"), ("T3-3", "T3.disclosed.tot", "error"), ("X-1", "T3.disclosed.np", "info")])


def test_t3_4_domain(seed_filing, write):
    seed_filing.values["T3.deny_2.be"] = 1.5
    seed_filing.values["T3.deny_3.be"] = -2
    findings = run(seed_filing, write)
    assert ("T3-4", "T3.deny_2.be", "error") in flat(findings)
    assert ("T3-4", "T3.deny_3.be", "error") in flat(findings)
    msgs = " ".join(f.message for f in findings if f.rule == "T3-4")
    assert "不是整数" in msgs and "为负数" in msgs


def test_t4_1_each_block(seed_filing, write):
    v = seed_filing.values
    v["T4.review.keep"], v["T4.review.total"] = 2, 2  # consistent
    v["T4.direct.pending"], v["T4.direct.total"] = 1, 0  # total forgot the pending case
    v["T4.after.fix"], v["T4.after.total"] = 1, 3
    findings = run(seed_filing, write)
    assert flat(findings, "T4-1") == [("T4-1", "T4.after.total", "error"), ("T4-1", "T4.direct.total", "error")]
    d = next(f for f in findings if f.cells[0] == "T4.direct.total")
    assert d.message == "表四 行政诉讼（未经复议直接起诉）：总计=0，结果维持+结果纠正+其他结果+尚未审结=1，相差1"
    assert d.locations[0] == "表四 复议诉讼!J7"


def test_t4_2_domain(seed_filing, write):
    seed_filing.values["T4.review.keep"] = -1
    seed_filing.values["T4.review.total"] = -1
    assert flat(run(seed_filing, write), "T4-2") == [("T4-2", "T4.review.keep", "error"), ("T4-2", "T4.review.total", "error")]


def test_t2_1_counts_and_money(seed_filing, write):
    seed_filing.values["T2.fee.amount"] = 12.35  # 万元 may be decimal
    seed_filing.values["T2.penalty.decisions"] = 2.5
    seed_filing.values["T2.licensing.decisions"] = -3
    findings = run(seed_filing, write)
    assert flat(findings) == [("T2-1", "T2.licensing.decisions", "error"), ("T2-1", "T2.penalty.decisions", "error")]


@pytest.mark.parametrize(
    "level, severity",
    [("乡镇（街道）", "error"), ("县级政府", "warning"), ("县级政府部门", "warning"), ("市级政府部门", "warning"),
     ("市级政府", None), ("省级政府", None), ("国务院部门", None)],
)
def test_t2_4_rules_only_with_rule_making_power(seed_filing, write, level, severity):
    seed_filing.cover["level"] = level
    seed_filing.values["T2.rule.issued"] = 2
    seed_filing.values["T2.rule.in_force"] = 2
    findings = run(seed_filing, write)
    if severity is None:
        assert findings == []
    else:
        assert flat(findings) == [("T2-4", "T2.rule.in_force", severity), ("T2-4", "T2.rule.issued", severity)]
        assert f"“{level}”" in findings[0].message


def test_t2_4_zero_rules_pass_for_township(seed_filing, write):
    seed_filing.cover["level"] = "乡镇（街道）"
    assert run(seed_filing, write) == []


def test_cover_required_and_invalid(seed_filing, write):
    seed_filing.cover["unit_name"] = None
    seed_filing.cover["level"] = "乡镇"
    seed_filing.cover["credit_code"] = "12345678"
    findings = run(seed_filing, write)
    assert flat(findings) == [
        ("C-1", "cover.unit_name", "error"), ("C-2", "cover.credit_code", "warning"), ("C-2", "cover.level", "error")]


def test_s1_format_does_not_match_year(seed_filing, write):
    seed_filing.cover["year"] = 2020
    findings = run(seed_filing, write)
    assert flat(findings) == [("S-1", "cover.year", "error")]
    assert "2020" in findings[0].message
