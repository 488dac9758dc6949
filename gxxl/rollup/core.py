"""The roll-up run: collect inputs, scan them in parallel, decide, sum, write OUT."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import MSG_OUTPUT_BUSY, UserError
from ..filing import Filing
from ..findings import Finding
from ..spec import FormatSpec, get_spec, spec_for_year
from . import policy as P
from .roster import RosterError, RosterUnit, read_roster
from .scan import Scan, members_meta, scan_path
from .sources import Collected, collect

if TYPE_CHECKING:
    from .feedback import FeedbackResult

Progress = Callable[[str, int, int], None]

#: the 行政层级 of an aggregate, from the levels of the units it sums (highest wins)
_LEVEL_UP = (
    ("省级政府", ("省级政府部门", "市级政府")),
    ("市级政府", ("市级政府部门", "县级政府")),
    ("县级政府", ("县级政府部门", "乡镇（街道）")),
)


class RollupError(UserError):
    """A user's mistake that stops the roll-up (message in Chinese, exit 2)."""


@dataclass
class Options:
    inputs: list[str]
    output: Path
    unit: str
    level: str | None = None
    year: int | None = None
    roster: Path | None = None
    include_invalid: bool = False
    force: bool = False
    jobs: int | None = None
    #: write the 退回 package (annotated copies, reply messages, ledger) into this folder
    feedback: Path | None = None


@dataclass
class Result:
    decision: P.Decision
    spec: FormatSpec
    aggregate: Filing
    findings: list[Finding]
    output: Path
    level: str
    level_inferred: bool
    year_inferred: bool
    roster: list[RosterUnit] | None
    collected: Collected
    detail_rows: int
    seconds: dict[str, float] = field(default_factory=dict)
    feedback: "FeedbackResult | None" = None

    @property
    def files(self) -> int:
        return len(self.decision.entries)


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run(opts: Options, progress: Progress | None = None) -> Result:
    from ..gate import session

    with session():  # the submissions, e-mails and roster of this run are never written over
        return _run(opts, progress)


def _run(opts: Options, progress: Progress | None = None) -> Result:
    t0 = time.perf_counter()
    spec_default = get_spec()
    out = Path(opts.output)
    if out.suffix.lower() != ".xlsx":
        raise RollupError(f"输出文件应为 .xlsx 工作簿：{out}")
    if out.is_dir():
        raise RollupError(f"{out} 是一个文件夹，请指定输出文件名，如 -o 汇总.xlsx")
    from ..fileio import check_output

    check_output(out, force=opts.force)  # exists without --force, a device, …: before any work
    if not (opts.unit or "").strip():
        raise RollupError("请用 --unit 指定汇总单位名称（写入汇总表封面），如 --unit 示例县人民政府")
    if opts.level and opts.level not in spec_default.levels:
        raise RollupError(f"--level「{opts.level}」不是规定的行政层级，应为：{'、'.join(spec_default.levels)}")
    if opts.feedback is not None:
        from .feedback import check_folder

        check_folder(Path(opts.feedback), opts.inputs)
    roster = None
    if opts.roster is not None:
        try:
            roster = read_roster(opts.roster)
        except RosterError as e:
            raise RollupError(str(e)) from None
    tmp = Path(tempfile.mkdtemp(prefix="gxxl-rollup-"))
    try:
        skip = (Path(opts.roster),) if opts.roster else ()
        collected = collect(opts.inputs, tmp, skip=skip, output=out)
        check_output(out, force=opts.force)  # never over a submission, the roster or an .eml
        if not collected.sources:
            raise RollupError("没有找到要汇总的文件" + ("：" + "；".join(collected.notes) if collected.notes else ""))
        t1 = time.perf_counter()
        scans = scan_all([s.path for s in collected.sources], [bool(s.problem) for s in collected.sources],
                         jobs=opts.jobs, progress=progress)
        t2 = time.perf_counter()
        entries = [P.Entry(no=i + 1, source=src, scan=sc) for i, (src, sc) in enumerate(zip(collected.sources, scans))]
        _none_readable(collected.sources, scans)
        year, year_inferred = _year(opts.year, scans)
        spec = spec_for_year(year)
        if spec is None:
            raise RollupError(f"{year}年度没有对应的统计表格式，请检查 --year")
        decision = P.decide(entries, year=year, spec_id=spec.id, spec_label=f"{spec.basis}", unit_name=opts.unit.strip(),
                            roster=roster, include_invalid=opts.include_invalid)
        level, level_inferred = _level(opts.level, entries, decision)
        fb = None
        replies: list[dict] = []
        if opts.feedback is not None:
            from .feedback import write_package

            if progress:
                progress("feedback", 0, 1)
            fb = write_package(decision, Path(opts.feedback), year=year, office=opts.unit.strip())
            replies = fb.replies
        from .rounds import annotate_history, mark_missing

        annotate_history(decision, replies)
        mark_missing(decision)
        aggregate = sum_filings(spec, decision.included)
        aggregate.cover.update(unit_name=opts.unit.strip(), level=level, year=year,
                               date=_dt.date.today().isoformat(), preparer="gxxl 汇总")
        from ..validate import validate

        findings = validate(aggregate, spec)
        t3 = time.perf_counter()
        meta = {
            "rollup_unit": opts.unit.strip(),
            "rollup_year": str(year),
            "rollup_time": _dt.datetime.now().isoformat(timespec="seconds"),
            "rollup_files": str(len(entries)),
            "rollup_included": str(len(decision.included)),
            **members_meta(decision.members),
        }
        from ..fileio import atomic_write_bytes
        from .output import build_workbook

        if progress:
            progress("write", 0, 1)
        data = build_workbook(decision, spec=spec, aggregate=aggregate, findings=findings, meta=meta,
                              headline=headline(decision, opts.unit.strip(), year, roster is not None),
                              roster_given=roster is not None, include_invalid=opts.include_invalid,
                              jobs=opts.jobs or available_cpus())
        try:
            atomic_write_bytes(out, data, force=opts.force)
        except PermissionError:
            raise RollupError(MSG_OUTPUT_BUSY.format(path=out)) from None
        t4 = time.perf_counter()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    detail = sum(len(e.scan.cells) + len(e.scan.texts) for e in decision.included)
    return Result(
        decision=decision, spec=spec, aggregate=aggregate, findings=findings, output=out, level=level,
        level_inferred=level_inferred, year_inferred=year_inferred, roster=roster, collected=collected,
        detail_rows=detail, feedback=fb,
        seconds={"collect": t1 - t0, "scan": t2 - t1, "decide": t3 - t2, "write": t4 - t3, "total": t4 - t0},
    )


