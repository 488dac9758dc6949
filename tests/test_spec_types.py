"""The declarations hold what their annotations say.

The spec, ``Finding`` and ``Filing`` are plain dataclasses (``gxxl/records.py``): nothing
checks a value at run time, so that ``gxxl validate`` does not import pydantic.  Here
pydantic does the check, strictly (a tuple is a tuple, a Literal holds one of its values,
a nested object is of its declared class, a bool is not an int), over every object of
every format spec and over the findings and filings the reader and validator make.
"""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ConfigDict, TypeAdapter, ValidationError

from gxxl.crossyear import check_previous
from gxxl.filing import Filing
from gxxl.findings import Finding
from gxxl.reader import read_filing
from gxxl.records import Frozen, Mutable
from gxxl.spec import all_specs
from gxxl.spec import model
from gxxl.spec.model import FormatSpec, Layout, SumRule
from gxxl.validate import validate
from conftest import WORKBOOKS

SPECS = all_specs()


def _records() -> list[type]:
    """Every record class gxxl declares (the spec's, Finding, Filing)."""
    out, todo = [], [Frozen, Mutable]
    while todo:
        for sub in todo.pop().__subclasses__():
            out.append(sub)
            todo.append(sub)
    return out


@pytest.fixture
def strict(monkeypatch):
    """A checker of a record class: pydantic in strict mode, nested records revalidated
    (by default pydantic accepts an instance of a dataclass as it is)."""
    for cls in _records():
        monkeypatch.setattr(cls, "__pydantic_config__",
                            ConfigDict(strict=True, revalidate_instances="always"), raising=False)
    return lambda cls: TypeAdapter(cls).validate_python


def test_the_checker_knows_every_record_class():
    names = {c.__name__ for c in _records()}
    declared = {n for n, v in vars(model).items() if isinstance(v, type) and issubclass(v, Frozen) and v is not Frozen}
    assert declared <= names and {"Finding", "Filing", "FormatSpec", "SumRule", "Layout"} <= names


@pytest.mark.parametrize("spec_id", sorted(SPECS))
def test_every_value_of_every_spec_has_its_declared_type(spec_id, strict):
    spec = SPECS[spec_id]
    strict(FormatSpec)(spec)


def _replace_in(spec: FormatSpec, path: str, value) -> FormatSpec:
    """``spec`` with one nested field replaced: ``path`` like "tables.1.layout.col_widths"."""
    head, *rest = path.split(".")
    if not rest:
        return dataclasses.replace(spec, **{head: value})
    inner = getattr(spec, head)
    if isinstance(inner, tuple):
        i, *rest = rest
        item = _replace_in(inner[int(i)], ".".join(rest), value) if rest else value
        return dataclasses.replace(spec, **{head: inner[:int(i)] + (item,) + inner[int(i) + 1:]})
    return dataclasses.replace(spec, **{head: _replace_in(inner, ".".join(rest), value)})


PLANTS = {
    "a list where a tuple is declared": lambda s: ("tables.0.rows", list(s.tables[0].rows)),
    "a Literal outside its values": lambda s: ("tables.1.cells.0.unit", "吨"),
    "a rule's severity outside its values": lambda s: ("rules.0.severity", "fatal"),
    "a nested object of the wrong class": lambda s: ("tables.0.columns", (s.tables[0].rows[0],)),
    "a bool where an int is declared": lambda s: ("years", (2021, True)),
    "an int where a str is declared": lambda s: ("tables.1.rows.3.short", 7),
    "a str key where an int key is declared": lambda s: ("tables.1.layout.row_heights", {"0": 30.0}),
}


@pytest.mark.parametrize("what", sorted(PLANTS))
def test_the_check_finds_a_planted_value_of_the_wrong_type(what, strict):
    spec = SPECS["gov2021"]
    path, value = PLANTS[what](spec)
    bad = _replace_in(spec, path, value)
    with pytest.raises(ValidationError):
        strict(FormatSpec)(bad)


def test_the_dump_of_a_spec_rebuilds_it_through_the_declarations():
    """``model_dump`` is complete, and the rule unions are told apart by ``kind``: pydantic
    (lax) builds the same spec back from the dump."""
    for spec in SPECS.values():
        fresh = TypeAdapter(FormatSpec).validate_python(spec.model_dump())
        assert fresh == spec
        assert [type(r) for r in fresh.catalogue] == [type(r) for r in spec.catalogue]
    sum_rule = next(r for r in SPECS["gov2021"].rules if r.kind == "sum")
    assert type(TypeAdapter(model.Rule).validate_python(sum_rule.model_dump())) is SumRule


def test_an_unknown_field_is_an_error_that_names_the_fields():
    with pytest.raises(TypeError, match=r"Layout: unknown field\(s\) widht \(fields: col_widths, "):
        Layout(spans=(), width=3, height=2, widht=4)
    with pytest.raises(TypeError, match=r"Layout: missing required field\(s\) height"):
        Layout(spans=(), width=3)
    with pytest.raises(TypeError, match="Finding: unknown field"):
        Finding(rule="T3-1", severity="error", message="m", cell="T3.new.np")
    with pytest.raises(TypeError, match="Filing: unknown field"):
        Filing(spec_id="gov2021", value={})


def _readings():
    """Filings and findings as the reader and validate make them, from every sample workbook."""
    for path in sorted(WORKBOOKS.glob("*.xlsx")):
        filing = read_filing(path)
        yield path.name, filing, validate(filing)


def test_findings_and_filings_from_the_sample_workbooks_have_their_declared_types(strict):
    check_finding, check_filing = strict(Finding), strict(Filing)
    seen, previous = 0, None
    for name, filing, findings in _readings():
        check_filing(filing)
        for f in findings:
            check_finding(f)
        if previous is not None:
            for f in check_previous(filing, previous):
                check_finding(f)
        previous = filing
        seen += len(findings)
    assert seen > 10  # the samples include workbooks with findings (the check saw some)


def test_finding_cells_given_as_lists_are_stored_as_tuples(strict):
    f = Finding(rule="T3-1", severity="error", message="m", cells=["T3.new.np"], locations=["表三!D4"])
    assert f.cells == ("T3.new.np",) and f.locations == ("表三!D4",)
    strict(Finding)(f)
    assert hash(f) == hash(f.model_copy()) and f == f.model_copy()
