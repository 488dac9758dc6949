"""Rounds of 报送 → 退回 → 重报: each unit's history, for the 汇总情况 and 缺报单位 sheets.

A unit's submissions are grouped by its identity (统一社会信用代码 or normalised name,
the same keys that decide duplicates); a file that cannot be read joins the unit whose
other submissions came from the same mail address, when that is one unit.  They are
ordered by arrival (the message's Date, else the file time), and the replies of the
退回 ledger (:mod:`.feedback`) are placed after the submission they answered::

    第1次报送（01-21 09:30）→ 退回（已发送）→ 第2次报送（01-25 10:00）→ 已汇总
"""

from __future__ import annotations

import datetime as _dt

from . import policy as P


def _when(e: P.Entry) -> str:
    mail = e.source.email
    if mail is not None and mail.date is not None:  # as the sender's clock showed it
        return mail.date.strftime("%m-%d %H:%M")
    t = e.source.time if e.source.time is not None else (e.scan.mtime if e.scan is not None else None)
    if not t:
        return ""
    return _dt.datetime.fromtimestamp(t).astimezone().strftime("%m-%d %H:%M")


def _order(e: P.Entry) -> tuple:
    t = e.source.time if e.source.time is not None else (e.scan.mtime if e.scan is not None else 0.0)
    return (t or 0.0, e.no)


def groups(entries: list[P.Entry]) -> list[list[P.Entry]]:
    """Submissions of one unit together (readable ones by unit keys, the rest by sender)."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    readable = [e for e in entries if e.scan is not None and e.scan.readable and e.keys()]
    readable_nos = {e.no for e in readable}
    for e in readable:
        find(e.no)
        for k in e.keys():
            if k in owner:
                parent[find(e.no)] = find(owner[k])
            else:
                owner[k] = e.no
    by_addr: dict[str, set[int]] = {}
    for e in readable:
        addr = _addr(e)
        if addr:
            by_addr.setdefault(addr, set()).add(find(e.no))
    out: dict[int, list[P.Entry]] = {}
    for e in entries:
        if e.no in readable_nos:
            root = find(e.no)
        else:
            roots = by_addr.get(_addr(e), set())
            root = next(iter(roots)) if len(roots) == 1 else find(e.no)
        out.setdefault(root, []).append(e)
    return [sorted(g, key=_order) for g in out.values()]


def _addr(e: P.Entry) -> str:
    mail = e.source.email
    return (mail.from_addr or "").lower() if mail is not None else ""


def annotate_history(decision: P.Decision, replies: list[dict]) -> None:
    """Set ``entry.history`` for every entry and ``entry.returned`` for latest ones sent back."""
    from .feedback import RETURN

    by_sha: dict[str, dict] = {}
    by_mid: dict[tuple[str, str], dict] = {}
    for r in replies:
        if r.get("source_sha256"):
            by_sha[r["source_sha256"]] = r
        if r.get("source_message_id"):
            by_mid[(r["source_message_id"], r.get("source_name", ""))] = r
    for group in groups(decision.entries):
        # the submission that counts: the one summed, else the one the policy kept (not 重复), else the last
        current = next((e for e in group if e.status == P.INCLUDED), None) \
            or next((e for e in reversed(group) if e.status != P.DUPLICATE), group[-1])
        k = group.index(current) + 1
        steps = []
        reply_of_current = None
        for i, e in enumerate(group, start=1):
            when = _when(e)
            steps.append(f"第{i}次报送" + (f"（{when}）" if when else ""))
            sha = e.scan.sha256 if e.scan is not None else ""
            mid = e.source.email.message_id if e.source.email is not None else ""
            r = by_sha.get(sha) if sha else by_mid.get((mid, e.source.display.split(" → ")[-1]))
            if r is not None:
                state = "已发送" if r.get("sent") else "待发送"
                steps.append(f"{r.get('kind', RETURN)}（{state}）")
            if e is current:
                reply_of_current = r
        if reply_of_current is not None and reply_of_current.get("kind") == RETURN and current.status != P.INCLUDED:
            current.returned = True  # the history ends with the 退回: waiting for a resubmission
        else:
            steps.append(current.status if k == len(group) else f"采用第{k}次报送：{current.status}")
        text = " → ".join(steps)
        for i, e in enumerate(group, start=1):
            e.history = text
            if e is not current and e.status != P.DUPLICATE:  # 年度不符, 无法读取 … of another round
                e.reasons.append(f"该单位另有报送（第{k}次报送：{current.source.display}），以该次为准")


#: the 缺报单位 sheet's words for a roster unit without an accepted submission
NOT_SUBMITTED = "未报送"
RETURNED_NOT_RESUBMITTED = "已退回未重报"


def mark_missing(decision: P.Decision) -> None:
    """缺报单位: a unit whose latest submission was sent back reads 「已退回未重报」."""
    out = []
    for u, what, rel in decision.missing:
        latest = max(rel, key=_order) if rel else None
        if latest is not None and latest.returned:
            reason = latest.reasons[0] if latest.reasons else latest.status
            what = f"{RETURNED_NOT_RESUBMITTED}：{latest.history}（{reason}）"
        out.append((u, what, rel))
    decision.missing = out
