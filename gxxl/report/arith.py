"""What a report's text shows by itself (``gxxl check-text REPORT`` without ``--against``).

No table is needed, so this works for reports of any year, including the pre-2019 ones:

* S-9 a stated total and the parts listed with it: 「共372件：现场咨询331件、电话咨询61件」,
  「累计主动公开10220条，其中政务动态4792条，目录信息5403条」, 「现场咨询331件、电话咨询61件，
  共372件」 — the parts (same unit, in the same sentence) must add up to the total;
* S-8 a share 「239件，占80%」 recomputed from the counts it is a share of (the list's sum or
  the total stated before it), rounded as printed;
* S-9 办结 = 新收 + 上年结转 − 结转下年度 when the text states all of them;
* S-9 the results stated for the 行政复议/行政诉讼 cases of a sentence (「行政复议10件，维持6件，纠错2件」:
  2 unexplained).

Every pass over the text is linear in its length (one regex scan per sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..findings import Finding, fmt_num
from bisect import bisect_right

from .claims import CHANGE_WORDS, cn_number, prepare
from .numbers import decimal_value as _num
from .numbers import fmt_percent, printed_matches, ratio_percent

SEVERITY = "warning"
UNITS = "万元|元|件|起|宗|个|条|次|篇|项|期|人次|家|场"
_NUM = re.compile(
    rf"(?P<pre>近|约|超过|逾)?(?<![\d.])(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?P<approx>余|多)?(?P<unit>{UNITS}|%)"
    rf"|(?<![第\d])(?P<cn>[两二三四五六七八九十]{{1,3}})(?P<cnunit>件|起|宗|条|次)"
)
_LIST_START = re.compile(r"^[,:;]?(?:其中|具体包括|具体为|包括|分别为|分别是)[,:]?")
_SHARE = re.compile(r"^[,;:]?(?:占[^,;:。%]{0,10}?)(?P<p>\d+(?:\.\d+)?)%")
_BEFORE_TOTAL = re.compile(r"[,;:](?:共计|合计|总计|共|累计)(?:计)?$")


@dataclass
class Num:
    value: Decimal
    unit: str
    start: int
    end: int
    approx: bool
    clause: int = 0


def _num_of(m, o: int) -> Num | None:
    if m.group("num"):
        v = Decimal(m.group("num").replace(",", ""))
        return Num(v, m.group("unit"), m.start("num") - o, m.end() - o, bool(m.group("pre") or m.group("approx")))
    n = cn_number(m.group("cn"))
    return None if n is None else Num(Decimal(n), m.group("cnunit"), m.start() - o, m.end() - o, False)


def check_arithmetic(paragraphs, source: str | None = None, claims=None) -> tuple[int, list[Finding]]:
    """(how many statements were checked, the findings).  ``paragraphs`` may be a
    :class:`~gxxl.report.claims.Prepared` text and ``claims`` the text's claims when already
    extracted (check-text with ``--against``), so the text is read once."""
    d = prepare(paragraphs)
    per: list[list[Num]] = [[] for _ in d.units]
    ends = [o + len(u[2].text) for o, u in zip(d.offsets, d.units)]
    for m in _NUM.finditer(d.doc):
        k = bisect_right(d.offsets, m.start()) - 1
        if m.end() <= ends[k]:
            n = _num_of(m, d.offsets[k])
            if n is not None:
                per[k].append(n)
    checked = 0
    findings: list[Finding] = []
    prev_total: Num | None = None
    last_para = None
    for k, (number, sent, norm) in enumerate(d.units):
        if number != last_para:
            prev_total, last_para = None, number
        if not per[k]:
            continue
        s = d.doc[d.offsets[k]:ends[k]]
        nums = [n for n in per[k] if not _is_year(s, n)]
        counts = [n for n in nums if n.unit != "%"]
        c, f = _totals(s, norm, counts, number, sent, source)
        checked += c
        findings += f
        c, f, prev_total = _shares(s, norm, nums, prev_total, number, sent, source)
        checked += c
        findings += f
    if claims is None:
        from ..spec import get_spec
        from .claims import extract

        claims = extract(get_spec("gov2021"), d)
    c, f = _closed_identity(d, source, claims)
    c2, f2 = _case_results(claims, source)
    return checked + c + c2, findings + f + f2


def _is_year(s: str, n: Num) -> bool:
    return s[n.end - 1:n.end + 1].startswith("年") and n.unit not in ("件",)


def _quote(sent: str) -> str:
    t = " ".join(sent.split())
    return t if len(t) <= 90 else t[:88] + "……"


def _finding(rule: str, paragraph: int, sent: str, what: str, reported, computed, source) -> Finding:
    return Finding(rule=rule, severity=SEVERITY, message=f"第{paragraph}段“{_quote(sent)}”：{what}",
                   reported=reported, computed=computed, file=source)


# --------------------------------------------------------------------------------------
def _parts_after(s: str, counts: list[Num], i: int) -> list[Num]:
    """The same-unit counts listed after counts[i] (a percentage 「占x%」 between them is fine),
    up to a count of another unit, a change 「较上年增加」 or the end of the sentence."""
    total = counts[i]
    parts = []
    prev_end = total.end
    for n in counts[i + 1:]:
        between = s[prev_end:n.start]
        if not parts:
            between = _LIST_START.sub("", between, count=1)
        if not _plain_gap(between, allow_share=True):
            break
        if n.unit != total.unit:
            break
        parts.append(n)
        prev_end = n.end
    return parts


def _totals(s: str, norm, counts: list[Num], paragraph: int, sent: str, source):
    checked, out = 0, []
    used: set[int] = set()
    for i, t in enumerate(counts):
        if t.approx or i in used:
            continue
        after = s[t.end:t.end + 8]
        before = s[max(0, t.start - 30):t.start]
        total_then_parts = bool(_LIST_START.match(after)) or (
            after.startswith(":") and bool(re.search(r"(?:共|合计|总计|累计)[^,;:。]{0,12}$", before)))
        if total_then_parts:
            parts = _parts_after(s, counts, i)
            if len(parts) >= 2 and not any(p.approx for p in parts):
                used.update(range(i + 1, i + 1 + len(parts)))
                checked += 1
                f = _compare(t, parts, paragraph, sent, source)
                if f:
                    out.append(f)
                continue
        # parts, then 「，共372件」
        if _BEFORE_TOTAL.search(s[max(0, t.start - 4):t.start]):
            parts = []
            j = i - 1
            while j >= 0 and counts[j].unit == t.unit and not counts[j].approx and j not in used:
                between = s[counts[j].end:(parts[0].start if parts else t.start)]
                if not _plain_gap(between[:-4] if not parts else between, allow_share=False) or (
                        parts and _TOTAL_MARK.search(between)):
                    break
                parts.insert(0, counts[j])
                j -= 1
            if len(parts) >= 2:
                checked += 1
                f = _compare(t, parts, paragraph, sent, source)
                if f:
                    out.append(f)
    return checked, out


_TOTAL_MARK = re.compile(r"共|合计|总计|累计")


def _plain_gap(between: str, *, allow_share: bool) -> bool:
    """Text between two listed parts: a short label, no other number, no change, no new sentence."""
    if allow_share:
        between = re.sub(r"占[^,;:。%]{0,10}?\d+(?:\.\d+)?%", "", between)
    return (len(between) <= 20 and not re.search(r"[\d;；]", between) and "。" not in between
            and not CHANGE_WORDS.search(between) and not re.search(r"其中|共|合计|总计|累计", between))


def _compare(total: Num, parts: list[Num], paragraph: int, sent: str, source) -> Finding | None:
    got = sum(p.value for p in parts)
    if got == total.value:
        return None
    u = total.unit
    terms = "+".join(fmt_num(_num(p.value)) for p in parts)
    diff = abs(total.value - got)
    how = "多出" if got > total.value else "少"
    what = (f"所列各项之和为{fmt_num(_num(got))}{u}（{terms}），与所称总数{fmt_num(_num(total.value))}{u}不符"
            f"（各项之和比总数{how}{fmt_num(_num(diff))}{u}）")
    return _finding("S-9", paragraph, sent, what, _num(total.value), _num(got), source)


# --------------------------------------------------------------------------------------
def _shares(s: str, norm, nums: list[Num], prev_total: Num | None, paragraph: int, sent: str, source):
    """「N件，占P%」 pairs of a sentence, checked against the candidate bases."""
    pairs: list[tuple[Num, str]] = []
    standalone: list[Num] = []
    for n in nums:
        if n.unit == "%":
            continue
        m = _SHARE.match(s[n.end:n.end + 16])
        if m and not n.approx:
            pairs.append((n, m.group("p")))
        elif not n.approx:
            standalone.append(n)
    if not pairs:
        last = next((n for n in reversed(standalone)), None)
        return 0, [], last or prev_total
    first = pairs[0][0]
    bases: list[Decimal] = []
    if len(pairs) >= 2 and len({p[0].unit for p in pairs}) == 1:
        bases.append(sum(p[0].value for p in pairs))
    before = None
    before = next((n for n in reversed(standalone) if n.end <= first.start and n.unit == first.unit), None)
    if before is not None:
        bases.append(before.value)
    elif prev_total is not None and prev_total.unit == first.unit:
        bases.append(prev_total.value)
    bases = [b for b in dict.fromkeys(bases) if b]
    if not bases:
        return 0, [], standalone[-1] if standalone else prev_total
    out = []
    checked = 0
    agree = {b: [printed_matches(p, ratio_percent(n.value, b)) for n, p in pairs] for b in bases}
    for i, (n, printed) in enumerate(pairs):
        checked += 1
        if any(agree[b][i] for b in bases):
            continue
        # which base do the other shares of the list use? (no base: no verdict)
        sure = [b for b in bases if sum(agree[b]) >= 1]
        if not sure and len(pairs) > 1:
            continue
        base = (sure or bases)[0]
        exact = ratio_percent(n.value, base)
        what = (f"{fmt_num(_num(n.value))}{n.unit}的占比写为{printed}%，按{fmt_num(_num(n.value))}÷{fmt_num(_num(base))}"
                f"计算为{fmt_percent(exact)}%")
        out.append(_finding("S-8", paragraph, sent, what, float(printed), round(float(exact), 1), source))
    last = standalone[-1] if standalone else prev_total
    return checked, out, last


# --------------------------------------------------------------------------------------
_RESULT_ZH = {"keep": "维持", "fix": "纠正", "other": "其他结果", "pending": "尚未审结"}


def _case_results(claims, source):
    """「行政复议10件，维持6件，纠错2件」: the results stated for the cases of one sentence must
    account for them (S-9: 2 left unexplained); with one result only it is a mention, not a list."""
    groups: dict[tuple, dict[str, list]] = {}
    for c in claims:
        if c.kind != "count" or len(c.quantities) != 1 or not c.quantities[0].startswith("t4:"):
            continue
        _, block, res = c.quantities[0].split(":")
        groups.setdefault((c.paragraph, c.sentence_key or c.sentence, block), {}).setdefault(res, []).append(c)
    checked, out = 0, []
    for (_, _, block), by in groups.items():
        totals = by.get("total", [])
        results = {r: cs for r, cs in by.items() if r != "total"}
        if len(totals) != 1 or len(results) < 2 or any(len(cs) != 1 for cs in results.values()):
            continue
        checked += 1
        total = totals[0].value
        got = sum(cs[0].value for cs in results.values())
        if got == total:
            continue
        c = totals[0]
        listed = "、".join(f"{_RESULT_ZH.get(r, r)}{fmt_num(_num(cs[0].value))}件" for r, cs in results.items())
        what = (f"{c.surface}，所列结果（{listed}）之和为{fmt_num(_num(got))}件，"
                + (f"还有{fmt_num(_num(total - got))}件的结果没有说明" if got < total else f"比总数多{fmt_num(_num(got - total))}件"))
        out.append(_finding("S-9", c.paragraph, c.sentence, what, _num(total), _num(got), source))
    return checked, out


def _closed_identity(paragraphs, source, claims=None):
    """办结 = 新收 + 上年结转 − 结转下年度, when the text states each of them once."""
    from ..spec import get_spec
    from .claims import extract

    if claims is None:
        claims = extract(get_spec("gov2021"), paragraphs)
    vals: dict[str, set[Decimal]] = {}
    where: dict[str, object] = {}
    for c in claims:
        if c.kind == "alldone":
            vals.setdefault("carry_over", set()).add(Decimal(0))
            where.setdefault("carry_over", c)
        if c.kind != "count" or len(c.quantities) != 1:
            continue
        q = c.quantities[0]
        if q in ("new", "carried", "total", "carry_over"):
            vals.setdefault(q, set()).add(c.value)
            where.setdefault(q, c)
    if not all(len(vals.get(q, ())) == 1 for q in ("new", "carried", "total", "carry_over")):
        return 0, []
    new, carried, total, co = (next(iter(vals[q])) for q in ("new", "carried", "total", "carry_over"))
    if total == new + carried - co:
        return 1, []
    c = where["total"]
    what = (f"办结{fmt_num(_num(total))}件，但新收{fmt_num(_num(new))}件＋上年结转{fmt_num(_num(carried))}件"
            f"－结转下年度{fmt_num(_num(co))}件＝{fmt_num(_num(new + carried - co))}件")
    return 1, [_finding("S-9", c.paragraph, c.sentence, what, _num(total), _num(new + carried - co), source)]
