"""Format specs, one per official format version.  ``get_spec(id)`` returns the spec."""

from __future__ import annotations

from .model import CellSpec, FormatSpec, Rule, TableSpec, cell_code

__all__ = ["CellSpec", "FormatSpec", "Rule", "TableSpec", "cell_code", "get_spec", "all_specs", "spec_for_year", "DEFAULT_SPEC_ID"]

DEFAULT_SPEC_ID = "gov2021"


def all_specs() -> dict[str, FormatSpec]:
    from . import gov2021

    specs = {gov2021.SPEC.id: gov2021.SPEC}
    for mod in ("gov2019", "legacy2014"):
        try:
            m = __import__(f"{__name__}.{mod}", fromlist=["SPEC"])
        except ImportError:
            continue
        specs[m.SPEC.id] = m.SPEC
    return specs


_CACHE: dict[str, FormatSpec] = {}


def get_spec(spec_id: str = DEFAULT_SPEC_ID) -> FormatSpec:
    if not _CACHE:
        _CACHE.update(all_specs())
    return _CACHE[spec_id]


def spec_for_year(year: int) -> FormatSpec | None:
    """The format that applies to a report year (2019–2020 → 2019 试行, 2021– → 2021)."""
    if not _CACHE:
        _CACHE.update(all_specs())
    for spec in _CACHE.values():
        lo, hi = spec.years
        if lo <= year <= hi:
            return spec
    return None
