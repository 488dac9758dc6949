"""Reading one submitted workbook in a worker process and returning a compact record.

A worker reads the file (``gxxl.reader.read_filing``), validates it and hands back a
:class:`Scan`: plain tuples and arrays (the cover fields the roll-up needs, finding
counts, the first few messages, the SHA-256 and the non-zero values by cell index), not
a whole ``Filing`` — that keeps inter-process traffic and the parent's memory small.

Validation is ``gxxl.validate.validate`` itself: its fast path (each rule's *prover*,
compiled once per spec from the same module as the rule's evaluator) shows on plain
numbers that a rule cannot fire and skips it; any rule that could fire is evaluated, so
every message comes from the one evaluator.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from typing import NamedTuple

from ..errors import MSG_RESAVE
from ..filing import NO_NUMBER, Filing
from ..reader import read_filing
from ..spec import get_spec
from ..validate import validate

#: how many error/warning messages of a file the ledger shows
MAX_NOTES = 3


class Member(NamedTuple):
    """One unit counted inside an aggregate (from the aggregate's hidden metadata)."""

    name: str
    credit_code: str
    level: str
    sha: str
    aggregate: bool
    #: the lower aggregate this unit was counted in ("" when counted directly)
    via: str


class Scan(NamedTuple):
    readable: bool
    spec_id: str
    #: "unit" or "aggregate" (the ``kind`` of the hidden metadata sheet)
    kind: str
    unit_name: str
    credit_code: str
    level: str
    #: the cover's 报告年度: an int, the raw text when it is not a year, or None
    year: object
    date: str
    version: str
    errors: int
    warnings: int
    #: distinct rule IDs of the error findings (F-1/F-2 decide the ledger status)
    error_rules: tuple[str, ...]
    #: the first few error and warning messages, for the ledger's 说明
    notes: tuple[str, ...]
    #: the first F-1/F-2 message (why the file is unreadable or not the official tables)
    file_note: str
    sha256: str
    mtime: float
    #: non-zero numbers: index into the spec's cell order → value
    cells: array
    values: array
    #: cells that hold no usable number (text, formula without result): (index, raw text)
    texts: tuple[tuple[int, str], ...]
    #: members of an aggregate (None for a unit's own report)
    members: tuple[Member, ...] | None
    #: False when an aggregate's member list is missing or damaged
    members_ok: bool


def findings_for(filing: Filing) -> list:
    """``validate(filing)``: its provers (``spec.compiled_checks``) make a clean filing cheap."""
    return validate(filing)


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return ""
    return h.hexdigest()


def scan_path(path: str) -> Scan:
    """Read, validate and summarise one workbook.  Never raises."""
    sha = sha256_of(path)
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = 0.0
    try:
        filing = read_filing(path)
        findings = findings_for(filing)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a damaged file must never stop the run (a Rust panic is a BaseException)
        return _unreadable(f"读取时发生意外错误，文件可能已损坏；{MSG_RESAVE}", sha, mtime)
    return summarise(filing, findings, sha, mtime)


#: the ledger's 说明 for a file whose worker process died while reading it
MSG_WORKER_DIED = f"读取时进程意外终止（文件可能已损坏、过大或是恶意构造的），未读取；{MSG_RESAVE}"


def crashed_scan(path: str) -> Scan:
    """The record of a file whose worker died (abort, out-of-memory kill): 无法读取."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = 0.0
    return _unreadable(MSG_WORKER_DIED, sha256_of(path), mtime)


def _unreadable(message: str, sha: str, mtime: float) -> Scan:
    return Scan(False, get_spec().id, "unit", "", "", "", None, "", "", 1, 0, ("F-1",), (message,), message, sha, mtime,
                array("H"), array("d"), (), None, True)


def summarise(filing: Filing, findings: list, sha: str, mtime: float) -> Scan:
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    # the reader prefixes file-level messages with the file name; the ledger shows it already
    prefix = os.path.basename(filing.source or "") + "："

    def text(message: str) -> str:
        return message[len(prefix):] if prefix != "：" and message.startswith(prefix) else message

    notes = tuple(text(f.message) for f in (errors + warnings)[:MAX_NOTES])
    cells, values, texts = array("H"), array("d"), []
    if filing.readable:
        codes = tuple(filing.spec.cells)
        vals = list(map(filing.values.get, codes))
        nonzero = [i for i, v in enumerate(vals) if v]
        cells = array("H", nonzero)
        values = array("d", [vals[i] for i in nonzero])
        if filing.problems:
            index = {c: i for i, c in enumerate(codes)}
            texts = sorted((index[c], p[1]) for c, p in filing.problems.items()
                           if p[0] in NO_NUMBER and c in index)
    cover = filing.cover
    kind = filing.meta.get("kind", "unit") or "unit"
    members, members_ok = (None, True)
    if kind == "aggregate":
        members, members_ok = read_members(filing.meta)
    year = cover.get("year")
    return Scan(
        readable=filing.readable,
        spec_id=filing.spec_id,
        kind=kind,
        unit_name=_s(cover.get("unit_name")),
        credit_code=_s(cover.get("credit_code")),
        level=_s(cover.get("level")),
        year=year if isinstance(year, int) or year is None else str(year),
        date=_s(cover.get("date")),
        version=filing.meta.get("version", ""),
        errors=len(errors),
        warnings=len(warnings),
        error_rules=tuple(dict.fromkeys(f.rule for f in errors)),
        notes=notes,
        file_note=next((text(f.message) for f in errors if f.rule in ("F-1", "F-2")), ""),
        sha256=sha,
        mtime=mtime,
        cells=cells,
        values=values,
        texts=tuple(texts),
        members=members,
        members_ok=members_ok,
    )


def _s(v) -> str:
    return "" if v is None else str(v)


# --------------------------------------------------------------------------------------
# the member list of an aggregate, kept in the hidden metadata sheet
# --------------------------------------------------------------------------------------
#: a cell holds at most 32,767 characters; parts stay well below that
PART_CHARS = 30000


def members_meta(members: list[Member]) -> dict[str, str]:
    """Metadata entries for an aggregate's member list: compact JSON split into parts.

    ``members_count`` and ``members_parts`` say how many units and parts there are;
    ``members.1``, ``members.2`` … each hold a JSON array of objects
    ``{"n": name, "c": 统一社会信用代码, "l": 行政层级, "h": first 16 hex digits of the
    file's SHA-256, "a": 1 for an aggregate, "v": the lower aggregate it came through}``
    (empty keys left out).
    """
    parts: list[str] = []
    current: list[str] = []
    size = 2
    for m in members:
        d = {"n": m.name}
        if m.credit_code:
            d["c"] = m.credit_code
        if m.level:
            d["l"] = m.level
        if m.sha:
            d["h"] = m.sha[:16]
        if m.aggregate:
            d["a"] = 1
        if m.via:
            d["v"] = m.via
        item = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
        if current and size + len(item) + 1 > PART_CHARS:
            parts.append("[" + ",".join(current) + "]")
            current, size = [], 2
        current.append(item)
        size += len(item) + 1
    if current or not parts:
        parts.append("[" + ",".join(current) + "]")
    out = {"members_count": str(len(members)), "members_parts": str(len(parts))}
    for i, p in enumerate(parts, start=1):
        out[f"members.{i}"] = p
    return out


def read_members(meta: dict[str, str]) -> tuple[tuple[Member, ...], bool]:
    """(members, ok) from an aggregate's metadata; ok is False when the list is damaged."""
    try:
        n_parts = int(meta.get("members_parts", ""))
        count = int(meta.get("members_count", ""))
        out = []
        for i in range(1, n_parts + 1):
            for d in json.loads(meta[f"members.{i}"]):
                out.append(Member(str(d["n"]), str(d.get("c", "")), str(d.get("l", "")), str(d.get("h", "")),
                                  bool(d.get("a")), str(d.get("v", ""))))
        return tuple(out), len(out) == count
    except (ValueError, KeyError, TypeError, AttributeError):
        return (), False
