"""Numeric claims in report text: 「新收政府信息公开申请100件」, 「占60.2%」, 「均获维持」 ….

A claim ties a number (or a zero said in words, or 「均获维持」) to quantities of the
tables.  Extraction works on each sentence after NFKC normalisation (full-width digits and
punctuation → half-width), so 「１００件，占６０．２％」 and 「100件,占60.2%」 read the same:

1. find the *triggers* — words that name a quantity: 「新收」, 「上年结转」, 「办结」, the outcome
   groups and items of 表三 and its applicant columns, 「行政复议」/「行政诉讼」 and the results
   of 表四, 「规章」/「规范性文件」 with 「制发」/「废止」/「现行有效」, 「行政许可」 … of 表二.  The
   words are the spec's labels without their numbering (:mod:`gxxl.report.vocab`) plus a
   few synonyms real reports use;
2. a number with a unit (件/起/宗/个, 万元/元, %) binds to the nearest unused trigger
   before it in the same clause (clauses end at ，；：。);
3. 「占…x%」 is a share of the last count; 「办结率x%」 is 办结/(新收+上年结转);
4. 「未/无/没有 …」 followed by triggers and no number in the clause claims zeros
   (「未收到……行政复议和行政诉讼案件」 → both 0);
5. 「均获维持」, 「全部办结」, 「均由自然人提出」 are claims too.

Year-on-year figures (「同比增长12.5%」, 「（上年为5件）」) are skipped: the tables hold one year.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

from ..spec import FormatSpec
from .vocab import Vocab, vocab

# ------------------------------------------------------------------------------------------
# quantities
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    key: str
    #: how a message names it: 「本年新收申请」
    name: str
    #: rule ID a contradiction is reported under
    rule: str
    #: alternative sets of cells (summed); a claim agrees when any of them gives its value
    options: tuple[tuple[str, ...], ...]
    #: quantities a share 「占x%」 of this one is usually taken of
    bases: tuple[str, ...] = ()
    money: bool = False


def quantities(spec: FormatSpec) -> dict[str, Quantity]:
    if spec.id not in _QCACHE:
        _QCACHE[spec.id] = _legacy_quantities(spec) if _legacy(spec) else _quantities(vocab(spec, strict=False))
    return _QCACHE[spec.id]


def _legacy(spec: FormatSpec) -> bool:
    """The 2014–2018 统计表: one table, no 表三/表四 (its sentences use the same words)."""
    return "T3" not in spec.table_by_code


#: the 2014–2018 统计表's rows for the quantities the words of a report name
#: (quantity key → row codes summed); the words themselves are the current format's
_LEGACY_ROWS = {
    "new": ("received",), "received": ("received",), "total": ("closed",), "handled": ("closed",),
    "group:disclosed": ("ans_disclosed",), "group:partial": ("ans_partial",), "group:deny": ("ans_refused",),
    "group:disclosed+partial": ("ans_disclosed", "ans_partial"), "leaf:deny_1": ("ref_state_secret",),
    "t4:review:total": ("review",), "t4:review:keep": ("review_keep",), "t4:review:fix": ("review_fix",),
    "t4:review:other": ("review_other",), "t4:lit:total": ("suit",), "t4:lit:keep": ("suit_keep",),
    "t4:lit:fix": ("suit_fix",), "t4:lit:other": ("suit_other",), "t2:normative:issued": ("normative_issued",),
}


def _legacy_quantities(spec: FormatSpec) -> dict[str, Quantity]:
    from ..spec import get_spec

    table = spec.tables[0]
    col = table.columns[0].code
    current = quantities(get_spec("gov2021"))
    out: dict[str, Quantity] = {}
    for key, rows in _LEGACY_ROWS.items():
        cells = tuple(f"{table.code}.{r}.{col}" for r in rows)
        if not all(c in spec.cells for c in cells) or key not in current:
            continue
        q = current[key]
        bases = tuple(b for b in q.bases if b in _LEGACY_ROWS)
        out[key] = Quantity(key, q.name, q.rule, (cells,), bases, q.money)
    return out


_QCACHE: dict[str, dict[str, Quantity]] = {}


def _quantities(v: Vocab) -> dict[str, Quantity]:
    T = v.total_col
    t3 = lambda row, col=T: f"T3.{row}.{col}"  # noqa: E731
    q: dict[str, Quantity] = {}

    def add(key, name, rule, *options, bases=(), money=False):
        q[key] = Quantity(key, name, rule, tuple(tuple(o) for o in options), tuple(bases), money)

    new, carried, total, co = (t3(r) for r in (v.new, v.carried, v.total, v.carry_over))
    add("new", "本年新收申请", "T3-8", [new])
    add("received", "收到申请", "T3-8", [new], [new, carried])
    add("carried", "上年结转申请", "T3-8", [carried])
    add("total", "办结申请", "T3-8", [total])
    add("handled", "办理申请", "T3-8", [total], [new, carried])
    add("carry_over", "结转下年度继续办理申请", "T3-8", [co])
    add("pool", "新收与上年结转申请", "T3-8", [new, carried])
    share_bases = ("total", "new", "pool")
    for g in v.groups:
        add(f"group:{g.key}", g.name, "T3-8", [t3(r) for r in g.rows], bases=share_bases)
    disclosed, partial = v.groups[0], v.groups[1]
    add("group:disclosed+partial", f"{disclosed.name}和{partial.name}", "T3-8",
        [t3(r) for r in disclosed.rows + partial.rows], bases=share_bases)
    for leaf in v.leaves:
        add(f"leaf:{leaf.row}", leaf.name, "T3-8", [t3(leaf.row)], bases=share_bases + (f"group:{leaf.group}",))
    # applicants: 「新收申请中，自然人提出80件」 (new) or 「办结的申请中……」 (@total)
    person = v.person_col
    for scope, row, base in (("", v.new, "new"), ("@total", v.total, "total")):
        add(f"app:{person}{scope}", v.col_name(v.t3, person), "T3-8", [t3(row, person)], bases=(base,))
        add(f"app:org{scope}", v.org_name, "T3-8", [t3(row, c) for c in v.org_cols], bases=(base,))
        for c in v.org_cols:
            add(f"app:{c}{scope}", v.col_name(v.t3, c), "T3-8", [t3(row, c)], bases=(base, f"app:org{scope}"))
    # 表四
    review, direct, after = v.t4_blocks
    blocks = {"review": (review,), "lit": (direct, after), "direct": (direct,), "after": (after,)}
    t4 = v.t4
    for key, rows in blocks.items():
        block_name = "行政诉讼" if key == "lit" else t4.row_by_code[rows[0]].short
        for res in v.t4_results:
            label = t4.col_by_code[res].label
            name = f"{block_name}{'' if res == 'total' else label}"
            add(f"t4:{key}:{res}", name if res != "total" else block_name, "T4-3",
                [f"T4.{r}.{res}" for r in rows], bases=() if res == "total" else (f"t4:{key}:total",))
    # 表二
    t2 = v.t2
    for row in v.doc_rows:
        for col in v.doc_cols:
            add(f"t2:{row}:{col}", f"{v.verb(col)}{v.row_label(t2, row)}", "T2-6", [f"T2.{row}.{col}"])
    for row in v.decision_rows:
        add(f"t2:{row}:decisions", f"{v.row_label(t2, row)}决定", "T2-6", [f"T2.{row}.decisions"])
    add(f"t2:{v.fee_row}:amount", v.row_label(t2, v.fee_row), "T2-6", [f"T2.{v.fee_row}.amount"], money=True)
    return q


# ------------------------------------------------------------------------------------------
# triggers
# ------------------------------------------------------------------------------------------


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def triggers(spec: FormatSpec) -> list[tuple[re.Pattern, str, str]]:
    if _legacy(spec):
        from ..spec import get_spec

        return triggers(get_spec("gov2021"))
    if spec.id not in _TCACHE:
        _TCACHE[spec.id] = _triggers(vocab(spec, strict=False))
    return _TCACHE[spec.id]


_TCACHE: dict[str, list[tuple[re.Pattern, str, str]]] = {}

_APPLY = r"(?:政府信息公开|依申请公开|信息公开)?申请"


def _triggers(v: Vocab) -> list[tuple[re.Pattern, str, str]]:
    """(pattern, kind, payload) over NFKC-normalised text without white space."""
    out: list[tuple[str, str, str]] = [
        # not in the tables: timeliness
        (r"(?:按时|及时|按期)办结率", "ignore", ""),
        (r"办结率", "rate", ""),
        (r"新收(?:到)?|新受理", "qty", "new"),
        (rf"(?:收到|受理|接收)(?:了)?(?:各类|有效)?{_APPLY}", "qty", "received"),
        (r"上(?:一)?年(?:度)?结转(?:的)?(?:政府信息公开申请|申请)?|(?:由|从)?上(?:一)?年(?:度)?转入", "qty", "carried"),
        (r"结转(?:至|到)?下(?:一)?年(?:度)?(?:继续办理)?|转入下(?:一)?年(?:度)?|结转", "qty", "carry_over"),
        (r"办结|办理完(?:毕|结)|答复完毕", "qty", "total"),
        (rf"(?:共|累计)(?:办理|处理)(?:了)?{_APPLY}", "qty", "handled"),
        (r"(?:全部|均已|均|已全部)(?:按时)?(?:办结|办理完毕)", "alldone", ""),
        (r"(?:均|全部)(?:获|被|予)?维持", "allkeep", ""),
        (r"(?:均已|均|全部|已全部)审结", "allclosed", ""),
        (r"均(?:由|为)自然人", "allperson", ""),
    ]
    disclosed, partial = v.groups[0], v.groups[1]
    out.append((rf"{re.escape(disclosed.name)}(?:和|及|与|、|或|以及){re.escape(partial.name)}", "qty", "group:disclosed+partial"))
    synonyms = {disclosed.key: ["同意公开", "全部公开"]}
    for g in v.groups:
        out.append((_alt([g.name, *synonyms.get(g.key, [])]), "qty", f"group:{g.key}"))
    for leaf in v.leaves:
        short = leaf.name.split("、", 1)[0]
        if len(short) < 3:  # （六）3 「其他」 is not a phrase one can find
            continue
        words = {leaf.name, short}
        for prefix in ("本机关", "属于"):
            if short.startswith(prefix):
                words.add(short[len(prefix):])
        out.append((_alt(words), "qty", f"leaf:{leaf.row}"))
    out.append((re.escape(v.col_name(v.t3, v.person_col)), "qty", f"app:{v.person_col}"))
    out.append((re.escape(v.org_name), "qty", "app:org"))
    for c in v.org_cols:
        name = v.col_name(v.t3, c)
        if len(name) >= 3:
            out.append((re.escape(name), "qty", f"app:{c}"))
    out.append((re.escape(v.org_other), "qty", f"app:{v.org_cols[-1]}"))
    # 表四: the blocks set the context the results refer to
    t4 = v.t4
    review, direct, after = v.t4_blocks
    out += [
        (r"未经(?:行政)?复议直接(?:提起)?(?:行政)?(?:起诉|诉讼)|直接(?:提起)?(?:行政)?(?:起诉|诉讼)", "case", "direct"),
        (r"(?:经)?(?:行政)?复议后(?:提起)?(?:行政)?(?:起诉|诉讼)", "case", "after"),
        (re.escape(t4.row_by_code[review].path[-1]), "case", "review"),
        (re.escape(t4.row_by_code[direct].path[0]), "case", "lit"),
    ]
    res_syn = {"keep": ["维持"], "fix": ["纠正", "纠错", "被纠错"], "pending": ["未审结", "正在审理", "审理中"]}
    for res in v.t4_results:
        if res == "total":
            continue
        out.append((_alt([t4.col_by_code[res].label, *res_syn.get(res, [])]), "result", res))
    # 表二
    t2 = v.t2
    nouns = {row: v.row_label(t2, row) for row in v.doc_rows}
    for row, label in nouns.items():
        words = {label}
        if label.startswith("行政"):
            words.add(label[2:])
        out.append((rf"(?:{_alt(words)})(?!制度)", "t2noun", row))
    verb_syn = {"issued": ["制定", "出台", "印发", "新制发"], "repealed": ["废除", "宣布失效"],
                "made": ["制作", "制定", "制发", "出台", "印发"], "public_total": ["对外公开"]}
    for col in v.doc_cols:
        out.append((_alt([v.verb(col), *verb_syn.get(col, [])]), "t2verb", col))
    for row in v.decision_rows:
        out.append((re.escape(v.row_label(t2, row)), "qty", f"t2:{row}:decisions"))
    out.append((re.escape(v.row_label(t2, v.fee_row)), "qty", f"t2:{v.fee_row}:amount"))
    return [(re.compile(p), k, pl) for p, k, pl in out]


NEGATION = re.compile(r"未|没有|尚无|无(?!法)")
#: between a negation and what it negates these words mean something else (「未按时办结」)
NEG_BREAK = re.compile(r"按时|及时|按期|逾期|超期|全部|完全")
#: a number after these words (in the same clause) is a change, not a count
CHANGE_WORDS = re.compile(r"增加|减少|增长|下降|上升|同比|较上年|比上年|较去年|比去年")
#: between a trigger and its number these words say the count is of something else
#: (「办结公众反映各类问题的信件3265件」)
FOREIGN = re.compile(r"信件|来信|来电|留言|咨询|诉求|问题|建议|提案|热线|工单|人次|批次|办件|办事|服务事项")
#: a previous year's figure in brackets: 「（上年为5件）」
PREV_BRACKET = re.compile(r"\((?:上年|去年|上一年|上年度)[^()\n]*\)")

COUNT_UNITS = ("件", "起", "宗", "个")
#: what may stand between a count and the keyword after it that it belongs to
#: (「2件属于行政查询事项」, 「两件不予公开」; not 「20个工作日内予以公开」)
_FORWARD_GAP = re.compile(r"(?:属于|为|系|是|被|均|均为)?")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMBER = re.compile(
    r"(?<![\d.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>万元|元|件|起|宗|个|%)"
    r"|(?<![第\d])(?P<cn>[零〇一二两三四五六七八九十百]+)(?P<cnunit>件|起|宗)"
)
BOUNDARY = re.compile(r"[,;:。!?](?!(?<=\d,)\d{3}(?!\d))")


def cn_number(s: str) -> int | None:
    """「十二」 → 12, 「两」 → 2, 「一百零五」 → 105; None if not a plain numeral."""
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


# ------------------------------------------------------------------------------------------
# claims
# ------------------------------------------------------------------------------------------


@dataclass
class Claim:
    kind: str  # count | share | rate | allkeep | alldone | allperson
    #: alternative quantity keys (any may match)
    quantities: tuple[str, ...]
    #: the number as written (Decimal), or None for allkeep/alldone/allperson
    value: Decimal | None
    #: printed text of the number for shares and rates (「60.2」)
    printed: str = ""
    #: for shares: alternative base quantity keys
    bases: tuple[str, ...] = ()
    #: for shares: the count claim it belongs to
    of: "Claim | None" = None
    #: the words as written (original text), e.g. 「予以公开68件」
    surface: str = ""
    paragraph: int = 0
    sentence: str = ""
    #: 「元」 amounts are converted to 万元
    unit: str = ""
    zero_in_words: bool = False
    occurrences: int = 1
    extra: dict = field(default_factory=dict)
    #: the sentence normalised once (shared by every claim of the sentence: hashing it is cheap)
    sentence_key: str = ""
    #: where the claim starts in ``sentence`` (for quoting around it)
    pos: int = -1

    def key(self) -> tuple:
        return (self.kind, self.quantities, str(self.value), self.printed, self.bases,
                self.sentence_key or _squash(self.sentence), self.of.key() if self.of else None)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


_WS = re.compile(r"\s+")
_CHAR_NFKC: dict[str, str | None] = {}


def _char_map(text: str) -> dict[int, str] | None:
    """NFKC char by char as a translate table, or None when some character does not map to
    exactly one character (then the slow path keeps the positions right)."""
    table: dict[int, str] = {}
    for ch in set(text):
        n = _CHAR_NFKC.get(ch, "")
        if n == "":
            n = unicodedata.normalize("NFKC", ch)
            if len(n) != 1 or unicodedata.combining(ch) or "\u1100" <= ch <= "\u11ff":
                n = None
            _CHAR_NFKC[ch] = n
        if n is None:
            return None
        if n != ch:
            table[ord(ch)] = n
    return table


class _Norm:
    """NFKC-normalised text without white space, with a map back to the original.

    Linear in the length of the text: one translate and one scan for white space; the map
    back is kept as the starts of the runs between white space (bisect), not per character.
    """

    def __init__(self, original: str, table: dict[int, str] | None | bool = False, translated: str | None = None):
        self.original = original
        if table is False:
            table = _char_map(original)
        if table is None:
            self._slow(original)
            return
        base = translated if translated is not None else (original.translate(table) if table else original)
        self._index = None
        if not _WS.search(base):  # the common case in Chinese text: nothing to drop
            self.text, self._n, self._o = base, [0], [0]
            return
        starts_n, starts_o, pieces = [], [], []
        pos = npos = 0
        for m in _WS.finditer(base):
            if m.start() > pos:
                pieces.append(base[pos:m.start()])
                starts_n.append(npos)
                starts_o.append(pos)
                npos += m.start() - pos
            pos = m.end()
        if pos < len(base):
            pieces.append(base[pos:])
            starts_n.append(npos)
            starts_o.append(pos)
        self.text = "".join(pieces)
        self._n, self._o = starts_n, starts_o
        self._index = None

    def _slow(self, original: str) -> None:
        chars, index = [], []
        for i, ch in enumerate(original):
            for c in unicodedata.normalize("NFKC", ch):
                if c.isspace():
                    continue
                chars.append(c)
                index.append(i)
        self.text = "".join(chars)
        self._index = index

    def _pos(self, i: int) -> int:
        if self._index is not None:
            return self._index[i]
        k = bisect_right(self._n, i) - 1
        return self._o[k] + (i - self._n[k])

    def orig(self, start: int, end: int) -> str:
        if start >= len(self.text):
            return ""
        a = self._pos(start)
        b = self._pos(end - 1) + 1 if end - 1 < len(self.text) else len(self.original)
        return self.original[a:b]


SENTENCE_END = re.compile(r"(?<=[。！？!?])")


def sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_END.split(paragraph) if s.strip()]


_CANDIDATE = re.compile(
    r"\d\s*(?:万元|元|件|起|宗|个|%|条|次|篇|项|期|人|家|场)|[两二三四五六七八九十]\s*(?:件|起|宗|条|次)"
    r"|未|没有|尚无|无|均|全部|复议|诉讼"
)


class Prepared:
    """A text split into sentences, each normalised once, and the whole as one string
    (sentences joined by line breaks) that every pattern scans once."""

    def __init__(self, paragraphs):
        texts = [((para.number, para.text) if hasattr(para, "number") else para) for para in paragraphs]
        table = _char_map("".join(t for _, t in texts))
        self.units: list[tuple[int, str, _Norm]] = []
        for number, text in texts:
            for sent in sentences(text):
                # a sentence with no count, no negation and no 复议/诉讼 holds no claim and no arithmetic
                probe = sent.translate(table) if table else (sent if table is not None else unicodedata.normalize("NFKC", sent))
                if _CANDIDATE.search(probe):
                    self.units.append((number, sent, _Norm(sent, table, probe if table is not None else None)))
        self.doc = "\n".join(u[2].text for u in self.units)
        self.offsets: list[int] = []
        off = 0
        for u in self.units:
            self.offsets.append(off)
            off += len(u[2].text) + 1
        self.hidden = PREV_BRACKET.sub(lambda m: "#" * len(m.group(0)), self.doc)

    def sentence_of(self, pos: int) -> int:
        return bisect_right(self.offsets, pos) - 1


def prepare(paragraphs) -> Prepared:
    return paragraphs if isinstance(paragraphs, Prepared) else Prepared(paragraphs)


def extract(spec: FormatSpec, paragraphs) -> list[Claim]:
    """All claims of the paragraphs (``draft.Paragraph`` or (number, text)), duplicates merged.

    Linear in the text: every sentence is normalised once, and each pattern scans the whole
    document once (not once per sentence); matches are then handed to their sentence.
    """
    pats = triggers(spec)
    d = paragraphs if isinstance(paragraphs, Prepared) else prepare(paragraphs)
    units, offsets, hidden = d.units, d.offsets, d.hidden
    if not units:
        return []
    per: list[dict[str, list]] = [{"trig": [], "neg": [], "num": [], "bound": []} for _ in units]

    ends = [o + len(u[2].text) for o, u in zip(offsets, units)]
    for pat, kind, payload in pats:
        for m in pat.finditer(hidden):
            a, b = m.span()
            k = bisect_right(offsets, a) - 1
            if b > a and b <= ends[k]:
                o = offsets[k]
                per[k]["trig"].append(_Tok(kind, payload, a - o, b - o))
    for m in NEGATION.finditer(hidden):
        a, b = m.span()
        k = bisect_right(offsets, a) - 1
        if b <= ends[k]:
            per[k]["neg"].append((a - offsets[k], b - offsets[k]))
    for m in NUMBER.finditer(hidden):
        k = bisect_right(offsets, m.start()) - 1
        if m.end() <= ends[k]:
            per[k]["num"].append((m, offsets[k]))
    for m in BOUNDARY.finditer(hidden):
        a = m.start()
        k = bisect_right(offsets, a) - 1
        per[k]["bound"].append(a - offsets[k])
    claims: list[Claim] = []
    ctx: dict[str, str] = {}
    last_para = None
    for k, (number, sent, norm) in enumerate(units):
        if number != last_para:
            ctx = {}
            last_para = number
        s = hidden[offsets[k]:offsets[k] + len(norm.text)]
        claims += _sentence(per[k], sent, number, ctx, norm, s)
    merged: dict[tuple, Claim] = {}
    for c in claims:
        key = c.key()
        if key in merged:
            merged[key].occurrences += 1
        else:
            merged[key] = c
    return list(merged.values())


@dataclass
class _Tok:
    kind: str
    payload: str
    start: int
    end: int
    clause: int = 0
    used: bool = False
    attr: str = ""  # t2noun: the verb's column found before it
    lead: int = -1  # t2noun: where that verb starts (for quoting)


def _sentence(found_all: dict[str, list], original: str, paragraph: int, ctx: dict[str, str], norm: _Norm,
              s: str) -> list[Claim]:
    """The claims of one sentence from its pre-scanned matches (``s``: its normalised text with
    previous-year brackets hidden)."""
    ctx.pop("t2_here", None)
    found: list[_Tok] = found_all["trig"]
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    toks: list[_Tok] = []
    last_end = -1
    for t in found:
        if t.start >= last_end:
            toks.append(t)
            last_end = t.end
    spans = [(t.start, t.end) for t in toks]
    starts = [a for a, _ in spans]

    def covered(i: int) -> bool:
        k = bisect_right(starts, i) - 1
        return k >= 0 and spans[k][0] <= i < spans[k][1]

    for a, b in found_all["neg"]:
        if not covered(a):
            toks.append(_Tok("neg", "", a, b))
    for m, o in found_all["num"]:
        if covered(m.start() - o):
            continue
        if m.group("num"):
            num = Decimal(m.group("num").replace(",", ""))
            unit = m.group("unit")
            printed = m.group("num").replace(",", "")
        else:
            n = cn_number(m.group("cn"))
            if n is None:
                continue
            num, unit, printed = Decimal(n), m.group("cnunit"), str(n)
        toks.append(_Tok("num", f"{unit}|{printed}|{num}", m.start() - o, m.end() - o))
    toks.sort(key=lambda t: t.start)
    bounds = found_all["bound"]
    for t in toks:
        t.clause = bisect_right(bounds, t.start - 1)

    out: list[Claim] = []
    last_count: Claim | None = None
    ctx_base: list[tuple[str, ...]] = [()]
    pending: list[_Tok] = []
    neg: _Tok | None = None
    negated: list[_Tok] = []
    clause = -1

    def quote(tok_from: _Tok, tok_to: _Tok) -> str:
        start = tok_from.lead if tok_from.lead >= 0 else tok_from.start
        return norm.orig(min(start, tok_to.start), max(tok_from.end, tok_to.end))

    def close_clause():
        nonlocal neg, negated
        if neg is not None and negated:
            out.extend(_zeros(neg, negated, ctx, original, paragraph, norm))
        neg, negated = None, []

    for idx, t in enumerate(toks):
        if t.clause != clause:
            close_clause()
            pending = []
            clause = t.clause
        if t.kind == "neg":
            neg, negated = t, []
            continue
        if t.kind in ("allkeep", "alldone", "allperson", "allclosed"):
            qs = _ctx_quantities(t.kind, ctx)
            out.append(Claim(t.kind, qs, None, surface=norm.orig(t.start, t.end), paragraph=paragraph, sentence=original,
                             sentence_key=norm.text, pos=norm._pos(t.start)))
            continue
        if t.kind == "num":
            unit, printed, raw = t.payload.split("|")
            value = Decimal(raw)
            if neg is not None:
                neg, negated = None, []  # a number in the clause: the negation was about something else
            if unit == "%":
                claim = _percent(t, s, pending, last_count, printed, value, norm, original, paragraph)
                if claim:
                    if claim.kind == "share":
                        # 「占办结总数的60.2%；部分公开4件，占3.5%」: later shares keep the stated base
                        if claim.bases:
                            ctx_base[0] = claim.bases
                        elif ctx_base[0]:
                            claim.bases = ctx_base[0]
                    out.append(claim)
                continue
            # a number that binds to nothing ends the run a later 「占x%」 could refer to
            last_count = None
            trig = next((p for p in reversed(pending) if not p.used), None)
            # the number before its keyword: 「其中2件属于行政查询事项」, 「两件不予公开」
            nxt = toks[idx + 1] if idx + 1 < len(toks) else None
            if (nxt is not None and nxt.clause == t.clause and nxt.kind in ("qty", "case", "result", "t2noun")
                    and not nxt.used and unit in ("件", "起", "宗") and _FORWARD_GAP.fullmatch(s[t.end:nxt.start])
                    and (trig is None or t.start - trig.end > nxt.start - t.end + 2)):
                trig = nxt
                pending.append(nxt)
            elif trig is None or t.start - trig.end > 24:
                continue
            elif CHANGE_WORDS.search(s, trig.end, t.start) or FOREIGN.search(s, trig.end, t.start):
                continue
            qs = _bind(trig, ctx, s[:trig.start])
            if not qs:
                continue
            money = any(q.endswith(":amount") for q in qs)
            if money != (unit in ("万元", "元")) or (not money and unit not in COUNT_UNITS):
                continue
            if qs[0].startswith("t2:") and not money and unit != "件":
                continue
            trig.used = True
            last_count = Claim("count", qs, value, surface=quote(trig, t), paragraph=paragraph, sentence=original, unit=unit,
                               sentence_key=norm.text, pos=norm._pos(min(t.start, trig.lead if trig.lead >= 0 else trig.start)))
            out.append(last_count)
            continue
        # a trigger
        if t.kind == "case":
            ctx["t4"] = t.payload
        elif t.kind == "t2noun":
            ctx["t2"] = ctx["t2_here"] = t.payload
            verb = next((p for p in reversed(pending) if p.kind == "t2verb" and not p.used), None)
            if verb is not None:
                verb.used = True
                t.attr = verb.payload
                t.lead = verb.start
        if t.kind == "ignore":
            continue
        pending.append(t)
        if neg is not None:
            # the negation covers the first trigger right after it and the ones listed with it
            if negated or (t.start - neg.end <= 20 and not NEG_BREAK.search(s, neg.end, t.start)):
                negated.append(t)
    close_clause()
    return out


_SCOPE_NEW = re.compile(r"新收|收到|受理")
_SCOPE_DONE = re.compile(r"办结|办理结果|答复")


def _bind(trig: _Tok, ctx: dict[str, str], before: str = "") -> tuple[str, ...]:
    if trig.kind == "qty":
        if trig.payload.startswith("app:"):
            # applicants of the new applications, or of those handled, as the sentence says
            if _SCOPE_NEW.search(before):
                return (trig.payload,)
            if _SCOPE_DONE.search(before):
                return (trig.payload + "@total",)
            return (trig.payload, trig.payload + "@total")
        return (trig.payload,)
    if trig.kind == "case":
        return (f"t4:{trig.payload}:total",)
    if trig.kind == "result":
        block = ctx.get("t4")
        return (f"t4:{block}:{trig.payload}",) if block else ()
    if trig.kind == "t2noun":
        if trig.attr:
            return (f"t2:{trig.payload}:{trig.attr}",)
        return tuple(f"t2:{trig.payload}:{c}" for c in ("issued", "repealed", "in_force"))
    if trig.kind == "t2verb":
        # 「废止5件」 counts the documents named earlier in the same sentence; without them
        # (「出台的33件重要政策文件」) it is not a claim about 表二
        noun = ctx.get("t2_here")
        return (f"t2:{noun}:{trig.payload}",) if noun else ()
    return ()


def _ctx_quantities(kind: str, ctx: dict[str, str]) -> tuple[str, ...]:
    if kind == "allclosed":
        block = ctx.get("t4")
        return (f"t4:{block}:pending",) if block else ("t4:review:pending", "t4:lit:pending")
    if kind == "allkeep":
        block = ctx.get("t4")
        return (f"t4:{block}:keep",) if block else ("t4:review:keep", "t4:lit:keep")
    if kind == "alldone":
        return ("carry_over",)
    return ("app:np",)  # 「新收申请均由自然人提出」


def _zeros(neg: _Tok, negated: list[_Tok], ctx: dict[str, str], original: str, paragraph: int, norm: _Norm) -> list[Claim]:
    """「未收到……行政复议和行政诉讼案件」 → zero claims for each negated trigger."""
    out = []

    def zero(qs, tok):
        out.append(Claim("count", qs, Decimal(0), surface=norm.orig(neg.start, tok.end), paragraph=paragraph,
                         sentence_key=norm.text, pos=norm._pos(neg.start),
                         sentence=original, zero_in_words=True))

    for t in negated:
        if t.kind in ("qty", "case", "result"):
            if t.kind == "result" and not ctx.get("t4"):
                continue
            qs = _bind(t, ctx)
            if qs:
                zero(qs, t)
    # 「未制发、废止规章和行政规范性文件」: every verb with every noun of the clause
    nouns = [t for t in negated if t.kind == "t2noun"]
    verbs = [t for t in negated if t.kind == "t2verb"]
    cols = list(dict.fromkeys([t.payload for t in verbs] + [t.attr for t in nouns if t.attr]))
    targets = list(dict.fromkeys(n.payload for n in nouns)) or ([ctx["t2_here"]] if ctx.get("t2_here") else [])
    anchor = (verbs or nouns or [None])[0]
    if anchor is not None:
        for noun in targets:
            for col in cols:
                zero((f"t2:{noun}:{col}",), anchor)
    return out


_BASE_WORDS = (
    (re.compile(r"办结|答复|办理结果"), ("total",)),
    (re.compile(r"新收|收到|受理"), ("new", "received")),
    (re.compile(r"法人或其他组织"), ("app:org",)),
)


def _percent(t: _Tok, s: str, pending, last_count: Claim | None, printed: str, value: Decimal, norm: _Norm,
             original: str, paragraph: int) -> Claim | None:
    rate = next((p for p in reversed(pending) if p.kind == "rate" and not p.used), None)
    if rate is not None and t.start - rate.end <= 6:
        rate.used = True
        return Claim("rate", ("total",), value, printed=printed, bases=("pool",), sentence_key=norm.text,
                     pos=norm._pos(rate.start),
                     surface=norm.orig(rate.start, t.end), paragraph=paragraph, sentence=original)
    # a share: 「占(办结总数的)60.2%」 right after a count
    lead = s[max(0, t.start - 16):t.start]
    zhan = lead.rfind("占")
    if zhan < 0 or last_count is None or CHANGE_WORDS.search(lead):
        return None
    between = lead[zhan:]
    if re.search(r"[,;:。]", between):
        return None
    bases: tuple[str, ...] = ()
    for pat, keys in _BASE_WORDS:
        if pat.search(between):
            bases = keys
            break
    start = t.start - (len(lead) - zhan)
    return Claim("share", last_count.quantities, value, printed=printed, bases=bases, of=last_count,
                 sentence_key=norm.text, pos=norm._pos(start),
                 surface=norm.orig(start, t.end), paragraph=paragraph, sentence=original)
