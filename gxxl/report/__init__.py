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

from .compose import build_report
from ..crossyear import check_previous
from .model import Block, Piece, Report

__all__ = ["Block", "Piece", "Report", "build_report", "check_previous", "check_text"]


def check_text(*args, **kwargs):
    from .checktext import check_text as _check

    return _check(*args, **kwargs)
