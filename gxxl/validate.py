"""The rule evaluator: executes a spec's rules on a filing and returns findings.

The spec says *what* the rules are (``gxxl/spec``: models in ``model.py``, the shared
ones in ``common.py``); this module is the one Python backend that executes them, as
pandera separates a schema from the backend that checks it.  Each kind of rule has

* one **evaluator** ``(ctx, rule) -> list[Finding]`` in :data:`EVALUATORS`, and
* optionally one **prover** ``(spec, rule) -> proof(numbers, level) -> bool`` in
  :data:`PROVERS`: the same rule compiled to index arithmetic on the filing's numbers,
  True when the rule cannot fire.  It shares the tolerance helpers (:func:`sum_holds`,
  :func:`leq_holds`, :func:`not_whole`) with the evaluator.  :func:`validate` skips an
  evaluator whose prover holds, so a clean filing costs a few sums (the roll-up reads
  thousands of them); the result is the same list either way (``validate(fast=False)``
  runs every evaluator; a test compares both).

:func:`evaluate` is the one place that dispatches on ``rule.kind``.  The formula
compiler (``gxxl.formulas``) has its own registry keyed the same way.  A new rule of a
known kind is one declaration in the spec; a new kind is one model in
``spec/model.py``, one evaluator here and, for table rules, one formula function there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import field

from .filing import NO_NUMBER, Filing
from .findings import Finding, fmt_num, sort_key
from .records import Frozen, Mutable
from .spec import FormatSpec
from .spec.model import PREV

EPS = 1e-6

Evaluator = Callable[["Context", object], list[Finding]]
Proof = Callable[[list, str], bool]

#: rule kind → evaluator (the one dispatch on rule kinds; see :func:`evaluate`)
EVALUATORS: dict[str, Evaluator] = {}
#: rule kind → prover compiler (kinds without one are always evaluated)
PROVERS: dict[str, Callable[[FormatSpec, object], Proof]] = {}


def evaluator(kind: str):
    def register(fn):
        EVALUATORS[kind] = fn
        return fn

    return register


def prover(kind: str):
    def register(fn):
        PROVERS[kind] = fn
        return fn

    return register


class Context(Mutable):
    """What an evaluator sees: the filing, its spec, the findings so far."""

    filing: Filing
    spec: FormatSpec
    findings: list[Finding] = field(default_factory=list)
    #: cross-year rules: last year's cells in this year's codes → (value, problem kind, where)
    previous: dict[str, tuple] | None = None


def evaluate(rule, ctx: Context) -> list[Finding]:
    """Execute one rule (the single dispatch on ``rule.kind``)."""
    try:
        run = EVALUATORS[rule.kind]
    except KeyError:  # a programming error: a rule kind was declared without an evaluator
        raise NotImplementedError(f"no evaluator for rule kind {rule.kind!r} ({rule.id})") from None
    return run(ctx, rule)


# --------------------------------------------------------------------------------------
# the entry point
# --------------------------------------------------------------------------------------
def validate(filing: Filing, spec: FormatSpec | None = None, *, fast: bool = True) -> list[Finding]:
    """All findings for a filing: what the reader noticed, then every rule, sorted.

    ``fast``: skip the rules whose prover shows they cannot fire (same result).
    """
    spec = spec or filing.spec
    findings = list(filing.findings)
    if not filing.readable:
        return findings
    compiled = spec.compiled_checks
    proven = compiled.proven(filing) if fast else ()
    ctx = Context(filing=filing, spec=spec, findings=findings)
    for i, rule in enumerate(spec.checks):
        if i not in proven:
            findings += evaluate(rule, ctx)
    from .gaps import apply_gaps  # cells never in an imported source: F-7 / F-6

    findings = apply_gaps(filing, spec, findings)
    file = filing.source
    order = compiled.order
    return sorted(
        (f if f.file else f.model_copy(update={"file": file}) for f in findings),
        key=lambda f: (sort_key(f)[:2], [order.get(c, -1) for c in f.cells[:1]]),
    )


class CompiledChecks:
    """A spec's checks compiled to provers (cached on the spec: ``spec.compiled_checks``)."""

    def __init__(self, spec: FormatSpec):
        self.spec = spec
        self.codes = tuple(spec.cells)
        #: (position in ``spec.checks``, proof) for every rule whose kind has a prover
        self.provers: list[tuple[int, Proof]] = [
            (i, PROVERS[r.kind](spec, r)) for i, r in enumerate(spec.checks) if r.kind in PROVERS
        ]
        from .layout import cover_positions, sheet_ref

        #: cover field code → 「封面!B4」
        self.cover_refs = {code: sheet_ref(spec.cover_sheet, r, c) for code, (r, c) in cover_positions(spec).items()}
        #: sort order of a finding's first cell: cover fields first (in cover order), then cells
        n = len(spec.cover)
        self.order = {f"cover.{f.code}": j - n for j, f in enumerate(spec.cover)} | dict(spec.cell_index)

    def numbers(self, filing: Filing) -> list[float | int] | None:
        """Values in cell order, or None when a cell has no number."""
        nums = list(map(filing.values.get, self.codes))
        return None if None in nums else nums

    def proven(self, filing: Filing) -> frozenset[int]:
        """Positions in ``spec.checks`` of the rules that cannot fire on this filing."""
        if filing.problems:
            return frozenset()
        nums = self.numbers(filing)
        if nums is None:
            return frozenset()
        total = sum(nums)
        if total - total != 0:  # NaN or ±inf somewhere: comparisons prove nothing, evaluate everything
            return frozenset()
        level = filing.cover.get("level") or ""
        return frozenset(i for i, proof in self.provers if proof(nums, level))

    def clean(self, filing: Filing) -> bool:
        """True when every table rule is proven not to fire."""
        done = self.proven(filing)
        return all(i in done for i, r in enumerate(self.spec.checks) if r.kind in PROVERS)


