"""The Excel layer's boundaries (docs/ARCHITECTURE.md): the engine never imports xlwings,
and nothing but the dispatcher needs ``gxxl.excel.actions``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gxxl"
IMPORTS_XLWINGS = re.compile(r"^\s*(import xlwings|from xlwings)", re.M)


def test_only_the_excel_package_imports_xlwings() -> None:
    offenders = [p.relative_to(ROOT) for p in PACKAGE.rglob("*.py")
                 if IMPORTS_XLWINGS.search(p.read_text(encoding="utf-8")) and "excel" not in p.relative_to(PACKAGE).parts[:1]]
    assert offenders == []


def test_only_the_dispatcher_imports_the_actions() -> None:
    users = [p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")
             if re.search(r"(excel\.actions|from \.actions import|from \. import actions)", p.read_text(encoding="utf-8"))
             and p.name != "actions.py"]
    assert users == ["gxxl/excel/dispatch.py"]


def test_engine_and_cli_run_without_xlwings(tmp_path) -> None:
    sample = ROOT / "workbooks" / "示例县_05_财政局.xlsx"
    code = (
        "import sys\n"
        "from gxxl.cli import main\n"
        f"rc = main(['validate', {str(sample)!r}])\n"
        "import gxxl.excel, gxxl.excel.ribbon, gxxl.excel.vba\n"
        "assert rc == 1, rc\n"
        "bad = sorted(m for m in sys.modules if m == 'xlwings' or m.startswith('xlwings.') or m == 'gxxl.excel.actions')\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
