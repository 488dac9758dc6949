"""Which submissions are summed: the roll-up's policy, applied to scanned files.

Every input file gets exactly one status (the ledger's 状态), decided in this order:

1. 无法读取 — not a workbook, encrypted, damaged, 0 bytes, an email without workbooks.
2. 格式不符 — not the official tables (a table missing, an empty workbook), or a format
   other than the one for the roll-up year.
3. 年度不符 — the cover's 报告年度 is another year.
4. 重复 — (a) the same unit submitted more than once (same 统一社会信用代码 or the same
   normalised name): the latest by 填报日期, then file time (the email's Date for
   attachments), then input order is kept; (b) an earlier aggregate of the aggregating
   unit itself; (c) a unit already counted inside a lower aggregate that is summed
   (double counting); (d) a lower aggregate sharing units with a larger one already
   summed.
5. 名单外单位 — with a roster, a unit not on it.  Not summed: the roster defines the unit
   set (reference §5.3 rule 4); add the unit to the roster and roll up again.
6. 有错误未汇总 — a unit with errors; summed only with ``--include-invalid``.
7. 已汇总 — summed.

The latest submission of a unit is what counts, even when it has errors: an older clean
version is not silently summed instead.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ..text import norm
from .roster import RosterUnit
from .scan import Member, Scan
from .sources import Source

INCLUDED = "已汇总"
INVALID = "有错误未汇总"
DUPLICATE = "重复"
WRONG_YEAR = "年度不符"
WRONG_FORMAT = "格式不符"
UNREADABLE = "无法读取"
OFF_ROSTER = "名单外单位"
#: ledger order of statuses in summaries
STATUSES = (INCLUDED, INVALID, DUPLICATE, WRONG_YEAR, WRONG_FORMAT, UNREADABLE, OFF_ROSTER)


def policy_text(include_invalid: bool, roster: bool) -> str:
    """The policy line printed at the top of the 汇总情况 sheet."""
    parts = [
        "汇总规则：各单位报表按单元格逐项相加（按栏目代码，不按位置）。",
        "有错误的文件" + ("也计入汇总（使用了 --include-invalid），并在说明中注明。" if include_invalid
                          else "不计入汇总（状态“有错误未汇总”），改正后重新报送再汇总。"),
        "同一单位（统一社会信用代码相同或名称相同）报送多份的，只计填报日期最新的一份（日期相同按文件时间），其余标“重复”。",
        "已包含在下级汇总表中的单位不再直接计入，标“重复”（避免重复计算）。",
        "报告年度与本次汇总年度不同的标“年度不符”，不是官方统计表或格式不对的标“格式不符”，均不计入。",
    ]
    if roster:
        parts.append("不在应报单位名单中的单位标“名单外单位”，不计入汇总；如确属应报单位，请补入名单后重新汇总。")
    return "".join(parts)


@dataclass
class Entry:
    no: int
    source: Source
    scan: Scan | None
    status: str = ""
    reasons: list[str] = field(default_factory=list)
    #: the aggregate that already contains this unit (double counting)
    covered_by: "Entry | None" = None
    roster_unit: RosterUnit | None = None
    #: the unit's rounds: 「第1次报送（…）→ 退回（已发送）→ 第2次报送（…）→ 已汇总」 (see .rounds)
    history: str = ""
    #: this latest submission was sent back (a 退回 reply exists for it)
    returned: bool = False

    @property
    def included(self) -> bool:
        return self.status == INCLUDED

    @property
    def is_aggregate(self) -> bool:
        return self.scan is not None and self.scan.kind == "aggregate"

    @property
    def name(self) -> str:
        return self.scan.unit_name if self.scan else ""

    def keys(self) -> set[str]:
        s = self.scan
        return unit_keys(s.unit_name, s.credit_code) if s else frozenset()

    def member_keys(self) -> set[str]:
        out = set()
        for m in (self.scan.members or ()) if self.scan else ():
            out |= unit_keys(m.name, m.credit_code)
        return out


@functools.lru_cache(maxsize=1 << 16)
def unit_keys(name: str, credit_code: str) -> frozenset[str]:
    """Identity keys of a unit: its 统一社会信用代码 (when 18 characters) and its normalised name.
    (Cached: a roll-up asks for each unit's keys several times, and for each aggregate
    member's once per aggregate.)"""
    keys = set()
    code = norm(credit_code).upper()
    if len(code) == 18:
        keys.add("c:" + code)
    n = norm(name)
    if n:
        keys.add("n:" + n)
    return frozenset(keys)


_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


def date_key(text: str) -> tuple[int, int, int]:
    """「2025-01-20」「2025年1月20日」「2025.1.20」→ (2025, 1, 20); unknown → (0, 0, 0)."""
    m = _DATE.search(norm(text)) if text else None
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)


