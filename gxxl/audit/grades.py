"""Grades of a report (不合格 / 需整改 / 合格) from one declarative table.

The table is ``grades.toml`` shipped beside this module; a province replaces it with
``gxxl audit --grades FILE``.  Grades are tried from the top; the first whose condition
holds is the report's grade; the last grade has no condition (the default).  A condition
holds when at least ``min_count`` defects (errors and warnings; infos never count) match
any of ``rules`` (an ID, or a family ending in 「-」), ``kinds`` or ``severities``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..findings import Finding
from .rules import KIND_ORDER, is_defect, kind_of

DEFAULT_GRADES = Path(__file__).with_name("grades.toml")
MAX_GRADES_BYTES = 64 * 1024


@dataclass(frozen=True)
class Grade:
    name: str
    note: str = ""
    rules: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    min_count: int = 1

    @property
    def default(self) -> bool:
        return not (self.rules or self.kinds or self.severities)

    def matches(self, f: Finding) -> bool:
        if f.severity in self.severities or kind_of(f.rule) in self.kinds:
            return True
        return any(f.rule == r or (r.endswith("-") and f.rule.startswith(r)) for r in self.rules)

    def holds(self, findings: list[Finding]) -> bool:
        if self.default:
            return True
        return sum(1 for f in findings if is_defect(f) and self.matches(f)) >= self.min_count


@dataclass(frozen=True)
class GradeTable:
    grades: tuple[Grade, ...]
    source: str

    def grade(self, findings: list[Finding]) -> str:
        for g in self.grades:
            if g.holds(findings):
                return g.name
        return self.grades[-1].name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.grades)


def load_grades(path: str | Path | None = None) -> GradeTable:
    p = Path(path) if path else DEFAULT_GRADES
    where = str(p)
    try:
        if p.stat().st_size > MAX_GRADES_BYTES:
            raise UserError(f"{where}：评级表过大（超过 {MAX_GRADES_BYTES // 1024} KB），不像是评级表")
        data = tomllib.loads(p.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise UserError(f"{where}：评级表文件不存在") from None
    except UnicodeDecodeError:
        raise UserError(f"{where}：评级表应为 UTF-8 编码的 TOML 文本") from None
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{where}：评级表格式有误（{e}）") from None
    raw = data.get("grade")
    if not isinstance(raw, list) or not raw:
        raise UserError(f"{where}：评级表中没有 [[grade]] 等级")
    grades = []
    for i, g in enumerate(raw, start=1):
        if not isinstance(g, dict) or not isinstance(g.get("name"), str) or not g["name"].strip():
            raise UserError(f"{where}：第{i}个等级缺少 name（等级名称）")
        unknown = set(g) - {"name", "note", "rules", "kinds", "severities", "min_count"}
        if unknown:
            raise UserError(f"{where}：等级“{g['name']}”中有不认识的项目：{'、'.join(sorted(unknown))}")
        lists = {}
        for k in ("rules", "kinds", "severities"):
            v = g.get(k, [])
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise UserError(f"{where}：等级“{g['name']}”的 {k} 应为文字列表，如 [\"S-1\"]")
            lists[k] = tuple(v)
        bad_kinds = [k for k in lists["kinds"] if k not in KIND_ORDER]
        if bad_kinds:
            raise UserError(f"{where}：等级“{g['name']}”中的问题类别「{'、'.join(bad_kinds)}」不存在，可选：{'、'.join(KIND_ORDER)}")
        bad_sev = [s for s in lists["severities"] if s not in ("error", "warning")]
        if bad_sev:
            raise UserError(f"{where}：等级“{g['name']}”的 severities 只能是 error 或 warning")
        n = g.get("min_count", 1)
        if not isinstance(n, int) or n < 1:
            raise UserError(f"{where}：等级“{g['name']}”的 min_count 应为正整数")
        grades.append(Grade(name=g["name"].strip(), note=str(g.get("note", "")), min_count=n, **lists))
    if not grades[-1].default:
        raise UserError(f"{where}：最后一个等级（“{grades[-1].name}”）应不写条件，作为默认等级")
    return GradeTable(grades=tuple(grades), source=where)
