"""gxxl's marks in a live workbook, and how they are recorded so the next run can remove them.

What to paint where comes from the engine (:func:`gxxl.annotate.marks`, shared with the
annotated copy); this module applies it to an xlwings book and keeps the bookkeeping.

Every marked cell gets a hidden workbook-level name ``_gxxl_mark_<n>_<fill>_<note>``
referring to it (absolute, e.g. ``='表三 依申请公开'!$D$7``):

* ``<fill>`` is the cell's fill before gxxl painted it ("FFF2CC", or "none"), so
  clearing restores it;
* ``<note>`` is 1 when gxxl added the cell's note (a clerk's own note is never touched:
  gxxl does not add one to a cell that already has a note).

Names rather than a list of addresses because Excel moves a name with its cell when
rows or columns are inserted or deleted, so a mark is still found after the clerk edits
the layout; and names are readable through every xlwings engine (the remote engines
cannot read colours).  Where the engine cannot read the original fill, the template's
fill is assumed (pale yellow for input cells, none elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..annotate import FILLS, split_ref
from ..findings import Finding, note_text
from ..layout import col_letter
from ..template import INPUT_FILL
from . import book as bk

PREFIX = "_gxxl_mark_"
_NAME = re.compile(r"_gxxl_mark_(\d+)_([0-9A-F]{6}|none)_([01])\Z")
#: fill colours by mark kind ("error", "warning", "suspect"), from the annotated copy
COLOURS = {kind: fill.fgColor.rgb[-6:].upper() for kind, fill in FILLS.items()}
TEMPLATE_INPUT = INPUT_FILL.fgColor.rgb[-6:].upper()


@dataclass(frozen=True)
class Mark:
    """A recorded mark: where it is, the fill to restore, whether gxxl added the note."""

    name: str
    sheet: str | None  # None when the name no longer refers to a cell (#REF!)
    row: int = 0
    col: int = 0
    fill: str | None = None
    note: bool = False

    @property
    def location(self) -> str:
        return f"{self.sheet}!{col_letter(self.col)}{self.row}"


def mark_name(i: int, fill: str | None, note: bool) -> str:
    return f"{PREFIX}{i}_{fill or 'none'}_{int(note)}"


def recorded(book) -> list[Mark]:
    """The marks a previous run left, from the workbook's names."""
    out = []
    for n in list(book.names):
        full = n.name
        bare = full.rsplit("!", 1)[-1]
        if not bare.startswith(PREFIX):
            continue
        m = _NAME.match(bare)
        fill = None if not m or m.group(2) == "none" else m.group(2)
        note = bool(m and m.group(3) == "1")
        try:
            rng = n.refers_to_range
            out.append(Mark(full, rng.sheet.name, rng.row, rng.column, fill, note))
        except Exception:  # #REF! (row deleted) or not a single range: only the name is left
            out.append(Mark(full, None, fill=fill, note=note))
    return out


def clear(book, old: list[Mark]) -> None:
    """Undo recorded marks: restore each cell's fill, delete gxxl's notes and the names."""
    sheets = set(bk.sheet_names(book))
    for m in old:
        if m.sheet in sheets:
            rng = book.sheets[m.sheet].range((m.row, m.col))
            bk.set_fill(rng, m.fill)
            if m.note and rng.note is not None:
                rng.note.delete()
        try:
            book.names[m.name].delete()
        except Exception:  # already gone
            pass


def apply(book, painted: dict[str, tuple[str, list[Finding]]], old: list[Mark], input_cells: set[str]) -> list[Mark]:
    """Paint ``painted`` (from :func:`gxxl.annotate.marks`) after :func:`clear` removed ``old``.

    ``input_cells`` are the locations of the form's input cells ("sheet!A1"), whose
    template fill is assumed where the engine cannot read the real one.  Each mark's
    name is added before the cell is painted, so an interrupted run leaves nothing that
    the next run cannot find.
    """
    before = {m.location: m.fill for m in old if m.sheet}
    sheets = set(bk.sheet_names(book))
    out = []
    for i, (loc, (kind, findings)) in enumerate(sorted(painted.items(), key=lambda kv: _order(kv[0])), start=1):
        sheet, row, col = split_ref(loc)
        if sheet not in sheets:
            continue
        rng = book.sheets[sheet].range((row, col))
        if loc in before:
            fill = before[loc]
        else:
            fill = bk.read_fill(rng)
            if fill is bk.UNKNOWN:
                fill = TEMPLATE_INPUT if loc in input_cells else None
        add_note = not bk.has_note(rng)  # never overwrite a clerk's own note or comment
        name = mark_name(i, fill, add_note)
        recorded_name = book.names.add(name, bk.absolute_ref(sheet, row, col))
        if bk.is_desktop(book):
            bk.hide_name(recorded_name)
        bk.set_fill(rng, COLOURS[kind])
        if add_note:
            rng.add_note(note_text(findings))
            bk.size_note(rng)
        out.append(Mark(name, sheet, row, col, fill, add_note))
    return out


def _order(loc: str) -> tuple:
    sheet, row, col = split_ref(loc)
    return sheet, row, col
