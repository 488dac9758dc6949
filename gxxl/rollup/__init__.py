"""Roll-up (汇总): sum sub-unit workbooks by cell code into the same official template.

``run(Options(...))`` collects the inputs (files, folders, ``.eml`` attachments), reads
and validates every workbook in a process pool (:mod:`.scan`), applies the policy
(:mod:`.policy`: errors, duplicates, wrong year or format, roster, double counting
through lower aggregates), sums the included filings and writes OUT with the ledger,
the missing units, the detail and the aggregate's own findings (:mod:`.output`).
"""

from .core import Options, Result, RollupError, run, sum_filings
from .policy import (
    DUPLICATE,
    INCLUDED,
    INVALID,
    OFF_ROSTER,
    STATUSES,
    UNREADABLE,
    WRONG_FORMAT,
    WRONG_YEAR,
)

__all__ = [
    "Options", "Result", "RollupError", "run", "sum_filings",
    "INCLUDED", "INVALID", "DUPLICATE", "WRONG_YEAR", "WRONG_FORMAT", "UNREADABLE", "OFF_ROSTER", "STATUSES",
]
