"""The roster (应报单位名单): who is expected to submit, from a .csv or .xlsx file.

Columns are found by their heads — 单位名称 (required), 统一社会信用代码 and 行政层级
(optional); without recognisable heads the first three columns are taken in that order.
CSV files may be UTF-8 (with or without BOM) or GBK/GB18030 as Excel and WPS save them.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from .. import gate
from ..errors import InputError
from ..text import norm


class RosterError(InputError):
    """The roster cannot be used (message in Chinese, exit 2)."""


@dataclass(frozen=True)
class RosterUnit:
    name: str
    credit_code: str = ""
    level: str = ""


_HEADS = {
    "name": ("单位名称", "单位", "名称", "应报单位", "单位全称"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码", "代码"),
    "level": ("行政层级", "层级", "级别"),
}


def read_roster(path: str | Path) -> list[RosterUnit]:
    path = Path(path)
    if not os.path.lexists(path):
        raise RosterError(f"名单文件不存在：{path}")

    def refuse(reason: str) -> RosterError:
        return RosterError(f"名单文件 {path}：{reason}")

    ext = path.suffix.lower()
    if ext == ".csv" or ext == ".txt":
        gate.check_file(path, max_bytes=gate.MAX_TEXT_BYTES, limit_name="MAX_TEXT_BYTES", error=refuse, role="应报单位名单")
        rows = _csv_rows(path)
    elif ext in (".xlsx", ".xlsm", ".xls"):
        checked = gate.check_workbook(path, error=refuse, role="应报单位名单")
        rows = _sheet_rows(path, checked.data)
    else:
        raise RosterError(f"名单文件应为 .csv 或 .xlsx：{path.name}")
    return parse_rows(rows, path.name)


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterError(f"名单文件 {path.name} 的文字编码无法识别，请另存为 UTF-8 的 CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as e:  # a field over the csv module's limit, a NUL byte …
        raise RosterError(f"名单文件 {path.name} 的格式无法识别（{_csv_reason(e)}），请在 Excel/WPS 中另存为 CSV") from None


def _csv_reason(e: csv.Error) -> str:
    text = str(e)
    if "field larger than field limit" in text:
        return f"有一格超过 {csv.field_size_limit():,} 个字符"
    if "NUL" in text or "null byte" in text:
        return "含有空字符（NUL），可能不是文本文件"
    return "CSV 结构有误"


def _sheet_rows(path: Path, data: bytes | None = None) -> list[list[str]]:
    """The first sheet's rows; from ``data`` (the bytes the gate checked) when given."""
    import io

    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data)) if data is not None else CalamineWorkbook.from_path(str(path))
        grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as e:  # calamine's errors, and its panics (pyo3's PanicException)
        raise RosterError(f"名单文件 {path.name} 无法读取，请确认是 .csv 或 .xlsx 文件且未加密") from e
    from ..layout import META_SHEET

    if META_SHEET in book.sheet_names:
        raise RosterError(f"{path.name} 是一份统计表，不是应报单位名单；名单应有“单位名称”一列，每行一个单位")
    from ..textio import cell_text

    return [[cell_text(v) for v in row] for row in grid]


def parse_rows(rows: list[list[str]], name: str = "名单") -> list[RosterUnit]:
    cols = None
    start = 0
    for i, row in enumerate(rows[:10]):
        found = {}
        for j, v in enumerate(row):
            key = norm(v)
            for field, heads in _HEADS.items():
                if field not in found and any(key == norm(h) for h in heads):
                    found[field] = j
        if "name" in found:
            cols, start = found, i + 1
            break
    if cols is None:
        cols, start = {"name": 0, "credit_code": 1, "level": 2}, 0
    out: list[RosterUnit] = []
    seen: set[str] = set()
    for row in rows[start:]:
        def get(field: str) -> str:
            j = cols.get(field)
            return row[j].strip() if j is not None and j < len(row) and row[j] else ""

        unit = get("name")
        if not unit or unit.startswith("#"):
            continue
        key = norm(unit)
        if key in seen:
            continue
        seen.add(key)
        out.append(RosterUnit(name=unit, credit_code=norm(get("credit_code")).upper(), level=get("level")))
    if not out:
        raise RosterError(f"名单文件 {name} 中没有单位（需要一列“单位名称”）")
    return out