@dataclass
class Decision:
    entries: list[Entry]
    year: int
    #: roster units without an accepted submission: (unit, what happened, related entries)
    missing: list[tuple[RosterUnit, str, list[Entry]]]
    #: the member list of the new aggregate (units summed directly and through lower aggregates)
    members: list[Member]

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)

    @property
    def included(self) -> list[Entry]:
        return [e for e in self.entries if e.included]


def decide(entries: list[Entry], *, year: int, spec_id: str, spec_label: str, unit_name: str,
           roster: list[RosterUnit] | None, include_invalid: bool) -> Decision:
    candidates: list[Entry] = []
    for e in entries:
        s = e.scan
        if e.source.problem:
            e.status = UNREADABLE
            e.reasons.append(e.source.problem)
        elif s is None or not s.readable:
            e.status = WRONG_FORMAT if s is not None and "F-2" in s.error_rules else UNREADABLE
            e.reasons.append(s.file_note if s else "无法读取")
        elif "F-2" in s.error_rules:
            e.status = WRONG_FORMAT
            e.reasons.append(s.file_note)
        elif s.spec_id != spec_id:
            e.status = WRONG_FORMAT
            e.reasons.append(f"报表格式（{s.spec_id}）不是{year}年度应使用的格式（{spec_label}）")
        elif isinstance(s.year, int) and s.year != year:
            e.status = WRONG_YEAR
            e.reasons.append(f"封面报告年度为{s.year}年，本次汇总的是{year}年度；请核实是否报错了文件")
        elif e.is_aggregate and unit_name and norm(s.unit_name) == norm(unit_name):
            e.status = DUPLICATE
            e.reasons.append(f"这是汇总单位「{unit_name}」自己此前生成的汇总表，不能再计入本次汇总")
        else:
            candidates.append(e)
        if e.source.remark:
            e.reasons.append(e.source.remark)

    latest = _resolve_duplicates(candidates)
    by_code, by_name = _roster_index(roster or [])
    eligible: list[Entry] = []
    for e in latest:
        s = e.scan
        if roster is not None:
            e.roster_unit = _match(by_code, by_name, s.unit_name, s.credit_code)
            if e.roster_unit is None:
                e.status = OFF_ROSTER
                e.reasons.append("不在应报单位名单中，未计入汇总；如确属应报单位，请补入名单后重新汇总")
                continue
        if s.errors and not include_invalid:
            e.status = INVALID
            e.reasons.append(f"有{s.errors}处错误，未计入汇总：" + "；".join(s.notes[:2]) + ("等" if s.errors > 2 else ""))
            continue
        eligible.append(e)
    if roster is not None:
        _suggest(entries, roster)

    # lower aggregates first (the largest first), so a unit inside one is not counted again
    claimed: dict[str, Entry] = {}
    aggregates = sorted((e for e in eligible if e.is_aggregate), key=lambda e: (-len(e.scan.members or ()), e.no))
    for a in aggregates:
        own = a.keys()
        keys = own | a.member_keys()
        hit = [claimed[k] for k in sorted(own) if k in claimed] or [claimed[k] for k in sorted(keys) if k in claimed]
        if hit:
            other = hit[0]
            a.status = DUPLICATE
            if any(k in claimed for k in own):
                a.reasons.append(f"已含在下级汇总「{other.name}」（{other.source.display}）中，不再重复计入")
            else:
                shared = sorted({_key_label(k) for k in keys if k in claimed})
                a.reasons.append(f"与下级汇总「{other.name}」（{other.source.display}）有{len(shared)}个相同单位"
                                 f"（{'、'.join(shared[:5])}{'等' if len(shared) > 5 else ''}），为避免重复计算未计入；请核实两份汇总表的范围")
            a.covered_by = other
            continue
        for k in keys:
            claimed[k] = a
        _include(a, include_invalid)
        if not a.scan.members_ok:
            a.reasons.append("汇总表的成员名单缺失或已损坏，无法检查其中的单位是否被重复计算，请核实")
    for e in eligible:
        if e.is_aggregate:
            continue
        hit = [claimed[k] for k in e.keys() if k in claimed]
        if hit:
            e.status = DUPLICATE
            e.covered_by = hit[0]
            e.reasons.append(f"已含在下级汇总「{hit[0].name}」（{hit[0].source.display}）中，不再直接计入（避免重复计算）")
            continue
        _include(e, include_invalid)

    members: list[Member] = []
    for e in entries:
        if not e.included:
            continue
        s = e.scan
        members.append(Member(s.unit_name, s.credit_code, s.level, s.sha256, e.is_aggregate, ""))
        if e.is_aggregate:
            for m in s.members or ():
                members.append(m._replace(via=m.via or s.unit_name))
    missing = _missing(entries, roster) if roster is not None else []
    return Decision(entries=entries, year=year, missing=missing, members=members)