def compile_checks(spec: FormatSpec) -> CompiledChecks:
    return CompiledChecks(spec)


# --------------------------------------------------------------------------------------
# shared helpers: the tolerance every evaluator and prover uses
# --------------------------------------------------------------------------------------
def _round(t: float | int) -> float | int:
    return round(t, 6) if isinstance(t, float) else t


def sum_holds(lhs: float | int, rhs: float | int) -> bool:
    """Σlhs = Σrhs within the tolerance (both sides already rounded to 6 places)."""
    return abs(lhs - rhs) <= EPS


def leq_holds(lhs: float | int, rhs: float | int) -> bool:
    """Σlhs ≤ Σrhs within the tolerance."""
    return lhs <= rhs + EPS


def not_whole(v: float | int) -> bool:
    return abs(v - round(v)) > EPS


def _total(filing: Filing, codes) -> int | float:
    return _round(sum(filing.number(c) for c in codes))


# --------------------------------------------------------------------------------------
# sums and bounds (SumRule, LeqRule)
# --------------------------------------------------------------------------------------
class SumInstance(Frozen):
    """One instance of a sum or bound rule: a concrete column (or row) of a table."""

    rule: object
    item: str  # loop value code ("np", "new", "" for loop none)
    item_label: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]


def _loop_items(spec: FormatSpec, table_code: str, loop: str) -> list[tuple[str, str]]:
    table = spec.table_by_code.get(table_code)
    if table is None:
        return []
    if loop == "columns":
        return [(c.code, c.label) for c in table.columns]
    if loop == "rows":
        return [(r.code, r.short or r.label) for r in table.rows]
    return [("", "")]


def sum_instances(spec: FormatSpec, rule) -> list[SumInstance]:
    """Expand ``*`` in the rule's terms over the loop; instances whose cells all exist.

    Used by the evaluator, the prover and the formula compiler alike."""
    out = []
    for code, label in _loop_items(spec, rule.loop_table, rule.loop):
        lhs = tuple(t.replace("*", code) for t in rule.lhs)
        rhs = tuple(t.replace("*", code) for t in rule.rhs)
        if all(c in spec.cells for c in lhs + rhs):
            out.append(SumInstance(rule=rule, item=code, item_label=label, lhs=lhs, rhs=rhs))
    return out