def headline(d: P.Decision, unit: str, year: int, roster: bool) -> str:
    parts = [f"{s}{d.count(s)}个" for s in P.STATUSES if d.count(s)]
    text = f"汇总单位：{unit}；报告年度：{year}；共收到文件{len(d.entries)}个：" + "，".join(parts)
    if roster:
        text += f"；缺报单位{len(d.missing)}个"
    return text


# --------------------------------------------------------------------------------------
# scanning, in parallel
# --------------------------------------------------------------------------------------
def _job(arg: tuple[int, str]) -> tuple[int, Scan]:
    i, path = arg
    return i, scan_path(path)


def scan_all(paths: list[Path], skip: list[bool], *, jobs: int | None = None,
             progress: Progress | None = None) -> list[Scan | None]:
    """Scan every path (None where ``skip``), in worker processes from two files on (rollup/pool.py)."""
    todo = [(i, str(p)) for i, (p, s) in enumerate(zip(paths, skip)) if not s]
    out: list[Scan | None] = [None] * len(paths)
    n = len(todo)
    jobs = available_cpus() if not jobs else max(1, jobs)
    done = 0
    if progress:
        progress("scan", 0, n)
    if jobs == 1 or n < 2:
        # in this process: -j 1, or one file (a file that could crash the reader is refused by
        # the input gate first); from two files on, worker processes isolate any crash
        for arg in todo:
            i, sc = _job(arg)
            out[i] = sc
            done += 1
            if progress:
                progress("scan", done, n)
        return out
    from . import pool
    from .scan import crashed_scan

    def done_one(i: int, sc: Scan) -> None:
        nonlocal done
        out[i] = sc
        done += 1
        if progress:
            progress("scan", done, n)

    chunk = max(1, min(64, n // (jobs * 8)))
    pool.run(scan_path, todo, jobs=jobs, chunk=chunk, crashed=crashed_scan, done=done_one)
    return out


# --------------------------------------------------------------------------------------
# year, level, sums
# --------------------------------------------------------------------------------------
def _none_readable(sources, scans: list[Scan | None]) -> None:
    """Stop with the files' own reasons when not one of them can be read (nothing to sum)."""
    if any(s is not None and s.readable for s in scans):
        return
    reasons = []
    for src, sc in list(zip(sources, scans))[:3]:
        why = src.problem or (sc.file_note if sc is not None else "") or "无法读取"
        reasons.append(f"{src.display}：{why}")
    more = "；……" if len(scans) > 3 else ""
    raise RollupError(f"收到的 {len(scans)} 个文件都无法作为统计表读取，未生成汇总表（" + "；".join(reasons) + more
                      + "）；可先用 gxxl validate 查看各文件的问题")


def _year(given: int | None, scans: list[Scan | None]) -> tuple[int, bool]:
    if given:
        return given, False
    if not any(s is not None and s.readable for s in scans):
        raise RollupError(f"收到的 {len(scans)} 个文件都无法作为统计表读取（不是 Excel 工作簿、已损坏、加密或不是年报统计表），未生成汇总表；可先用 gxxl validate 查看各文件的问题")
    years = Counter(s.year for s in scans if s is not None and s.readable and isinstance(s.year, int))
    if not years:
        raise RollupError("无法从文件中确定报告年度，请用 --year 指定，如 --year 2024")
    best = max(years.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return best, True


def _level(given: str | None, entries: list[P.Entry], decision: P.Decision) -> tuple[str, bool]:
    if given:
        return given, False
    pool = [e for e in decision.included] or [e for e in entries if e.scan is not None and e.scan.readable]
    levels = {e.scan.level for e in pool}
    for level, below in _LEVEL_UP:
        if levels & set(below):
            return level, True
    raise RollupError("无法根据下级单位推断汇总单位的行政层级，请用 --level 指定，如 --level 县级政府")


def sum_filings(spec: FormatSpec, included: list[P.Entry]) -> Filing:
    """The aggregate: every cell is the sum of that cell (by code) over the included units."""
    codes = list(spec.cells)
    totals = [0.0] * len(codes)
    for e in included:
        for i, v in zip(e.scan.cells, e.scan.values):
            totals[i] += v
    f = Filing.zeros(spec)
    for i, code in enumerate(codes):
        t = totals[i]
        if t.is_integer():
            f.values[code] = int(t)
        else:
            t = round(t, 6)
            f.values[code] = int(t) if t.is_integer() else t
    return f
