"""Rules as data: one declaration per rule, one evaluator per kind, one formula per kind.

The catalogue (``FormatSpec.catalogue``) is the only place a rule's ID, severity and
message template live; ``gxxl.validate`` executes it (dispatch by ``rule.kind``), the
roll-up's fast path is the same module's provers, and ``gxxl.formulas`` compiles the
same declarations.
"""

from __future__ import annotations

import dataclasses
import random
import re
import typing

import pytest

from gxxl import formulas
from gxxl.filing import Filing
from gxxl.reader import read_filing
from gxxl.samples import random_filing, seed004_filing
from gxxl.spec import all_specs, get_spec
from gxxl.spec import common
from gxxl.spec.model import AnyRule, NoticeRule, SumRule
from gxxl.validate import EVALUATORS, PROVERS, credit_code_valid, validate
from conftest import WORKBOOKS

SPECS = all_specs()


def _kinds(union) -> set[str]:
    """The ``kind`` of each rule class of a union (its only allowed value is its default)."""
    out = set()
    for m in typing.get_args(union):
        kind = {f.name: f for f in dataclasses.fields(m)}["kind"]
        assert typing.get_args(typing.get_type_hints(m)["kind"]) == (kind.default,), m
        out.add(kind.default)
    return out


# --------------------------------------------------------------------------------------
# the catalogue
# --------------------------------------------------------------------------------------
def test_every_rule_kind_has_one_evaluator_and_every_table_rule_kind_a_formula():
    from gxxl.spec.model import Rule

    assert _kinds(AnyRule) <= set(EVALUATORS)
    assert _kinds(Rule) <= set(formulas.FORMULAS)
    assert set(PROVERS) <= _kinds(Rule)


@pytest.mark.parametrize("spec_id", sorted(SPECS))
def test_every_format_includes_the_shared_rules_once(spec_id):
    spec = SPECS[spec_id]
    ids = [r.id for r in spec.catalogue]
    for rid in ("F-1", "F-2", "F-3", "F-4", "C-1", "C-2", "S-1", "X-1", "P-1", "P-2", "P-3", "T3-6", "T3-10"):
        assert rid in ids, rid
    # the shared declarations are the very objects of spec/common.py (declared once)
    for mine, shared in ((spec.file_rules, common.FILE_RULES), (spec.cover_rules, common.COVER_RULES),
                         (spec.summary_rules, common.SUMMARY_RULES), (spec.previous_rules, common.PREVIOUS_RULES)):
        assert len(mine) == len(shared) and all(a is b for a, b in zip(mine, shared))
    assert spec.rule_by_id["S-1"] is common.S_1
    for r in spec.catalogue:
        assert r.id and r.basis and r.severity in ("error", "warning", "info"), r
        if r.kind not in ("domain",):
            assert r.message, r.id
    # a table rule ID is declared once (C-2 is three kinds of check under one ID)
    assert len({r.id for r in spec.rules}) == len(spec.rules)


def test_reader_findings_follow_the_catalogue(tmp_path):
    """F-* findings the reader makes carry the declared severity and fit a declared template."""
    spec = get_spec()

    def pattern(template: str) -> re.Pattern:
        parts = re.split(r"\{[a-z_]+\}", template)
        return re.compile("^" + "(.+?)".join(re.escape(p) for p in parts) + "$", re.S)

    seen = set()
    files = list(WORKBOOKS.glob("*.xlsx"))
    bad = tmp_path / "not_a_workbook.xlsx"
    bad.write_bytes(b"hello")
    other = tmp_path / "other.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便写的表格"
    wb.save(other)
    from gxxl.writer import write_filing

    huge = seed004_filing()
    huge.values["T3.new.np"] = 1e12  # beyond MAX_PLAUSIBLE: F-5
    write_filing(huge, tmp_path / "huge.xlsx")
    for path in files + [bad, other, tmp_path / "huge.xlsx"]:
        for f in read_filing(path).findings:
            rule = spec.rule_by_id[f.rule]
            assert isinstance(rule, NoticeRule) and rule.raised_by == "reader", f.rule
            assert f.severity == rule.severity, (f.rule, f.severity)
            templates = [rule.message, *rule.variants.values()]
            assert any(pattern(t).match(f.message) for t in templates), (f.rule, f.message)
            seen.add(f.rule)
    assert {"F-1", "F-2", "F-3", "F-5"} <= seen


