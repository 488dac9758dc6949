"""Format specs, one per official format version.  ``get_spec(id)`` returns the spec."""

from __future__ import annotations

from .model import CellSpec, FormatSpec, Rule, TableSpec, cell_code

__all__ = ["CellSpec", "FormatSpec", "Rule", "TableSpec", "cell_code", "get_spec", "all_specs", "spec_for_year", "DEFAULT_SPEC_ID"]

DEFAULT_SPEC_ID = "gov2021"


#: the format modules (``gxxl/spec/<module>.py``, each exposing ``SPEC``), newest first.
#: A new format is one module and one line here.  A module that fails to import is an
#: error, never silently left out (that would make its workbooks "not the official tables").
FORMAT_MODULES = ("gov2021", "gov2019", "legacy2014")

_CACHE: dict[str, FormatSpec] = {}


def all_specs() -> dict[str, FormatSpec]:
    """Every format's spec by id, newest format first (built once, on first use)."""
    if len(_CACHE) < len(FORMAT_MODULES):
        import importlib

        for mod in FORMAT_MODULES:
            spec = importlib.import_module(f"{__name__}.{mod}").SPEC
            _CACHE[spec.id] = spec
    return dict(_CACHE)


def get_spec(spec_id: str = DEFAULT_SPEC_ID) -> FormatSpec:
    """One format's spec; only its own module is built when the id names a module."""
    if spec_id not in _CACHE:
        if spec_id in FORMAT_MODULES:
            import importlib

            spec = importlib.import_module(f"{__name__}.{spec_id}").SPEC
            _CACHE[spec.id] = spec
        if spec_id not in _CACHE:
            all_specs()
    return _CACHE[spec_id]


def spec_for_year(year: int) -> FormatSpec | None:
    """The format that applies to a report year (2019–2020 → 2019 试行, 2021– → 2021)."""
    for spec in all_specs().values():
        lo, hi = spec.years
        if lo <= year <= hi:
            return spec
    return None
