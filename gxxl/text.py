"""Text normalisation for matching labels and parsing the numbers clerks type."""

from __future__ import annotations

import re
import unicodedata

from .hanzi import to_simplified

_WS = re.compile(r"[\s\u3000\u00a0]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "〔": "[", "〕": "]", "【": "[", "】": "]"})
_ITEM = re.compile(r"^(\d+)[、.．]")
_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+\.)")


def norm(s: object) -> str:
    """Canonical form of a label: NFKC (full-width → half-width), simplified characters,
    no white space, plain quotes."""
    if s is None:
        return ""
    t = to_simplified(unicodedata.normalize("NFKC", str(s)).translate(_QUOTES))
    t = _WS.sub("", t)
    return _ITEM.sub(r"\1.", t)


def strip_numbering(label: str) -> str:
    """「(三)不予公开」→「不予公开」, 「1.属于国家秘密」→「属于国家秘密」 (input already normalised)."""
    return _PREFIX.sub("", label)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_UNIT_SUFFIX = re.compile(r"(件|个|条|次|人次|人|篇|万元|元)$")


class ParsedNumber:
    __slots__ = ("value", "note", "unit")

    def __init__(self, value: float | None, note: str = "", unit: str = ""):
        self.value = value
        self.note = note
        self.unit = unit


def parse_number_text(raw: str) -> ParsedNumber:
    """Parse a number a clerk typed as text: 「１２」, 「12件」, 「1,234」, 「 5 」.

    Returns value None when the text is not a number (「无」, 「/」, 「-」, 「不详」); never 0.
    ``note`` says what was tolerated; ``unit`` is a unit suffix that was removed.
    """
    t = unicodedata.normalize("NFKC", raw).strip()
    t = _WS.sub("", t)
    notes = []
    if t != raw.strip():
        notes.append("全角字符")
    unit = ""
    m = _UNIT_SUFFIX.search(t)
    if m and t[: m.start()]:
        unit = m.group(1)
        t = t[: m.start()]
        notes.append(f"带单位「{unit}」")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
        notes.append("千位分隔符")
    if _NUMBER.match(t):
        notes.insert(0, "以文本形式存储的数字")
        return ParsedNumber(float(t), "、".join(dict.fromkeys(notes)), unit)
    return ParsedNumber(None, "", "")