def test_every_rule_id_raised_in_the_code_is_declared():
    """A rule ID typed in the engine (``rule="F-2"``, ``notice(spec, "P-1")``) is in the
    catalogue, with one meaning (the import decisions I-* are the importer's own list)."""
    from conftest import ROOT

    ids = get_spec().rule_by_id
    found = {}
    for path in (ROOT / "gxxl").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'(?:rule="|notice\(\s*[\w .()]*?,\s*")([A-Z][A-Z0-9]*-\d+)"', text):
            found.setdefault(m.group(1), set()).add(path.relative_to(ROOT).as_posix())
    assert {"F-2", "F-4", "F-5", "F-6", "F-7", "P-1", "T3-10"} <= set(found)
    undeclared = {rid: where for rid, where in found.items() if rid not in ids and not rid.startswith("I-")}
    assert not undeclared


def test_a_cell_without_a_usable_number_is_never_summed_as_0(tmp_path):
    from gxxl.writer import write_filing

    f = seed004_filing()
    f.values["T3.new.np"] = 1e12
    write_filing(f, tmp_path / "huge.xlsx")
    found = validate(read_filing(tmp_path / "huge.xlsx"))
    assert [x.flat() for x in found] == [("F-5", "T3.new.np", "error")]


def test_credit_code_check_digit():
    assert credit_code_valid("91350100M000100Y43")
    assert not credit_code_valid("91350100M000100Y44")
    assert not credit_code_valid("12345")
    assert not credit_code_valid("")


# --------------------------------------------------------------------------------------
# caches: cached properties of the frozen spec
# --------------------------------------------------------------------------------------
def test_derived_data_are_cached_on_the_frozen_spec():
    spec = get_spec()
    assert spec.compiled_checks is spec.compiled_checks
    assert spec.self_check is formulas.self_check(spec)
    assert spec.cell_index["T3.new.np"] == list(spec.cells).index("T3.new.np")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.id = "other"  # still frozen
    # cached values are not fields: equality and dumps ignore them (the round trip of the
    # dump through the declarations is in tests/test_spec_types.py)
    fresh = type(spec)(**{f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)})
    assert fresh == spec and "compiled_checks" not in fresh.__dict__ and "compiled_checks" in spec.__dict__
    assert "compiled_checks" not in spec.model_dump()


def test_a_copy_does_not_inherit_stale_derived_data():
    spec = get_spec()
    _ = spec.rule_by_id, spec.compiled_checks, spec.self_check, spec.checks
    copy = spec.model_copy(update={"rules": spec.rules[:2]})
    assert set(copy.rule_by_id) & {r.id for r in spec.rules} == {"T3-1", "T3-2"}
    assert copy.compiled_checks is not spec.compiled_checks
    assert {s.rule_id for s in copy.self_check.summaries} == {"T3-1", "T3-2"}


# --------------------------------------------------------------------------------------
# adding a rule is one declaration
# --------------------------------------------------------------------------------------
EXTRA = SumRule(
    id="T9-1", title="表三：自然人列的（一）予以公开不超过本年新收（测试用）",
    basis="测试：新增一条规则只需一处声明", loop_table="T3", loop="none",
    lhs=("T3.new.np",), rhs=("T3.disclosed.np",), message="{table}：本年新收={lhs}，予以公开={rhs}，相差{diff}",
)


def test_adding_a_rule_is_one_declaration(tmp_path):
    from gxxl.template import build_template

    base = get_spec()
    spec = base.model_copy(update={"rules": base.rules + (EXTRA,)})
    filing = seed004_filing()
    v = filing.values
    assert v["T3.new.np"] != v["T3.disclosed.np"]  # the seed breaks the new rule, nothing else

    # the Python evaluator, fast and full
    for fast in (True, False):
        got = [f for f in validate(filing, spec, fast=fast) if f.rule == "T9-1"]
        assert len(got) == 1 and got[0].cells == ("T3.new.np", "T3.disclosed.np")
        assert got[0].message == f"表三：本年新收={v['T3.new.np']}，予以公开={v['T3.disclosed.np']}，相差{abs(v['T3.new.np'] - v['T3.disclosed.np'])}"
    assert validate(filing, base) == []

    # the roll-up's fast path: the rule has its prover, which refuses this filing
    assert not spec.compiled_checks.clean(filing) and base.compiled_checks.clean(filing)

    # the formula compiler: one check cell, one summary row, in the template too
    sc = formulas.self_check(spec)
    mine = [c for c in sc.checks if c.rule_id == "T9-1"]
    assert len(mine) == 1 and mine[0].cells == ("T3.new.np", "T3.disclosed.np")
    assert "T9-1" in {s.rule_id for s in sc.summaries} and not sc.not_compiled
    wb = build_template(spec)
    summary = wb[formulas.SHEET]
    assert "T9-1" in [summary.cell(r, 1).value for r in range(1, summary.max_row + 1)]


