"""One published report → its audit: the engine's findings for a page, plus the page checks.

:func:`audit_page` runs, for one saved page, exactly the engine's steps —
:func:`gxxl.importer.import_source` (page → filing), :func:`gxxl.api.validate` (S-1, 勾稽),
:func:`gxxl.report.checktext.check_text` (text vs tables; called directly because the
API's ``check_text`` validates the filing once more) — and the page checks
of :mod:`gxxl.audit.page`, then keeps what is a finding *about the published report*:

* cells that are not in the copy (the importer's I-1: a table or row not found, a copy cut
  short) decide nothing: a sum with such a cell, a blank warning for it and a text claim
  compared with it are dropped (the page did not show them);
* blank cells the page *did* publish are one A-10 warning per table, not one per cell;
* the cover checks (C-1, C-2) are about gxxl's own workbook and are left out; the unit,
  level and year found on the page are columns of the summary instead;
* the importer's own decisions (I-*) stay in the imported workbook's 导入说明 sheet.

The result is a small picklable :class:`PageAudit` (a process pool returns it).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding, sort_key
from .rules import RULE_BY_ID, is_defect

#: rules the audit leaves out of a published page's findings (see the module docstring)
DROPPED = ("C-1", "C-2", "X-1")
BLANK_RULES = ("T3-4", "T2-1", "T4-2", "L-0")
STAGES = ("import", "page", "validate", "check-text", "workbook")


@dataclass
class PageAudit:
    index: int
    #: what the person gave: a path, or the URL the page was fetched from
    source: str
    #: the local file audited (for a URL: the saved copy), "" when nothing could be read
    file: str = ""
    unit: str = ""
    level: str = ""
    year: int | None = None
    format_id: str = ""
    format_name: str = ""
    #: table code → (cells found, cells in the official table, state in Chinese)
    tables: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    truncated: bool = False
    text_checked: bool = False
    findings: list[Finding] = field(default_factory=list)
    grade: str = ""
    workbook: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def defects(self) -> list[Finding]:
        return [f for f in self.findings if is_defect(f)]

    @property
    def label(self) -> str:
        return self.unit or Path(self.file or self.source).name


def failed(index: int, source: str, reason: str, file: str = "") -> PageAudit:
    """A source that could not be fetched or read: one A-0 finding with the reason."""
    return PageAudit(index=index, source=source, file=file,
                     findings=[RULE_BY_ID["A-0"].finding(reason=reason, where=source, file=file or source)])


def audit_page(index: int, path: str | Path, *, source: str | None = None, workbook: Path | None = None) -> PageAudit:
    """Audit one saved page; ``workbook`` is where to keep the imported workbook (or None)."""
    from .sources import MHTML_EXT, mhtml_html

    path = Path(path)
    if path.suffix.lower() in MHTML_EXT:
        try:
            html = mhtml_html(path.read_bytes())
        except OSError:
            html = None
        if html is not None:  # a browser's web archive: the page inside it, in a temporary file
            import tempfile

            with tempfile.TemporaryDirectory(prefix="gxxl-mhtml-") as tmp:
                inner = Path(tmp) / (path.stem + ".html")
                inner.write_bytes(html)
                a = _audit_page(index, inner, source=source or str(path), workbook=workbook)
            a.file = str(path)
            a.findings = [f.model_copy(update={"file": str(path)}) for f in a.findings]
            return a
    return _audit_page(index, path, source=source, workbook=workbook)


def _audit_page(index: int, path: Path, *, source: str | None, workbook: Path | None) -> PageAudit:
    from .. import api
    from ..errors import GxxlError
    from ..importer import import_source

    path = Path(path)
    source = source or str(path)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    try:
        result = _format_from_text(path, import_source(path))
    except GxxlError as e:
        return failed(index, source, f"{path.name}：{e}", str(path))
    secs["import"] = time.perf_counter() - t
    filing, doc = result.filing, result.document
    if not doc.lines and not doc.grids:
        return failed(index, source, f"{path.name}：页面中没有文字", str(path))
    cover = filing.cover
    year = cover.get("year") if isinstance(cover.get("year"), int) else None
    level = cover.get("level") if isinstance(cover.get("level"), str) else None
    spec = filing.spec
    file = str(path)

    t = time.perf_counter()
    from .page import check_page

    cells = [c.text for g in doc.grids for row in g.rows for c in row if c.text and not c.text[:1].isdigit()]
    page_findings, facts = check_page(doc.lines, spec=spec, year=year, level=level, coverage=result.coverage,
                                      cells=cells, file=file)
    secs["page"] = time.perf_counter() - t

    t = time.perf_counter()
    from ..validate import suspects

    absent = {c for f in result.findings if f.rule == "I-1" for c in f.cells}
    # cells the page does not show are not "blank in the source": validated without them, the
    # engine makes no blank finding for them (a sum with such a cell is dropped below)
    shown = filing.model_copy(update={"problems": {c: p for c, p in filing.problems.items() if c not in absent}})
    table_findings = _table_findings(api.validate(shown).findings, filing, absent, file)
    table_findings += suspects(table_findings, spec)
    table_findings += _decisions_as_items(filing, absent, file) + _unreadable_tables(result, file)
    secs["validate"] = time.perf_counter() - t

    t = time.perf_counter()
    if any(f.rule == "A-13" for f in page_findings):  # not a report: nothing else to say about it
        table_findings, text_findings, text_checked = [], [], True
    else:
        text_findings, text_checked = _text_findings(path, filing, absent, file)
    if not text_checked:
        page_findings.append(RULE_BY_ID["A-11"].finding(name=spec.name, file=file))
    secs["check-text"] = time.perf_counter() - t

    kept = ""
    if workbook is not None:
        t = time.perf_counter()
        from .fastbook import write_fast  # the same file as gxxl import writes, without rebuilding the template

        if any(n for n, _ in result.coverage.values()):
            write_fast(result, workbook)
            kept = str(workbook)
        secs["workbook"] = time.perf_counter() - t

    findings = sorted(page_findings + table_findings + text_findings, key=lambda f: (sort_key(f)[0], _rule_order(f.rule)))
    return PageAudit(
        index=index, source=source, file=file, unit=str(cover.get("unit_name") or ""), level=level or "",
        year=year, format_id=spec.id, format_name=spec.name, tables=facts["tables"], truncated=facts["truncated"],
        text_checked=text_checked, findings=[f if f.file else f.model_copy(update={"file": file}) for f in findings],
        workbook=kept, seconds=secs,
    )


def _rule_order(rule: str) -> tuple:
    m = re.match(r"([A-Z]+)(\d*)-(\d+)", rule)
    return (m.group(1), int(m.group(2) or 0), int(m.group(3))) if m else (rule, 0, 0)


def _format_from_text(path: Path, result):
    """When the page has no table the importer could read, the format is judged by its labels
    anywhere on the page (a page with the 2019 tables flattened to lines is still a 2019 page),
    with the engine's one format detector."""
    from ..detect import detect_format
    from ..importer import import_source

    if any(n for n, _ in result.coverage.values()):
        return result
    found = detect_format(x for x in result.document.lines if len(x) <= 40)
    if found.spec is not None and found.spec.id != result.spec.id:
        return import_source(path, spec_id=found.spec.id)
    return result


