"""Filing → report blocks: the official six-part outline, the tables and the sentences.

The sentences follow the wording of real reports (seed 004: 「2024年，区政府办公室新收到
政府信息公开申请100件，上年结转13件，现办结113件，办结率100%」).  Every number in them
comes from the filing; percentages follow :mod:`gxxl.report.numbers`; a zero is said in
words (「未收到……」, 「无……的情形」) and never gets a share.  Each sentence is written so that
``gxxl check-text`` reads back exactly the numbers it was built from (a test checks this).

The headings of parts 一、五、六 are the official outline (reference §1.2); the headings of
二、三、四 are the tables' titles from the spec.
"""

from __future__ import annotations

from ..filing import Filing
from ..findings import Finding
from .model import Block, Piece, Report, confirm, fill
from .numbers import count, share, yoy
from .vocab import Vocab, vocab

PART_1 = "一、总体情况"
PART_1_SUBHEADS = (
    ("（一）主动公开", "主动公开的主要做法、渠道和公开信息数量"),
    ("（二）依申请公开", "依申请公开的接收、登记、办理、答复等工作做法"),
    ("（三）政府信息管理", "政府信息管理（发布审核、动态调整等）情况"),
    ("（四）政府信息公开平台建设", "政府网站、政务新媒体、政府公报等平台建设情况"),
    ("（五）监督保障", "组织领导、业务培训、考核监督等情况"),
)
PART_5 = "五、存在的主要问题及改进情况"
PART_5_SUBHEADS = (
    ("（一）主要问题", "本年度政府信息公开工作存在的主要问题"),
    ("（二）改进措施", "针对上述问题的改进措施（对照上年度报告所列问题说明整改情况）"),
)
PART_6 = "六、其他需要报告的事项"

DEFAULT_SUBJECT = "本机关"
#: 表三 （六）2 申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请
LAPSED_FEE_ROW = "other_2"


def build_report(
    filing: Filing,
    *,
    previous: Filing | None = None,
    subject: str = DEFAULT_SUBJECT,
    findings: list[Finding] | tuple[Finding, ...] = (),
) -> Report:
    """The report for a filing; ``previous`` is last year's filing (year-on-year changes).

    ``findings`` are listed by the caller; when they include errors (``--force``) the
    report starts with a highlighted notice that it was written from faulty tables.
    """
    spec = filing.spec
    v = vocab(spec)
    w = _Writer(filing, previous, v, subject or DEFAULT_SUBJECT)
    rep = Report(spec=spec, filing=filing, findings=list(findings), previous=previous)
    add = rep.blocks.append
    add(Block("title", (Piece(w.title()),)))
    n_err = sum(f.severity == "error" for f in findings)
    if n_err:
        add(Block("notice", (confirm(f"统计表校验有{n_err}处错误，本稿据有错误的数据生成，仅供核对，请更正统计表后重新生成"),)))
    add(Block("para", (Piece(w.intro()),), generated=True))

    add(Block("h1", (Piece(PART_1),)))
    add(Block("para", (fill("本年度政府信息公开工作总体情况综述"),)))
    for i, (head, what) in enumerate(PART_1_SUBHEADS):
        add(Block("h2", (Piece(head),)))
        if i == 0:
            add(Block("para", (Piece(w.proactive()),), generated=True))
        if i == 1:
            for text in w.requests():
                add(Block("para", (Piece(text),), generated=True))
            add(Block("para", (Piece(w.review_litigation()),), generated=True))
        add(Block("para", (fill(what),)))

    for table in spec.tables:
        add(Block("h1", (Piece(table.title),)))
        add(Block("table", table=table.code))

    add(Block("h1", (Piece(PART_5),)))
    for head, what in PART_5_SUBHEADS:
        add(Block("h2", (Piece(head),)))
        add(Block("para", (fill(what),)))

    add(Block("h1", (Piece(PART_6),)))
    add(Block("para", w.fee(), generated=True))
    add(Block("para", (fill("其他需要报告的事项，如政务公开工作要点落实情况、人大代表建议和政协提案办理结果公开情况等；没有的可删去本段"),)))
    return rep


