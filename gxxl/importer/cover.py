"""Cover fields (单位名称, 报告年度, 行政层级 …) from what the source says about itself.

In order of trust: a labelled field in the source (「单位名称：××局」, a cover sheet),
the report's title (「××市××局2023年政府信息公开工作年度报告」), the narrative
(「2024年，区政府办公室新收到……」).  The 行政层级 is at best inferred from the unit's
name.  Every value found this way is reported (rule I-8), so a person can check it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..spec import FormatSpec
from ..hanzi import to_simplified
from ..locate.match import key
from .sources import Document


@dataclass
class Found:
    value: object
    how: str  # "field", "title", "text", "inferred"
    evidence: str


#: cover field code → labels a source may use for it (the spec's own label comes first)
ALIASES = {
    "unit_name": ("填报单位", "报送单位", "机关名称", "行政机关名称", "发布机构"),
    "year": ("年度", "统计年度", "报告年份"),
    "level": ("层级",),
    "credit_code": ("社会信用代码", "信用代码"),
    "preparer": ("填表人", "联系人"),
    "phone": ("电话", "联系方式"),
    "date": ("填报时间", "填表日期", "报送日期"),
}

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_TITLE_WORDS = ("政府信息公开", "政务公开")
_TITLE_KIND = ("年度报告", "年报", "工作报告", "统计表", "工作情况", "工作总结")
_UNIT_END = (
    "人民政府办公室", "人民政府办公厅", "政府办公室", "办公室", "办公厅", "街道办事处", "办事处", "人民政府", "政府",
    "委员会", "管委会", "管理委员会", "局", "厅", "委", "办", "中心", "院", "署", "所",
)
_NARRATIVE_UNIT = re.compile(
    r"(?:19|20)\d{2}年度?[,，]\s*([\u4e00-\u9fff]{1,24}?(?:" + "|".join(_UNIT_END) + r"))(?=[\u4e00-\u9fff])"
)


def cover_from_document(doc: Document, spec: FormatSpec) -> dict[str, Found]:
    found: dict[str, Found] = {}
    _from_fields(doc, spec, found)
    lines = [to_simplified(x) for x in doc.lines[:80]]
    title = _title(doc)
    t = to_simplified(title) if title else ""
    if "year" not in found:
        m = _YEAR.search(t.replace(" ", "")) if t else None
        if m:
            found["year"] = Found(int(m.group(1)), "title", title)
        else:
            period = _period_year(lines)
            if period:
                found["year"] = period
    if "unit_name" not in found:
        unit = _unit_candidates(t, lines)
        if unit:
            found["unit_name"] = unit
    if "year" not in found:
        years = Counter(int(y) for line in lines for y in _YEAR.findall(line.replace(" ", "")) if 2000 <= int(y) <= 2100)
        if years:
            year, _ = max(years.items(), key=lambda kv: (kv[1], kv[0]))
            line = next(x for x in lines if f"{year}年" in x.replace(" ", ""))
            found["year"] = Found(year, "text", _snippet(line.replace(" ", ""), f"{year}年"))
    return found


#: 「本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止」
_PERIOD = re.compile(r"(?:统计期限|统计时限|数据时限|统计时间|内容期限|统计数据时限)[^。]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")


def _period_year(lines: list[str]) -> Found | None:
    for line in lines:
        m = _PERIOD.search(line)
        if m:
            return Found(int(m.group(1)), "text", _snippet(line, m.group(0)[:8], 30))
    return None


#: the name of a unit: CJK characters ending in a kind of office, or a bare division
_UNIT_NAME = re.compile(
    r"[\u4e00-\u9fff]{1,30}?(?:" + "|".join(_UNIT_END) + r"|街道|乡|镇|县|市|区|旗|州|盟|省|自治区|街)$"
)
#: words that are not a unit's name: pronouns, boilerplate, template words
_NOT_UNIT = re.compile(
    r"^(?:我|本|该|各|全|根据|按照|依据|关于|为|对|在|以|经|由|现|特|中华人民共和国|国务院办公厅)"
    r"|条例|通知|要求|意见|规定|格式|报告|工作|情况|信息|公开|编制|做好"
)
_LEAD = re.compile(r"现公布|公布|现将|发布|印发|编制|根据|按照|依据|关于|做好|结合|要求|通知|的")
_DIVISION_END = re.compile(r"(?:县|市|区|旗|乡|镇|省|自治区|自治州|州|盟)$")
#: 「现公布绥宁县人民政府2019年政府信息公开工作年度报告」, 「《贵阳市2021年政府信息公开工作年度报告》」
_BEFORE_YEAR = re.compile(r"([\u4e00-\u9fff]{2,30}?)\s*(?:19|20)\d{2}\s*年度?\s*(?:政府信息公开|政务公开)")
_NARRATIVE = re.compile(
    r"(?:^|[,，。;；:：\s])([\u4e00-\u9fff]{2,24}?(?:" + "|".join(_UNIT_END) + r"))"
    r"(?:根据|按照|认真|坚持|深入|全面|高度|始终|进一步|不断|严格|积极|持续|围绕|结合|依据|以习近平)"
)


def _unit_candidates(title: str, lines: list[str]) -> Found | None:
    """The unit's name from the title, then from 「现公布××2023年…报告」 and 《…》 quoted
    titles, then from a sentence that starts with it; never a pronoun (「我局」), a
    boilerplate phrase or injected text (only the trailing run of Chinese characters of a
    candidate is kept, and it must end like a unit's name)."""
    cands: list[tuple[str, str, str]] = []  # (name, how, evidence)
    if title:
        u = _unit_from_title(title)
        if u:
            cands.append((u, "title", title))
    for line in lines:
        flat = line.replace(" ", "")
        for m in _BEFORE_YEAR.finditer(flat):
            cands.append((m.group(1), "text", _snippet(flat, m.group(0), 30)))
    for line in lines:
        flat = line.replace(" ", "")
        for m in _NARRATIVE.finditer(flat):
            cands.append((m.group(1), "text", _snippet(flat, m.group(1), 24)))
    for name, how, evidence in cands:
        clean = _unit_name(name)
        if clean is None:
            continue
        if _DIVISION_END.search(clean) and not clean.endswith(("街道", "街")):
            whole = clean + "人民政府"
            return Found(whole, how, f"{evidence}；按地名“{clean}”补全为“{whole}”")
        return Found(clean, how, evidence)
    return None


def _unit_name(text: str) -> str | None:
    """The trailing run of Chinese characters of ``text`` if it reads as a unit's name."""
    m = re.search(r"[\u4e00-\u9fff]+$", re.sub(r"[（(][^）)]*[）)]$", "", text.strip("，,、:：-— ")))
    if not m:
        return None
    # what precedes the name in a sentence: 「现公布」「根据」「现将」…
    name = _LEAD.split(m.group(0))[-1]
    # the longest tail that is a unit's name and not boilerplate (「现公布绥宁县人民政府」 → 「绥宁县人民政府」)
    for i in range(len(name) - 1):
        tail = name[i:]
        if len(tail) >= 2 and _UNIT_NAME.fullmatch(tail) and not _NOT_UNIT.search(tail):
            return tail
    return None


def _snippet(line: str, word: str, width: int = 18) -> str:
    i = line.find(word)
    start = max(0, i - 4)
    s = line[start:start + width + len(word)]
    return ("…" if start else "") + s + ("…" if start + width + len(word) < len(line) else "")


def _title(doc: Document) -> str | None:
    """The report's title: names 政府信息公开, a kind of report and a year, is short, no sentence."""
    best, best_score = None, 0
    for i, line in enumerate(doc.lines[:15]):
        for part in re.split(r"\s*(?:_|\||｜| - | — |>)\s*", line):
            t = to_simplified(part)
            if not (4 <= len(t) <= 80) or "。" in t or not any(w in t for w in _TITLE_WORDS):
                continue
            if not any(k in t for k in _TITLE_KIND) and not (_YEAR.search(t.replace(" ", "")) and len(t) <= 40):
                continue
            score = 2 + (2 if _YEAR.search(t) or "**年" in t else 0) + (1 if "工作年度报告" in t else 0) - i * 0.01
            if score > best_score:
                best, best_score = part.strip(), score
    return best


def _unit_from_title(title: str) -> str | None:
    t = re.sub(r"\s+", "", title)
    t = re.sub(r"^关于", "", t)
    for w in _TITLE_WORDS:
        i = t.find(w)
        if i >= 0:
            t = t[:i]
            break
    t = _YEAR.sub("", t).replace("度", "") if _YEAR.search(t) else t
    t = re.sub(r"(19|20)\d{2}|\*+|[（(][^）)]*[）)]|[《》“”\"]", "", t).strip("，,、:：- ")
    return t if 2 <= len(t) <= 40 else None


def _from_fields(doc: Document, spec: FormatSpec, found: dict[str, Found]) -> None:
    wanted: dict[str, str] = {}
    for f in spec.cover:
        for label in (f.label,) + ALIASES.get(f.code, ()):
            wanted.setdefault(key(label), f.code)
    for g in doc.grids:
        for row in g.rows:
            for j, cell in enumerate(row):
                k = key(cell.text).replace("(必填)", "").replace("*", "")
                name, sep, rest = k.partition(":")
                code = wanted.get(name if sep else k)
                if not code or code in found:
                    continue
                if sep and rest:
                    value = cell.text.split("：" if "：" in cell.text else ":", 1)[1].strip()
                else:  # the cell right next to the label (a template's hint column is not a value)
                    nxt = g.cell(cell.r, cell.c + cell.cs) if not g.positional else (row[j + 1] if j + 1 < len(row) else None)
                    value = nxt.text if nxt is not None and nxt.r == cell.r else ""
                value = _clean(code, value)
                if value not in (None, ""):
                    found[code] = Found(value, "field", f"{cell.text}（{cell.where}）")


def _clean(code: str, value: str):
    if code == "year":
        m = re.search(r"(19|20)\d{2}", value)
        return int(m.group(0)) if m else None
    return value.strip()


# --------------------------------------------------------------------------------------
# 行政层级 from a unit's name (a guess: reported as a warning)
# --------------------------------------------------------------------------------------
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_NOT_DIVISION = ("市场", "城市", "市政", "市容", "社区", "园区", "街区", "城区管理", "区域", "自治区域")


def infer_level(name: str, levels: tuple[str, ...]) -> str | None:
    """「区政府办公室」→「县级政府部门」; None when the name does not say."""
    n = key(name)
    if not n:
        return None
    if re.search(r"(乡|镇)(人民政府|政府)?$|街道(办事处|工作委员会)?$|街道办$|[^大]街$", n):
        return _pick("乡镇（街道）", levels)
    government = bool(re.search(r"(人民政府|政府)$", n))
    body = re.sub(r"(人民政府|政府)$", "", n) if government else n
    if n.startswith("国务院") or (n.startswith("国家") and not government):
        return _pick("国务院部门", levels)
    muni = any(n.startswith(m) for m in _MUNICIPALITIES)
    scan = re.sub(r"城市(?=管理|建设|规划|执法|综合|更新|社区|服务|运行|发展|园林|照明|排水)",
                  lambda x: "□" * len(x.group(0)), body)
    for w in _NOT_DIVISION:
        if w != "城市":
            scan = scan.replace(w, "□" * len(w))
    # the division the unit belongs to: the last place-name suffix
    m = None
    divisions = list(re.finditer(r"(自治区|省|自治州|市|州|盟|地区|自治县|县|区|旗)", scan))
    if divisions:
        m = divisions[-1]
    if m is None or m.start() == 0 and not government and m.group(1) not in ("区", "县"):
        if muni:
            return _pick("省级政府" if government else "省级政府部门", levels)
        return None
    div = m.group(1)
    if not government and m.end() == len(scan):
        government = True  # 「南昌市青云谱区」: the report of the district itself
    if government and m.end() != len(scan):
        government = False  # 「××区人民政府办公室」 is handled above; 「××政府××局」 is a department
    if div in ("自治区", "省") or (muni and div == "市"):
        level = "省级"
    elif div == "市" and any(d.group(1) in ("市", "自治州", "州", "盟", "地区") and m.start() - d.end() >= 2
                            for d in divisions[:-1]):
        level = "县级"  # a county-level city named under its prefecture: 「鞍山市海城市」
    elif div in ("自治州", "市", "州", "盟", "地区"):
        level = "市级"
    else:
        level = "县级"
    return _pick(f"{level}政府" if government else f"{level}政府部门", levels)


def _pick(level: str, levels: tuple[str, ...]) -> str | None:
    return level if level in levels else None
