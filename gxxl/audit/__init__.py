"""``gxxl audit``: review a whole region's published annual reports at once (年报审查).

Pipeline (each stage reuses the engine; nothing is re-implemented here):

1. :mod:`.sources` — files, folders, URL lists; URLs fetched politely and saved beside the
   output;
2. :mod:`.core` — per page: ``import_source`` → ``validate`` → ``check_text`` → the page
   checks of :mod:`.page` (A-* rules declared in :mod:`.rules`); a process pool for many
   pages, results in input order;
3. :mod:`.grades` — 不合格 / 需整改 / 合格 from the declarative ``grades.toml``;
4. :mod:`.output` — the 审查结果 workbook, streamed row by row; each imported workbook is
   kept in ``<output>.导入/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .core import STAGES, PageAudit, audit_page, failed
from .grades import GradeTable, load_grades
from .rules import AUDIT_RULES, KIND_ORDER, kind_of

__all__ = ["AUDIT_RULES", "KIND_ORDER", "Options", "PageAudit", "Summary", "audit_page", "kind_of", "load_grades",
           "run_audit"]


@dataclass
class Options:
    inputs: list[str]
    output: Path | None
    grades: str | None = None
    force: bool = False
    jobs: int | None = None
    keep_workbooks: bool = True
    timeout: float = 20.0
    max_bytes: int = 20 * 1024 * 1024
    delay: float = 1.0


@dataclass
class Summary:
    reports: int = 0
    findings: int = 0
    by_grade: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    output: Path | None = None
    pages_dir: Path | None = None
    workbooks_dir: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def side_folder(output: Path, what: str) -> Path:
    return output.with_name(f"{output.stem}.{what}")


def _job(arg) -> PageAudit:
    index, path, source, workbook = arg
    try:
        return audit_page(index, path, source=source, workbook=Path(workbook) if workbook else None)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # an unexpected failure on one page is that page's row, not a stop
        return failed(index, source, f"{Path(path).name}：审查时出错（{type(e).__name__}: {e}）", str(path))


def _workbook_name(index: int, path: Path) -> str:
    return f"{index + 1:04d}_{path.parent.name[:30]}_{path.stem[:40]}.xlsx"


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def iter_audits(opts: Options, grades: GradeTable, progress=None):
    """Collect, fetch and audit; yield each :class:`PageAudit` (graded) in input order."""
    from . import sources as S

    skip = ()
    out = opts.output
    if out is not None:
        skip = (out, side_folder(out, "导入"))
    items = S.collect(opts.inputs, skip=skip)
    if not items:
        from ..errors import UserError

        raise UserError(f"在 {'、'.join(opts.inputs)} 中没有找到年报页面（.html/.htm/.mhtml/.docx/.txt/.pdf）或网址列表")
    if any(it.is_url for it in items):
        if out is None:
            from ..errors import UserError

            raise UserError("审查网址时请用 -o 指定审查结果工作簿：下载的网页保存在它旁边的“.网页”文件夹，以便离线复查")
        folder = side_folder(out, "网页")
        S.fetch_all(items, folder, timeout=opts.timeout, max_bytes=opts.max_bytes, delay=opts.delay, progress=progress)
    S.known_urls(items)
    wb_dir = side_folder(out, "导入") if (out is not None and opts.keep_workbooks) else None
    tasks, ready = [], {}
    for i, it in enumerate(items):
        if it.error or it.path is None:
            ready[i] = failed(i, it.source, it.error or f"{it.source}：无法获取", str(it.path or ""))
        else:
            wb = str(wb_dir / _workbook_name(i, it.path)) if wb_dir else None
            tasks.append((i, str(it.path), it.source, wb))
    n = len(items)
    jobs = opts.jobs or available_cpus()
    done = 0
    if progress:
        progress("scan", 0, n)

    def finish(a: PageAudit) -> PageAudit:
        a.grade = grades.grade(a.findings)
        return a

    def ordered(results):
        nonlocal done
        pending: dict[int, PageAudit] = dict(ready)
        nxt = 0
        for a in results:
            pending[a.index] = a
            while nxt in pending:
                done += 1
                if progress:
                    progress("scan", done, n)
                yield finish(pending.pop(nxt))
                nxt += 1
        while nxt < n:
            done += 1
            yield finish(pending.pop(nxt))
            nxt += 1

    if jobs == 1 or len(tasks) < 16:
        yield from ordered(_job(t) for t in tasks)
        return
    from ..rollup import pool

    chunk = max(1, min(16, len(tasks) // (jobs * 8)))
    # gxxl.rollup.pool: a worker that dies or hangs costs its page only, Ctrl-C never hangs
    stream = pool.results(_job, [(t[0], t) for t in tasks], jobs=jobs, chunk=chunk, crashed=_crashed)
    try:
        yield from ordered(a for _, a in stream)
    except BaseException:
        stream.close()  # stops and reaps the workers
        _remove_partial(wb_dir)
        raise


def _crashed(task) -> PageAudit:
    index, path, source, _workbook = task
    return failed(index, source, f"{Path(path).name}：审查时进程意外终止（页面可能过大或已损坏）", str(path))


def _remove_partial(folder: Path | None) -> None:
    """Temporary files of workbooks a stopped worker was writing (atomic writes never finished)."""
    if folder is None or not folder.is_dir():
        return
    for tmp in folder.glob(".*.tmp"):
        try:
            tmp.unlink()
        except OSError:
            pass


def run_audit(opts: Options, *, progress=None, on_report=None) -> Summary:
    """The whole audit; ``on_report(PageAudit)`` sees every report (for ``--json``)."""
    import time

    from .output import AuditBook

    grades = load_grades(opts.grades)
    book = AuditBook(grades) if opts.output is not None else None
    summ = Summary(output=opts.output)
    secs = dict.fromkeys(STAGES + ("write",), 0.0)
    by_kind: dict[str, int] = {}
    try:
        _consume(iter_audits(opts, grades, progress), book, summ, secs, by_kind, on_report)
    except BaseException:
        if book is not None:
            book.discard()
        raise
    summ.by_kind = {k: by_kind[k] for k in KIND_ORDER if k in by_kind}
    if book is not None:
        if progress:
            progress("write", 0, 1)
        t = time.perf_counter()
        book.save(opts.output, force=True)
        secs["write"] += time.perf_counter() - t
        wb_dir = side_folder(opts.output, "导入")
        summ.workbooks_dir = wb_dir if wb_dir.is_dir() else None
        pages = side_folder(opts.output, "网页")
        summ.pages_dir = pages if pages.is_dir() else None
    summ.seconds = secs
    return summ


def _consume(audits, book, summ: Summary, secs: dict, by_kind: dict, on_report) -> None:
    import time

    for a in audits:
        summ.reports += 1
        summ.findings += len(a.findings)
        summ.by_grade[a.grade] = summ.by_grade.get(a.grade, 0) + 1
        for f in a.defects:
            k = kind_of(f.rule)
            by_kind[k] = by_kind.get(k, 0) + 1
        for k, v in a.seconds.items():
            secs[k] = secs.get(k, 0.0) + v
        if book is not None:
            t = time.perf_counter()
            book.add(a)
            secs["write"] += time.perf_counter() - t
        if on_report:
            on_report(a)
