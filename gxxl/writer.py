"""Filing → workbook in the official template (used by samples, roll-up and import)."""

from __future__ import annotations

from pathlib import Path

from .filing import Filing
from .fileio import save_workbook
from .layout import META_SHEET, cell_positions, cover_positions
from .spec import FormatSpec
from .template import build_template, write_meta
from .cells import append, put  # noqa: F401  (the one way to write user text; re-exported)


def fill_workbook(filing: Filing, spec: FormatSpec | None = None, *, kind: str = "unit", meta: dict[str, str] | None = None):
    """Return an openpyxl Workbook of the template with the filing's cover and values."""
    spec = spec or filing.spec
    wb = build_template(spec)
    cover = wb[spec.cover_sheet]
    for code, (r, c) in cover_positions(spec).items():
        v = filing.cover.get(code)
        if v is not None and v != "":
            put(cover, r, c, v)
    for code, (sheet, r, c) in cell_positions(spec).items():
        v = filing.values.get(code)
        if v is None:
            problem = filing.problems.get(code)
            if problem and problem[0] in ("text", "invalid"):
                put(wb[sheet], r, c, problem[1])  # keep what the unit wrote; never a silent 0
            continue
        put(wb[sheet], r, c, v)
    if kind != "unit" or meta:
        ws = wb[META_SHEET]
        ws.delete_rows(1, ws.max_row)
        write_meta(ws, spec, kind=kind, extra=meta)
    return wb


def write_filing(filing: Filing, path: str | Path, *, force: bool = True, kind: str = "unit",
                 meta: dict[str, str] | None = None, reproducible: bool = True) -> Path:
    wb = fill_workbook(filing, kind=kind, meta=meta)
    return save_workbook(wb, path, force=force, reproducible=reproducible)