def _check_bound(ctx: Context, rule, holds: Callable, note_blanks: bool) -> list[Finding]:
    filing, spec = ctx.filing, ctx.spec
    out = []
    table = spec.table_by_code[rule.loop_table]
    for inst in sum_instances(spec, rule):
        cells = inst.lhs + inst.rhs
        # a cell without a number (text, formula without result, invalid value) is reported at
        # the cell (domain rule, F-5); the sum is unknown, never computed with a 0 for it
        if any(filing.problems.get(c, ("",))[0] in NO_NUMBER for c in cells):
            continue
        lhs = _total(filing, inst.lhs)
        rhs = _total(filing, inst.rhs)
        if holds(lhs, rhs):
            continue
        msg = rule.message.format(
            table=table.number, item=inst.item_label, lhs=fmt_num(lhs), rhs=fmt_num(rhs), diff=fmt_num(abs(lhs - rhs))
        )
        blanks = [c for c in cells if filing.problems.get(c, ("",))[0] == "blank"]
        if blanks and note_blanks:
            msg += rule.blank_note.format(count=len(blanks))
        out.append(
            Finding(
                rule=rule.id, severity=rule.severity, message=msg, cells=cells,
                locations=tuple(filing.where(c) for c in cells), reported=lhs, computed=rhs,
            )
        )
    return out


def _prove_bound(spec: FormatSpec, rule, holds: Callable) -> Proof:
    index = spec.cell_index
    pairs = [(tuple(index[c] for c in i.lhs), tuple(index[c] for c in i.rhs)) for i in sum_instances(spec, rule)]

    def proof(nums: list, level: str) -> bool:
        get = nums.__getitem__
        for lhs, rhs in pairs:
            a = sum(map(get, lhs))
            b = sum(map(get, rhs))
            if a != b and not holds(_round(a), _round(b)):
                return False
        return True

    return proof


@evaluator("sum")
def check_sum(ctx: Context, rule) -> list[Finding]:
    """SumRule: Σlhs = Σrhs for every instance; blanks count as 0 (and the message says so)."""
    return _check_bound(ctx, rule, sum_holds, note_blanks=True)


@prover("sum")
def prove_sum(spec: FormatSpec, rule) -> Proof:
    return _prove_bound(spec, rule, sum_holds)


@evaluator("leq")
def check_leq(ctx: Context, rule) -> list[Finding]:
    """LeqRule: Σlhs ≤ Σrhs for every instance."""
    return _check_bound(ctx, rule, leq_holds, note_blanks=False)


@prover("leq")
def prove_leq(spec: FormatSpec, rule) -> Proof:
    return _prove_bound(spec, rule, leq_holds)


# --------------------------------------------------------------------------------------
# per-cell rules (DomainRule, ZeroForLevelsRule)
# --------------------------------------------------------------------------------------
def _domain_cells(spec: FormatSpec, rule) -> list:
    return [cs for t in rule.tables for cs in spec.table_by_code[t].cells]


@evaluator("domain")
def check_domain(ctx: Context, rule) -> list[Finding]:
    """DomainRule: each cell holds a number of its kind; blank → ``blank_severity``."""
    filing, spec = ctx.filing, ctx.spec
    out = []
    for cs in _domain_cells(spec, rule):
        code = cs.code
        where = filing.where(code)
        label = spec.cell_label(code)
        problem = filing.problems.get(code)
        if problem:
            kind, raw = problem
            if kind == "invalid":  # reported by the reader (F-5) with the reason
                continue
            if kind == "blank":
                out.append(_cell_finding(rule, rule.blank_severity, code, where, None,
                                         rule.blank_message.format(label=label)))
            elif kind == "invalid":
                pass  # the reader's F-5 names the cell and the value (error value, NaN, ±∞, implausible)
            elif kind == "nocache":
                out.append(_cell_finding(rule, rule.severity, code, where, "公式",
                                         rule.nocache_message.format(label=label)))
            else:
                out.append(_cell_finding(rule, rule.severity, code, where, raw,
                                         rule.text_message.format(label=label, raw=raw)))
            continue
        v = filing.values.get(code)
        if v is None:
            continue
        if v < 0 and not cs.signed:
            out.append(_cell_finding(rule, rule.severity, code, where, v,
                                     rule.negative_message.format(label=label, value=fmt_num(v))))
        elif cs.kind == "int" and not_whole(v):
            out.append(_cell_finding(rule, rule.severity, code, where, v,
                                     rule.not_whole_message.format(label=label, value=fmt_num(v))))
    return out


