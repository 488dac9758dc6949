"""Names for the report's sentences and for reading drafts, derived from the spec's labels.

Nothing here retypes a table label: 「予以公开」 is the spec's 「（一）予以公开」 without its
numbering, 「本机关不掌握相关政府信息」 is the spec's item 「1.本机关不掌握相关政府信息」,
「制发」 is the column 「本年制发件数」 without 「本年」 and 「件数」, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UserError
from ..spec import FormatSpec, TableSpec

class UnsupportedFormat(UserError):
    """The format's tables do not have the structure the report sentences are written for."""

    def __init__(self, spec: FormatSpec):
        self.spec = spec
        super().__init__(f"该工作簿是《{spec.name}》（{spec.basis}）格式")

    def explain(self, what: str) -> str:
        """「{what}目前只支持2021年格式（…）；该工作簿是《…》格式」."""
        return f"{what}目前只支持2021年格式（国办公开办函〔2021〕30号）的统计表；{self}"


_LEVEL2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_ITEM = re.compile(r"^\d+[.．、]")


def plain(label: str) -> str:
    """「（二）部分公开（区分处理的，…）」 → 「部分公开」; 「1.属于国家秘密」 → 「属于国家秘密」."""
    s = _ITEM.sub("", _LEVEL2.sub("", label.strip()))
    return re.split(r"[（(]", s, maxsplit=1)[0] or s


@dataclass(frozen=True)
class Group:
    """An outcome group of 表三 （一）…（六）: its name and its row codes."""

    key: str  # "disclosed", "deny", …
    name: str  # 「不予公开」
    rows: tuple[str, ...]


@dataclass(frozen=True)
class Leaf:
    """A numbered item of （三）…（六）."""

    row: str  # "deny_5"
    group: str  # "deny"
    name: str  # 「属于三类内部事务信息」


@dataclass(frozen=True)
class Vocab:
    spec: FormatSpec
    t2: TableSpec
    t3: TableSpec
    t4: TableSpec
    #: 表三 rows by role
    new: str
    carried: str
    total: str
    carry_over: str
    groups: tuple[Group, ...]
    leaves: tuple[Leaf, ...]
    #: 表三 columns: natural persons, the organisation columns, the total column
    person_col: str
    org_cols: tuple[str, ...]
    total_col: str
    #: 表二 rows
    doc_rows: tuple[str, ...]  # 规章, 行政规范性文件
    decision_rows: tuple[str, ...]  # 行政许可, 行政处罚, 行政强制
    fee_row: str
    doc_cols: tuple[str, ...]  # 制发, 废止, 现行有效 columns

    def row_label(self, table: TableSpec, code: str) -> str:
        return table.row_by_code[code].label

    def col_name(self, table: TableSpec, code: str) -> str:
        return table.col_by_code[code].label

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)

    def verb(self, col: str) -> str:
        """「本年制发件数」 → 「制发」, 「现行有效件数」 → 「现行有效」."""
        return re.sub(r"^本年|件数$|总?数量$", "", self.t2.col_by_code[col].label)

    @property
    def org_name(self) -> str:
        """「法人或其他组织」: the header above the organisation columns."""
        path = self.t3.col_by_code[self.org_cols[0]].path
        return path[-2]

    @property
    def org_other(self) -> str:
        """How a sentence names the last organisation column 「其他」: 「其他组织」
        (the tail of its header 「法人或其他组织」)."""
        return self.org_name.split("或", 1)[-1]

    @property
    def t4_blocks(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.t4.rows)

    @property
    def t4_results(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.t4.columns)


_CACHE: dict[tuple[str, bool], Vocab] = {}


def vocab(spec: FormatSpec, *, strict: bool = True) -> Vocab:
    """The names of ``spec``'s tables.  ``strict`` (report writing) needs the 2021 format's
    表二 columns; reading claims (``strict=False``) also takes the 2019 试行 format."""
    if (spec.id, strict) not in _CACHE:
        _CACHE[(spec.id, strict)] = _build(spec, strict)
    return _CACHE[(spec.id, strict)]


#: what the sentences need of 表二 (the 2021 format's columns)
_T2_NEEDS = {"issued", "repealed", "in_force", "decisions", "amount"}


def _build(spec: FormatSpec, strict: bool = True) -> Vocab:
    t2, t3, t4 = (spec.table_by_code.get(c) for c in ("T2", "T3", "T4"))
    if t2 is None or t3 is None or t4 is None:
        raise UnsupportedFormat(spec)
    if strict and (not _T2_NEEDS <= set(t2.col_by_code) or not any(r.code.startswith("other_") for r in t3.rows)):
        raise UnsupportedFormat(spec)
    rows3 = t3.rows
    top = [r for r in rows3 if len(r.path) == 1]
    new, carried, carry_over = top[0].code, top[1].code, top[-1].code
    total = rows3[-2].code  # （七）总计, just above 四、结转下年度继续办理
    groups: list[Group] = []
    leaves: list[Leaf] = []
    for r in rows3:
        if len(r.path) < 2 or r.code == total:
            continue
        key = r.code.split("_")[0]
        if not groups or groups[-1].key != key:
            groups.append(Group(key=key, name=plain(r.path[1]), rows=()))
        g = groups[-1]
        groups[-1] = Group(key=g.key, name=g.name, rows=g.rows + (r.code,))
        if len(r.path) == 3:
            leaves.append(Leaf(row=r.code, group=key, name=plain(r.path[2])))
    cols = t3.columns
    person = cols[0].code
    total_col = cols[-1].code
    orgs = tuple(c.code for c in cols[1:-1])
    doc_rows = tuple(r.code for r in t2.rows if r.path[0] == t2.rows[0].path[0])  # 第二十条第（一）项
    fee_row = next(c.row for c in t2.cells if c.kind == "decimal")
    decision_rows = tuple(r.code for r in t2.rows if r.code not in doc_rows and r.code != fee_row
                          and any(c.row == r.code and c.col == "decisions" for c in t2.cells))
    doc_cols = tuple(dict.fromkeys(c.col for c in t2.cells if c.row == doc_rows[0]))
    return Vocab(
        spec=spec, t2=t2, t3=t3, t4=t4, new=new, carried=carried, total=total, carry_over=carry_over,
        groups=tuple(groups), leaves=tuple(leaves), person_col=person, org_cols=orgs, total_col=total_col,
        doc_rows=doc_rows, decision_rows=decision_rows, fee_row=fee_row, doc_cols=doc_cols,
    )
