"""Finding the official tables in a source grid, by their labels.

Rows are found by their row labels, in the official order (so repeated labels such as
「（二）被依法纠错数」 go to the right section), tolerating inserted rows.  Value columns
are found by their header labels above the data: in any order, merged or not; when a
header cannot be read (seed 004's 表四: 「结果 | 结果 | 其他 | 尚未」) the columns are
mapped by their position within their block and the decision is reported.

A text export has lost its row and column spans; :func:`infer_spans` lays its cells out
again with the spans of the official labels they match, so the same locator works on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..spec import TableSpec
from .grid import Cell, Grid
from .match import ACCEPT, EXACT, HOW_ZH, Similarity, is_value, key, kind_of, similarity

HEADER_ROWS_ABOVE = 8  # how far above the first data row headers are looked for (grid tables)
BLOCK_HEADER_ROWS = 3  # … and above each block's first row (表二)
ROW_WINDOW = 8  # rows searched for the next official row (inserted rows are tolerated)


@dataclass
class Decision:
    """Something the locator decided that a person might dispute (the importer reports it as
    an I-* finding; the reader turns I-1 into F-2 and the rest into its F-4 warning)."""

    rule: str
    severity: str
    message: str
    cells: tuple[str, ...] = ()
    reported: object = None
    #: official column codes the decision is about (turned into cells by the caller)
    targets: tuple[str, ...] = ()


@dataclass
class Placed:
    code: str
    cell: Cell | None  # None: nothing at that position (blank)
    where: str
    header: str = ""  # the header text above the value (unit detection: 「（单位：元）」)
    #: 0-based (row, col) of the value's position in the grid (also for a blank)
    pos: tuple[int, int] | None = None


@dataclass
class TableHit:
    table: TableSpec
    grid: Grid
    values: dict[str, Placed] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    rows_found: int = 0
    rows_total: int = 0
    first_row: int = 0

    @property
    def quality(self) -> tuple[int, int]:
        return (len(self.values), self.rows_found)


# --------------------------------------------------------------------------------------
# restoring spans of a text export
# --------------------------------------------------------------------------------------
def infer_spans(pg: Grid, table: TableSpec) -> Grid:
    """Lay out a positional grid like an HTML table, each label with its official span."""
    out = Grid(name=pg.name, locator=lambda r, c, name=pg.name: f"{name}第{r + 1}行")
    spans = list(table.layout.spans)
    row_groups: set[int] = set()  # cells given the rowspan of a row-group label (「三、本年度办理结果」)
    for r, cells in enumerate(pg.rows):
        cells = list(cells)
        while cells and not cells[-1].text:
            cells.pop()
        while len(out.rows) <= r:
            out.rows.append([])
        here = {key(x.text) for x in cells if kind_of(x.text) == "label"}
        # a source that repeats the group label on every row does not use rowspans
        for cov in {id(v): v for (rr, _), v in out.at.items() if rr == r and v.r < r}.values():
            if id(cov) in row_groups and key(cov.text) in here:
                for rr in range(r, cov.r + cov.rs):
                    for cc in range(cov.c, cov.c + cov.cs):
                        out.at.pop((rr, cc), None)
                cov.rs = r - cov.r
        c = 0
        for x in cells:
            while (r, c) in out.at:
                c += 1
            rs = cs = 1
            best = _best_span(x.text, spans, c) if kind_of(x.text) == "label" else None
            if best is not None:
                rs, cs = best.rowspan, best.colspan
            cell = Cell(text=x.text, r=r, c=c, rs=rs, cs=cs, raw=x.raw, where=x.where)
            if best is not None and best.kind == "label" and rs > 1:
                row_groups.add(id(cell))
            out.add(cell)
            c += cs
    return out


def _best_span(text: str, spans, col: int):
    scored = [(similarity(text, s.text).score, s) for s in spans]
    top = max((sc for sc, _ in scored), default=0)
    if top < ACCEPT:
        return None
    cands = [s for sc, s in scored if sc >= top - 0.011]
    same_col = [s for s in cands if s.col == col]
    return (same_col or cands)[0]


# --------------------------------------------------------------------------------------
# the locator
# --------------------------------------------------------------------------------------
def locate_table(grid: Grid, table: TableSpec) -> TableHit | None:
    if grid.positional:
        grid = infer_spans(grid, table)
    if table.locate == "positional":
        return _locate_positional(grid, table)
    return _locate_rows(grid, table)


def _labels(grid: Grid) -> list[list[Cell]]:
    return [[c for c in row if kind_of(c.text, c.raw) == "label"] for row in grid.rows]


def _row_score(label_cells: list[Cell], official: str) -> tuple[Similarity, Cell | None]:
    best, at = Similarity(0.0, ""), None
    for c in label_cells:
        s = similarity(c.text, official)
        if s.score > best.score:
            best, at = s, c
    return best, at


def _match_rows(grid: Grid, table: TableSpec):
    labels = _labels(grid)
    n = len(labels)
    rows = table.rows
    starts = []
    for k in range(min(3, len(rows))):
        for r in range(n):
            if _row_score(labels[r], rows[k].label)[0]:
                starts.append((r, k))
    best, best_key = None, None
    for r0, k0 in starts:
        found: dict[str, tuple[int, Similarity, Cell]] = {}
        pos = r0
        for k in range(k0, len(rows)):
            hit = None
            for r in range(pos, min(n, pos + (1 if k == k0 else ROW_WINDOW))):
                s, cell = _row_score(labels[r], rows[k].label)
                if s and (hit is None or s.score >= 0.95 > hit[1].score):
                    hit = (r, s, cell)
                    if s.score >= 0.95:
                        break
            if hit:
                found[rows[k].code] = hit
                pos = hit[0] + 1
        score = (len(found), sum(h[1].score for h in found.values()))
        if best_key is None or score > best_key:
            best, best_key = found, score
    return best or {}


def _label_decisions(table: TableSpec, found) -> list[Decision]:
    out = []
    for row in table.rows:
        hit = found.get(row.code)
        if hit is None:
            continue
        r, s, cell = hit
        if s.score < EXACT:
            out.append(Decision(
                "I-2", "info",
                f"{table.number}「{cell.text}」（{cell.where}）按官方栏目「{row.label}」读取（{HOW_ZH.get(s.how, s.how)}，相似度{s.score:.2f}）",
                cells=tuple(cs.code for cs in table.cells if cs.row == row.code), reported=cell.text,
            ))
    return out


@dataclass
class _Source:
    """A value column of the source: the deepest header above it and the columns it covers."""

    leaf: Cell | None
    path: list[Cell]
    cols: list[int]

    @property
    def text(self) -> str:
        return self.leaf.text if self.leaf is not None else ""

    @property
    def header(self) -> str:
        return " ".join(c.text for c in self.path)


def _sources(grid: Grid, top: int, first: int, cols: range) -> list[_Source]:
    out: dict[int, _Source] = {}
    loose: list[_Source] = []
    for c in cols:
        path: list[Cell] = []
        for h in range(max(0, top), first):
            cell = grid.cell(h, c)
            if cell is not None and kind_of(cell.text, cell.raw) == "label" and (not path or path[-1] is not cell):
                path.append(cell)
        if path:
            out.setdefault(id(path[-1]), _Source(path[-1], path, [])).cols.append(c)
        else:
            loose.append(_Source(None, [], [c]))
    return sorted(list(out.values()) + loose, key=lambda s: s.cols[0])


def _assign(targets: list[tuple[str, str]], sources: list[_Source], where: str, table: TableSpec):
    """Map official columns (code, label) to source columns; returns (mapping, decisions)."""
    decisions: list[Decision] = []
    mapping: dict[str, _Source] = {}
    headed = [s for s in sources if s.leaf is not None]

    def score(src: _Source, label: str) -> Similarity:
        best = similarity(src.text, label)
        if len(src.path) >= 2:  # a label broken over two header cells: 「商业」/「企业」
            joined = similarity(src.path[-2].text + src.path[-1].text, label)
            if joined.score > best.score:
                best = joined
        return best

    # 1. confident matches by label, in any order
    pairs = sorted(
        ((score(s, lab), i, j) for i, (_, lab) in enumerate(targets) for j, s in enumerate(headed)),
        key=lambda x: -x[0].score,
    )
    used_t, used_s = set(), set()
    for s, i, j in pairs:
        if s.score < 0.95:
            break
        if i in used_t or j in used_s:
            continue
        used_t.add(i)
        used_s.add(j)
        mapping[targets[i][0]] = headed[j]
    rest_t = [i for i in range(len(targets)) if i not in used_t]

    def done():
        used = {id(x) for x in mapping.values()}
        extra = [x for x in headed if id(x) not in used and x.text]
        if extra:
            decisions.append(Decision(
                "I-11", "info",
                f"{table.number}{where}的栏目{'、'.join('「' + x.text + '」' for x in extra)}不在官方表格中，已忽略",
            ))
        return mapping, decisions

    if not rest_t:
        return done()
    # 2. the rest by position within the block, when the counts agree
    rest_headed = [s for j, s in enumerate(headed) if j not in used_s]
    rest_all = sorted(rest_headed + [s for s in sources if s.leaf is None], key=lambda s: s.cols[0])
    rest_s = next((cand for cand in (rest_headed, rest_all) if len(cand) == len(rest_t)), None)
    if rest_s is not None:
        for s, i in zip(rest_s, rest_t):
            mapping[targets[i][0]] = s
        # a header close to the official one (a typo) is a label match, not a position
        close = [
            (s, i) for s, i in zip(rest_s, rest_t)
            if score(s, targets[i][1]) and score(s, targets[i][1]).how == "similar"
            and all(score(s, targets[k][1]).score < score(s, targets[i][1]).score for k in rest_t if k != i)
        ]
        for s, i in close:
            decisions.append(Decision(
                "I-2", "info",
                f"{table.number}{where}表头「{s.text}」（{s.leaf.where}）按官方栏目「{targets[i][1]}」读取"
                f"（{HOW_ZH.get(score(s, targets[i][1]).how, '')}，相似度{score(s, targets[i][1]).score:.2f}）",
                targets=(targets[i][0],),
            ))
        pairs_left = [(s, i) for s, i in zip(rest_s, rest_t) if (s, i) not in close]
        if not pairs_left:
            return done()
        rest_s, rest_t = [s for s, _ in pairs_left], [i for _, i in pairs_left]
        ok = all(score(s, targets[i][1]).score >= 0.5 for s, i in zip(rest_s, rest_t))
        found = "、".join(f"「{s.text}」" if s.text else "（无表头）" for s in rest_s)
        meant = "、".join(f"「{targets[i][1]}」" for i in rest_t)
        decisions.append(Decision(
            "I-3", "info" if ok else "warning",
            f"{table.number}{where}的表头{found}不完整或无法识别（常见于合并单元格），按其在表中的位置对应为{meant}"
            + ("" if ok else "；请核对这些数字所在的栏目"),
            targets=tuple(targets[i][0] for i in rest_t),
        ))
        return done()
    # 3. otherwise the best similar labels; what is left is missing
    for s, i, j in pairs:
        if i in used_t or j in used_s or not s:
            continue
        used_t.add(i)
        used_s.add(j)
        mapping[targets[i][0]] = headed[j]
        decisions.append(Decision(
            "I-2", "info",
            f"{table.number}{where}表头「{headed[j].text}」（{headed[j].leaf.where}）按官方栏目「{targets[i][1]}」读取（相似度{s.score:.2f}）",
            targets=(targets[i][0],),
        ))
    missing = [targets[i][1] for i in range(len(targets)) if i not in used_t]
    if missing:
        decisions.append(Decision(
            "I-1", "warning",
            f"{table.number}{where}未找到栏目{'、'.join('「' + m + '」' for m in missing)}，这些单元格留空",
            targets=tuple(targets[i][0] for i in range(len(targets)) if i not in used_t),
        ))
    return done()


def _value(grid: Grid, r: int, src: _Source) -> tuple[Cell | None, str]:
    for c in src.cols:
        cell = grid.cell(r, c)
        if cell is not None and cell.r == r and cell.text != "":
            return cell, cell.where
    for c in src.cols:
        cell = grid.cell(r, c)
        if cell is not None and cell.r == r:
            return cell, cell.where
    return None, grid.where(r, src.cols[0])


def _placed(code: str, grid: Grid, r: int, src: _Source) -> Placed:
    cell, where = _value(grid, r, src)
    pos = (cell.r, cell.c) if cell is not None else (r, src.cols[0])
    return Placed(code, cell, where, src.header, pos)


def _locate_rows(grid: Grid, table: TableSpec) -> TableHit | None:
    found = _match_rows(grid, table)
    data_rows = [row for row in table.rows if any(cs.row == row.code for cs in table.cells)]
    need = max(2, len(data_rows) * 2 // 5)
    if sum(1 for row in data_rows if row.code in found) < need:
        return None
    hit = TableHit(table=table, grid=grid, rows_total=len(table.rows), rows_found=len(found))
    hit.first_row = min(h[0] for h in found.values())
    hit.decisions += _label_decisions(table, found)
    missing = [row for row in data_rows if row.code not in found]
    if missing:
        hit.decisions.append(Decision(
            "I-1", "warning", f"{table.number}未找到以下行，相应单元格留空：{'、'.join('「' + (r.short or r.label) + '」' for r in missing)}",
            cells=tuple(cs.code for cs in table.cells if cs.row in {r.code for r in missing}),
        ))
    label_end = max(h[2].c + h[2].cs for h in found.values())
    width = max(grid.width, label_end + 1)
    cols = range(label_end, width)
    if table.locate == "blocks":
        groups: dict[str, list] = {}
        for row in table.rows:
            if row.code in found:
                groups.setdefault(row.path[0], []).append(row)
        for caption, rows in groups.items():
            first = min(found[r.code][0] for r in rows)
            codes = {r.code for r in rows}
            targets = _targets(table, codes)
            sources = [s for s in _sources(grid, first - BLOCK_HEADER_ROWS, first, cols) if _has_values(grid, s, found, rows)]
            mapping, dec = _assign(targets, sources, f"“{caption}”部分", table)
            hit.decisions += _with_cells(dec, table, codes)
            _read(hit, grid, table, found, rows, mapping)
    else:
        first = hit.first_row
        rows = [r for r in table.rows if r.code in found]
        sources = [s for s in _sources(grid, first - HEADER_ROWS_ABOVE, first, cols) if _has_values(grid, s, found, rows)]
        targets = _targets(table, {r.code for r in rows})
        mapping, dec = _assign(targets, sources, "", table)
        if not mapping and len(targets) == 1:
            numeric = [s for s in sources if _numeric_share(grid, s, found, rows) >= 0.5]
            if len(numeric) == 1:
                mapping = {targets[0][0]: numeric[0]}
                dec = [Decision("I-3", "info", f"{table.number}未找到栏目「{targets[0][1]}」，按唯一的数字列（{numeric[0].header or '无表头'}）读取")]
        hit.decisions += _with_cells(dec, table, {r.code for r in rows})
        _read(hit, grid, table, found, rows, mapping)
    return hit


def _with_cells(decisions: list[Decision], table: TableSpec, row_codes: set[str]) -> list[Decision]:
    for d in decisions:
        if d.targets and not d.cells:
            d.cells = tuple(cs.code for cs in table.cells if cs.row in row_codes and cs.col in d.targets)
    return decisions


def _targets(table: TableSpec, row_codes: set[str]) -> list[tuple[str, str]]:
    seen: dict[str, int] = {}
    for cs in table.cells:
        if cs.row in row_codes:
            seen[cs.col] = min(seen.get(cs.col, cs.c), cs.c)
    return [(code, table.col_by_code[code].label) for code in sorted(seen, key=lambda k: seen[k])]


def _has_values(grid: Grid, src: _Source, found, rows) -> bool:
    """A source column holds the values of these rows (not a label column to their right)."""
    kinds = [kind_of(c.text, c.raw) for c in (_value(grid, found[r.code][0], src)[0] for r in rows) if c is not None]
    return not kinds or sum(is_value(k) for k in kinds) >= max(1, len(kinds) // 2)


def _numeric_share(grid: Grid, src: _Source, found, rows) -> float:
    cells = [_value(grid, found[r.code][0], src)[0] for r in rows]
    nums = sum(1 for c in cells if c is not None and kind_of(c.text, c.raw) == "number")
    return nums / max(1, len(cells))


def _read(hit: TableHit, grid: Grid, table: TableSpec, found, rows, mapping: dict[str, _Source]) -> None:
    codes = {r.code for r in rows}
    for cs in table.cells:
        if cs.row not in codes or cs.col not in mapping:
            continue
        hit.values[cs.code] = _placed(cs.code, grid, found[cs.row][0], mapping[cs.col])


# --------------------------------------------------------------------------------------
# 表四: one data row, three blocks of five columns under a multi-row header
# --------------------------------------------------------------------------------------
def _locate_positional(grid: Grid, table: TableSpec) -> TableHit | None:
    top_label = table.layout.spans[0].text  # 行政复议
    n = len(grid.rows)
    for anchor in (c for row in grid.rows for c in row if similarity(c.text, top_label).score >= 0.95):
        for r in range(anchor.r + 1, min(n, anchor.r + 8)):
            vals = [c for c in grid.rows[r] if is_value(kind_of(c.text, c.raw)) and c.text != ""]
            labels = [c for c in grid.rows[r] if kind_of(c.text, c.raw) == "label"]
            if len(vals) >= 5 and len(labels) <= 1:
                hit = _read_positional(grid, table, anchor, r)
                if hit is not None:
                    return hit
    return None


def _read_positional(grid: Grid, table: TableSpec, anchor: Cell, r: int) -> TableHit | None:
    # the value columns: every column under the header, and every value in the data row
    header_cols = {
        c for (h, c), cell in grid.at.items()
        if anchor.r <= h < r and c >= anchor.c and kind_of(cell.text, cell.raw) == "label"
    }
    value_cols = {c.c for c in grid.rows[r] if c.c >= anchor.c and kind_of(c.text, c.raw) != "label"}
    cols = sorted(header_cols | value_cols)
    sources = []
    for c in cols:
        path = []
        for h in range(anchor.r, r):
            cell = grid.cell(h, c) or _left_header(grid, h, c, r, anchor.c)
            if cell is not None and kind_of(cell.text, cell.raw) == "label" and (not path or path[-1] is not cell):
                path.append(cell)
        sources.append(_Source(path[-1] if path else None, path, [c]))
    blocks: dict[str, list[_Source]] = {row.code: [] for row in table.rows}
    unplaced = []
    for s in sources:
        block = None
        for row in reversed(table.rows):  # the most specific block first (复议后起诉, 直接起诉, 行政复议)
            if any(similarity(p.text, row.path[-1]).score >= 0.85 for p in s.path[:-1] or s.path):
                block = row.code
                break
        (blocks[block] if block else unplaced).append(s)
    hit = TableHit(table=table, grid=grid, rows_total=len(table.rows), rows_found=len(table.rows), first_row=anchor.r)
    targets = [(c.code, c.label) for c in table.columns]
    if unplaced or any(len(v) != len(targets) for v in blocks.values()):
        if len(sources) != len(table.cells):
            return None
        # no usable header: the official order
        ordered = sorted(table.cells, key=lambda cs: cs.c)
        for cs, s in zip(ordered, sources):
            hit.values[cs.code] = _placed(cs.code, grid, r, s)
        hit.decisions.append(Decision(
            "I-3", "warning", cells=tuple(cs.code for cs in ordered),
            message=f"{table.number}的表头无法识别，{len(sources)}个数字按官方表格的顺序（行政复议、未经复议直接起诉、复议后起诉，"
            "各为结果维持、结果纠正、其他结果、尚未审结、总计）读取；请核对",
        ))
        return hit
    for row in table.rows:
        mapping, dec = _assign(targets, blocks[row.code], f"“{row.short}”部分", table)
        hit.decisions += _with_cells(dec, table, {row.code})
        for cs in table.cells:
            if cs.row == row.code and cs.col in mapping:
                hit.values[cs.code] = _placed(cs.code, grid, r, mapping[cs.col])
    return hit


def _left_header(grid: Grid, h: int, c: int, data_row: int, first_col: int) -> Cell | None:
    """An unmerged group header (「行政诉讼」 typed in its first column only) extends to the
    right over the empty cells above a header row with labels."""
    if not any(grid.cell(hh, c) is not None for hh in range(h + 1, data_row)):
        return None
    for cc in range(c - 1, first_col - 1, -1):
        cell = grid.cell(h, cc)
        if cell is None:
            continue
        if kind_of(cell.text, cell.raw) != "label":
            return None
        # the group stops where a header below starts a new group under another top cell
        return cell if cell.r == h else None
    return None