class _Writer:
    """The sentences, one method per paragraph."""

    def __init__(self, filing: Filing, previous: Filing | None, v: Vocab, subject: str):
        self.f = filing
        self.prev = previous
        self.v = v
        self.subject = subject
        self.year = filing.year

    # -- data ------------------------------------------------------------------------
    def n(self, table: str, row: str, col: str):
        return self.f.number(f"{table}.{row}.{col}")

    def p(self, table: str, row: str, col: str):
        """Last year's value, None without --previous."""
        code = f"{table}.{row}.{col}"
        if self.prev is None or code not in self.prev.spec.cells:
            return None  # no previous filing, or last year's format has no such cell
        return self.prev.number(code)

    def t3(self, row: str, col: str | None = None):
        return self.n("T3", row, col or self.v.total_col)

    def t3_prev(self, row: str, col: str | None = None):
        return self.p("T3", row, col or self.v.total_col)

    def group(self, key: str, col: str | None = None):
        return sum(self.t3(r, col) for r in self.v.group(key).rows)

    def t4(self, block: str, result: str):
        return self.n("T4", block, result)

    @property
    def when(self) -> str:
        return f"{self.year}年" if self.year else "本年度"

    # -- title and intro -----------------------------------------------------------
    def title(self) -> str:
        return f"{self.f.unit_name}{f'{self.year}年' if self.year else ''}政府信息公开工作年度报告"

    def intro(self) -> str:
        spec = self.f.spec
        parts = [PART_1, *(t.title for t in spec.tables), PART_5, PART_6]
        names = "、".join(p.split("、", 1)[1] for p in parts)
        period = (
            f"本报告所列数据的统计期限自{self.year}年1月1日起至{self.year}年12月31日止。" if self.year else ""
        )
        return (
            f"本报告根据《中华人民共和国政府信息公开条例》和《{spec.name}》（{spec.basis}）的要求编制，"
            f"由{names}等六部分组成。{period}"
        )

    # -- 一（一） / 表二 -------------------------------------------------------------
    def proactive(self) -> str:
        v, t2 = self.v, self.v.t2
        issued, repealed, in_force = v.doc_cols
        clauses = []
        silent = []  # document rows with nothing to report
        for row in v.doc_rows:
            noun = v.row_label(t2, row)
            i, r, k = (self.n("T2", row, c) for c in v.doc_cols)
            if not (i or r or k):
                silent.append(noun)
                continue
            s = (f"{v.verb(issued)}{noun}{count(i)}件{yoy(i, self.p('T2', row, issued))}" if i
                 else f"未{v.verb(issued)}{noun}")
            if r:
                s += f"，{v.verb(repealed)}{count(r)}件"
            s += f"，截至年底{v.verb(in_force)}{count(k)}件" if k else f"，无{v.verb(in_force)}的{noun}"
            clauses.append(s)
        if silent and len(silent) == len(v.doc_rows):
            clauses.append(f"未{v.verb(issued)}、{v.verb(repealed)}{'和'.join(silent)}")
        sentence1 = f"{self.when}，{self.subject}" + "；".join(clauses) + "。"

        made, none = [], []
        for row in v.decision_rows:
            n = self.n("T2", row, "decisions")
            label = v.row_label(t2, row)
            if n:
                made.append(f"{label}决定{count(n)}件{yoy(n, self.p('T2', row, 'decisions'))}")
            else:
                none.append(label)
        parts = []
        if made:
            parts.append("作出" + "、".join(made))
        if none:
            parts.append("未作出" + _and(none) + "决定")
        fee = self.n("T2", v.fee_row, "amount")
        fee_label = v.row_label(t2, v.fee_row)
        if fee:
            parts.append(f"收取{fee_label}{count(fee)}万元")
        else:
            parts.append(f"未收取{fee_label}")
        sentence2 = "本年度" + "；".join(parts) + "。"
        return sentence1 + sentence2

    # -- 一（二） / 表三 -------------------------------------------------------------
    def requests(self) -> list[str]:
        v = self.v
        new, carried, total, co = (self.t3(r) for r in (v.new, v.carried, v.total, v.carry_over))
        head = f"{self.when}，{self.subject}"
        if not new and not carried:
            prev_new = self.t3_prev(v.new)
            tail = f"（上年为{count(prev_new)}件）" if prev_new else ""
            return [f"{head}未收到政府信息公开申请{tail}，也没有上年结转的申请。"]
        parts = [
            f"新收政府信息公开申请{count(new)}件{yoy(new, self.t3_prev(v.new))}" if new
            else f"未新收政府信息公开申请{yoy(0, self.t3_prev(v.new))}",
            f"上年结转{count(carried)}件" if carried else "没有上年结转的申请",
        ]
        if total:
            parts.append(f"办结{count(total)}件{yoy(total, self.t3_prev(v.total))}")
        else:
            parts.append("尚无办结的申请")
        parts.append(f"结转下年度继续办理{count(co)}件")
        if total:
            parts.append(f"办结率{share(total, new + carried)}")
        out = [head + "，".join(parts) + "。"]
        if total:
            out.append(self._outcomes(total))
            reasons = self._reasons()
            if reasons:
                out.append(reasons)
        if new:
            out.append(self._applicants(new))
        return out

    def _outcomes(self, total) -> str:
        items, zeros = [], []
        for g in self.v.groups:
            n = self.group(g.key)
            if n:
                base = "办结总数的" if not items else ""
                items.append(f"{g.name}{count(n)}件，占{base}{share(n, total)}")
            else:
                zeros.append(g.name)
        s = "办结的申请中，" + "；".join(items)
        if zeros:
            s += "；无" + _and(zeros) + "的情形"
        return s + "。"

    def _reasons(self) -> str:
        """The commonest reasons for not disclosing (（三）…（六） items), largest first."""
        # （六）3 「其他」 says nothing about a reason; it is not ranked
        leaves = [(self.t3(l.row), i, l) for i, l in enumerate(self.v.leaves) if _leaf_phrase(l)]
        leaves = sorted((x for x in leaves if x[0]), key=lambda x: (-x[0], x[1]))
        if not leaves:
            return ""
        top = leaves[:3]
        names = "，".join(f"{_leaf_phrase(l)}{count(n)}件" for n, _, l in top)
        more = "等" if len(leaves) > len(top) else ""
        lead = "未能公开的答复中，主要情形为：" if len(leaves) > 1 else "未能公开的答复中，情形为："
        return f"{lead}{names}{more}。"

    def _applicants(self, new) -> str:
        v, t3 = self.v, self.v.t3
        person_label = v.col_name(t3, v.person_col)
        person = self.t3(v.new, v.person_col)
        orgs = [(v.col_name(t3, c), self.t3(v.new, c)) for c in v.org_cols]
        org_total = sum(n for _, n in orgs)
        detail = "、".join(f"{v.org_other if i == len(orgs) - 1 else name}{count(n)}件" for i, (name, n) in enumerate(orgs) if n)
        if not org_total:
            return f"新收申请均由{person_label}提出。"
        if not person:
            return f"新收申请均由{v.org_name}提出，其中{detail}。"
        return (
            f"新收申请中，{person_label}提出{count(person)}件，占新收申请的{share(person, new)}；"
            f"{v.org_name}提出{count(org_total)}件，占{share(org_total, new)}，其中{detail}。"
        )

    # -- 一（二） / 表四 -------------------------------------------------------------
    def review_litigation(self) -> str:
        v, t4 = self.v, self.v.t4
        review, direct, after = v.t4_blocks
        review_name = t4.row_by_code[review].path[-1]
        lit_name = t4.row_by_code[direct].path[0]
        n_review = self.t4(review, "total")
        n_lit = self.t4(direct, "total") + self.t4(after, "total")
        prev_review = self.p("T4", review, "total")
        prev_parts = [self.p("T4", direct, "total"), self.p("T4", after, "total")]
        prev_lit = None if None in prev_parts else sum(prev_parts)
        if not n_review and not n_lit:
            tail = ""
            if prev_review or prev_lit:
                tail = f"（上年分别为{count(prev_review)}件、{count(prev_lit)}件）"
            return f"{self.when}，{self.subject}未发生因政府信息公开工作被申请{review_name}、提起{lit_name}的情况{tail}。"
        parts = []
        if n_review:
            parts.append(f"因政府信息公开工作被申请{review_name}{count(n_review)}件{yoy(n_review, prev_review)}，"
                         + self._results([review]))
        else:
            parts.append(f"未发生因政府信息公开工作被申请{review_name}的情况")
        if n_lit:
            s = f"被提起{lit_name}{count(n_lit)}件{yoy(n_lit, prev_lit)}，" + self._results([direct, after])
            ways = []
            for b in (direct, after):
                n = self.t4(b, "total")
                if n:
                    ways.append(f"{t4.row_by_code[b].path[-1]}{count(n)}件")
            if len(ways) == 2:
                s += "；从起诉方式看，" + "，".join(ways)
            else:
                s += "；均为" + t4.row_by_code[direct if self.t4(direct, "total") else after].path[-1]
            parts.append(s)
        else:
            parts.append(f"未被提起{lit_name}")
        return f"{self.when}，{self.subject}" + "；".join(parts) + "。"

    def _results(self, blocks: list[str]) -> str:
        """「其中结果维持6件，尚未审结1件」; 「均获维持」 only when every case was upheld."""
        v, t4 = self.v, self.v.t4
        total = sum(self.t4(b, "total") for b in blocks)
        results = [c for c in v.t4_results if c != "total"]
        by = {c: sum(self.t4(b, c) for b in blocks) for c in results}
        keep = results[0]
        if by[keep] == total and total:
            return "均获维持"
        shown = [f"{t4.col_by_code[c].label}{count(n)}件" for c, n in by.items() if n]
        if not shown:  # the results do not add up to the total (faulty table, --force)
            return "结果未填报"
        return "其中" + "，".join(shown)

    # -- 六 -------------------------------------------------------------------------
    def fee(self) -> tuple[Piece, ...]:
        """信息处理费.

        The tables do not record 信息处理费 (表二's 行政事业性收费 is something else).  The one
        related number is 表三 （六）2 (逾期未按收费通知要求缴纳费用): when it is 0 the default
        sentence is seed 004's 「本年度未收取信息处理费。」 with a note that the clerk must
        confirm it; when it is > 0 fee notices were issued, so the sentence says how many
        applications lapsed for non-payment and leaves the amounts to be filled in.
        """
        lapsed = self.t3(LAPSED_FEE_ROW)
        if not lapsed:
            return (
                Piece("本年度未收取信息处理费。"),
                confirm("统计表不记录信息处理费，此句为默认表述；如本年度发出过收费通知或收取过信息处理费，"
                        "请改写为发出收费通知的件数和总金额以及实际收取的总金额"),
            )
        return (
            Piece(f"本年度依据《政府信息公开信息处理费管理办法》向申请人发出收费通知，"
                  f"其中申请人逾期未按收费通知要求缴纳费用、行政机关不再处理的申请{count(lapsed)}件。"),
            Piece("本年度共发出收费通知"), fill("件数"), Piece("件，总金额"), fill("金额"),
            Piece("元，实际收取信息处理费"), fill("金额"), Piece("元。"),
        )


def _and(names: list[str]) -> str:
    """「甲、乙和丙」."""
    if len(names) <= 1:
        return "".join(names)
    return "、".join(names[:-1]) + "和" + names[-1]


def _leaf_phrase(leaf) -> str:
    """A numbered item as said in a sentence: the item's label up to its first 「、」
    ('' for （六）3 「其他」, which names no reason)."""
    name = leaf.name.split("、", 1)[0]
    return "" if name == "其他" else name