# --------------------------------------------------------------------------------------
# the fast path gives exactly the full evaluation
# --------------------------------------------------------------------------------------
def _mutations(filing: Filing, rng: random.Random, spec) -> list[Filing]:
    codes = list(spec.cells)
    out = [filing]
    for _ in range(12):
        f = filing.model_copy(deep=True)
        for code in rng.sample(codes, rng.randint(1, 3)):
            old = f.values.get(code) or 0
            f.values[code] = rng.choice([old + 1, old - 1, -old - 1, old + 0.5, 0, old * 2 + 3])
        f.cover["level"] = rng.choice(spec.levels)
        out.append(f)
    return out


@pytest.mark.parametrize("spec_id", sorted(SPECS))
def test_fast_path_equals_full_evaluation(spec_id):
    spec = SPECS[spec_id]
    rng = random.Random(7)
    filings = []
    if spec_id == "gov2021":
        filings += [read_filing(p) for p in sorted(WORKBOOKS.glob("*.xlsx"))]
    for seed in range(4):
        if spec_id == "gov2021":
            base = random_filing(random.Random(seed), unit_name="测试单位", level="县级政府部门", year=2024)
        else:  # every cell 0: consistent in any format
            base = Filing.zeros(spec)
            base.cover.update(unit_name="测试单位", level="县级政府部门", year=spec.years[0] + seed)
        filings += _mutations(base, rng, spec)
    fired = 0
    for f in filings:
        full = validate(f, spec, fast=False)
        assert validate(f, spec) == full
        fired += bool(full)
    assert fired > len(filings) // 2  # the mutations do break rules


@pytest.mark.parametrize("odd", [float("nan"), float("inf"), float("-inf")])
def test_fast_path_proves_nothing_with_nan_or_infinity(odd):
    """NaN or ±inf in one cell must not hide another cell's error (min() and == mislead)."""
    spec = get_spec()
    filing = seed004_filing()
    codes = list(spec.table_by_code["T3"].cells)
    filing.values[codes[0].code] = odd
    filing.values[codes[1].code] = -1
    assert spec.compiled_checks.proven(filing) == frozenset()
    # (the reader turns NaN/inf cells into problems, so validate never sees them as values)
    filing.values[codes[0].code] = 0
    assert spec.compiled_checks.proven(filing) != frozenset()
    assert any(f.rule == "T3-4" and f.cells == (codes[1].code,) for f in validate(filing))


def test_messages_come_from_the_declarations():
    """Changing a rule's template in the spec changes the message; nothing is typed elsewhere."""
    base = get_spec()
    t34 = base.rule_by_id["T3-4"]
    t31 = base.rule_by_id["T3-1"]
    c1 = base.rule_by_id["C-1"]
    rules = tuple(r.model_copy(update={"text_message": "〔{label}｜{raw}〕"}) if r is t34 else
                  r.model_copy(update={"message": "〔{item}：{lhs}≠{rhs}〕", "blank_note": "〔空{count}〕"}) if r is t31 else r
                  for r in base.rules)
    cover_rules = tuple(r.model_copy(update={"message": "〔缺{label}〕"}) if r is c1 else r for r in base.cover_rules)
    spec = base.model_copy(update={"rules": rules, "cover_rules": cover_rules})
    f = seed004_filing()
    f.values["T3.new.np"] = None
    f.problems["T3.new.np"] = ("text", "十二")
    assert f.values["T3.new.tot"] > 0
    f.values["T3.new.tot"] = None
    f.problems["T3.new.tot"] = ("blank", "")
    f.cover["unit_name"] = None
    msgs = {(x.rule, x.cells[0] if x.cells else ""): x.message for x in validate(f, spec)}
    assert msgs[("T3-4", "T3.new.np")] == f"〔{base.cell_label('T3.new.np')}｜十二〕"
    assert msgs[("T3-1", "T3.new.tot")].startswith("〔总计：") and msgs[("T3-1", "T3.new.tot")].endswith("〔空1〕")
    assert msgs[("C-1", "cover.unit_name")] == "〔缺单位名称〕"