def _table_findings(found: list[Finding], filing, absent: set[str], file: str) -> list[Finding]:
    out: list[Finding] = []
    blanks: dict[str, list[Finding]] = {}
    for f in found:
        if f.rule in DROPPED or f.rule.startswith(("I-", "F-")) and f.rule != "F-2":
            continue
        if any(c in absent for c in f.cells):
            continue
        if f.rule in BLANK_RULES and f.reported is None and f.cells and filing.problems.get(f.cells[0], ("",))[0] == "blank":
            blanks.setdefault(f.cells[0].split(".")[0], []).append(f)
            continue
        out.append(f)
    spec = filing.spec
    for code, fs in blanks.items():
        table = spec.table_by_code[code]
        first = fs[0]
        out.append(RULE_BY_ID["A-10"].finding(
            where=first.locations[0] if first.locations else "", tname=table.number, n=len(fs),
            first=spec.cell_label(first.cells[0]), file=file,
        ).model_copy(update={"cells": tuple(f.cells[0] for f in fs)}))
    return out


def _text_findings(path: Path, filing, absent: set[str], file: str) -> tuple[list[Finding], bool]:
    from ..report.checktext import check_text
    from ..report.draft import DraftError
    from ..report.vocab import UnsupportedFormat

    try:
        _, findings = check_text(path, filing)
    except UnsupportedFormat:
        return [], False
    except DraftError:
        return [], False
    keep = []
    for f in findings:
        if any(c in absent or filing.values.get(c) is None for c in f.cells):
            continue  # the table value is not on the page (cut off, or published blank)
        keep.append(f.model_copy(update={"file": file}))
    return keep, True


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def _decisions_as_items(filing, absent: set[str], file: str) -> list[Finding]:
    """A-15: 处理决定数量 = 上一年项目数量 + 本年增/减 in every row where all three are
    published and the sum is not 0, with at least one such row whose 增/减 is not 0."""
    from ..layout import cell_positions, sheet_ref
    from .rules import DECISIONS_AS_ITEMS as P

    spec = filing.spec
    table = spec.table_by_code.get(P.table)
    if table is None:
        return []
    rows, changed = [], False
    for row in table.rows:
        codes = [f"{P.table}.{row.code}.{c}" for c in (P.prev, P.change, P.decisions)]
        if any(c not in spec.cells or c in absent for c in codes):
            continue
        prev, change, decisions = (filing.values.get(c) for c in codes)
        if not all(_number(v) for v in (prev, change, decisions)) or prev + change == 0:
            continue
        if decisions != prev + change:
            return []
        rows.append((row, codes, prev, change, decisions))
        changed = changed or change != 0
    if not rows or not changed:
        return []
    sign = lambda v: f"+{v:g}" if v >= 0 else f"{v:g}"  # noqa: E731
    said = "；".join(f"{r.short or r.label}：{p:g}{sign(c)}={d:g}" for r, _, p, c, d in rows)
    cells = tuple(c for _, codes, *_ in rows for c in codes)
    pos = cell_positions(spec).get(rows[0][1][2])
    return [RULE_BY_ID["A-15"].finding(
        where=sheet_ref(*pos) if pos else "", quote=said, tname=table.number, rows=said, file=file,
    ).model_copy(update={"cells": cells})]


def _unreadable_tables(result, file: str) -> list[Finding]:
    """A-16: one finding per table where rows (at least ``STRUCTURE_DAMAGE_MIN_ROWS``) could not
    be given to columns (the importer's ``cells_unreadable`` state, its I-12 decisions)."""
    from ..gaps import source_gaps
    from .rules import STRUCTURE_DAMAGE_MIN_ROWS

    spec = result.filing.spec
    _, unreadable = source_gaps(result.filing)
    out = []
    for table in spec.tables:
        cells = tuple(c.code for c in table.cells if c.code in unreadable)
        if len({spec.cells[c].row for c in cells}) < STRUCTURE_DAMAGE_MIN_ROWS:
            continue
        where = next((f.locations[0] for f in result.findings
                      if f.rule == "I-12" and f.locations and set(f.cells) & set(cells)), "")
        out.append(RULE_BY_ID["A-16"].finding(
            where=where, tname=table.number, n=len(cells), first=spec.cell_label(cells[0]), file=file,
        ).model_copy(update={"cells": cells}))
    return out
