"""Checks of a published page's text (A-* rules of :mod:`gxxl.audit.rules`).

Works on the importer's :class:`~gxxl.importer.sources.Document` (the page's lines outside
the tables, in reading order).  Nothing here reads numbers out of tables: that is the
importer's job; the checks are about the page as a document:

* the six-part outline of 国办公开办函〔2021〕30号, present and in order (A-1, A-2); the
  titles are those of the report generator (parts 一、五、六) and the spec's table titles
  (parts 二、三、四), never typed again here;
* a copy that stops in the middle (A-7, a note, not a defect): the parts after the cut are
  not reported missing;
* the 统计期限 sentence against the report year (A-3); the publication date against the
  legal deadline (A-4); the 信息处理费 statement in part 六 (A-5); the title (A-8); a
  paragraph of part 一 dated the previous year (A-9).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..findings import Finding
from ..hanzi import to_simplified
from ..spec import FormatSpec, get_spec
from .rules import RULE_BY_ID, deadline_for

CN_NUM = "一二三四五六七八九十"
_HEADING = re.compile(r"^([一二三四五六七八九十])[、.．]\s*(\S.{0,40})$")
#: similarity of a heading to an official title needed to count as that part
MATCH = 0.7
QUOTE_MAX = 80


@lru_cache(maxsize=1)
def outline() -> tuple[str, ...]:
    """The six official part titles: 一、五、六 from the report generator, 二–四 from the spec."""
    from ..report.compose import PART_1, PART_5, PART_6

    t2, t3, t4 = (t.title for t in get_spec("gov2021").tables)
    return (PART_1, t2, t3, t4, PART_5, PART_6)


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", to_simplified(s))
    return re.sub(r"\s+", "", s)


def _core(title: str) -> str:
    return re.sub(rf"^[{CN_NUM}]+[、.．]", "", _norm(title))


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def _similar(heading: str, title: str, *, cut: bool = False) -> float:
    """Share of the official title's character pairs found in the heading (order of words kept,
    so 「政府信息公开工作的基本情况」 is not 「主动公开政府信息情况」); a heading cut short at the
    end of a copy counts when it is the start of the title."""
    core = _core(title)
    if cut and len(heading) >= 3 and core.startswith(heading):
        return 1.0
    want = _bigrams(core)
    return len(want & _bigrams(heading)) / max(1, len(want))


@lru_cache(maxsize=1)
def _table_labels() -> frozenset[str]:
    """Every label of every format's tables (「四、结转下年度继续办理」 is a row, not a part)."""
    from ..spec import all_specs

    return frozenset(_norm(sp.text) for spec in all_specs().values() for t in spec.tables
                     for sp in t.layout.spans if sp.text)


def quote(s: str, limit: int = QUOTE_MAX) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[:limit] + "……"


@dataclass
class Heading:
    line: int
    numeral: int
    text: str
    part: int | None  # 0-based index into outline(), None: not an official title


def headings(lines: list[str]) -> list[Heading]:
    """Top-level headings 「一、…」 in reading order, numerals strictly increasing."""
    out: list[Heading] = []
    titles = outline()
    last = 0
    labels = _table_labels()
    end = len(lines) - 1 if looks_cut(lines) else -1
    for i, raw in enumerate(lines):
        s = _norm(raw)
        m = _HEADING.match(s)
        if not m or s.endswith(("。", "；", ";")):
            continue
        # a table row as text (「四、结转下年度继续办理 0 0 0」 in a PDF) is not a part heading
        if len(re.findall(r"(?:^|\s)\d+(?=\s|$)", raw)) >= 2 or _norm(re.sub(r"[\s\d]+$", "", raw)) in labels:
            continue
        n = CN_NUM.index(m.group(1)) + 1
        if n <= last:
            continue  # a list inside a part (「一、加强组织领导」 under 五) restarts its numbering
        scores = [_similar(m.group(2), t, cut=i == end) for t in titles]
        best = max(range(len(titles)), key=lambda k: scores[k])
        out.append(Heading(i, n, raw.strip(), best if scores[best] >= MATCH else None))
        last = n
    return out


