"""Comparing a label as found with the official label.

``key`` is the comparable form: traditional → simplified characters, NFKC (full-width →
half-width brackets and digits), no white space (labels broken across lines:
「商业 企业」), plain quotes, uniform numbering (「1、」「1．」→「1.」, 「一.」→「一、」).
``similarity`` grades how a found label relates to an official one; anything below
``EXACT`` is a decision the locator reports (the importer's rule I-2).  ``key`` is also
the form :mod:`gxxl.detect` compares label signatures in.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from ..text import norm, parse_number_text, strip_numbering
from ..hanzi import to_simplified

EXACT = 0.99  # same text after normalisation
ACCEPT = 0.7  # lowest similarity accepted for a label

_CN_ITEM = re.compile(r"^([一二三四五六七八九十]+)[.．,，]")
_REMARK = re.compile(r"\([^()]*\)$|\([^()]*(只计|单位|不同|不包括|区分)[^()]*\)")
_COLON_END = re.compile(r"[:：]$")


@lru_cache(maxsize=20000)
def key(text: str) -> str:
    t = norm(to_simplified(str(text)))
    t = _CN_ITEM.sub(r"\1、", t)
    t = t.replace("“", '"').replace("”", '"')
    return _COLON_END.sub("", t)


@lru_cache(maxsize=20000)
def _bare(k: str) -> str:
    """Without numbering, remarks in brackets and 「其中:」."""
    t = strip_numbering(k)
    t = re.sub(r"^其中:", "", t)
    prev = None
    while prev != t:
        prev = t
        t = _REMARK.sub("", t)
    return t


@dataclass(frozen=True)
class Similarity:
    score: float
    how: str  # "exact", "normalized", "numbering", "remark", "truncated", "similar", ""

    def __bool__(self) -> bool:
        return self.score >= ACCEPT


HOW_ZH = {
    "normalized": "繁简、全半角或空格不同",
    "numbering": "编号不同或缺编号",
    "remark": "括号内的说明不同或缺少",
    "truncated": "文字不完整",
    "similar": "文字相近（可能有错别字）",
}


@lru_cache(maxsize=200000)
def similarity(found: str, official: str) -> Similarity:
    if not found or not official:
        return Similarity(0.0, "")
    if found == official:
        return Similarity(1.0, "exact")
    a, b = key(found), key(official)
    if not a or not b:
        return Similarity(0.0, "")
    if a == b:
        return Similarity(EXACT, "normalized")
    if strip_numbering(a) == strip_numbering(b):
        return Similarity(0.97, "numbering")
    ba, bb = _bare(a), _bare(b)
    if ba and ba == bb:
        return Similarity(0.95, "remark")
    if len(ba) >= 2 and bb.startswith(ba):
        # 「结果」 for 「结果纠正」, 「(二)部分公开」 for the long label: the longer the part, the surer
        return Similarity(0.75 + 0.2 * len(ba) / len(bb), "truncated")
    if len(bb) >= 2 and ba.startswith(bb) and len(ba) - len(bb) <= 4:
        return Similarity(0.8, "truncated")
    ratio = difflib.SequenceMatcher(None, ba, bb, autojunk=False).ratio()
    if ratio >= 0.75 and min(len(ba), len(bb)) >= 3:
        return Similarity(round(0.9 * ratio, 3), "similar")
    return Similarity(round(0.5 * ratio, 3), "")


# --------------------------------------------------------------------------------------
# what a cell holds
# --------------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"^(?:[-—–―─－_/／\\×xX·.…。、]+|无|空|暂无|不详|未统计|—+|--+)$")
UNITS = ("件", "条", "次", "篇", "个", "人", "人次", "万元", "元", "项", "宗")


def kind_of(cell_text: str, raw: object = None) -> str:
    """「number」, 「blank」, 「placeholder」 (/, -, 无), 「unit」 (件, 条 …) or 「label」."""
    if isinstance(raw, bool):
        return "label"
    if isinstance(raw, (int, float)):
        return "number"
    t = key(cell_text)
    if not t:
        return "blank"
    if t in UNITS:
        return "unit"
    if _PLACEHOLDER.match(t):
        return "placeholder"
    if parse_number_text(to_simplified(str(cell_text))).value is not None:
        return "number"
    return "label"


def is_value(kind: str) -> bool:
    return kind in ("number", "blank", "placeholder")
