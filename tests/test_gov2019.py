"""The 2019 试行 format (国办公开办函〔2019〕60号): spec, template, reader, rules, S-1."""

from __future__ import annotations

import random

import pytest
from openpyxl import load_workbook

from gxxl.filing import Filing
from gxxl.reader import read_filing
from gxxl.samples import random_filing
from gxxl.spec import get_spec, spec_for_year
from gxxl.spec.gov2019 import T3_OUTCOMES, TO_GOV2021
from gxxl.template import build_template, write_template
from gxxl.validate import validate
from gxxl.writer import write_filing

S19 = get_spec("gov2019")
S21 = get_spec("gov2021")


def sample_2019(seed: int = 3, *, year: int = 2020, level: str = "县级政府部门") -> Filing:
    """A consistent 2019-format filing: 表三/表四 mapped from a consistent 2021 filing."""
    f21 = random_filing(random.Random(seed), unit_name="示例县交通运输局", level=level, year=year)
    f = Filing.zeros(S19)
    for c19, targets in TO_GOV2021.items():
        f.values[c19] = sum(f21.values[t] for t in targets)
    f.values.update({
        "T2.normative.made": 4, "T2.normative.published": 4, "T2.normative.public_total": 37,
        "T2.licensing.prev_items": 56, "T2.licensing.change": -3, "T2.licensing.decisions": 1290,
        "T2.services.prev_items": 12, "T2.services.change": 2, "T2.services.decisions": 88,
        "T2.penalty.prev_items": 240, "T2.penalty.change": 0, "T2.penalty.decisions": 31,
        "T2.fee.prev_items": 6, "T2.fee.change": -1,
        "T2.procurement.projects": 9, "T2.procurement.amount": 152.35,
    })
    f.cover.update(f21.cover)
    return f


def flat(findings):
    return {x.flat() for x in findings}


def test_spec_shape():
    t2, t3, t4 = (S19.table_by_code[c] for c in ("T2", "T3", "T4"))
    assert [r.label for r in t2.rows] == ["规章", "规范性文件", "行政许可", "其他对外管理服务事项", "行政处罚", "行政强制", "行政事业性收费", "政府集中采购"]
    assert [r.path[0] for r in t2.rows][::2] == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]
    assert len(t2.cells) == 2 * 3 + 2 * 3 + 2 * 3 + 2 + 2
    assert len(t3.rows) == 23 and len(t3.cells) == 23 * 7
    assert t3.row_by_code["other"].path == ("三、本年度办理结果", "（六）其他处理")
    assert "other_1" not in t3.row_by_code
    assert T3_OUTCOMES[-1] == "other" and len(T3_OUTCOMES) == 21 - 3 + 1
    assert t4 == S21.table_by_code["T4"]  # 表四 is unchanged
    # 「三、本年度办理结果」 spans 20 rows in the 2019 table (22 in 2021)
    group = next(s for s in t3.layout.spans if s.text == "三、本年度办理结果")
    assert group.rowspan == 20
    assert S19.years == (2019, 2020) and spec_for_year(2020) is S19 and spec_for_year(2021) is S21
    assert [r.id for r in S19.rules] == ["T3-1", "T3-2", "T3-3", "T3-4", "T4-1", "T4-2", "T2-1", "T2-4"]


def test_2019_cells_that_changed_meaning_have_other_codes():
    # 对外公开总数量 is not 现行有效件数 and must never be confused with it
    assert "T2.rule.in_force" not in S19.cells and "T2.rule.public_total" in S19.cells
    assert "T2.fee.amount" not in S19.cells  # （八） counts items in 2019, not money
    assert S19.cells["T2.procurement.amount"].unit == "万元"
    assert S19.cells["T2.licensing.change"].signed and not S19.cells["T2.licensing.decisions"].signed
    assert TO_GOV2021["T3.other.np"] == ("T3.other_1.np", "T3.other_2.np", "T3.other_3.np")
    assert not any(k.startswith("T2.normative") or k.startswith("T2.rule") for k in TO_GOV2021)


def test_template_builds_and_reads_back(tmp_path):
    path = write_template(tmp_path / "t19.xlsx", S19)
    wb = load_workbook(path)
    assert wb.sheetnames[:4] == ["封面", "表二 主动公开", "表三 依申请公开", "表四 复议诉讼"]
    ws = wb["表二 主动公开"]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"本年新制作数量", "本年增/减", "采购总金额", "第二十条第（九）项", "政府集中采购"} <= texts
    filing = read_filing(path)
    assert filing.spec_id == "gov2019" and filing.readable and not filing.findings


def test_format_detected_from_labels_without_metadata(tmp_path):
    wb = build_template(S19)
    del wb["_gxxl"]
    wb.save(tmp_path / "no_meta.xlsx")
    assert read_filing(tmp_path / "no_meta.xlsx").spec_id == "gov2019"
    wb = build_template(S21)
    del wb["_gxxl"]
    wb.save(tmp_path / "no_meta21.xlsx")
    assert read_filing(tmp_path / "no_meta21.xlsx").spec_id == "gov2021"


def test_consistent_2019_sample_validates_clean(tmp_path):
    path = write_filing(sample_2019(), tmp_path / "ok2019.xlsx")
    filing = read_filing(path)
    assert filing.spec_id == "gov2019"
    assert filing.values["T2.licensing.change"] == -3
    assert validate(filing) == []


def test_negative_change_is_fine_but_negative_counts_are_not():
    f = sample_2019()
    f.values["T2.fee.change"] = -4
    assert validate(f) == []
    f.values["T2.penalty.decisions"] = -1
    assert ("T2-1", "T2.penalty.decisions", "error") in flat(validate(f))


def test_t3_rules_use_the_single_other_row():
    f = sample_2019()
    f.values["T3.other.np"] += 1
    got = flat(validate(f))
    assert ("T3-2", "T3.total.np", "error") in got
    assert ("T3-3", "T3.other.tot", "error") in got


def test_t4_and_t2_4():
    f = sample_2019(level="乡镇（街道）")
    f.values["T4.review.total"] += 1
    f.values["T2.rule.made"] = 1
    got = flat(validate(f))
    assert ("T4-1", "T4.review.total", "error") in got
    assert ("T2-4", "T2.rule.made", "error") in got


@pytest.mark.parametrize("spec_id,year,expect", [
    ("gov2019", 2019, False), ("gov2019", 2020, False), ("gov2019", 2022, True),
    ("gov2021", 2020, True), ("gov2021", 2021, False),
])
def test_s1_format_must_match_report_year(spec_id, year, expect):
    f = sample_2019(year=year) if spec_id == "gov2019" else random_filing(random.Random(1), unit_name="x", level="县级政府部门", year=year)
    s1 = [x for x in validate(f) if x.rule == "S-1"]
    assert bool(s1) is expect
    if expect:
        assert s1[0].severity == "error"
        other = S21 if spec_id == "gov2019" else S19
        assert other.basis in s1[0].message


def test_template_verb_writes_2019(tmp_path):
    from gxxl.cli import main

    out = tmp_path / "模板2019.xlsx"
    assert main(["template", "--format", "gov2019", "-o", str(out)]) == 0
    assert read_filing(out).spec_id == "gov2019"