_END_OK = re.compile(r"([。！？!?；;…”」』)）)]|\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*$")


def looks_cut(lines: list[str]) -> bool:
    """The copy ends in the middle of a sentence or a table (a stored page cut short)."""
    last = next((ln for ln in reversed(lines) if ln.strip()), "")
    return not _END_OK.search(_norm(last))


# ------------------------------------------------------------------------------------------
def check_page(lines: list[str], *, spec: FormatSpec, year: int | None, level: str | None,
               coverage: dict[str, tuple[int, int]], cells: list[str] = (), file: str | None = None,
               ) -> tuple[list[Finding], dict]:
    """(A-* findings, facts for the summary: parts found, cut, tables state)."""
    R = RULE_BY_ID
    out: list[Finding] = []
    titles = outline()
    hs = headings(lines)
    found = [h for h in hs if h.part is not None]
    if not found and not any(n for n, _ in coverage.values()) and "政府信息公开" not in _norm(" ".join(lines[:400])):
        return [R["A-13"].finding(where=f"共{len(lines)}行", quote=quote(lines[0], 60) if lines else None, file=file)], {
            "parts": [], "truncated": False,
            "tables": {t.code: (0, len(t.cells), "未找到") for t in spec.tables}}
    parts_found = {h.part for h in found}
    cut = looks_cut(lines)
    last_numeral = max((h.numeral for h in hs), default=0)
    trailing = [k for k in range(len(titles)) if k not in parts_found and k + 1 > last_numeral]
    truncated = bool(trailing) and (cut or len(trailing) >= 2)
    by_numeral = {h.numeral: h for h in hs}
    for k, title in enumerate(titles):
        if k in parts_found or (truncated and k in trailing):
            continue
        other = by_numeral.get(k + 1)
        hint = f"（页面第{k + 1}部分的标题为「{quote(other.text, 40)}」，不是规定的章节）" if other and other.part is None else ""
        out.append(R["A-1"].finding(where=f"第{other.line + 1}行" if other else "", quote=other.text if other else None,
                                    n=CN_NUM[k], title=title, hint=hint, file=file))
    order = [h.part for h in found]
    if order != sorted(order):
        out.append(R["A-2"].finding(
            where=f"第{found[0].line + 1}行", quote="；".join(quote(h.text, 30) for h in found),
            found="、".join(CN_NUM[p] for p in order), expected="、".join(CN_NUM[p] for p in sorted(order)), file=file))
    # tables: a part whose whole text is in the copy (the next part follows) but whose table is not
    tables_state = {}
    next_part = {h.part: hs[i + 1] if i + 1 < len(hs) else None for i, h in enumerate(hs) if h.part is not None}
    for t in spec.tables:
        n, total = coverage.get(t.code, (0, len(t.cells)))
        part = next((k for k, title in enumerate(titles) if _core(title) == _core(t.title)), None)
        complete_part = part in parts_found and next_part.get(part) is not None
        if n == total:
            state = "完整"
        elif n == 0:
            state = "未找到" if (complete_part or not truncated) else "页面截断"
        else:
            state = "不完整" if complete_part else "截断"
        tables_state[t.code] = (n, total, state)
        if n == 0 and part in parts_found and _labels_in_lines(t, list(lines) + list(cells)):
            h = next(h for h in found if h.part == part)
            tables_state[t.code] = (n, total, "无法读取")
            out.append(R["A-12"].finding(where=f"第{h.line + 1}行", quote=h.text, n=CN_NUM[part], tname=t.number, file=file))
        elif n == 0 and complete_part:
            h = next(h for h in found if h.part == part)
            out.append(R["A-6"].finding(where=f"第{h.line + 1}行", quote=h.text, n=CN_NUM[part], title=titles[part],
                                        tname=f"{t.number}", file=file))
    if truncated:
        after = f"第{CN_NUM[last_numeral - 1]}部分" if last_numeral else "开头部分"
        tail = f"（最后一行为「{quote(lines[-1], 30)}」）" if lines else ""
        out.append(R["A-7"].finding(where=f"第{len(lines)}行", quote=quote(lines[-1], 60) if lines else None,
                                    after=after, tail=tail, file=file))
    out += _arithmetic(lines, file)
    if year:
        out += _period(lines, year, file)
        out += _published(lines, hs, year, level, file)
        out += _title(lines, year, file)
        out += _year_slip(lines, hs, year, file)
    six = next((h for h in found if h.part == 5), None)
    if six is not None and spec.years[0] >= 2021:
        rest = "".join(_norm(x) for x in lines[six.line:])
        if "信息处理费" not in rest:
            out.append(R["A-5"].finding(where=f"第{six.line + 1}行起", quote=quote(" ".join(lines[six.line:six.line + 3]), 80), file=file))
    facts = {"parts": [h.part for h in found], "truncated": truncated, "tables": tables_state}
    return out, facts


