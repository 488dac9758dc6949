"""gxxl's public Python API: one function per job, each returning a typed result.

The CLI verbs (``gxxl/cli/*.py``) parse arguments, call these functions and print; the
Excel add-in's actions (``gxxl/excel/actions.py``) call them and show dialogs.  Nothing
here prints.  A user's mistake raises a :class:`gxxl.errors.GxxlError` subclass whose
message is in Chinese and names the file.

>>> import gxxl
>>> checked = gxxl.validate("workbooks/seed004_某区人民政府办公室_2024.xlsx")   # doctest: +SKIP
>>> checked.ok, checked.counts                                                   # doctest: +SKIP

Functions: :func:`read`, :func:`validate` (``previous=``), :func:`annotate`,
:func:`rollup`, :func:`report`, :func:`check_text`, :func:`import_source`,
:func:`export`, and the pandas frames :func:`to_frame`, :func:`read_frame`,
:func:`detail_frame`.  Heavy libraries (openpyxl, pandas, python-docx) are imported
only by the function that needs them.
"""

from __future__ import annotations

import os
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Union

from .constants import YEAR_MAX, YEAR_MIN
from .records import Mutable
from .errors import MSG_OUTPUT_BUSY, OutputError, UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .filing import Filing
    from .findings import Finding
    from .importer import ImportResult
    from .report.model import Report
    from .rollup.core import Result as RollupResult

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "Validation", "ReportResult", "ReportRefused", "TextCheck", "Imported",
    "read", "read_grids", "validate", "annotate", "rollup", "report", "check_text", "import_source", "export", "template",
    "to_frame", "read_frame", "detail_frame",
]


def _counts(findings) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        out[f.severity] += 1
    return out


# --------------------------------------------------------------------------------------
# read / validate
# --------------------------------------------------------------------------------------
def read(source: PathLike) -> "Filing":
    """One workbook as a :class:`gxxl.filing.Filing` (never raises for a bad file:
    ``filing.readable`` is False and ``filing.findings`` says why)."""
    from .reader import read_filing

    return read_filing(_existing(source))


def read_grids(sheets: dict, name: str = "工作簿", *, source: str | None = None) -> "Filing":
    """A filing from sheet values already in memory (sheet name → rows of values), e.g. an
    open workbook's sheets in Excel; read exactly like the saved file."""
    from .reader import read_filing_grids

    return read_filing_grids(sheets, name, source=source)


