"""The 2021 spec against the official tables (reference §1.3–1.5)."""

from gxxl.spec.model import DomainRule, SumRule, ZeroForLevelsRule
from gxxl.validate import sum_instances


def test_cell_counts(spec):
    t = spec.table_by_code
    assert len(t["T2"].cells) == 10
    assert len(t["T3"].rows) == 25 and len(t["T3"].columns) == 7 and len(t["T3"].cells) == 175
    assert len(t["T4"].cells) == 15
    assert [c.unit for c in t["T2"].cells].count("万元") == 1
    assert spec.cells["T2.fee.amount"].kind == "decimal"


def test_table3_labels_verbatim(spec):
    rows = spec.table_by_code["T3"].rows
    assert rows[0].label == "一、本年新收政府信息公开申请数量"
    assert rows[3].label == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert rows[6].label == "3.危及“三安全一稳定”"
    assert rows[21].label == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    assert rows[23].label == "（七）总计" and rows[24].label == "四、结转下年度继续办理"
    assert [c.label for c in spec.table_by_code["T3"].columns] == [
        "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    # no invented subtotal rows or columns
    labels = {r.label for r in rows}
    assert not any("小计" in x for x in labels)
    spans = {s.text: s for s in spec.table_by_code["T3"].layout.spans}
    assert spans["三、本年度办理结果"].rowspan == 22
    assert spans["（三）不予公开"].rowspan == 8 and spans["（六）其他处理"].rowspan == 3
    assert spans["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"].colspan == 3


def test_table4_layout(spec):
    spans = [(s.text, s.row, s.col, s.rowspan, s.colspan) for s in spec.table_by_code["T4"].layout.spans]
    assert ("行政复议", 0, 0, 1, 5) in spans and ("行政诉讼", 0, 5, 1, 10) in spans
    assert ("未经复议直接起诉", 1, 5, 1, 5) in spans and ("复议后起诉", 1, 10, 1, 5) in spans
    assert sorted(c.c for c in spec.table_by_code["T4"].cells) == list(range(15))


def test_rules_have_reference_ids_and_basis(spec):
    ids = [r.id for r in spec.rules]
    assert ids == ["T3-1", "T3-2", "T3-3", "T3-4", "T4-1", "T4-2", "T2-1", "T2-4"]
    assert all(r.basis for r in spec.rules)
    assert isinstance(spec.rule_by_id["T3-4"], DomainRule)
    assert isinstance(spec.rule_by_id["T2-4"], ZeroForLevelsRule)


def test_rule_instances_cover_every_column_and_row(spec):
    t31 = sum_instances(spec, spec.rule_by_id["T3-1"])
    assert [i.item for i in t31] == ["np", "be", "ri", "po", "ls", "ot", "tot"]
    t32 = sum_instances(spec, spec.rule_by_id["T3-2"])
    assert all(len(i.rhs) == 21 for i in t32)  # （一）（二） + 8 + 3 + 5 + 3
    t33 = sum_instances(spec, spec.rule_by_id["T3-3"])
    assert len(t33) == 25 and all(len(i.rhs) == 6 for i in t33)
    t41 = sum_instances(spec, spec.rule_by_id["T4-1"])
    assert [i.item for i in t41] == ["review", "direct", "after"]
    assert all(isinstance(spec.rule_by_id[r], SumRule) for r in ("T3-1", "T3-2", "T3-3", "T4-1"))


def test_levels_fixed_list(spec):
    assert spec.levels == ("国务院部门", "省级政府", "省级政府部门", "市级政府", "市级政府部门", "县级政府", "县级政府部门", "乡镇（街道）")
    assert spec.cover_by_code["level"].choices == spec.levels