@prover("domain")
def prove_domain(spec: FormatSpec, rule) -> Proof:
    index = spec.cell_index
    cells = _domain_cells(spec, rule)
    nonneg = [index[cs.code] for cs in cells if not cs.signed]
    whole = [index[cs.code] for cs in cells if cs.kind == "int"]

    same = nonneg == whole

    def proof(nums: list, level: str) -> bool:
        get = nums.__getitem__
        vals = list(map(get, nonneg))
        if vals and min(vals) < 0:
            return False
        ints = vals if same else list(map(get, whole))
        if set(map(type, ints)) - {int} and any(map(not_whole, ints)):
            return False
        return True

    return proof


def _cell_finding(rule, severity, code, where, reported, message) -> Finding:
    return Finding(rule=rule.id, severity=severity, message=message, cells=(code,), locations=(where,), reported=reported)


@evaluator("zero_for_levels")
def check_zero_for_levels(ctx: Context, rule) -> list[Finding]:
    """ZeroForLevelsRule: the cells are 0 for units at the listed 行政层级."""
    filing, spec = ctx.filing, ctx.spec
    level = filing.cover.get("level")
    severity = rule.levels.get(level or "")
    if not severity:
        return []
    out = []
    for code in rule.cells:
        v = filing.values.get(code)
        if v is None or v == 0:
            continue
        out.append(
            Finding(
                rule=rule.id, severity=severity, cells=(code,), locations=(filing.where(code),), reported=v, computed=0,
                message=rule.message.format(cell=spec.cell_label(code), value=fmt_num(v), level=level),
            )
        )
    return out


@prover("zero_for_levels")
def prove_zero_for_levels(spec: FormatSpec, rule) -> Proof:
    index = spec.cell_index
    cells = tuple(index[c] for c in rule.cells)
    levels = frozenset(rule.levels)

    def proof(nums: list, level: str) -> bool:
        return level not in levels or not any(map(nums.__getitem__, cells))

    return proof


# --------------------------------------------------------------------------------------
# the cover (CoverRequiredRule, CoverChoiceRule, CoverYearRule, CreditCodeRule, FormatYearRule)
# --------------------------------------------------------------------------------------
def _cover_where(spec: FormatSpec) -> Callable[[str], str]:
    return spec.compiled_checks.cover_refs.__getitem__


def _cover_finding(rule, f, where, message, reported=None) -> Finding:
    return Finding(rule=rule.id, severity=rule.severity, cells=(f"cover.{f.code}",), locations=(where(f.code),),
                   reported=reported, message=message)


def _missing(f, v) -> bool:
    """Nothing to check: blank (a required field's blank is C-1's)."""
    return v is None or (f.required and v == "")


@evaluator("cover_required")
def check_cover_required(ctx: Context, rule) -> list[Finding]:
    where = _cover_where(ctx.spec)
    return [_cover_finding(rule, f, where, rule.message.format(label=f.label))
            for f in ctx.spec.cover if f.required and ctx.filing.cover.get(f.code) in (None, "")]


@evaluator("cover_choice")
def check_cover_choice(ctx: Context, rule) -> list[Finding]:
    where = _cover_where(ctx.spec)
    out = []
    for f in ctx.spec.cover:
        v = ctx.filing.cover.get(f.code)
        if f.choices and not _missing(f, v) and v not in f.choices:
            out.append(_cover_finding(rule, f, where, rule.message.format(label=f.label, value=v, choices="、".join(f.choices)),
                                      str(v)))
    return out


