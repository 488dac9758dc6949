"""The add-in file gxxl.xlam: built from text on Linux, checked without Excel.

* the package: parts, content types, relationships, the gxxl.conf sheet, code names;
* the VBA project, parsed by oletools in strict mode: every module's source;
* the ribbon: every button uses the shared callback and names a registered Python
  action, and every action has a button;
* the exact RunPython command the callback sends, executed in a subprocess against a
  fixture workbook (a remote-engine Book set as xlwings' mock caller);
* ``gxxl addin build`` / ``install`` from the command line.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine, tests only

import json
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xlwings
from oletools.olevba import VBA_Parser, VBA_Project

from gxxl.excel import PROJECT_NAME, XLWINGS_PIN
from gxxl.excel.build import (
    CONF_CODE_NAME,
    CONF_SHEET,
    addin_bytes,
    conf_settings,
    runpython_command,
    udf_sources,
    vba_modules,
)
from gxxl.excel.ribbon import ADDIN_DIR, CALLBACK, CUSTOM_UI, NAMESPACE, buttons, check_buttons, parse_buttons
from gxxl.excel.vba import module_source

ROOT = Path(__file__).resolve().parents[1]
XLWINGS_DIR = Path(xlwings.__file__).parent


@pytest.fixture(scope="module")
def xlam() -> bytes:
    return addin_bytes()


@pytest.fixture(scope="module")
def parts(xlam) -> dict[str, bytes]:
    with zipfile.ZipFile(__import__("io").BytesIO(xlam)) as z:
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist()}


def strict_project(vba: bytes) -> VBA_Project:
    parser = VBA_Parser("vbaProject.bin", data=vba, relaxed=False)
    (vba_root, project_path, dir_path), = parser.find_vba_projects()
    project = VBA_Project(parser.ole_file, vba_root, project_path, dir_path, relaxed=False)
    project.parse_project_stream()
    list(project.parse_modules())
    return project


# --------------------------------------------------------------------------------------
# the package
# --------------------------------------------------------------------------------------
def test_build_is_deterministic(xlam) -> None:
    assert addin_bytes() == xlam
    assert addin_bytes(interpreter=r"C:\Python311\pythonw.exe") != xlam


def test_pin_is_the_one_in_pyproject() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = meta["project"]["optional-dependencies"]
    for extra in ("excel", "test"):
        assert f"xlwings=={XLWINGS_PIN}" in extras[extra]
    assert xlwings.__version__ == XLWINGS_PIN


def test_package_parts(parts) -> None:
    assert sorted(parts) == sorted([
        "[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
        "customUI/customUI14.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
        "xl/worksheets/sheet1.xml", "xl/vbaProject.bin",
    ])
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(data)  # well-formed
    ct = parts["[Content_Types].xml"].decode()
    assert 'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"' in ct
    assert 'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in ct
    rels = ET.fromstring(parts["_rels/.rels"])
    types = {r.get("Target"): r.get("Type") for r in rels}
    assert types["customUI/customUI14.xml"] == "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
    assert types["xl/workbook.xml"].endswith("/officeDocument")
    wrels = {r.get("Target"): r.get("Type") for r in ET.fromstring(parts["xl/_rels/workbook.xml.rels"])}
    assert wrels["vbaProject.bin"] == "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
    assert parts["customUI/customUI14.xml"] == CUSTOM_UI.read_bytes()


def test_code_names_match_document_modules(parts) -> None:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    wb = ET.fromstring(parts["xl/workbook.xml"])
    assert wb.find("m:workbookPr", ns).get("codeName") == "ThisWorkbook"
    assert [s.get("name") for s in wb.find("m:sheets", ns)] == [CONF_SHEET] == ["gxxl.conf"]
    sheet = ET.fromstring(parts["xl/worksheets/sheet1.xml"])
    assert sheet.find("m:sheetPr", ns).get("codeName") == CONF_CODE_NAME
    documents = [m.name for m in vba_modules() if m.kind == "document"]
    assert documents == ["ThisWorkbook", CONF_CODE_NAME]


def test_conf_sheet(parts) -> None:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    sheet = ET.fromstring(parts["xl/worksheets/sheet1.xml"])
    rows = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        cells = []
        for c in row:
            if c.get("t") == "b":
                cells.append(c.find("m:v", ns).text == "1")
            else:
                cells.append(c.find("m:is/m:t", ns).text)
        rows.append(tuple(cells))
    assert rows == conf_settings()
    settings = {k.upper(): v for k, v in rows}  # xlwings' GetConfig upper-cases the keys
    assert settings["UDF MODULES"] == "gxxl.excel.udfs"
    assert settings["USE UDF SERVER"] is True
    assert settings["INTERPRETER_WIN"] == "pythonw"
    assert settings["ADD_WORKBOOK_TO_PYTHONPATH"] is False  # a clerk's folder never shadows gxxl
    # the settings must be one block from A1 down: GetConfigFromSheet stops at the first gap
    assert all(k for k, _ in rows)


def test_interpreter_is_written_for_install() -> None:
    settings = dict(conf_settings(r"C:\Users\zhang\AppData\Local\Programs\Python\Python311\pythonw.exe"))
    assert settings["Interpreter_Win"].endswith(r"Python311\pythonw.exe")


# --------------------------------------------------------------------------------------
# the VBA project
# --------------------------------------------------------------------------------------
def read_exact(path: Path) -> str:
    with open(path, encoding="ascii", newline="") as fh:
        return fh.read()


def test_every_module_is_read_back_strictly(parts) -> None:
    project = strict_project(parts["xl/vbaProject.bin"])
    modules = vba_modules()
    assert project.projectname == PROJECT_NAME
    assert [m.name for m in project.modules] == [
        "ThisWorkbook", CONF_CODE_NAME, "xlwings", "Dictionary", "GxxlRibbon", "xlwings_udfs", "GxxlFunctionInfo",
    ]
    kinds = {"standard": 0x0021, "class": 0x0022, "document": 0x0022}
    for parsed, module in zip(project.modules, modules):
        assert parsed.code_raw == module_source(module), module.name
        assert parsed.type == kinds[module.kind]


def test_xlwings_module_is_the_pinned_one_with_our_project_name(parts) -> None:
    project = strict_project(parts["xl/vbaProject.bin"])
    stored = next(m for m in project.modules if m.name == "xlwings").code_raw.decode("cp1252")
    original = read_exact(XLWINGS_DIR / "xlwings_custom_addin.bas")
    diff = [(a, b) for a, b in zip(original.split("\r\n"), stored.split("\r\n")) if a != b]
    assert diff == [('Public Const PROJECT_NAME As String = "myaddin"', 'Public Const PROJECT_NAME As String = "gxxl"')]
    assert f'Const XLPyDLLName As String = "xlwings64-{XLWINGS_PIN}.dll"' in stored
    dictionary = next(m for m in project.modules if m.name == "Dictionary").code_raw.decode("cp1252")
    assert "Drop-in replacement for Scripting.Dictionary on Mac" in dictionary


def test_ribbon_module_is_the_source(parts) -> None:
    extracted = {name: code for _, _, name, code in VBA_Parser("x.bin", data=parts["xl/vbaProject.bin"]).extract_macros()}
    assert extracted["GxxlRibbon.bas"] == read_exact(ADDIN_DIR / "GxxlRibbon.bas").replace("\n", "\r\n").replace("\r\r\n", "\r\n")
    assert "Private Sub Workbook_Open()" in extracted["ThisWorkbook.cls"]
    assert "RegisterGxxlFunctions" in extracted["ThisWorkbook.cls"]


def test_udf_wrappers_come_from_xlwings_generator(parts) -> None:
    import inspect

    from gxxl.excel import udfs

    code, infos = udf_sources()
    names = sorted(n for n in dir(udfs) if n.startswith("GXXL_"))
    assert [i.name for i in infos] == names == ["GXXL_RULE", "GXXL_STATUS", "GXXL_VERSION"]
    assert code.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    for name in names:
        params = inspect.signature(getattr(udfs, name)).parameters.values()
        vba_args = ", ".join(("Optional " if p.default is not inspect.Parameter.empty else "") + p.name for p in params)
        assert f"Function {name}({vba_args})" in code
        assert f'{name} = XLPy.CallUDF("gxxl.excel.udfs", "{name}", Array(' in code
        assert "ActiveWorkbook, Application.Caller)" in code  # add-in: the caller's workbook
    # the Windows-only stubs and the stubbed xlwings.udfs are gone again
    assert not {"pythoncom", "pywintypes", "win32com", "xlwings.udfs"} & set(sys.modules)
    assert not hasattr(xlwings, "udfs")


def test_no_udf_parameter_is_named_like_a_module(parts) -> None:
    """VBA names are case-insensitive: a wrapper parameter named like a module (the conf
    sheet's document module ``Sheet1`` vs a parameter ``sheet1``) is ambiguous to Excel."""
    extracted = {name.rsplit(".", 1)[0]: code
                 for _, _, name, code in VBA_Parser("x.bin", data=parts["xl/vbaProject.bin"]).extract_macros()}
    modules = {m.lower() for m in extracted} | {m.name.lower() for m in vba_modules()}
    assert CONF_CODE_NAME.lower() in modules
    params = set()
    for args in re.findall(r"^Function \w+\(([^)]*)\)", extracted["xlwings_udfs"], flags=re.M):
        params |= {a.split()[-1].lower() for a in args.split(",") if a.strip()}
    assert {"cover", "table1", "rule"} <= params
    assert params & modules == set()


def test_function_descriptions_are_registered_from_a_standard_module_too(parts) -> None:
    """Auto_Open of the standard module GxxlFunctionInfo registers them even if Excel does
    not attach ThisWorkbook (and its Workbook_Open)."""
    project = strict_project(parts["xl/vbaProject.bin"])
    info = next(m for m in project.modules if m.name == "GxxlFunctionInfo")
    assert info.type == 0x0021  # a standard module
    code = info.code_raw.decode("cp1252")
    body = re.search(r"Public Sub Auto_Open\(\)\r\n(.*?)End Sub", code, flags=re.S)
    assert body and "RegisterGxxlFunctions" in body.group(1)
    assert "Public Sub RegisterGxxlFunctions()" in code
    standard = [m for m in project.modules if m.type == 0x0021]
    assert sum("Sub Auto_Open(" in m.code_raw.decode("cp1252") for m in standard) == 1  # exactly one


def _decode_u(expr: str) -> str:
    return "".join(chr(int(h, 16)) for h in expr.split(",") if h)


def test_function_descriptions_decode_to_the_docstrings() -> None:
    from gxxl.excel import udfs

    code, infos = udf_sources()
    module = next(m for m in vba_modules() if m.name == "GxxlFunctionInfo")
    assert module.code.isascii()
    subs = re.split(r"\nPrivate Sub Register_", module.code)[1:]
    for info, sub in zip(infos, subs):
        assert sub.startswith(f"{info.name}()")
        texts: dict[str, str] = {}
        for var, expr in re.findall(r'^\s+(\w+) = (?:\w+ & )?U\("([^"]*)"\)$', sub, flags=re.M):
            texts[var] = texts.get(var, "") + _decode_u(expr)
        assert texts["d"] == getattr(udfs, info.name).__doc__
        assert texts["c"] == udfs.CATEGORY
        assert [texts[f"a{i}"] for i in range(len(info.args))] == [doc for _, doc in info.args]
        assert f"Macro:=\"'\" & ThisWorkbook.Name & \"'!{info.name}\"" in sub


def test_vba_sources_are_ascii() -> None:
    for path in list(ADDIN_DIR.glob("*.bas")) + list(ADDIN_DIR.glob("*.cls")):
        assert path.read_bytes().isascii(), path
    for module in vba_modules():
        assert module.code.isascii(), module.name


# --------------------------------------------------------------------------------------
# ribbon ↔ actions
# --------------------------------------------------------------------------------------
def test_every_button_has_the_callback_and_an_action_and_back() -> None:
    from gxxl.excel.actions import ACTIONS

    bs = buttons()
    assert check_buttons(list(bs)) == []
    assert all(b.on_action == CALLBACK for b in bs)
    assert {b.tag for b in bs} == set(ACTIONS)
    assert [b.label for b in bs] == ["新建模板", "校验本表", "清除标记", "汇总下级报表", "生成报告章节", "关于/自检"]
    assert ET.fromstring(CUSTOM_UI.read_bytes()).tag == f"{{{NAMESPACE}}}customUI"


def test_callback_exists_in_the_project(parts) -> None:
    module, proc = CALLBACK.split(".")
    extracted = {name: code for _, _, name, code in VBA_Parser("x.bin", data=parts["xl/vbaProject.bin"]).extract_macros()}
    assert f"Public Sub {proc}(control As IRibbonControl)" in extracted[f"{module}.bas"]


def test_ribbon_rules_are_enforced() -> None:
    bad = parse_buttons(
        f'<customUI xmlns="{NAMESPACE}"><ribbon><tabs><tab id="t"><group id="g" label="g">'
        '<button id="a" tag="ok_tag" label="A" onAction="Other.Callback"/>'
        '<button id="b" tag="rm -rf\');x(\'" label="B" onAction="GxxlRibbon.OnAction"/>'
        '<button id="c" tag="ok_tag" label="C" onAction="GxxlRibbon.OnAction"/>'
        "</group></tab></tabs></ribbon></customUI>"
    )
    problems = check_buttons(bad)
    assert len(problems) == 3
    assert "onAction" in problems[0] and "identifier" in problems[1] and "twice" in problems[2]


def the_command_the_callback_sends(tag: str) -> str:
    """Evaluate the RunPython argument of GxxlRibbon.bas for a control whose Tag is ``tag``."""
    code = (ADDIN_DIR / "GxxlRibbon.bas").read_text(encoding="ascii")
    (expr,) = re.findall(r'^\s*RunPython (.+)$', code, flags=re.M)
    pieces = [p.strip() for p in expr.split("&")]
    out = []
    for p in pieces:
        if p == "control.Tag":
            out.append(tag)
        else:
            assert p.startswith('"') and p.endswith('"'), p
            out.append(p[1:-1].replace('""', '"'))
    return "".join(out)


@pytest.mark.parametrize("tag", [b.tag for b in buttons()])
def test_runpython_command_is_what_the_callback_sends(tag) -> None:
    command = the_command_the_callback_sends(tag)
    assert command == runpython_command(tag)
    assert '"' not in command  # it is embedded in cmd.exe's  python -c "…"  by xlwings


# --------------------------------------------------------------------------------------
# executing the exact command, as xlwings does, in a subprocess
# --------------------------------------------------------------------------------------
PRELUDE = """\
import atexit, json, os
import xlwings as xw
_book = xw.Book(json=json.load(open(os.environ["GXXL_TEST_PAYLOAD"], encoding="utf-8")))
_book.set_mock_caller()
atexit.register(lambda: json.dump(_book.json(), open(os.environ["GXXL_TEST_ACTIONS"], "w", encoding="utf-8"), ensure_ascii=False))
"""


def run_like_excel(tag: str, workbook: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """``python -B -c "import xlwings.utils;xlwings.utils.prepare_sys_path(…); <command>" --wb=… --from_xl=1``

    as xlwings' ExecuteWindows builds it, with a prelude that makes a remote-engine Book of
    ``workbook`` the caller (xw.Book.set_mock_caller) and saves its actions at exit.
    """
    from test_excel_harness import payload

    (tmp_path / "payload.json").write_text(json.dumps(payload(workbook), ensure_ascii=False), encoding="utf-8")
    actions = tmp_path / "actions.json"
    pythonpath = f"False;{workbook};{tmp_path / 'gxxl.xlam'};;;;"
    command = (f"{PRELUDE}import xlwings.utils;xlwings.utils.prepare_sys_path(\"{pythonpath}\"); "
               + the_command_the_callback_sends(tag))
    env = dict(os.environ, GXXL_TEST_PAYLOAD=str(tmp_path / "payload.json"), GXXL_TEST_ACTIONS=str(actions),
               GXXL_USER_DIR=str(tmp_path / "user"), XLWINGS_LICENSE_KEY="noncommercial",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-B", "-c", command, f"--wb={workbook.name}", "--from_xl=1", "--app=EXCEL.EXE", "--hwnd=1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    return proc, json.loads(actions.read_text(encoding="utf-8")) if actions.exists() else {}


def test_the_exact_command_validates_a_fixture(tmp_path, write) -> None:
    from test_excel_actions import PLANTED_MARKS, planted_filing
    from test_excel_harness import fill_of, replay

    workbook = write(planted_filing(), "planted.xlsx")
    proc, actions = run_like_excel("validate", workbook, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    wb, alerts = replay(workbook, actions)
    for loc, fill in PLANTED_MARKS.items():
        sheet, ref = loc.rsplit("!", 1)
        assert fill_of(wb[sheet][ref]) == fill
        assert wb[sheet][ref].comment is not None
    assert "校验结果" in wb.sheetnames
    assert alerts[0]["title"] == "政务公开年报 · 校验本表"


def test_the_exact_command_for_a_button_without_excel_features(tmp_path, write, seed_filing) -> None:
    """汇总 needs Excel's file picker: outside desktop Excel the clerk gets a message, not a traceback."""
    from test_excel_harness import replay

    workbook = write(seed_filing, "seed.xlsx")
    proc, actions = run_like_excel("rollup", workbook, tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    _, alerts = replay(workbook, actions)
    assert "Windows 版 Excel" in alerts[0]["prompt"]


# --------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------
def test_cli_build(tmp_path, capsys, xlam) -> None:
    from gxxl.cli import main

    out = tmp_path / "dist" / "gxxl.xlam"
    assert main(["addin", "build", "-o", str(out)]) == 0
    assert out.read_bytes() == xlam
    printed = capsys.readouterr().out
    assert "已生成加载项" in printed and "校验本表" in printed and "GXXL_STATUS" in printed
    assert main(["addin", "build", "-o", str(tmp_path / "gxxl.xlsx")]) == 2
    assert "扩展名应为 .xlam" in capsys.readouterr().err
    # --force overwrites, as in every verb
    out.write_bytes(b"old")
    assert main(["addin", "build", "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_bytes() == b"old"
    assert main(["addin", "build", "-o", str(out), "--force"]) == 0 and out.read_bytes() == xlam
    capsys.readouterr()
    assert main(["addin", "build", "-o", str(out), "--force", "--json"]) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    assert data["output"] == str(out) and "校验本表" in data["buttons"] and "GXXL_STATUS" in data["functions"]


@pytest.mark.skipif(sys.platform.startswith("win"), reason="the refusal is for other systems")
def test_cli_install_refuses_politely_off_windows(capsys) -> None:
    from gxxl.cli import main

    assert main(["addin", "install"]) == 2
    err = capsys.readouterr().err
    assert "只能在 Windows 上运行" in err and "gxxl addin build" in err and "WPS" in err
    assert main(["addin"]) == 2


def test_install_writes_the_addin_with_this_python(tmp_path) -> None:
    from gxxl.excel.install import check_environment, install

    check = check_environment()
    assert check.ok, check.problems
    path = install(tmp_path / "XLSTART", interpreter=r"C:\Python311\pythonw.exe")
    assert path.name == "gxxl.xlam"
    with zipfile.ZipFile(path) as z:
        assert rb"C:\Python311\pythonw.exe" in z.read("xl/worksheets/sheet1.xml")
    copied = install(tmp_path / "other", source=path)
    assert copied.read_bytes() == path.read_bytes()


def test_install_notices_a_wrong_xlwings(monkeypatch) -> None:
    import importlib.metadata

    from gxxl.excel import install as inst

    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.30.0" if name == "xlwings" else real(name))
    check = inst.check_environment()
    assert not check.ok
    assert f"pip install xlwings=={XLWINGS_PIN}" in check.problems[0]


# --------------------------------------------------------------------------------------
# what only another program can say
# --------------------------------------------------------------------------------------
@pytest.mark.libreoffice
def test_libreoffice_opens_the_addin(tmp_path, xlam, soffice) -> None:
    """LibreOffice imports every module with its type and reads the gxxl.conf sheet.

    (It refuses the add-in content type, so a copy is relabelled as .xlsm.)
    """
    book = tmp_path / "gxxl.xlsm"
    with zipfile.ZipFile(__import__("io").BytesIO(xlam)) as src, zipfile.ZipFile(book, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled", b"ms-excel.sheet.macroEnabled")
            dst.writestr(info, data)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "ods", "--outdir", str(tmp_path / "out"), str(book)],
        check=True, capture_output=True, timeout=180,
    )
    with zipfile.ZipFile(tmp_path / "out" / "gxxl.ods") as ods:
        basic = {n.rsplit("/", 1)[1][:-4]: ods.read(n).decode() for n in ods.namelist()
                 if n.startswith(f"Basic/{PROJECT_NAME}/") and not n.endswith("script-lb.xml")}
        content = ods.read("content.xml").decode()
    types = {name: re.search(r'script:moduleType="(\w+)"', text).group(1) for name, text in basic.items()}
    assert types == {"ThisWorkbook": "document", CONF_CODE_NAME: "document", "xlwings": "normal", "Dictionary": "class",
                     "GxxlRibbon": "normal", "xlwings_udfs": "normal", "GxxlFunctionInfo": "normal"}
    assert "gxxl.excel.udfs" in content and "Use UDF Server" in content


def test_files_are_written_without_os_fchmod(tmp_path, monkeypatch, xlam) -> None:
    """Python on Windows has os.fchmod only from 3.13; the add-in's files are written there."""
    from gxxl.excel.actions import template_file
    from gxxl.excel.build import build_addin

    monkeypatch.delattr(os, "fchmod", raising=False)
    monkeypatch.setenv("GXXL_USER_DIR", str(tmp_path / "user"))
    assert build_addin(tmp_path / "gxxl.xlam").read_bytes() == xlam
    assert template_file().exists()
