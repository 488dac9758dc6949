"""The one finding type used everywhere: CLI table, JSON, results sheet, cell notes.

A finding is a frozen record (after Arelle's validation records): the rule ID it comes
from, its severity (an error blocks submission; a warning needs a 说明), the cells by
code and as A1 addresses for people, the reported and the computed value, and a Chinese
message rendered from the rule's template.
"""

from __future__ import annotations

from typing import Literal

from .records import Frozen

Severity = Literal["error", "warning", "info"]

SEVERITY_ZH: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

def __getattr__(name: str):
    """``FILE_RULES``: rule IDs that are not consistency rules of a table but about the
    file itself → title, from the rule catalogue (``gxxl/spec/common.py``); computed on
    first use so that importing this module does not import the spec."""
    if name == "FILE_RULES":
        from .spec.common import COVER_RULES, FILE_RULES

        return {r.id: r.title for r in FILE_RULES + COVER_RULES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Finding(Frozen):
    """A frozen dataclass (:class:`gxxl.records.Frozen`): equal and hashable by its fields."""

    rule: str
    severity: Severity
    message: str
    #: cell codes ("T3.new.np"); the first one is where the finding is anchored
    cells: tuple[str, ...] = ()
    #: A1 addresses for people ("表三 依申请公开!D4"), same order as ``cells``
    locations: tuple[str, ...] = ()
    reported: float | int | str | None = None
    computed: float | int | None = None
    file: str | None = None

    def __post_init__(self) -> None:
        # the cells and their locations are often built as lists: stored as tuples
        if type(self.cells) is not tuple:
            object.__setattr__(self, "cells", tuple(self.cells))
        if type(self.locations) is not tuple:
            object.__setattr__(self, "locations", tuple(self.locations))

    @property
    def difference(self) -> float | int | None:
        if isinstance(self.reported, (int, float)) and isinstance(self.computed, (int, float)):
            return _num(self.reported - self.computed)
        return None

    @property
    def anchor(self) -> str | None:
        return self.cells[0] if self.cells else None

    def flat(self) -> tuple[str, str, str]:
        """(rule, anchor cell, severity): compact enough for test asserts."""
        return (self.rule, self.anchor or "", self.severity)

    def to_json(self) -> dict:
        d = self.model_dump()
        d["difference"] = self.difference
        d["severity_zh"] = SEVERITY_ZH[self.severity]
        return d


def _num(x: float | int) -> float | int:
    if isinstance(x, float):
        x = round(x, 6)
        if x == int(x):
            return int(x)
    return x


def fmt_num(x) -> str:
    """Numbers as a clerk writes them: 113, 0.35 (no trailing .0)."""
    if x is None:
        return "空白"
    if isinstance(x, float):
        x = _num(x)
    return str(x)


def sort_key(f: Finding) -> tuple:
    return (SEVERITY_ORDER[f.severity], f.rule, f.cells)


def counts(findings) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        out[f.severity] += 1
    return out


#: the 校验结果 sheet (annotated copies, the add-in and roll-up outputs share it)
from .constants import RESULT_HEADERS, RESULTS_SHEET  # noqa: E402,F401  (re-exported)


def result_row(i: int, f: Finding) -> list:
    """One row of the 校验结果 sheet for a finding."""
    loc = "；".join(dict.fromkeys(f.locations[:1])) if f.locations else ""
    rep = f.reported if f.reported is not None else ""
    comp = f.computed if f.computed is not None else ""
    diff = f.difference if f.difference is not None else ""
    return [i, SEVERITY_ZH[f.severity], f.rule, loc, rep, comp, diff, f.message]


def note_text(findings: list[Finding]) -> str:
    """The text of a cell note: every finding anchored at that cell, one per line."""
    return "\n".join(f"【{SEVERITY_ZH[f.severity]} {f.rule}】{f.message}" for f in findings)


def status_line(findings) -> str:
    """「校验：通过」 / 「校验：3处错误，1处警告」 — the cover's status line."""
    n = counts(findings)
    if not n["error"] and not n["warning"]:
        return "校验：通过"
    parts = []
    if n["error"]:
        parts.append(f"{n['error']}处错误")
    if n["warning"]:
        parts.append(f"{n['warning']}处警告")
    return "校验：" + "，".join(parts)