def _labels_in_lines(table, lines: list[str]) -> bool:
    """At least a third of the table's own labels stand on their own on the page (as lines or as
    cells of a table the importer could not read)."""
    from ..locate.match import key

    labels = {key(s.text) for s in table.layout.spans if len(s.text) >= 2}
    present = {key(x) for x in lines if len(x) <= 60}
    return len(labels & present) >= max(3, len(labels) // 3)


# ------------------------------------------------------------------------------------------
_PERIOD_WORD = re.compile(r"(统计期限|统计时限|统计期间|统计时间|统计区间|数据期限|内容期限|统计时段)")
_START = re.compile(r"(\d{4})年1月1日")
_END = re.compile(r"(?:(\d{4})年)?12月31(日)?")


def _period(lines: list[str], year: int, file) -> list[Finding]:
    for i, raw in enumerate(lines):
        s = _norm(raw)
        m = _PERIOD_WORD.search(s)
        if not m:
            continue
        # a sentence broken across lines (PDF text, narrow pages) continues on the next lines
        s = s + "".join(_norm(x) for x in lines[i + 1:i + 3])
        clause = s[m.start():]
        stop = re.search(r"止|。|;|；", clause)
        clause = clause[: stop.end()] if stop else clause[:60]
        said = clause
        st, en = _START.search(clause), _END.search(clause)
        why = ""
        if not st or not en:
            why = "无法识别起止日期"
        elif int(st.group(1)) != year:
            why = f"起始年份{st.group(1)}年与报告年度{year}年不符"
        elif en.group(1) and int(en.group(1)) != year:
            why = f"截止年份{en.group(1)}年与报告年度{year}年不符"
        elif not en.group(2):
            why = "截止日期缺少“日”字"
        if not why:
            return []
        return [RULE_BY_ID["A-3"].finding(where=f"第{i + 1}行", quote=quote(said, 80), said=quote(said, 50), why=why,
                                          year=year, file=file)]
    return []


_DATE_LABEL = re.compile(r"(发布时间|发布日期|发文日期|公开日期|时间|日期)[:：]?(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})")


def _published(lines: list[str], hs: list[Heading], year: int, level: str | None, file) -> list[Finding]:
    stop = hs[0].line if hs else min(len(lines), 15)
    for i, raw in enumerate(lines[: max(stop, 1)]):
        m = _DATE_LABEL.search(_norm(raw))
        if not m:
            continue
        try:
            date = dt.date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            return []
        d, who = deadline_for(level, year)
        deadline = dt.date(year + 1, d.month, d.day)
        if date <= deadline:
            return []
        return [RULE_BY_ID["A-4"].finding(
            where=f"第{i + 1}行", quote=quote(raw, 60), table=None, date=f"{date.year}年{date.month}月{date.day}日",
            level=who, deadline=f"{deadline.year}年{d.month}月{d.day}日", basis=d.basis, file=file)]
    return []


_TITLE = "政府信息公开工作年度报告"


def _title(lines: list[str], year: int, file) -> list[Finding]:
    head = lines[:12]
    for i, raw in enumerate(head):
        s = _norm(raw)
        if _TITLE in s and len(s) <= 60 and not s.startswith(("根据", "按照", "依据", "本报告")):
            m = re.search(r"(\d{4})年度?" + _TITLE, s) or re.search(r"(\d{4})年", s)
            if m and int(m.group(1)) != year:
                return [RULE_BY_ID["A-8"].finding(where=f"第{i + 1}行", quote=quote(raw), file=file,
                                                  what=f"标题「{quote(raw, 50)}」中的年度为{m.group(1)}年，而报告年度为{year}年")]
            return []
    for i, raw in enumerate(head):
        s = _norm(raw)
        if ("政府信息公开" in s and "年度" in s and len(s) <= 40 and _TITLE not in s and "《" not in s
                and not s.startswith(("根据", "按照", "依据", "本报告")) and "报" in s[s.index("政府信息公开"):]):
            return [RULE_BY_ID["A-8"].finding(where=f"第{i + 1}行", quote=quote(raw), file=file,
                                              what=f"标题「{quote(raw, 50)}」文字错乱，应为“……{year}年{_TITLE}”")]
    return []


_SLIP = re.compile(r"^(?:[(（][一二三四五六七八九十][)）][^\d,，。]{0,16})?(\d{4})年[,，]")


def _year_slip(lines: list[str], hs: list[Heading], year: int, file) -> list[Finding]:
    one = next((h for h in hs if h.part == 0), None)
    if one is None:
        return []
    nxt = next((h.line for h in hs if h.line > one.line), len(lines))
    for i in range(one.line + 1, nxt):
        m = _SLIP.match(_norm(lines[i]))
        if m and int(m.group(1)) == year - 1:
            return [RULE_BY_ID["A-9"].finding(where=f"第{i + 1}行", quote=quote(lines[i]), said=f"{m.group(1)}年",
                                              year=year, file=file, place=f"第一部分第{i + 1}行")]
    return []


# ------------------------------------------------------------------------------------------
_UNITS = "条件个篇次项份期"
_TOTAL = re.compile(rf"(\d+)([{_UNITS}])[,，:：]?(?:其中|具体包括|包括|分别为)[:：]?")
_ITEM = re.compile(rf"([^,，、;；。:：\d%]{{1,24}}?)(\d+)([{_UNITS}])")


def _arithmetic(lines: list[str], file) -> list[Finding]:
    """「共X条，其中A条、B条」: the parts listed right after a total, in the same unit, add up to it.

    The list ends at the first part in another unit, a percentage, or the end of the sentence;
    at least two parts are needed (「其中规范性文件3件」 names a subset, not a breakdown)."""
    out = []
    for i, raw in enumerate(lines):
        s = unicodedata.normalize("NFKC", raw)
        for m in _TOTAL.finditer(s):
            total, unit = int(m.group(1)), m.group(2)
            rest = s[m.end():]
            end = re.search(r"[。;；]", rest)
            rest = rest[: end.start()] if end else rest
            parts = []
            pos = 0
            while True:
                it = _ITEM.match(rest, pos)
                if not it or it.group(3) != unit:
                    break
                parts.append(int(it.group(2)))
                pos = it.end()
                sep = re.match(r"[,，、]\s*", rest[pos:])
                if not sep:
                    break
                pos += sep.end()
            if len(parts) >= 2 and sum(parts) != total:
                out.append(RULE_BY_ID["A-14"].finding(
                    where=f"第{i + 1}行", quote=quote(s[max(0, m.start() - 20):m.end() + pos], 120), file=file,
                    place=f"第{i + 1}行", total=total, unit=unit, n=len(parts), parts=sum(parts),
                    diff=abs(total - sum(parts))))
    return out
