"""Cross-year checks (gxxl validate --previous): T3-5, T2-2, T2-3, formats, year and unit."""

from __future__ import annotations

import random

from gxxl.cli import main
from gxxl.crossyear import check_previous
from gxxl.filing import Filing
from gxxl.samples import random_filing, seed004_filing
from gxxl.spec import get_spec
from gxxl.spec.gov2019 import TO_GOV2021
from gxxl.writer import write_filing

S19, S21, SL = get_spec("gov2019"), get_spec("gov2021"), get_spec("legacy2014")
UNIT = "某区人民政府办公室"


def last_year(**changes) -> Filing:
    """A consistent 2023 filing of the seed-004 unit that links to its 2024 report."""
    f = random_filing(random.Random(11), unit_name=UNIT, level="县级政府部门", year=2023)
    cur = seed004_filing()
    # last year's 结转下年度 = this year's 上年结转, column by column (T3 stays consistent)
    for col in ("np", "be", "ri", "po", "ls", "ot", "tot"):
        want = cur.values[f"T3.carried.{col}"]
        f.values[f"T3.new.{col}"] += want - f.values[f"T3.carry_over.{col}"]
        f.values[f"T3.carry_over.{col}"] = want
    # 行政规范性文件: 11 in force last year, 0 issued and 5 repealed this year → 6
    f.values.update({"T2.normative.in_force": 11, "T2.rule.in_force": 0, "T2.rule.issued": 0, "T2.rule.repealed": 0})
    f.values.update(changes)
    f.source = "2023.xlsx"
    return f


def flat(findings):
    return {x.flat() for x in findings}


def test_consistent_pair_passes():
    from gxxl.validate import validate

    assert [x for x in validate(last_year()) if x.severity != "info"] == []
    assert check_previous(seed004_filing(), last_year()) == []


def test_planted_carry_over_mismatch_is_flagged_per_column():
    prev = last_year(**{"T3.carry_over.np": 12, "T3.carry_over.tot": 12})
    found = check_previous(seed004_filing(), prev)
    assert flat(found) == {("T3-5", "T3.carried.np", "warning"), ("T3-5", "T3.carried.tot", "warning")}
    f = next(x for x in found if x.cells == ("T3.carried.np",))
    assert f.locations == ("表三 依申请公开!D8",)
    assert f.reported == 13 and f.computed == 12
    assert "上年“四、结转下年度继续办理”=12（上年 表三 依申请公开!D31）" in f.message


def test_documents_in_force_t2_2_and_t2_3():
    found = check_previous(seed004_filing(), last_year(**{"T2.normative.in_force": 3}))
    assert flat(found) == {("T2-2", "T2.normative.in_force", "warning"), ("T2-3", "T2.normative.repealed", "warning")}
    t22 = next(x for x in found if x.rule == "T2-2")
    assert "上年现行有效件数3+本年制发件数0−本年废止件数5=-2" in t22.message
    # only T2-2 when more documents are in force than the arithmetic gives (e.g. 修订 counted as 制发)
    found = check_previous(seed004_filing(), last_year(**{"T2.normative.in_force": 9}))
    assert flat(found) == {("T2-2", "T2.normative.in_force", "warning")}


def test_2019_to_2021_maps_t3_and_does_not_compare_documents():
    prev = Filing.zeros(S19)
    for c19, targets in TO_GOV2021.items():
        if len(targets) == 1 and targets[0].startswith("T3.carry_over"):
            prev.values[c19] = seed004_filing().values[targets[0].replace("carry_over", "carried")]
    prev.values["T2.normative.public_total"] = 99  # a cumulative count, not documents in force
    prev.cover.update(unit_name=UNIT, year=2023)
    found = check_previous(seed004_filing(), prev)
    assert not [x for x in found if x.severity != "info"]
    rules = {x.rule for x in found}
    assert {"T2-2", "T2-3", "T3-10"} == rules
    assert all("口径不同" in x.message for x in found if x.rule.startswith("T2"))
    prev.values["T3.carry_over.np"] = 1
    assert ("T3-5", "T3.carried.np", "warning") in flat(check_previous(seed004_filing(), prev))


def test_2021_previous_for_a_2019_format_filing_sums_the_other_rows():
    cur = Filing.zeros(S19)
    cur.values.update({"T3.carried.np": 3, "T3.carried.tot": 3})
    cur.cover.update(unit_name=UNIT, year=2024)
    prev = last_year(**{"T3.carry_over.np": 3, "T3.carry_over.tot": 3, "T3.carry_over.be": 0})
    assert [x for x in check_previous(cur, prev) if x.rule == "T3-5"] == []


def test_legacy_previous_gives_t3_6_info_only():
    cur = Filing.zeros(S19)
    cur.values["T3.carried.np"] = 4
    cur.cover.update(unit_name="示例县人民政府", year=2019)
    prev = Filing.zeros(SL)
    prev.cover.update(unit_name="示例县人民政府", year=2018)
    found = check_previous(cur, prev)
    assert flat(found) >= {("T3-6", "", "info")}
    assert all(x.severity == "info" for x in found)


def test_year_and_unit_checks():
    prev = last_year()
    prev.cover["year"] = 2022
    prev.values["T3.carry_over.np"] = 99  # not compared: it is not last year's report
    found = check_previous(seed004_filing(), prev)
    assert flat(found) == {("P-1", "cover.year", "warning")}
    assert "不是2023年" in found[0].message
    prev = last_year()
    prev.cover["unit_name"] = "某区人民政府"
    assert flat(check_previous(seed004_filing(), prev)) == {("P-2", "cover.unit_name", "warning")}
    prev = last_year()
    prev.cover["unit_name"] = "某区政府办公室"  # 人民政府 / 政府 are the same unit
    assert check_previous(seed004_filing(), prev) == []


def test_unreadable_previous_is_a_warning():
    bad = Filing(spec_id="gov2021", readable=False)
    found = check_previous(seed004_filing(), bad)
    assert [x.flat() for x in found] == [("P-3", "", "warning")]


def test_blank_cells_count_as_zero_and_say_so():
    prev = last_year()
    prev.values["T3.carry_over.np"] = None
    prev.problems["T3.carry_over.np"] = ("blank", "")
    found = [x for x in check_previous(seed004_filing(), prev) if x.cells == ("T3.carried.np",)]
    assert found and "空白单元格按0计算" in found[0].message


def test_cli_previous(tmp_path, capsys):
    cur = write_filing(seed004_filing(), tmp_path / "2024.xlsx")
    good = write_filing(last_year(), tmp_path / "2023.xlsx")
    bad = write_filing(last_year(**{"T3.carry_over.np": 12, "T3.carry_over.tot": 12}), tmp_path / "2023错.xlsx")
    assert main(["validate", str(cur), "--previous", str(good)]) == 0
    out = capsys.readouterr().out
    assert "错误 0  警告 0" in out
    assert main(["validate", str(cur), "--previous", str(bad)]) == 0  # warnings only
    out = capsys.readouterr().out
    assert "T3-5" in out and "表三 依申请公开!D8" in out
    assert main(["validate", str(cur), "--previous", str(tmp_path / "nope.xlsx")]) == 2
    assert "文件不存在" in capsys.readouterr().err