@evaluator("cover_year")
def check_cover_year(ctx: Context, rule) -> list[Finding]:
    where = _cover_where(ctx.spec)
    out = []
    for f in ctx.spec.cover:
        v = ctx.filing.cover.get(f.code)
        if f.kind == "year" and not f.choices and not _missing(f, v) and not (isinstance(v, int) and rule.first <= v <= rule.last):
            out.append(_cover_finding(rule, f, where, rule.message.format(label=f.label, value=v), str(v)))
    return out


_CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(code: str) -> bool:
    """GB 32100-2015 统一社会信用代码: 18 characters with a check character."""
    if not _CREDIT.match(code or ""):
        return False
    total = sum(_CREDIT_ALPHABET.index(ch) * w for ch, w in zip(code[:17], _CREDIT_WEIGHTS))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


@evaluator("credit_code")
def check_credit_code(ctx: Context, rule) -> list[Finding]:
    where = _cover_where(ctx.spec)
    out = []
    for f in ctx.spec.cover:
        v = ctx.filing.cover.get(f.code)
        if f.kind == "credit_code" and not f.choices and not _missing(f, v) and not credit_code_valid(str(v)):
            out.append(_cover_finding(rule, f, where, rule.message.format(label=f.label, value=v), str(v)))
    return out


@evaluator("format_year")
def check_format_year(ctx: Context, rule) -> list[Finding]:
    spec = ctx.spec
    year = ctx.filing.cover.get("year")
    if not isinstance(year, int) or spec.years[0] <= year <= spec.years[1]:
        return []
    from .spec import spec_for_year

    right = spec_for_year(year)
    hint = rule.hint.format(year=year, name=right.name, basis=right.basis) if right else ""
    first, last = spec.years
    years = (rule.years_open if last >= 9999 else rule.years_closed).format(first=first, last=last)
    return [Finding(rule=rule.id, severity=rule.severity, cells=("cover.year",), locations=(_cover_where(spec)("year"),),
                    reported=year, message=rule.message.format(year=year, basis=spec.basis, years=years, hint=hint))]


# --------------------------------------------------------------------------------------
# on the other findings (SuspectRule)
# --------------------------------------------------------------------------------------
@evaluator("suspect")
def check_suspect(ctx: Context, rule) -> list[Finding]:
    """X-1: the single cell shared by every failing sum in a table, when there are several.

    A wrong number in one cell breaks each identity it takes part in (its column and its
    row); the cell common to all of them is where to look first.
    """
    spec = ctx.spec
    out = []
    by_table: dict[str, list[Finding]] = {}
    for f in ctx.findings:
        r = spec.rule_by_id.get(f.rule)
        if r is not None and r.kind in rule.of_kinds and f.cells:
            by_table.setdefault(f.cells[0].split(".")[0], []).append(f)
    for table, failing in by_table.items():
        if len(failing) < 2:
            continue
        common = set(failing[0].cells)
        for f in failing[1:]:
            common &= set(f.cells)
        if len(common) != 1:
            continue
        code = common.pop()
        where = next(loc for f in failing for c, loc in zip(f.cells, f.locations) if c == code)
        rules = "、".join(sorted({f.rule for f in failing}))
        out.append(
            Finding(
                rule=rule.id, severity=rule.severity, cells=(code,), locations=(where,), file=failing[0].file,
                message=rule.message.format(cell=spec.cell_label(code), a1=where.split("!")[-1], count=len(failing),
                                            rules=rules),
            )
        )
    return out


def suspects(findings: list[Finding], spec: FormatSpec) -> list[Finding]:
    """X-1 findings for ``findings`` (every SuspectRule of the spec)."""
    ctx = Context(filing=Filing(spec_id=spec.id), spec=spec, findings=list(findings))
    return [f for r in spec.summary_rules for f in evaluate(r, ctx)]


# --------------------------------------------------------------------------------------
# notices (NoticeRule): raised where the data are, made from the declaration here
# --------------------------------------------------------------------------------------
@evaluator("notice")
def check_notice(ctx: Context, rule) -> list[Finding]:
    """A notice has no condition of its own here: the reader or the cross-year mapping
    raises it with :func:`notice`."""
    return []


