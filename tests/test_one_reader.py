"""One reader: ``gxxl import`` and ``read_filing`` read the same workbook the same way.

Both use the label locator of :mod:`gxxl.locate` and the detector of :mod:`gxxl.detect`.
For every sample workbook and every workbook the import tests build, importing and then
reading gives exactly the values and blank/text states that ``read_filing`` gives.  The
one intended difference is the importer's rule I-4: a placeholder (「/」「无」) is imported
as a blank with a warning, where the reader keeps it as text (an error); the test asserts
that this is the only difference and that each such cell has its I-4 finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from gxxl.detect import MIN_LEAD, MIN_SHARE, detect_format
from gxxl.importer import import_source, write_import
from gxxl.locate.match import kind_of
from gxxl.reader import read_filing
from gxxl.samples import seed004_filing
from gxxl.spec import all_specs, get_spec
from gxxl.writer import write_filing
from test_import_workbook import clerk_workbook, sample

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbooks").glob("*.xlsx"))


def _states(filing):
    return {code: filing.problems.get(code, ("number", ""))[0] for code in filing.spec.cells}


def _same(path: Path, tmp_path: Path):
    """Assert import == read (values and states) and import → write → read == read."""
    read = read_filing(path)
    assert read.readable
    imported = import_source(path)
    assert imported.filing.spec_id == read.spec_id
    placeholders = set()
    for code in read.spec.cells:
        r_state, i_state = read.problems.get(code), imported.filing.problems.get(code)
        if r_state != i_state:
            # the importer's I-4: a placeholder kept as blank (never 0), with a warning
            assert r_state[0] == "text" and kind_of(r_state[1]) == "placeholder" and i_state == ("blank", ""), code
            assert any(f.rule == "I-4" and code in f.cells for f in imported.findings), code
            placeholders.add(code)
    assert {c: v for c, v in imported.filing.values.items()} == read.values
    out = write_import(imported, tmp_path / f"imported_{path.stem}.xlsx")
    again = read_filing(out)
    assert again.values == read.values
    want = _states(read)
    want.update({c: "blank" for c in placeholders})
    assert _states(again) == want
    return read


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_workbooks_import_as_they_read(path, tmp_path):
    _same(path, tmp_path)


def test_samples_cover_the_interesting_cases():
    """The sample set holds a moved table (F-4), a text cell and a tolerated value (F-3)."""
    rules = {f.rule for p in SAMPLES for f in read_filing(p).findings}
    assert {"F-3", "F-4"} <= rules
    assert any(any(s[0] == "text" for s in read_filing(p).problems.values()) for p in SAMPLES)


@pytest.mark.parametrize("variant", ["plain", "split_header", "t4_positional"])
def test_clerk_workbooks_import_as_they_read(variant, tmp_path):
    """The foreign layouts of the import tests: one sheet, other column order, a typo,
    「1868件」, a header broken over two cells, 表四 without readable headers."""
    f = sample()
    path = clerk_workbook(tmp_path / f"clerk_{variant}.xlsx", f, split_header=variant == "split_header",
                          t4_headers=variant != "t4_positional")
    read = _same(path, tmp_path)
    assert read.values == f.values
    assert any(x.rule == "F-4" for x in read.findings)


def test_edited_template_imports_as_it_reads(tmp_path):
    """Rows and columns inserted into the official template (the reader's F-4 path)."""
    p = write_filing(seed004_filing(), tmp_path / "edited.xlsx")
    wb = load_workbook(p)
    wb["表三 依申请公开"].insert_cols(1, 2)
    wb["表二 主动公开"].insert_rows(3, 2)
    wb.save(p)
    read = _same(p, tmp_path)
    assert read.values == seed004_filing().values and read.moved


def test_one_detector_one_threshold():
    """Each format's own labels are detected as that format by the one rule; a source
    with too few of them is undecided (the reader says F-2, the importer asks for --format)."""
    for spec in all_specs().values():
        labels = [s.text for t in spec.tables for s in t.layout.spans]
        found = detect_format(labels)
        assert found.spec is spec and found.share == 1.0
    sig = sorted(get_spec("gov2021").signature)
    few = sig[: max(0, int(len(sig) * MIN_SHARE) - 1)]
    assert detect_format(few).spec is None
    assert MIN_SHARE == 0.2 and MIN_LEAD == 0.05


def test_spec_caches_are_cached_properties_of_the_frozen_spec():
    """Positions and signatures are computed once per spec object, stored on it (frozen
    dataclasses without __slots__ allow functools.cached_property), and change nothing
    about the spec's fields."""
    import dataclasses

    import gxxl.layout as layout
    import gxxl.reader as reader

    spec = get_spec("gov2021")
    copy = spec.model_copy(deep=True)
    table = spec.table_by_code["T3"]
    assert table.sheet_positions is table.sheet_positions
    assert layout.cell_positions(spec) is spec.cell_positions
    assert spec.cell_positions["T3.disclosed.np"] == ("表三 依申请公开", 9, 4)
    assert spec.signature is spec.signature and spec.signature
    assert spec == copy and "signature" not in spec.model_dump()
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.id = "changed"
    for module, name in ((reader, "_POSITIONS"), (reader, "_SIGNATURES"), (layout, "_CELL_POS")):
        assert not hasattr(module, name)


def test_a_row_missing_from_a_foreign_layout_is_f2_at_its_cells(tmp_path):
    """The locator accepts a partial table; the reader reads what is there and reports the
    missing row as F-2 at its cells (blank, never 0); the importer says I-1 for the same row."""
    f = sample()
    path = clerk_workbook(tmp_path / "clerk.xlsx", f)
    wb = load_workbook(path)
    ws = wb.active
    label = get_spec("gov2021").table_by_code["T3"].row_by_code["partial"].label
    (row,) = [c.row for r in ws.iter_rows() for c in r if c.value == label]
    ws.delete_rows(row)
    wb.save(path)
    read = read_filing(path)
    missing = {cs.code for cs in get_spec("gov2021").table_by_code["T3"].cells if cs.row == "partial"}
    f2 = [x for x in read.findings if x.rule == "F-2"]
    assert len(f2) == 1 and set(f2[0].cells) == missing and f2[0].severity == "error"
    assert all(read.values[c] is None and read.problems[c] == ("blank", "") for c in missing)
    assert {c: v for c, v in read.values.items() if c not in missing} == {c: v for c, v in f.values.items() if c not in missing}
    imported = import_source(path)
    assert any(x.rule == "I-1" and set(x.cells) == missing for x in imported.findings)
    assert imported.filing.values == read.values
