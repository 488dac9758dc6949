"""Tables that lost their shape: a published page read as a stream of cells.

Real pages flatten the official tables in many ways: 「a | b | c」 rows, rows wrapped over
several lines, one cell per line (with or without a closing 「|」), a label followed by its
numbers on one line separated by spaces or tabs, captions and page headers in between.
What survives every one of them is the *order*: each row label is followed by that row's
cells, in the official column order.  So the page becomes one stream of tokens (labels and
values) and every official table is matched against it row by row, in the official order.

Each cell of a table ends in one of four states:

``number``/``text``  a value token was found for it (text that is not a number is kept as text)
``blank``            published blank: 「/」「-」「无」, an empty 「|」 cell, or a row whose label
                     is followed directly by the next label (its cells were left empty)
``absent``           not in the source: the copy stops before it (cut off), or its row is
                     not on the page
``unreadable``       the row is there but its numbers cannot be given to columns (a row
                     with 2 numbers where the table has 7): nothing is guessed
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..spec import TableSpec
from ..locate.match import kind_of, similarity

#: a row label must be at least this similar to the official one
ROW_ACCEPT = 0.8
#: how many label tokens may stand between two consecutive official rows (inserted rows,
#: captions, page headers, footnotes)
LABEL_WINDOW = 16

_PIPE = re.compile(r"[|｜]")
#: page numbers printed between the rows of a table broken over pages (a bare 「3」 is a cell)
_PAGE_FURNITURE = re.compile(r"^(?:[-—–_]+\s*\d{1,4}\s*[-—–_]+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
                             r"|[Pp]age\s*\d+(?:\s*of\s*\d+)?)$")
_TEXT_VALUE = re.compile(r"^(?:增|减|增加|减少)\s*[0-9０-９][0-9０-９,，.]*\s*(?:件|条|个|项|宗|万元|元)?$")
#: vocabulary swapped by some mirrors' script conversion (「文件」 → 「檔案」, 「信息」 → 「資訊」)
_MIRROR_WORDS = (("档案", "文件"), ("檔案", "文件"), ("資訊", "信息"), ("资讯", "信息"))


@dataclass
class Token:
    text: str
    where: str
    kind: str  # "label" or "value"
    #: an empty cell after the last filled cell of its line (column padding of a flattened row)
    pad: bool = False

    @property
    def empty(self) -> bool:
        return self.text.strip() == ""


def _kind(text: str) -> str:
    t = text.strip()
    if not t:
        return "value"
    k = kind_of(t)
    if k in ("number", "blank", "placeholder"):
        return "value"
    if k == "unit":
        return "unit"
    if _TEXT_VALUE.match(t):
        return "value"
    return "label"


# --------------------------------------------------------------------------------------
# text → tokens
# --------------------------------------------------------------------------------------
def tokens_from_text(text: str) -> list[Token]:
    out: list[Token] = []
    closed = True  # did the previous line end with a separator?
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if _PAGE_FURNITURE.match(line):
            continue  # 「— 3 —」「第3页 共9页」: a page number between two rows of a table
        was_closed, closed = closed, bool(_PIPE.search(line[-1:]))
        if _PIPE.search(line):
            parts = _PIPE.split(line)
            if all(not p.strip() for p in parts):
                if len(parts) == 2:  # 「|」 alone: one empty cell of a one-cell-per-line table
                    out.append(Token("", f"文本第{n}行", "value"))
                continue  # 「|||||||」: padding of a flattened merged cell
            if line.startswith(("|", "｜")) and (len(parts) >= 4 or not was_closed):
                # Markdown 「| a | b |」, or a row wrapped after its last cell: the 「|」 closes that cell
                parts = parts[1:]
            if not parts[-1].strip():
                parts = parts[:-1]  # what follows the closing 「|」
            last = max(i for i, p in enumerate(parts) if p.strip())
            for j, p in enumerate(parts):
                out.append(Token(p.strip(), f"文本第{n}行第{j + 1}栏", _kind(p), pad=j > last))
            continue
        if "\t" in line:
            parts = [p for p in line.split("\t")]
            last = max(i for i, p in enumerate(parts) if p.strip())
            for j, p in enumerate(parts):
                out.append(Token(p.strip(), f"文本第{n}行第{j + 1}栏", _kind(p), pad=j > last))
            continue
        words = line.split()
        k = len(words)
        while k > 0 and _kind(words[k - 1]) == "value":
            k -= 1
        if k == 0 and len(words) > 1:  # a row of numbers only: 「0  3  12」
            for j, w in enumerate(words, start=1):
                out.append(Token(w, f"文本第{n}行第{j}项", "value"))
            continue
        if 0 < k < len(words) and len(words) - k >= 1 and _kind(" ".join(words[:k])) == "label":
            out.append(Token(" ".join(words[:k]), f"文本第{n}行", "label"))
            for j, w in enumerate(words[k:], start=2):
                out.append(Token(w, f"文本第{n}行第{j}项", "value"))
            continue
        out.append(Token(line, f"文本第{n}行", _kind(line)))
    return [t for t in out if t.kind != "unit"]


def tokens_from_grid_rows(rows: list[list[tuple[str, str]]]) -> list[Token]:
    """Rows of (text, where) in reading order (a table of an HTML page, a .docx, a PDF)."""
    out: list[Token] = []
    for row in rows:
        filled = [i for i, (t, _) in enumerate(row) if t.strip()]
        last = filled[-1] if filled else -1
        for j, (t, where) in enumerate(row):
            out.append(Token(t.strip(), where, _kind(t), pad=j > last))
    return [t for t in out if t.kind != "unit"]


# --------------------------------------------------------------------------------------
# matching one official table
# --------------------------------------------------------------------------------------
@dataclass
class StreamCell:
    state: str  # "value", "blank", "absent", "unreadable"
    token: Token | None = None
    #: where the row is in the source (a blank row has no value token)
    where: str = ""


@dataclass
class StreamHit:
    table: TableSpec
    cells: dict[str, StreamCell] = field(default_factory=dict)
    rows_found: int = 0
    #: (row label, why) for rows whose numbers could not be given to columns
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)

    def count(self, *states: str) -> int:
        return sum(1 for c in self.cells.values() if c.state in states)

    @property
    def quality(self) -> tuple[int, int]:
        return (self.count("value"), self.count("value", "blank"))


def _clean(text: str) -> str:
    for a, b in _MIRROR_WORDS:
        text = text.replace(a, b)
    return text


def _score(text: str, official: str) -> float:
    best = similarity(_clean(text), official).score
    if " " in text.strip():
        # a PDF line: the row label after the words of a merged group cell (「（三）不 1.属于国家秘密」)
        last = text.split()[-1]
        best = max(best, similarity(_clean(last), official).score)
    return best


def _row_columns(table: TableSpec, row_code: str) -> list[str]:
    return [cs.code for cs in sorted((c for c in table.cells if c.row == row_code), key=lambda c: c.c)]


#: column headers are never row labels (「总计」 is not 「（七）总计」, 「其他」 not 「3.其他」)
_HEADER_WORDS = {"总计", "合计", "其他", "小计"}


def _find_row(tokens: list[Token], start: int, label: str, window: int) -> tuple[int, int, float] | None:
    """The label token (or two wrapped tokens) matching ``label`` among the next ``window`` labels:
    (first index, index after the label, score)."""
    seen = 0
    best = None
    j = start
    while j < len(tokens) and seen < window:
        t = tokens[j]
        if t.kind != "label":
            j += 1
            continue
        seen += 1
        if t.text.strip() in _HEADER_WORDS and t.text.strip() != label:
            j += 1
            continue
        s = _score(t.text, label)
        end = j + 1
        # a label wrapped over two lines / cells: 「…政府信息公开申」 + 「请」
        if j + 1 < len(tokens) and tokens[j + 1].kind == "label":
            s2 = _score(t.text + tokens[j + 1].text, label)
            if s2 > s + 0.02:
                s, end = s2, j + 2
        if s >= ROW_ACCEPT and (best is None or s > best[2] + 0.001):
            best = (j, end, s)
            if s >= 0.95:
                break
        j += 1
    return best


#: a piece of a wrapped label of the left column (「法提供」「作」「开」) is at most this long
FRAGMENT = 6


def _skip_fragments(tokens: list[Token], i: int, next_labels: list[str]) -> int:
    """Skip the short pieces of wrapped group labels between a row label and its numbers
    (a PDF's 「2.没有现成信息需要另行制」 / 「法提供 0 0 0 …」), when numbers follow them."""
    j = i
    while (j < len(tokens) and j - i < 3 and tokens[j].kind == "label" and len(tokens[j].text.split()[0]) <= FRAGMENT
           and not any(_score(tokens[j].text, lab) >= ROW_ACCEPT for lab in next_labels)):
        j += 1
    if j > i and j < len(tokens) and tokens[j].kind == "value" and not tokens[j].empty:
        return j
    if j > i and j < len(tokens) and tokens[j].kind == "label" and " " in tokens[j - 1].text:
        return i
    return i


def _values(tokens: list[Token], i: int) -> tuple[list[Token], bool]:
    """The value tokens from ``i`` up to the next label, and whether the source ends there."""
    vals = []
    j = i
    while j < len(tokens) and tokens[j].kind != "label":
        vals.append(tokens[j])
        j += 1
    return vals, j >= len(tokens)


def _assign(cols: list[str], vals: list[Token], at_end: bool) -> tuple[dict[str, StreamCell], str]:
    n = len(cols)
    cells: dict[str, StreamCell] = {}
    use: list[Token] | None = None
    if len(vals) == n:
        use = vals
    elif len(vals) > n and all(t.empty for t in vals[n:]):
        use = vals[:n]
    else:
        core = [t for t in vals if not t.pad]
        if len(core) == n:
            use = core
    if use is not None:
        for code, t in zip(cols, use):
            cells[code] = StreamCell("blank" if t.empty or kind_of(t.text) == "placeholder" else "value", t)
        return cells, ""
    if not vals:
        state = "absent" if at_end else "blank"
        return {code: StreamCell(state) for code in cols}, ""
    core = [t for t in vals if not t.pad]
    if at_end and len(core) < n:
        for k, code in enumerate(cols):
            if k < len(core):
                t = core[k]
                cells[code] = StreamCell("blank" if t.empty or kind_of(t.text) == "placeholder" else "value", t)
            else:
                cells[code] = StreamCell("absent")
        return cells, ""
    shown = "、".join(t.text or "（空）" for t in core[:12]) + ("…" if len(core) > 12 else "")
    return {code: StreamCell("unreadable", core[0] if core else None) for code in cols}, \
        f"有{len(core)}个值（{shown}），应有{n}个"


def match_rows(tokens: list[Token], table: TableSpec) -> StreamHit | None:
    rows = [r for r in table.rows if any(cs.row == r.code for cs in table.cells)]
    best: StreamHit | None = None
    # every place where one of the first rows of the table starts
    starts = []
    for k in range(min(3, len(rows))):
        for i, t in enumerate(tokens):
            if t.kind != "label":
                continue
            sc = _score(t.text, rows[k].label)
            if sc < 0.9 and i + 1 < len(tokens) and tokens[i + 1].kind == "label":
                sc = max(sc, _score(t.text + tokens[i + 1].text, rows[k].label))  # wrapped over two lines
            if sc >= 0.9:
                starts.append((i, k))
    for i0, k0 in starts[:20]:
        hit = StreamHit(table=table)
        pos = i0
        missing: list = []  # rows not found since the last row that was
        for k in range(k0, len(rows)):
            row = rows[k]
            cols = _row_columns(table, row.code)
            found = _find_row(tokens, pos, row.label, 1 if k == k0 else LABEL_WINDOW)
            if found is None:
                for code in cols:
                    hit.cells[code] = StreamCell("absent")
                missing.append(row)
                continue
            if missing:
                _orphans(hit, table, missing, tokens[pos:found[0]])
                missing = []
            _, end, _ = found
            end = _skip_fragments(tokens, end, [r.label for r in rows[k + 1:k + 4]])
            vals, at_end = _values(tokens, end)
            cells, why = _assign(cols, vals, at_end)
            for sc in cells.values():
                sc.where = sc.token.where if sc.token is not None else tokens[found[0]].where
            hit.cells.update(cells)
            if why:
                hit.unreadable.append((row.short or row.label, why, tokens[found[0]].where))
            hit.rows_found += 1
            pos = end + len(vals)
        if missing:  # the copy ends after a group heading whose rows lost their labels
            _orphans(hit, table, missing, _values_after_group(tokens, pos, table))
        if best is None or (hit.rows_found, hit.quality) > (best.rows_found, best.quality):
            best = hit
    if best is None or best.rows_found == 0:
        return None
    if best.count("value") == 0 and not any(sc.token is not None for sc in best.cells.values()) and best.rows_found < 2:
        return None  # one label and nothing else: not a table
    return best


def _orphans(hit: StreamHit, table: TableSpec, missing: list, between: list[Token]) -> None:
    """Rows whose labels are not on the page while numbers stand where they belong (a page
    that lost 「1.属于国家秘密」… but kept their 0s): those cells are in the source but cannot
    be given to rows — unreadable, not absent.  Fewer numbers than one row holds are not
    enough to say so (a page number, a footnote mark)."""
    vals = [t for t in between if t.kind == "value" and not t.empty]
    if len(vals) < len(_row_columns(table, missing[0].code)):
        return
    # no more rows than the numbers could fill: the rows after them stay absent (cut off)
    room, taken = len(vals), []
    for row in missing:
        room -= len(_row_columns(table, row.code))
        if room < 0:
            break
        taken.append(row)
    missing = taken
    for row in missing:
        for code in _row_columns(table, row.code):
            hit.cells[code] = StreamCell("unreadable", vals[0], vals[0].where)
    first = missing[0].short or missing[0].label
    shown = "、".join(t.text for t in vals[:12]) + ("…" if len(vals) > 12 else "")
    hit.unreadable.append((first if len(missing) == 1 else f"{first}等{len(missing)}行",
                           f"栏目名称不在来源中，其位置有{len(vals)}个值（{shown}），无法对应到行", vals[0].where))


def _values_after_group(tokens: list[Token], pos: int, table: TableSpec) -> list[Token]:
    """The run of values right after ``pos``, past the table's own group headings only
    (「（三）不予公开」): never reaching into the text or table that follows."""
    groups = [sp.text for sp in table.layout.spans]
    i = pos
    while i < len(tokens) and tokens[i].kind == "label" and any(_score(tokens[i].text, g) >= 0.9 for g in groups):
        i += 1
    j = i
    while j < len(tokens) and tokens[j].kind == "value":
        j += 1
    return tokens[i:j]


def match_positional(tokens: list[Token], table: TableSpec) -> StreamHit | None:
    """表四: one block of labels (行政复议 … 总计) followed by its 15 cells in the official order."""
    top = table.layout.spans[0].text  # 行政复议
    cols = [cs.code for cs in sorted(table.cells, key=lambda c: c.c)]
    inner = {s.text for s in table.layout.spans} - {top}
    best: StreamHit | None = None
    for i, t in enumerate(tokens):
        if t.kind != "label" or max(_score(w, top) for w in t.text.split() or [""]) < 0.95:
            continue
        j = i + 1
        headers = 0
        while j < len(tokens) and (tokens[j].kind == "label" or (tokens[j].pad and tokens[j].empty)) and j - i <= 80:
            if tokens[j].kind != "label":
                j += 1  # the padding of a header row: 「行政复议 | 行政诉讼 | | | |」
                continue
            if any(_score(w, x) >= 0.9 for w in tokens[j].text.split() for x in inner) \
                    or any(_score(tokens[j].text, x) >= 0.9 for x in inner):
                headers += 1
            elif _score(tokens[j].text + (tokens[j + 1].text if j + 1 < len(tokens) else ""), "复议后起诉") < 0.9 \
                    and not any(_score(tokens[j].text, x) >= 0.75 for x in inner) \
                    and not all(len(w) <= 2 or any(_score(w, x) >= 0.75 for x in inner) for w in tokens[j].text.split()):
                break  # the table ends: the next heading or paragraph
            j += 1
        if headers < 3:
            continue
        vals, at_end = _values(tokens, j)
        cells, why = _assign(cols, vals, at_end)
        hit = StreamHit(table=table, cells=cells, rows_found=len(table.rows))
        if why:
            hit.unreadable.append((table.title, why, t.where))
        if best is None or hit.quality > best.quality:
            best = hit
    return best


def match_table(tokens: list[Token], table: TableSpec) -> StreamHit | None:
    if table.locate == "positional":
        return match_positional(tokens, table)
    return match_rows(tokens, table)


def label_texts(tokens: list[Token]) -> list[str]:
    """The label texts of the stream (for the format detector)."""
    return [_clean(t.text) for t in tokens if t.kind == "label" and len(t.text) <= 60]
