"""Check a drafted report's numbers against the tables (``gxxl check-text``).

Each claim found by :mod:`gxxl.report.claims` is compared with the filing; each one that
contradicts the tables becomes a :class:`~gxxl.findings.Finding` that quotes the sentence
and gives the claimed and the table value:

* T3-8 表三 counts (新收、上年结转、办结、结转, outcomes and their items, applicants);
* T4-3 行政复议/行政诉讼 counts and results, 「均获维持」;
* T2-6 规章/规范性文件 counts, 表二 decisions and 行政事业性收费;
* S-8  percentages: a share 「占x%」 or 「办结率x%」 that is not the tables' ratio;
* T3-9 「全部办结」 while something is carried over to next year.

The rule IDs are the reference's (annual-report-format.md §4); text–table checks are
warnings there, so every finding here is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..filing import Filing
from ..findings import Finding, fmt_num
from .claims import Claim, Quantity, extract, quantities
from .draft import Paragraph, read_draft
from .numbers import decimal_value as _num
from .numbers import fmt_percent, printed_matches, ratio_percent

SEVERITY = "warning"
QUOTE_MAX = 90


@dataclass
class Checked:
    claim: Claim
    #: True agrees, False contradicts, None cannot be checked (the cells are blank or not in the source)
    ok: bool | None
    table: float | int | str | None
    cells: tuple[str, ...]
    finding: Finding | None
    #: how the table value was taken when not straight from the cells (「总计栏空白，按各申请人栏之和」)
    note: str = ""


def check_text(draft: str | Path | list[Paragraph], filing: Filing) -> tuple[list[Checked], list[Finding]]:
    """(every claim with its verdict, the findings for the contradictions)."""
    paragraphs = read_draft(draft) if isinstance(draft, (str, Path)) else draft
    source = str(draft) if isinstance(draft, (str, Path)) else None
    qs = quantities(filing.spec)
    claims = [c for c in (_restrict(c, qs) for c in extract(filing.spec, paragraphs)) if c is not None]
    known = _Known(filing)
    checked = [_check(c, known, qs, source) for c in claims]
    return checked, [c.finding for c in checked if c.finding is not None]


def _restrict(c: Claim, qs: dict[str, Quantity]) -> Claim | None:
    """The claim with only the quantities this format's tables hold (the 2014–2018 统计表 has
    no 结转, no 尚未审结 …); None when nothing of it is in the tables."""
    keep = tuple(k for k in c.quantities if k in qs)
    if not keep:
        return None
    if c.kind == "allkeep" and not all(f"{k.rsplit(':', 1)[0]}:{r}" in qs for k in keep for r in ("total", "fix", "other", "pending")):
        return None
    if keep != c.quantities or any(b not in qs for b in c.bases):
        from dataclasses import replace

        c = replace(c, quantities=keep, bases=tuple(b for b in c.bases if b in qs))
    return c


# ------------------------------------------------------------------------------------------
class _Known:
    """The filing's cells as the text may be compared with them: a blank cell, a cell not in
    the imported source, or text is unknown (None), never 0.  A blank 总计 of 表三 is the sum
    of the applicant columns when they hold numbers (and the result says so)."""

    def __init__(self, filing: Filing):
        from ..gaps import source_gaps

        self.filing = filing
        absent, unreadable = source_gaps(filing)
        self.gaps = absent | unreadable
        self.notes: dict[str, str] = {}
        spec = filing.spec
        t3 = spec.table_by_code.get("T3")
        self.row_cols: dict[str, list[str]] = {}
        if t3 is not None and len(t3.columns) > 2:
            total_col = t3.columns[-1].code
            for r in t3.rows:
                cells = [f"T3.{r.code}.{c.code}" for c in t3.columns]
                if all(c in spec.cells for c in cells) and cells[-1].endswith("." + total_col):
                    self.row_cols[cells[-1]] = cells[:-1]

    def cell(self, code: str):
        v = self.filing.values.get(code)
        if v is not None:
            return v
        if code in self.gaps:
            return None
        parts = self.row_cols.get(code)
        if parts and all(p not in self.gaps for p in parts):
            nums = [self.filing.values.get(p) for p in parts]
            if any(n is not None for n in nums):
                self.notes[code] = "总计栏空白，按各申请人栏之和"
                return sum(n for n in nums if n is not None)
        return None

    def value(self, cells: tuple[str, ...]):
        vals = [self.cell(c) for c in cells]
        if any(v is None for v in vals):
            return None
        t = sum(vals)
        return round(t, 6) if isinstance(t, float) else t

    def note(self, cells: tuple[str, ...]) -> str:
        return "；".join(dict.fromkeys(self.notes[c] for c in cells if c in self.notes))


def _options(q: Quantity, filing: "_Known"):
    return [(cells, filing.value(cells)) for cells in q.options]


def _cannot(c: Claim, q: Quantity) -> Checked:
    return Checked(c, None, None, q.options[0], None, "统计表中相应单元格空白或不在来源中，无法核对")


def _check(c: Claim, filing: "_Known", qs: dict[str, Quantity], source: str | None) -> Checked:
    if c.kind == "count":
        return _count(c, filing, qs, source)
    if c.kind in ("share", "rate"):
        return _share(c, filing, qs, source)
    return _quality(c, filing, qs, source)


def _count(c: Claim, filing: "_Known", qs, source) -> Checked:
    first = None
    for key in c.quantities:
        q = qs[key]
        for cells, v in _options(q, filing):
            if v is None:
                continue
            first = first or (q, cells, v)
            if _same(c, v, q):
                return Checked(c, True, v, cells, None, filing.note(cells))
    if first is None:
        return _cannot(c, qs[c.quantities[0]])
    q, cells, v = first
    claimed = _claimed_text(c, q)
    table = f"{fmt_num(v)}{'万元' if q.money else '件'}"
    what = "、".join(dict.fromkeys(qs[k].name for k in c.quantities))
    if c.zero_in_words:
        msg = f"称{_said(c)}（即{what}为0），统计表为{table}"
    else:
        msg = f"{what}写为{claimed}，统计表为{table}"
    if filing.note(cells):
        msg += f"（{filing.note(cells)}）"
    return Checked(c, False, v, cells, _finding(q.rule, c, msg, cells, filing.filing, _num(c.value), v, source),
                   filing.note(cells))


def _same(c: Claim, table, q: Quantity) -> bool:
    claimed = c.value
    if q.money:
        if c.unit == "元":
            return abs(Decimal(str(table)) * 10000 - claimed) < Decimal("0.5")
        decimals = max(0, -claimed.as_tuple().exponent)
        shown = Decimal(str(table)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return shown == claimed
    return Decimal(str(table)) == claimed


def _share(c: Claim, filing: "_Known", qs, source) -> Checked:
    bases = c.bases or _default_bases(c, qs)
    first = None
    unknown = False
    for key in c.quantities:
        for cells, v in _options(qs[key], filing):
            for bkey in bases:
                for bcells, bv in _options(qs[bkey], filing):
                    if v is None or bv is None:
                        unknown = True
                        continue
                    ratio = ratio_percent(v, bv)
                    if ratio is None:
                        continue
                    first = first or (qs[key], cells, v, qs[bkey], bcells, bv, ratio)
                    if printed_matches(c.printed, ratio):
                        return Checked(c, True, float(ratio), cells + bcells, None)
    if first is None and unknown:
        return _cannot(c, qs[c.quantities[0]])
    if first is None:
        return Checked(c, True, None, (), None)  # the base is 0 in the tables: nothing to compare
    q, cells, v, bq, bcells, bv, ratio = first
    shown = fmt_percent(ratio)
    if c.kind == "rate":
        msg = (f"办结率写为{c.printed}%，按统计表办结{fmt_num(v)}件÷（新收+上年结转）{fmt_num(bv)}件={shown}%")
    else:
        msg = f"{q.name}的占比写为{c.printed}%，按统计表{q.name}{fmt_num(v)}件÷{bq.name}{fmt_num(bv)}件={shown}%"
    computed = float(Decimal(ratio.numerator) / Decimal(ratio.denominator))
    return Checked(c, False, round(computed, 1), cells + bcells,
                   _finding("S-8", c, msg, cells + bcells, filing.filing, _num(c.value), round(computed, 1), source))


def _default_bases(c: Claim, qs) -> tuple[str, ...]:
    out: list[str] = []
    for key in c.quantities:
        out += qs[key].bases
    return tuple(b for b in (tuple(dict.fromkeys(out)) or ("total", "new", "pool")) if b in qs)


def _quality(c: Claim, filing: "_Known", qs, source) -> Checked:
    if c.kind == "alldone":
        q = qs["carry_over"]
        (cells, v), = _options(q, filing)
        if v is None:
            return _cannot(c, q)
        if v == 0:
            return Checked(c, True, v, cells, None)
        msg = f"称“{c.surface}”，但统计表中{q.name}为{fmt_num(v)}件"
        return Checked(c, False, v, cells, _finding("T3-9", c, msg, cells, filing.filing, None, v, source))
    if c.kind == "allperson":
        q = qs[c.quantities[0]]
        cells, v = _options(q, filing)[0]
        new_q = qs["new"]
        (ncells, nv), = _options(new_q, filing)
        if v is None or nv is None:
            return _cannot(c, q)
        if v == nv and nv:
            return Checked(c, True, v, cells, None)
        msg = f"称“{c.surface}”，但统计表中{new_q.name}{fmt_num(nv)}件，其中{q.name}{fmt_num(v)}件"
        return Checked(c, False, v, cells + ncells, _finding("T3-8", c, msg, cells + ncells, filing.filing, None, v, source))
    if c.kind == "allclosed":
        return _all_closed(c, filing, qs, source)
    # allkeep: every case of the block(s) upheld
    bad = []
    cells_all: tuple[str, ...] = ()
    for key in c.quantities:
        q = qs[key]
        block = key.rsplit(":", 1)[0]
        tq = qs[f"{block}:total"]
        (cells, keep), = _options(q, filing)
        (tcells, total), = _options(tq, filing)
        cells_all += tcells + cells
        if keep is None or total is None:
            return _cannot(c, q)
        if total and keep != total:
            rest = []
            for res in ("fix", "other", "pending"):
                rq = qs[f"{block}:{res}"]
                (_, n), = _options(rq, filing)
                if n:
                    rest.append(f"{rq.name.replace(tq.name, '')}{fmt_num(n)}件")
            bad.append(f"{tq.name}{fmt_num(total)}件，其中结果维持{fmt_num(keep)}件" + ("、" + "、".join(rest) if rest else ""))
        elif not total and len(c.quantities) == 1:
            bad.append(f"{tq.name}为0件，无案件可维持")
    if not bad:
        return Checked(c, True, None, cells_all, None)
    msg = f"称“{c.surface}”，但统计表中" + "；".join(bad)
    return Checked(c, False, None, cells_all, _finding("T4-3", c, msg, cells_all, filing.filing, None, None, source))


def _all_closed(c: Claim, filing: "_Known", qs, source) -> Checked:
    """「均已审结」: nothing of the block(s) 尚未审结."""
    bad, cells_all = [], ()
    for key in c.quantities:
        q = qs[key]
        (cells, n), = _options(q, filing)
        cells_all += cells
        if n is None:
            return _cannot(c, q)
        if n:
            bad.append(f"{q.name}{fmt_num(n)}件")
    if not bad:
        return Checked(c, True, 0, cells_all, None)
    msg = f"称“{c.surface}”，但统计表中" + "、".join(bad)
    return Checked(c, False, None, cells_all, _finding("T4-3", c, msg, cells_all, filing.filing, None, None, source))


# ------------------------------------------------------------------------------------------
def _claimed_text(c: Claim, q: Quantity) -> str:
    if q.money:
        return f"{fmt_num(_num(c.value))}{c.unit or '万元'}"
    return f"{fmt_num(_num(c.value))}件"


def _said(c: Claim) -> str:
    return f"“{c.surface}”" if c.surface else "为0"


def _quote(sentence: str, surface: str, pos: int = -1) -> str:
    """The sentence, or a window of it around the claim (never a scan of a long sentence)."""
    if len(sentence) > 4 * QUOTE_MAX:
        i = pos if pos >= 0 else 0
        a, b = max(0, i - 40), min(len(sentence), i + len(surface) + 40)
        return ("……" if a else "") + " ".join(sentence[a:b].split()) + ("……" if b < len(sentence) else "")
    s = " ".join(sentence.split())
    if len(s) <= QUOTE_MAX:
        return s
    i = s.find(surface) if surface else -1
    if i < 0:
        return s[:QUOTE_MAX] + "……"
    a = max(0, i - 30)
    b = min(len(s), i + len(surface) + 30)
    return ("……" if a else "") + s[a:b] + ("……" if b < len(s) else "")


def _finding(rule: str, c: Claim, what: str, cells: tuple[str, ...], filing: Filing, reported, computed,
             source: str | None) -> Finding:
    times = f"（该句在文中出现{c.occurrences}次）" if c.occurrences > 1 else ""
    where = f"第{c.paragraph}段" if c.paragraph else "正文"
    msg = f"{where}“{_quote(c.sentence, c.surface, c.pos)}”：{what}{times}"
    return Finding(
        rule=rule, severity=SEVERITY, message=msg, cells=tuple(cells),
        locations=tuple(filing.where(x) for x in cells), reported=reported, computed=computed,
        file=source,
    )