def _include(e: Entry, include_invalid: bool) -> None:
    e.status = INCLUDED
    s = e.scan
    if s.errors:
        e.reasons.append(f"有{s.errors}处错误，按 --include-invalid 计入汇总：" + "；".join(s.notes[:2]) + ("等" if s.errors > 2 else ""))
    if s.texts:
        e.reasons.append(f"有{len(s.texts)}个单元格不是数字（如「{s.texts[0][1]}」），汇总时按0计入")
    if s.warnings and not s.errors:
        e.reasons.append(f"有{s.warnings}处警告：" + "；".join(s.notes[:1]) + ("等" if s.warnings > 1 else ""))


def _key_label(key: str) -> str:
    return key[2:]


def _resolve_duplicates(candidates: list[Entry]) -> list[Entry]:
    """Group submissions of the same unit; keep the latest of each group, mark the others 重复."""
    parent = list(range(len(candidates)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, e in enumerate(candidates):
        for k in e.keys():
            if k in owner:
                parent[find(i)] = find(owner[k])
            else:
                owner[k] = i
    groups: dict[int, list[Entry]] = {}
    for i, e in enumerate(candidates):
        groups.setdefault(find(i), []).append(e)
    latest = []
    for group in groups.values():
        if len(group) == 1:
            latest.append(group[0])
            continue
        group.sort(key=lambda e: (date_key(e.scan.date), e.source.time if e.source.time is not None else e.scan.mtime, e.no))
        keep = group[-1]
        latest.append(keep)
        names = {norm(e.scan.unit_name) for e in group}
        for e in group[:-1]:
            e.status = DUPLICATE
            why = f"同一单位报送了{len(group)}份，只计填报日期最新的一份：{keep.source.display}"
            if keep.scan.date and e.scan.date and date_key(keep.scan.date) == date_key(e.scan.date):
                why += "（填报日期相同，按文件时间取较新的）"
            if len(names) > 1:
                why += f"（单位名称不同但统一社会信用代码相同：{'、'.join(sorted({x.scan.unit_name for x in group}))}，请核实）"
            e.reasons.append(why)
    latest.sort(key=lambda e: e.no)
    return latest


def _roster_index(roster: list[RosterUnit]):
    by_code = {u.credit_code: u for u in roster if len(u.credit_code) == 18}
    by_name = {norm(u.name): u for u in roster}
    return by_code, by_name


def _match(by_code, by_name, name: str, code: str) -> RosterUnit | None:
    code = norm(code).upper()
    if code and code in by_code:
        return by_code[code]
    return by_name.get(norm(name))


def _suggest(entries: list[Entry], roster: list[RosterUnit]) -> None:
    """For units off the roster, name roster units with a similar name (「教育局」↔「示例县教育局」)."""
    off = [e for e in entries if e.status == OFF_ROSTER]
    if not off or len(off) * len(roster) > 2_000_000:
        return
    names = [(norm(u.name), u.name) for u in roster]
    for e in off:
        n = norm(e.name)
        if not n:
            continue
        similar = [orig for key, orig in names if n in key or key in n]
        if similar:
            e.reasons.append("名单中有相近的单位：" + "、".join(similar[:3]))


def _missing(entries: list[Entry], roster: list[RosterUnit]) -> list[tuple[RosterUnit, str, list[Entry]]]:
    by_code, by_name = _roster_index(roster)
    covered: set[int] = set()
    related: dict[int, list[Entry]] = {}
    for e in entries:
        s = e.scan
        if s is None or not s.readable:
            continue
        u = _match(by_code, by_name, s.unit_name, s.credit_code)
        if u is not None:
            if e.included:
                covered.add(id(u))
            related.setdefault(id(u), []).append(e)
        if e.included and e.is_aggregate:
            for m in s.members or ():
                mu = _match(by_code, by_name, m.name, m.credit_code)
                if mu is not None:
                    covered.add(id(mu))
    out = []
    for u in roster:
        if id(u) in covered:
            continue
        rel = related.get(id(u), [])
        if not rel:
            out.append((u, "未报送", []))
            continue
        parts = []
        for e in rel:
            reason = e.reasons[0] if e.reasons else ""
            parts.append(f"{e.status}（{reason}）" if reason else e.status)
        out.append((u, "已报送但未汇总：" + "；".join(dict.fromkeys(parts)), rel))
    return out
