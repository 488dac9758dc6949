"""How numbers are written in a report: counts, shares (one decimal) and year-on-year changes.

One rule for every percentage the report prints and check-text accepts:

* computed from the counts, rounded half-up to one decimal (60.177… → 「60.2%」);
* an exact whole percentage is printed without a decimal (113/113 → 「100%」, 1/2 → 「50%」),
  as real reports write 「办结率100%」;
* a share is never printed for a zero count (no 「0件，占0.0%」): zero cases are phrased in
  words by the sentence builders.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from ..findings import fmt_num


def decimal_value(d: Decimal | None) -> int | float | None:
    """A parsed Decimal as the plain number a finding carries: 258, 0.35 (None stays None)."""
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def ratio_percent(part: int | float, base: int | float) -> Fraction | None:
    """part/base as an exact percentage (None when the base is 0)."""
    if not base:
        return None
    return Fraction(Decimal(str(part))) * 100 / Fraction(Decimal(str(base)))


def fmt_percent(value: Fraction | float) -> str:
    """「60.2」, 「100」, 「3.5」 (without the % sign)."""
    f = Fraction(value) if not isinstance(value, Fraction) else value
    if f.denominator == 1:
        return str(f.numerator)
    d = (Decimal(f.numerator) / Decimal(f.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{d:.1f}"


def share(part: int | float, base: int | float) -> str:
    """「60.2%」 — part as a share of base; '' when the base is 0."""
    p = ratio_percent(part, base)
    return "" if p is None else fmt_percent(p) + "%"


def count(n: int | float | None) -> str:
    """A count or an amount as a clerk writes it (113, 2.35)."""
    return fmt_num(0 if n is None else n)


def yoy(current: int | float, previous: int | float | None, unit: str = "件") -> str:
    """The year-on-year clause that follows a figure, with its leading punctuation.

    「，同比增长12.5%」 / 「，同比下降20%」 / 「，与上年持平」; when last year's figure was 0
    there is no percentage: 「（上年为0件）」.  '' when there is no previous figure.
    """
    if previous is None:
        return ""
    if previous == 0:
        return "，与上年持平" if current == 0 else f"（上年为0{unit}）"
    if current == previous:
        return "，与上年持平"
    change = ratio_percent(abs(current - previous), previous)
    word = "增长" if current > previous else "下降"
    return f"，同比{word}{fmt_percent(change)}%"


def printed_matches(printed: str, exact: Fraction) -> bool:
    """Does a percentage printed in a text (「60.2」, 「80」) agree with the exact value?

    It agrees when it is the exact value rounded to the printed number of decimals (half up;
    truncation is tolerated too, some offices cut instead of rounding).  So 239/301 = 79.4…%
    printed as 「80%」 does not agree (reference S-8).
    """
    decimals = len(printed.split(".", 1)[1]) if "." in printed else 0
    q = Decimal(1).scaleb(-decimals)
    exact_d = Decimal(exact.numerator) / Decimal(exact.denominator)
    shown = Decimal(printed)
    return shown in (exact_d.quantize(q, rounding=ROUND_HALF_UP), exact_d.quantize(q, rounding="ROUND_DOWN"))
