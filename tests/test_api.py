"""The public Python API (gxxl.api, re-exported from gxxl), its pandas frames and ``gxxl export``."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

import gxxl
from conftest import ROOT, WORKBOOKS, sha256
from gxxl.layout import cell_positions, cover_positions

SEED004 = WORKBOOKS / "seed004_某区人民政府办公室_2024.xlsx"
COUNTY = sorted(WORKBOOKS.glob("示例县_*.xlsx"))


def gxxl_cli(*args, cwd=None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env)


def sheet_value(path: Path, code: str, spec):
    """A cell's value read straight from the file with openpyxl (not through gxxl's reader)."""
    sheet, r, c = cell_positions(spec)[code]
    return load_workbook(path, data_only=True)[sheet].cell(r, c).value


# --------------------------------------------------------------------------------------
# read / validate / report / check_text / import_source
# --------------------------------------------------------------------------------------
def test_the_package_re_exports_the_api_lazily(tmp_path):
    import inspect

    import gxxl.report.outputs as outputs  # the engine modules of the same names stay importable …
    import gxxl.rollup.core  # noqa: F401
    from gxxl.validate import validate as engine_validate

    assert outputs.OUTPUT_TYPES and gxxl.rollup.core.Options and gxxl.validate.validate is engine_validate
    # … and the package's names are still the API functions
    assert gxxl.validate.__wrapped__ is gxxl.api.validate and gxxl.report.__wrapped__ is gxxl.api.report
    assert gxxl.rollup.__wrapped__ is gxxl.api.rollup
    assert "previous" in inspect.signature(gxxl.validate).parameters
    assert gxxl.validate(SEED004).ok and gxxl.validate(SEED004).ok  # twice: the engine module is loaded now
    assert gxxl.report(SEED004, tmp_path / "r.md").output.exists()
    assert gxxl.UserError is gxxl.errors.UserError and gxxl.read_grids is gxxl.api.read_grids
    with pytest.raises(AttributeError):
        gxxl.no_such_function  # noqa: B018


def test_validate_a_clean_and_a_planted_workbook(seed_filing, write):
    clean = gxxl.validate(SEED004)
    assert clean.readable and clean.ok and clean.counts["error"] == 0 and clean.exit_code == 0
    seed_filing.values["T3.total.np"] += 1
    planted = gxxl.validate(write(seed_filing, "planted.xlsx"))
    assert not planted.ok and planted.exit_code == 1
    assert {f.rule for f in planted.errors} >= {"T3-2"}
    data = planted.to_json()
    assert data["counts"]["error"] == len(planted.errors) and data["unit"] == seed_filing.unit_name


def test_validate_an_unreadable_file_returns_its_reason(tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    checked = gxxl.validate(bad)
    assert not checked.readable and checked.exit_code == 2 and checked.findings[0].rule == "F-1"
    with pytest.raises(gxxl.InputError, match="文件不存在"):
        gxxl.validate(tmp_path / "无.xlsx")


def test_validate_with_previous_runs_the_cross_year_rules(seed_filing, write):
    from gxxl.filing import Filing

    prev = Filing.zeros()
    prev.cover.update(unit_name=seed_filing.unit_name, level="县级政府部门", year=2023)
    prev.values.update({"T3.carry_over.np": 12, "T3.carry_over.tot": 12})
    checked = gxxl.validate(write(seed_filing, "2024.xlsx"), previous=write(prev, "2023.xlsx"))
    assert checked.previous is not None and checked.previous.year == 2023
    assert "T3-5" in {f.rule for f in checked.findings}  # 上年结转 13 ≠ last year's 结转 12
    assert "T3-5" not in {f.rule for f in gxxl.validate(write(seed_filing, "alone.xlsx")).findings}


def test_report_from_a_path_writes_by_extension_and_never_touches_the_input(tmp_path):
    src = tmp_path / "seed.xlsx"
    src.write_bytes(SEED004.read_bytes())
    before = sha256(src)
    made = gxxl.report(src, tmp_path / "r.md")
    assert made.to == "md" and made.output == tmp_path / "r.md" and sha256(src) == before
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert made.report.title in text and made.fills > 0
    with pytest.raises(gxxl.OutputExistsError):
        gxxl.report(src, tmp_path / "r.md")
    assert gxxl.report(src, tmp_path / "r.md", force=True).output.exists()


def test_report_refuses_errors_unless_ignored_and_validates_once(seed_filing, write, monkeypatch):
    import importlib

    validate_module = importlib.import_module("gxxl.validate")  # the engine module, not gxxl.validate()
    seed_filing.values["T3.disclosed.np"] = 69
    src = write(seed_filing, "bad.xlsx")
    with pytest.raises(gxxl.api.ReportRefused) as e:
        gxxl.report(src, src.with_name("r.docx"))
    assert [f.rule for f in e.value.errors] and not src.with_name("r.docx").exists()
    calls = []
    real = validate_module.validate
    monkeypatch.setattr(validate_module, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    made = gxxl.report(src, src.with_name("r.docx"), ignore_errors=True)
    assert made.exit_code == 1 and calls == [1]


def test_check_text_and_import_source(tmp_path):
    draft = tmp_path / "草稿.txt"
    draft.write_text("本年度新收政府信息公开申请100件。\n本年度新收政府信息公开申请99件。\n", encoding="utf-8")
    checked = gxxl.check_text(draft, SEED004)
    assert len(checked.checked) == 2 and len(checked.findings) == 1 and checked.exit_code == 1
    assert "99" in checked.findings[0].message
    out = tmp_path / "imported.xlsx"
    imported = gxxl.import_source(ROOT / "tests" / "data" / "import" / "county_2020_traditional.html", out)
    assert imported.found_any and imported.output == out and imported.filing.spec_id == "gov2019"
    again = gxxl.read(out)
    assert again.readable and again.values == imported.filing.values


# --------------------------------------------------------------------------------------
# frames
# --------------------------------------------------------------------------------------
def test_filing_to_frame_long_format(seed_filing, write):
    seed_filing.values["T3.deny_1.be"] = None
    seed_filing.problems["T3.deny_1.be"] = ("text", "无")
    seed_filing.values["T2.fee.amount"] = None
    seed_filing.problems["T2.fee.amount"] = ("blank", "")
    path = write(seed_filing, "x.xlsx")
    filing = gxxl.read(path)
    frame = filing.to_frame()
    spec = filing.spec
    assert list(frame["code"]) == [c.code for t in spec.tables for c in t.cells]
    by_code = frame.set_index("code")
    assert by_code.loc["T3.deny_1.be", "status"] == "text" and by_code.loc["T3.deny_1.be", "raw"] == "无"
    assert by_code.loc["T2.fee.amount", "status"] == "blank"
    assert by_code.loc["T3.new.np", "value"] == sheet_value(path, "T3.new.np", spec)
    assert by_code.loc["T3.new.np", "table"] == "表三"
    assert by_code.loc["T3.new.np", "row"].endswith("本年新收政府信息公开申请数量")
    assert by_code.loc["T3.new.np", "column"] == "申请人情况 / 自然人"
    numbers = frame[frame["status"] == "number"]
    assert len(numbers) == len(spec.cells) - 2


def test_a_partial_import_has_absent_cells():
    from gxxl.filing import Filing

    partial = Filing(spec_id="gov2021", values={"T3.new.np": 5})
    frame = partial.to_frame()
    assert set(frame["status"]) == {"number", "absent"}
    assert frame[frame["status"] == "absent"]["value"].isna().all()


def test_read_frame_of_many_workbooks():
    frame = gxxl.read_frame(COUNTY[:3])
    assert len(frame) == 3 * len(gxxl.read(COUNTY[0]).spec.cells)
    for path in COUNTY[:3]:
        mine = frame[frame["file"] == str(path)]
        cover = load_workbook(path, data_only=True)["封面"]
        r, c = cover_positions(gxxl.read(path).spec)["unit_name"]
        assert set(mine["unit_name"]) == {cover.cell(r, c).value}
        assert int(mine.loc[mine["code"] == "T3.new.tot", "value"].iloc[0]) == \
            sheet_value(path, "T3.new.tot", gxxl.read(path).spec)


def test_rollup_detail_frame_matches_the_detail_sheet(tmp_path):
    result = gxxl.rollup(COUNTY, output=tmp_path / "汇总.xlsx", unit="示例县人民政府", year=2024)
    frame = gxxl.detail_frame(result)
    ws = load_workbook(result.output, read_only=True)["明细"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    assert len(rows) == len(frame) == result.detail_rows
    assert [(r[0], r[1], float(r[5])) for r in rows] == list(zip(frame["unit_name"], frame["code"], frame["value"]))


# --------------------------------------------------------------------------------------
# gxxl export
# --------------------------------------------------------------------------------------
def test_export_csv_is_utf8_with_bom_and_never_a_formula(tmp_path, seed_filing, write):
    seed_filing.cover["unit_name"] = "@某单位"
    seed_filing.values["T3.deny_1.be"] = None
    seed_filing.problems["T3.deny_1.be"] = ("text", "@无")
    src = write(seed_filing, "evil.xlsx")
    out = tmp_path / "data.csv"
    r = gxxl_cli("export", src, SEED004, "-o", out)
    assert r.returncode == 0, r.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2 * len(seed_filing.spec.cells)
    evil = [row for row in rows if row["file"] == str(src)]
    assert {row["unit_name"] for row in evil} == {"'@某单位"}
    cell = next(row for row in evil if row["code"] == "T3.deny_1.be")
    assert cell["status"] == "text" and cell["raw"] == "'@无" and cell["value"] == ""
    new = next(row for row in rows if row["file"] == str(SEED004) and row["code"] == "T3.new.np")
    assert new["value"] == str(sheet_value(SEED004, "T3.new.np", seed_filing.spec))
    r = gxxl_cli("export", SEED004, "-o", out)
    assert r.returncode == 2 and "--force" in r.stderr


def test_export_of_formula_like_text_from_the_api(tmp_path, seed_filing):
    seed_filing.cover["unit_name"] = '=HYPERLINK("http://x","点我")'
    seed_filing.problems["T3.deny_1.be"] = ("text", "-1")
    seed_filing.values["T3.deny_1.be"] = None
    gxxl.export([seed_filing], tmp_path / "d.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "d.csv").read_text(encoding="utf-8-sig"))))
    assert {r["unit_name"] for r in rows} == {"'" + seed_filing.cover["unit_name"]}
    assert next(r for r in rows if r["code"] == "T3.deny_1.be")["raw"] == "'-1"
    frame = gxxl.export([seed_filing], tmp_path / "d.xlsx")
    ws = load_workbook(tmp_path / "d.xlsx")["数据"]
    header = [c.value for c in ws[1]]
    cells = [ws.cell(row, header.index("unit_name") + 1) for row in range(2, ws.max_row + 1)]
    assert {c.value for c in cells} == {seed_filing.cover["unit_name"]} and {c.data_type for c in cells} == {"s"}
    assert ws.max_row == 1 + len(frame) == 1 + len(seed_filing.spec.cells)


def test_export_refuses_its_own_input_and_reports_unreadable_files(tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"oops")
    r = gxxl_cli("export", SEED004, bad, "-o", tmp_path / "d.csv")
    assert r.returncode == 2 and "坏.xlsx" in r.stdout and (tmp_path / "d.csv").exists()
    target = tmp_path / "in.xlsx"
    target.write_bytes(SEED004.read_bytes())
    r = gxxl_cli("export", target, "-o", tmp_path / "in.csv")
    assert r.returncode == 0
    r = gxxl_cli("export", target, "-o", target, "--force")
    assert r.returncode == 2 and "Traceback" not in r.stderr and sha256(target) == sha256(SEED004)


# --------------------------------------------------------------------------------------
# README example, start-up, registry
# --------------------------------------------------------------------------------------
def test_the_readme_python_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    assert "某区人民政府办公室" in r.stdout and "通过" in r.stdout


def _imported(*args) -> set[str]:
    """The modules loaded by ``gxxl <args>`` (run in a fresh interpreter)."""
    code = ("import sys\nfrom gxxl.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    return set(r.stderr.split())


def test_help_imports_no_heavy_library():
    mods = _imported("--help")
    from gxxl.cli import VERBS

    assert {f"gxxl.cli.{m}" for m in VERBS.values()} <= mods  # every verb was loaded for the list
    heavy = {m for m in mods if m.split(".")[0] in ("pydantic", "openpyxl", "pandas", "python_calamine", "docx")}
    assert heavy == set()


def test_validate_does_not_import_pydantic_pandas_or_openpyxl():
    mods = _imported("validate", str(SEED004))
    assert "gxxl.validate" in mods and "gxxl.findings" in mods
    # the spec, Finding and Filing are stdlib dataclasses: pydantic is a test dependency only
    assert not {m for m in mods if m.split(".")[0] in ("pydantic", "pydantic_core", "pandas", "openpyxl", "docx")}
    # a gxxl workbook names its format: the other formats' specs are not built
    assert "gxxl.spec.gov2021" in mods and not {"gxxl.spec.gov2019", "gxxl.spec.legacy2014"} & mods


def test_a_format_module_that_fails_to_import_is_an_error(monkeypatch):
    import gxxl.spec as registry

    monkeypatch.setattr(registry, "FORMAT_MODULES", registry.FORMAT_MODULES + ("no_such_format",))
    monkeypatch.setattr(registry, "_CACHE", {})
    with pytest.raises(ModuleNotFoundError, match="no_such_format"):
        registry.all_specs()


def test_flags_mean_one_thing_in_every_verb():
    """--json on every verb that reports; --force is "overwrite" wherever a verb writes a file;
    --format, where a verb has it, is the table format."""
    from gxxl.cli import VERBS, build_parser

    # every verb but demo (which shows the clerk what the others print)
    reporting = {"validate", "template", "rollup", "report", "check-text", "import", "export", "addin", "audit",
                 "collect", "send"}
    assert reporting | {"demo"} == set(VERBS)
    writing = {"validate", "template", "rollup", "report", "import", "export"}
    for verb in VERBS:
        sub = build_parser(verb)._subparsers._group_actions[0].choices[verb]
        if verb == "addin":  # gxxl addin build | install: build reports and writes
            sub = sub._subparsers._group_actions[0].choices["build"]
        options = {o: a for a in sub._actions for o in a.option_strings}
        if verb in reporting:
            assert "--json" in options, verb
        if verb in writing:
            assert "覆盖" in options["--force"].help, verb
        if "--format" in options:
            assert "格式" in options["--format"].help and "docx" not in options["--format"].help, verb
