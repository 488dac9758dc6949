"""Report sections from the tables, and a check of a drafted report's text against them.

* :func:`build_report` (``compose``): filing → the six-part outline with the official tables
  and sentences generated from the data; rendered by :mod:`.word` (docx), :mod:`.markdown`
  and :mod:`.sheet` (a 报告章节 worksheet in a copy of the workbook).
* :func:`check_previous`: the engine's cross-year checks (:mod:`gxxl.crossyear`: T3-5 …),
  re-exported for ``gxxl report --previous``.
* :func:`check_text` (``checktext``): numeric claims of a draft vs the tables (T3-8, T4-3,
  T2-6, S-8, T3-9).

Used by ``gxxl report`` and ``gxxl check-text``; pure Python on files and data.
"""

from __future__ import annotations

__all__ = ["Block", "Piece", "Report", "build_report", "check_previous", "check_text"]

#: name → module it is loaded from on first use (``gxxl.report.outputs`` and the CLI's
#: argument parser import this package without paying for the report model)
_LAZY = {
    "build_report": ".compose", "Block": ".model", "Piece": ".model", "Report": ".model",
    "check_previous": "..crossyear", "check_text": ".checktext",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
