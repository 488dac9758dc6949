"""The report as a list of blocks, rendered to Word, Markdown or a worksheet.

A block is a title, a heading, a paragraph or one of the official tables.  Paragraph text
is a sequence of pieces; a piece is plain text, a placeholder the clerk must fill in
(``fill``: 〔请填写：…〕) or a note on a default sentence the clerk must confirm
(``confirm``: 〔请核实：…〕).  Renderers highlight the last two so they cannot be missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..filing import Filing
from ..findings import Finding
from ..spec import FormatSpec

Mark = Literal["", "fill", "confirm"]
Kind = Literal["title", "h1", "h2", "para", "table", "notice"]


@dataclass(frozen=True)
class Piece:
    text: str
    mark: Mark = ""


@dataclass(frozen=True)
class Block:
    kind: Kind
    pieces: tuple[Piece, ...] = ()
    #: table code (kind == "table")
    table: str = ""
    #: True for sentences generated from the data (not headings or placeholders)
    generated: bool = False

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


def fill(what: str) -> Piece:
    return Piece(f"〔请填写：{what}〕", "fill")


def confirm(what: str) -> Piece:
    return Piece(f"〔请核实：{what}〕", "confirm")


@dataclass
class Report:
    spec: FormatSpec
    filing: Filing
    blocks: list[Block] = field(default_factory=list)
    #: what the clerk should look at: validation warnings (and errors with --force), T3-5
    findings: list[Finding] = field(default_factory=list)
    #: last year's filing (year-on-year figures and the comparison chart), if given
    previous: Filing | None = None

    @property
    def title(self) -> str:
        return next(b.text for b in self.blocks if b.kind == "title")

    def sentences(self) -> list[str]:
        """The generated paragraphs, in order (for tests and check-text)."""
        return [b.text for b in self.blocks if b.generated]

    def plain_text(self) -> str:
        """Headings and paragraphs, one per line; tables are left out."""
        return "\n".join(b.text for b in self.blocks if b.kind != "table")
