"""A filing: one unit's report as typed data (cover fields and values by cell code)."""

from __future__ import annotations

from dataclasses import field
from typing import Any, Literal

from .findings import Finding
from .records import Mutable
from .layout import cell_positions, sheet_ref
from .spec import FormatSpec, get_spec

Number = int | float
#: why a cell has no usable number: left blank, text that is not a number, a formula with no
#: cached result, or "invalid": a spreadsheet error value (#DIV/0!, #REF! …), NaN, ±∞ or a number
#: beyond ``spec.model.MAX_PLAUSIBLE`` (the reader reports it as F-5; never counted as 0)
Problem = Literal["blank", "text", "nocache", "invalid"]
#: the problems whose cell has no number at all: sums over them are unknown
NO_NUMBER = ("text", "nocache", "invalid")


class Filing(Mutable):
    """A mutable dataclass (:class:`gxxl.records.Mutable`); the reader fills its dicts in place."""

    spec_id: str
    source: str | None = None
    cover: dict[str, Any] = field(default_factory=dict)
    #: value by cell code; None when the cell has no usable number (see ``problems``)
    values: dict[str, Number | None] = field(default_factory=dict)
    #: cell code → (problem, the raw text as found)
    problems: dict[str, tuple[Problem, str]] = field(default_factory=dict)
    #: cell code → "sheet!A1" where the reader found it, when that differs from the template
    moved: dict[str, str] = field(default_factory=dict)
    #: what the reader noticed about the file (F-* findings)
    findings: list[Finding] = field(default_factory=list)
    #: contents of the hidden metadata sheet (format, version, kind, members …)
    meta: dict[str, str] = field(default_factory=dict)
    #: False when the file could not be read as a filing at all
    readable: bool = True

    @property
    def spec(self) -> FormatSpec:
        return get_spec(self.spec_id)

    def where(self, code: str) -> str:
        """Where a person finds the cell: 「表三 依申请公开!D4」."""
        if code in self.moved:
            return self.moved[code]
        pos = cell_positions(self.spec).get(code)
        return sheet_ref(*pos) if pos else code

    def number(self, code: str) -> Number:
        """The value as a number, blanks and unreadable cells counting as 0 (for sums)."""
        v = self.values.get(code)
        return 0 if v is None else v

    @property
    def unit_name(self) -> str:
        return str(self.cover.get("unit_name") or "")

    @property
    def year(self) -> int | None:
        y = self.cover.get("year")
        return y if isinstance(y, int) else None

    @classmethod
    def blank(cls, spec: FormatSpec | None = None, **kw) -> "Filing":
        spec = spec or get_spec()
        return cls(spec_id=spec.id, values={c: None for c in spec.cells}, **kw)

    @classmethod
    def zeros(cls, spec: FormatSpec | None = None, **kw) -> "Filing":
        spec = spec or get_spec()
        return cls(spec_id=spec.id, values={c: 0 for c in spec.cells}, **kw)

    def to_frame(self):
        """This filing as a pandas frame in long format (see :mod:`gxxl.frame`)."""
        from .frame import filing_frame

        return filing_frame(self)
