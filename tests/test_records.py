"""The records (``gxxl/records.py``): the spec, ``Finding`` and ``Filing`` behave as the
dataclasses they are — equality, hashing, freezing, copies, pickling — with the methods
of the bases instead of code generated per class."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from gxxl.filing import Filing
from gxxl.findings import Finding
from gxxl.samples import seed004_filing
from gxxl.spec import get_spec
from gxxl.spec.model import Layout, Row, Span


def test_records_are_dataclasses_with_keyword_only_fields():
    assert all(dataclasses.is_dataclass(c) for c in (Row, Layout, Finding, Filing))
    assert [f.name for f in dataclasses.fields(Row)] == ["code", "path", "short"]
    with pytest.raises(TypeError):
        Row("new", ("本年新收",))  # noqa: the fields are keyword-only
    row = Row(code="new", path=("一、本年新收",))
    assert row.short == "" and row.label == "一、本年新收"
    assert repr(row) == "Row(code='new', path=('一、本年新收',), short='')"
    assert dataclasses.replace(row, short="新收") == Row(code="new", path=("一、本年新收",), short="新收")


def test_frozen_records_compare_and_hash_by_their_fields():
    a = Finding(rule="T3-1", severity="error", message="m", cells=("T3.new.np",))
    b = Finding(rule="T3-1", severity="error", message="m", cells=("T3.new.np",))
    c = b.model_copy(update={"severity": "warning"})
    assert a == b and hash(a) == hash(b) and a != c and len({a, b, c}) == 2
    assert a != Span(text="m", row=0, col=0) and (a == "T3-1") is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.rule = "T3-2"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.rule
    with pytest.raises(TypeError):  # a dict field: unhashable, as any frozen dataclass with one
        hash(Layout(spans=(), width=1, height=1, row_heights={0: 20}))


def test_a_missing_field_is_an_error_also_when_a_defaulted_one_is_given():
    with pytest.raises(TypeError, match=r"Filing: missing required field\(s\) spec_id"):
        Filing(values={"T3.new.np": 1})
    with pytest.raises(TypeError, match=r"Layout: missing required field\(s\) spans, height"):
        Layout(width=3, row_heights={0: 20})
    assert Filing(spec_id="gov2021", meta={"format": "gov2021"}).meta == {"format": "gov2021"}


def test_each_record_gets_its_own_mutable_defaults():
    f, g = Filing(spec_id="gov2021"), Filing(spec_id="gov2021")
    f.values["T3.new.np"] = 1
    f.findings.append(Finding(rule="F-1", severity="error", message="m"))
    assert g.values == {} and g.findings == [] and f != g
    with pytest.raises(TypeError):
        hash(f)  # mutable: not hashable


def test_copies_and_pickles_are_equal_and_independent():
    spec = get_spec()
    # cached derived data on the original; compiled_checks holds closures (not picklable)
    _ = spec.cell_positions, spec.rule_by_id, spec.compiled_checks
    filing = seed004_filing()
    for obj in (spec, filing, filing.findings[:1] or Finding(rule="F-1", severity="info", message="m")):
        for clone in (copy.copy(obj), copy.deepcopy(obj), pickle.loads(pickle.dumps(obj))):
            assert clone == obj
    deep = filing.model_copy(deep=True)
    deep.values["T3.new.np"] = -1
    assert deep != filing and filing.values["T3.new.np"] != -1
    shallow = filing.model_copy(update={"source": "x.xlsx"})
    assert shallow.values is filing.values and shallow.source == "x.xlsx"
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec and "compiled_checks" not in again.__dict__ and "compiled_checks" in spec.__dict__
    assert again.cell_positions == spec.cell_positions and again.compiled_checks.clean(filing)


def test_model_dump_gives_nested_dicts_and_keeps_tuples():
    spec = get_spec()
    d = spec.model_dump()
    assert d["id"] == "gov2021" and isinstance(d["tables"], tuple) and isinstance(d["tables"][0], dict)
    assert d["tables"][0]["rows"][0] == spec.tables[0].rows[0].model_dump()
    assert set(d) == {f.name for f in dataclasses.fields(spec)}
    f = Finding(rule="T3-1", severity="error", message="m", reported=3, computed=2.5)
    assert f.to_json()["difference"] == 0.5 and f.to_json()["cells"] == ()