def notice(spec: FormatSpec, rule_id: str, variant: str | None = None, *, cells: tuple[str, ...] = (),
           locations: tuple[str, ...] = (), reported=None, computed=None, file: str | None = None,
           **fields) -> Finding:
    """A finding of a NoticeRule (or a cross-year rule's ``not_checked``), its message
    rendered from the declared template ``variant`` (default: ``message``)."""
    rule = spec.rule_by_id[rule_id]
    template = rule.variants[variant] if variant else rule.message
    return Finding(rule=rule.id, severity=rule.severity, message=template.format(**fields), cells=cells,
                   locations=locations, reported=reported, computed=computed, file=file)


# --------------------------------------------------------------------------------------
# this year against last year (CrossYearRule); ``ctx.previous`` holds last year's cells
# --------------------------------------------------------------------------------------
def cross_year_instances(spec: FormatSpec, rule, previous: dict | None) -> list[tuple[str, tuple, tuple]]:
    """(item label, lhs, rhs) for each loop value whose cells exist this year and, for
    ``prev:`` terms, last year (``previous=None``: as if last year had the same format)."""
    out = []
    for code, label in _loop_items(spec, rule.loop_table, rule.loop):
        lhs = tuple(t.replace("*", code) for t in rule.lhs)
        rhs = tuple(t.replace("*", code) for t in rule.rhs)
        ok = all(
            (t[len(PREV):] in (spec.cells if previous is None else previous)) if t.startswith(PREV) else (t in spec.cells)
            for t in lhs + rhs
        )
        if ok:
            out.append((label, lhs, rhs))
    return out


@evaluator("crossyear")
def check_cross_year(ctx: Context, rule) -> list[Finding]:
    """CrossYearRule: Σlhs = Σrhs (or ≤) with ``prev:`` terms taken from last year."""
    if ctx.previous is None:
        return []
    out = []
    for item_label, lhs, rhs in cross_year_instances(ctx.spec, rule, ctx.previous):
        f = _check_cross_year(ctx, rule, item_label, lhs, rhs)
        if f is not None:
            out.append(f)
    return out


def _check_cross_year(ctx: Context, rule, item_label: str, lhs, rhs) -> Finding | None:
    filing, spec, prev = ctx.filing, ctx.spec, ctx.previous
    values: dict[str, float | int] = {}
    where: dict[str, str] = {}
    blanks = 0
    for term in lhs + rhs:
        if term.startswith(PREV):
            v, problem, loc = prev[term[len(PREV):]]
            loc = f"上年 {loc}"
        else:
            v, problem, loc = filing.values.get(term), filing.problems.get(term, ("",))[0], filing.where(term)
        if problem in NO_NUMBER:
            return None  # the single-year rules already report an unusable cell
        if v is None:
            blanks += 1
        values[term] = 0 if v is None else v
        where[term] = loc
    left = _round(sum(values[t] for t in lhs))
    right = _round(sum(values[t] for t in rhs))
    if (sum_holds if rule.op == "=" else leq_holds)(left, right):
        return None
    star = dict(zip(lhs + rhs, rule.lhs + rule.rhs))  # concrete term → the rule's pattern
    expected = _round(right - (left - values[lhs[0]]))
    msg = rule.message.format(
        table=spec.table_by_code[rule.loop_table].number, item=item_label,
        v={star[t]: fmt_num(values[t]) for t in values}, where={star[t]: where[t] for t in where},
        lhs=fmt_num(left), rhs=fmt_num(right), diff=fmt_num(abs(left - right)), expected=fmt_num(expected),
    )
    if blanks:
        msg += rule.blank_note.format(count=blanks)
    here = [t for t in lhs + rhs if not t.startswith(PREV)]
    return Finding(
        rule=rule.id, severity=rule.severity, message=msg, cells=tuple(here),
        locations=tuple(filing.where(t) for t in here), reported=values[lhs[0]], computed=expected,
    )