class Validation(Mutable):
    """What :func:`validate` found in one filing."""

    filing: "Filing"
    findings: list["Finding"]
    previous: "Filing | None" = None

    @property
    def readable(self) -> bool:
        return self.filing.readable

    @property
    def counts(self) -> dict[str, int]:
        return _counts(self.findings)

    @property
    def errors(self) -> list["Finding"]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        """Readable and no error (warnings still need a 说明)."""
        return self.readable and not self.errors

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for this file: 0 clean, 1 errors, 2 unreadable."""
        return 2 if not self.readable else (1 if self.errors else 0)

    def to_json(self) -> dict:
        filing = self.filing
        return {
            "file": filing.source,
            "unit": filing.unit_name,
            "year": filing.year,
            "format": filing.spec_id,
            "readable": filing.readable,
            "ok": self.ok,
            "counts": self.counts,
            "findings": [f.to_json() for f in self.findings],
        }


def validate(source: "PathLike | Filing", *, previous: "PathLike | Filing | None" = None) -> Validation:
    """Check a workbook (or a filing already read) against every rule of its format.

    With ``previous`` (last year's workbook or filing) the cross-year rules run too
    (T3-5 …, P-* when it is not last year's file of the same unit).
    """
    from .validate import validate as _validate

    filing = _filing(source)
    findings = list(_validate(filing)) if filing.readable else list(filing.findings)
    prev = None
    if previous is not None:
        prev = _filing(previous)
        if filing.readable:
            from .crossyear import check_previous

            findings += check_previous(filing, prev)
    return Validation(filing=filing, findings=findings, previous=prev)


def annotate(checked: Validation, output: PathLike, *, force: bool = False) -> Path:
    """An annotated copy of the validated workbook: failing cells filled and noted, a 校验结果 sheet.

    The input is never changed; ``output`` may not be the input.
    """
    from .annotate import annotate as _annotate

    src = Path(checked.filing.source or "")
    out = Path(output)
    from .fileio import check_output

    check_output(out, inputs=((src, "被校验的工作簿"),))
    if not checked.readable:
        raise UserError(_unreadable_message(checked.filing), path=src)
    try:
        return _annotate(src, checked.filing, checked.findings, out, force=force)
    except PermissionError:
        raise OutputError(MSG_OUTPUT_BUSY.format(path=out), path=out) from None


def template(output: PathLike, *, format: str = "gov2021", force: bool = False) -> Path:
    """Write the blank official template of ``format`` (gov2021, gov2019 …) to ``output``."""
    from .spec import all_specs
    from .template import write_template

    specs = all_specs()
    if format not in specs:
        raise UserError(f"未知格式「{format}」，可选：{'、'.join(specs)}")
    try:
        return write_template(Path(output), specs[format], force=force)
    except PermissionError:
        raise OutputError(MSG_OUTPUT_BUSY.format(path=output), path=output) from None


# --------------------------------------------------------------------------------------
# roll-up
# --------------------------------------------------------------------------------------
def rollup(inputs: Iterable[PathLike], *, output: PathLike, unit: str, level: str | None = None,
           year: int | None = None, roster: PathLike | None = None, include_invalid: bool = False,
           force: bool = False, jobs: int | None = None,
           progress: Callable[[str, int, int], None] | None = None,
           feedback: PathLike | None = None) -> "RollupResult":
    """Sum sub-unit workbooks (files, folders, .eml) into one workbook of the same template.

    Returns the roll-up's result: ``.aggregate`` (a Filing), ``.findings`` (its
    validation), ``.decision`` (the ledger: one entry per file with its status and
    reasons, ``.included``, ``.missing``), ``.output``.  :func:`detail_frame` gives its
    明细 as a pandas frame.  ``feedback``: a folder for the 退回 package (annotated
    copies and reply messages, ``.feedback`` of the result; see ``gxxl send``).
    """
    from .rollup import Options
    from .rollup import run as _run

    if year is not None and not YEAR_MIN <= int(year) <= YEAR_MAX:
        raise UserError(f"报告年度应在 {YEAR_MIN} 到 {YEAR_MAX} 之间：「{year}」")
    opts = Options(
        inputs=[str(i) for i in inputs], output=Path(output), unit=(unit or "").strip(), level=level,
        year=year, roster=Path(roster) if roster else None, include_invalid=include_invalid,
        force=force, jobs=jobs, feedback=Path(feedback) if feedback else None,
    )
    return _run(opts, progress=progress)


# --------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------
class ReportResult(Mutable):
    """What :func:`report` made: the report model, where it was written, what to point out."""

    report: "Report"
    filing: "Filing"
    #: every finding of the validation (and the cross-year check with ``previous``)
    findings: list["Finding"]
    #: the errors and warnings to show with the report (they are also in its text)
    shown: list["Finding"]
    output: Path | None
    to: str
    #: last year's filing used for year-on-year figures (None when not given or not last year)
    previous: "Filing | None" = None
    previous_given: bool = False

    @property
    def fills(self) -> int:
        """Places marked 〔请填写：…〕."""
        return sum(1 for b in self.report.blocks for p in b.pieces if p.mark == "fill")

    @property
    def confirms(self) -> int:
        """Default wordings marked 〔请核实：…〕."""
        return sum(1 for b in self.report.blocks for p in b.pieces if p.mark == "confirm")

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == "error" for f in self.shown) else 0

    def to_json(self) -> dict:
        return {
            "file": self.filing.source, "output": None if self.output is None else str(self.output),
            "to": self.to, "unit": self.filing.unit_name, "year": self.filing.year,
            "sentences": len(self.report.sentences()), "fill": self.fills, "confirm": self.confirms,
            "previous_year": self.previous.year if self.previous is not None else None,
            "findings": [f.to_json() for f in self.shown],
        }


class ReportRefused(UserError):
    """The tables have errors and ``ignore_errors`` was not given; ``.errors`` lists them."""

    def __init__(self, message: str, errors: list, filing):
        super().__init__(message, path=filing.source)
        self.errors = errors
        self.filing = filing


def _session(fn):
    """Run ``fn`` as one input-gate session (gxxl.gate.session): what it reads is protected
    from what it writes, and forgotten afterwards (the Excel add-in runs many operations)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .gate import session

        with session():
            return fn(*args, **kwargs)

    return wrapper


@_session
def report(source: "PathLike | Filing", output: PathLike | None = None, *, to: str | None = None,
           previous: "PathLike | Filing | None" = None, subject: str = "本机关", ignore_errors: bool = False,
           force: bool = False, in_place: bool = False, write: bool = True,
           table_format: str | None = None) -> ReportResult:
    """The report's sections from a workbook (or a filing): Word, Markdown or a 报告章节 sheet.

    ``to`` is the output type (see :data:`gxxl.report.outputs.OUTPUT_TYPES`); by default
    it follows ``output``'s extension, and is ``docx`` without an output.  The filing is
    validated once.  Tables with errors are refused (:class:`ReportRefused`) unless
    ``ignore_errors``.  ``force`` overwrites an existing output; ``in_place`` writes the
    sheet into the source workbook itself.  With ``write=False`` nothing is written (the
    Excel add-in renders the model itself).  ``table_format`` (gov2021 …), when given,
    must be the workbook's format.
    """
    from .report import build_report, check_previous
    from .report.outputs import resolve_target, write_report
    from .report.vocab import UnsupportedFormat, vocab
    from .validate import validate as _validate

    src = None if _is_filing(source) else _existing(source, what="工作簿")
    to, out = resolve_target(src, output, to, force=force, in_place=in_place) if write else (to or "docx", None)
    filing = _filing(source)
    if in_place and src is not None:
        from . import gate

        gate.forget(src)  # the person asked to write into this very workbook
    if not filing.readable:
        raise UserError(_unreadable_message(filing), path=filing.source)
    if table_format is not None and filing.spec_id != table_format:
        raise UserError(f"{Path(filing.source or '工作簿').name}：是 {filing.spec_id} 格式的统计表，"
                        f"不是指定的 {table_format}", path=filing.source)
    try:
        vocab(filing.spec)
    except UnsupportedFormat as e:
        raise UserError(e.explain("生成报告章节") + "，请手工编写报告文字", path=filing.source) from None
    findings = list(_validate(filing))
    errors = [f for f in findings if f.severity == "error"]
    if errors and not ignore_errors:
        raise ReportRefused(
            f"统计表有{len(errors)}处错误，不能据此生成报告；请先更正统计表，"
            "或加 --ignore-errors 仍然生成（稿件开头会注明据有错误的数据生成）", errors, filing)

    prev = None
    cross: list = []
    if previous is not None:
        if not _is_filing(previous):
            prev_path = _existing(previous, what="上一年度的工作簿")
            if src is not None and prev_path.resolve() == src.resolve():
                raise UserError("--previous 指定的是本年度同一个文件，请指定上一年度的工作簿")
            if out is not None:
                from .fileio import check_output

                check_output(out, inputs=((prev_path, "上一年度的工作簿"),))
        prev = _filing(previous)
        if not prev.readable:
            raise UserError("上一年度工作簿：" + _unreadable_message(prev), path=prev.source)
        cross = check_previous(filing, prev)
        findings += cross
        if filing.year and prev.year and prev.year != filing.year - 1:
            prev = None  # not last year's tables: no year-on-year figures (P-1 says why)

    shown = [f for f in findings if f.severity in ("error", "warning") and f not in cross] \
        + [f for f in cross if f.severity != "info"]
    model = build_report(filing, previous=prev, subject=subject, findings=shown)
    if write:
        write_report(model, to, src, out)
    return ReportResult(report=model, filing=filing, findings=findings, shown=shown, output=out, to=to,
                        previous=prev, previous_given=previous is not None)


# --------------------------------------------------------------------------------------
# check-text
# --------------------------------------------------------------------------------------
class TextCheck(Mutable):
    """What :func:`check_text` found: every numeric statement checked against the tables
    (``ok`` True / False / None = cannot be checked: blank or not in the source), the
    contradictions, and the text's own arithmetic (totals vs parts, shares, 办结)."""

    draft: str
    filing: "Filing | None"
    checked: list
    findings: list["Finding"]
    #: errors of the tables themselves (the comparison may be affected)
    table_errors: list["Finding"] = field(default_factory=list)
    #: the text's own arithmetic: how many statements were checked, and what does not add up
    arithmetic_checked: int = 0
    arithmetic: list["Finding"] = field(default_factory=list)

    @property
    def contradictions(self) -> list["Finding"]:
        """Text against tables, then the text against itself."""
        return self.findings + self.arithmetic

    @property
    def ok(self) -> bool:
        return not self.contradictions

    @property
    def exit_code(self) -> int:
        return 1 if self.contradictions else 0

    def to_json(self) -> dict:
        f = self.filing
        return {
            "draft": self.draft, "against": None if f is None else f.source,
            "unit": None if f is None else f.unit_name, "year": None if f is None else f.year,
            "claims": len(self.checked), "cannot_check": sum(1 for c in self.checked if c.ok is None),
            "contradictions": len(self.contradictions), "table_errors": len(self.table_errors),
            "arithmetic_checked": self.arithmetic_checked,
            "checked": [
                {"ok": c.ok, "paragraph": c.claim.paragraph, "text": c.claim.surface, "kind": c.claim.kind,
                 "claimed": c.claim.printed or (None if c.claim.value is None else str(c.claim.value)),
                 "table": c.table, "cells": list(c.cells), "note": c.note}
                for c in self.checked
            ],
            "findings": [x.to_json() for x in self.contradictions],
        }


def check_text(draft: PathLike, against: "PathLike | Filing | None" = None) -> TextCheck:
    """Numbers and percentages in a report (.docx/.txt/.md/.html) that contradict the tables
    (``against``), and what the text shows by itself (totals vs parts, shares, 办结 =
    新收 + 上年结转 − 结转): without ``against`` only the latter."""
    from .report.arith import check_arithmetic
    from .report.checktext import check_text as _check
    from .report.claims import prepare
    from .report.draft import read_draft
    from .report.vocab import UnsupportedFormat
    from .validate import validate as _validate

    text = prepare(read_draft(_existing(draft, what="报告草稿")))
    if against is None:
        n, arith = check_arithmetic(text, str(draft))
        return TextCheck(draft=str(draft), filing=None, checked=[], findings=[], arithmetic_checked=n, arithmetic=arith)
    filing = _filing(against)
    if not filing.readable:
        raise UserError(_unreadable_message(filing), path=filing.source)
    try:
        checked, findings = _check(text, filing)
    except UnsupportedFormat as e:
        raise UserError(e.explain("对照统计表核对报告文字"), path=filing.source) from None
    findings = [f.model_copy(update={"file": str(draft)}) for f in findings]
    n, arith = check_arithmetic(text, str(draft), claims=[c.claim for c in checked])
    table_errors = [f for f in _validate(filing) if f.severity == "error"]
    return TextCheck(draft=str(draft), filing=filing, checked=checked, findings=findings, table_errors=table_errors,
                     arithmetic_checked=n, arithmetic=arith)


# --------------------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------------------
class Imported(Mutable):
    """:func:`import_source`'s result: the importer's decisions and the imported filing's validation."""

    result: "ImportResult"
    validation: Validation
    output: Path | None

    @property
    def filing(self) -> "Filing":
        return self.result.filing

    @property
    def findings(self) -> list["Finding"]:
        """The importer's decisions (I-* …) a person may dispute."""
        return self.result.findings

    @property
    def found_any(self) -> bool:
        return any(n for n, _ in self.result.coverage.values())

    @property
    def exit_code(self) -> int:
        if not self.found_any:
            return 2  # unusable input, like an unreadable file for validate
        return 0 if self.result.ok else 1

    def to_json(self) -> dict:
        r = self.result
        return {
            "source": r.filing.source, "output": None if self.output is None else str(self.output),
            "format": r.spec.id, "cover": r.filing.cover, "coverage": {k: list(v) for k, v in r.coverage.items()},
            "cells": r.state_counts(),
            "ok": r.ok and self.found_any, "findings": [f.to_json() for f in r.findings],
            "validation": self.validation.counts,
        }


@_session
def import_source(source: PathLike, output: PathLike | None = None, *, format: str | None = None,
                  unit: str | None = None, level: str | None = None, year: int | None = None,
                  force: bool = False) -> Imported:
    """A published report, web page, Word file or foreign workbook → a filing of the official tables.

    With ``output`` (.xlsx) the filled template is written with a 导入说明 sheet — only
    when at least one table was found.  ``format`` is the table format (gov2021 …),
    detected from the labels when not given.
    """
    from .importer import import_source as _import
    from .importer import write_import
    from .spec import all_specs

    src = _existing(source, what="来源文件")
    specs = all_specs()
    if format and format not in specs:
        raise UserError(f"未知格式「{format}」，可选：{'、'.join(specs)}")
    out = Path(output) if output is not None else None
    if out is not None:
        if out.suffix.lower() not in (".xlsx", ".xlsm"):
            raise UserError(f"{out}：输出文件应为 .xlsx 工作簿", path=out)
        from .fileio import check_output

        check_output(out, force=force, inputs=((src, "来源文件"),))
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise UserError(f"--year「{year}」不是合理的报告年度")
    spec_for_level = specs[format] if format else next(iter(specs.values()))
    if level and level not in spec_for_level.levels:
        raise UserError(f"--level「{level}」不在规定的行政层级中，可选：{'、'.join(spec_for_level.levels)}")
    from . import gate
    from .importer import SourceError

    gate.check_file(src, role="来源文件")  # a regular file within the size limit: a FIFO or device is never opened
    try:
        result = _import(src, spec_id=format, unit=unit, level=level, year=year)
    except SourceError as e:
        raise type(e)(f"{source}：{e}", path=src) from None
    imported = Imported(result=result, validation=validate(result.filing), output=None)
    if out is not None and imported.found_any:
        try:
            write_import(result, out, force=force)
        except PermissionError:
            raise OutputError(MSG_OUTPUT_BUSY.format(path=out), path=out) from None
        imported.output = out
    return imported


# --------------------------------------------------------------------------------------
# pandas
# --------------------------------------------------------------------------------------
def to_frame(filing: "Filing") -> "pd.DataFrame":
    """One filing in long format (see :func:`gxxl.frame.filing_frame`)."""
    from .frame import filing_frame

    return filing_frame(filing)


def read_frame(sources: Iterable["PathLike | Filing"]) -> "pd.DataFrame":
    """Many workbooks in one long frame: one row per unit × cell, with file, unit, level, year."""
    from .frame import filings_frame

    return filings_frame(_filing(s) for s in sources)


def detail_frame(result: "RollupResult") -> "pd.DataFrame":
    """The roll-up's 明细 (every included file's cells) as a long frame."""
    from .frame import detail_frame as _detail

    return _detail(result.decision, result.spec)


def export(sources: Iterable["PathLike | Filing"], output: PathLike | None = None, *,
           force: bool = False) -> "pd.DataFrame":
    """The long table of many workbooks; with ``output`` also written as .csv (UTF-8 with BOM) or .xlsx.

    Text a spreadsheet would take for a formula (starting with = + - @) is written as text.
    """
    from .frame import write_frame

    frame = read_frame(sources)
    if output is not None:
        write_frame(frame, Path(output), force=force)
    return frame


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _is_filing(x) -> bool:
    return hasattr(x, "spec_id") and hasattr(x, "values")


def _existing(path: PathLike, *, what: str = "文件") -> Path:
    """An input file named by the caller: a readable regular file within the size limit
    (a FIFO or device is never opened), remembered so no output of this run replaces it."""
    from . import gate

    p = Path(path)
    gate.check_file(p, role=what)
    return p


def _filing(source: "PathLike | Filing") -> "Filing":
    if _is_filing(source):
        return source  # type: ignore[return-value]
    return read(source)


def _unreadable_message(filing: "Filing") -> str:
    if filing.findings:
        return filing.findings[0].message
    return f"{Path(filing.source or '工作簿').name}：无法读取"
