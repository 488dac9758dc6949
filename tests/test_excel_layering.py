"""The Excel layer calls the public API: nothing in gxxl/excel/ imports gxxl.cli."""

from __future__ import annotations

import ast
from pathlib import Path

EXCEL = Path(__file__).resolve().parents[1] / "gxxl" / "excel"


def _imports(path: Path, source: str | None = None) -> list[str]:
    """Every module an ``import``/``from … import`` in ``path`` names, made absolute."""
    package = ["gxxl"] + list(path.relative_to(EXCEL.parent).parent.parts)
    found = []
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            found.append(mod)
            found += [f"{mod}.{a.name}" for a in node.names]
    return found


def test_the_excel_layer_imports_nothing_from_the_cli():
    modules = sorted(EXCEL.rglob("*.py"))
    assert len(modules) >= 8  # actions, book, build, dispatch, install, marks, ribbon, udfs, vba/…
    offenders = {str(p.relative_to(EXCEL)): m for p in modules for m in _imports(p)
                 if m == "gxxl.cli" or m.startswith("gxxl.cli.")}
    assert offenders == {}


def test_the_check_sees_relative_imports_of_the_cli():
    """The checker itself: relative imports of the CLI from gxxl/excel/ and gxxl/excel/vba/ are caught."""
    names = _imports(EXCEL / "actions.py", "from ..cli import UserError\nfrom .. import cli\n")
    assert "gxxl.cli" in names and "gxxl.cli.UserError" in names
    names = _imports(EXCEL / "vba" / "project.py", "from ...cli.output import table\n")
    assert "gxxl.cli.output" in names
