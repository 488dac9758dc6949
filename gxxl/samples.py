"""Sample filings: the real seed-004 tables, and a deterministic fictional 示例县.

``random_filing`` makes an internally consistent filing from a seeded RNG; the sample
workbooks, the roll-up benchmark and the differential tests all build on it.
"""

from __future__ import annotations

import random

from .filing import Filing
from .spec import FormatSpec, get_spec
from .spec.gov2021 import T3_APPLICANTS, T3_OUTCOMES

# the tables of ../shared/seeds/004_45eff0c929365845.txt (a district 政府办公室, 2024)
SEED004 = {
    "T2.normative.repealed": 5,
    "T2.normative.in_force": 6,
    **{f"T3.{row}.{col}": n for row, n in dict(new=100, carried=13, disclosed=68, partial=4, deny_5=1, unable_1=40, total=113).items() for col in ("np", "tot")},
}


def seed004_filing(spec: FormatSpec | None = None) -> Filing:
    f = Filing.zeros(spec)
    f.values.update(SEED004)
    f.cover.update(
        unit_name="某区人民政府办公室", level="县级政府部门", parent="某区人民政府", year=2024,
        preparer="（示例）", date="2025-01-20",
    )
    return f


def credit_code(rng: random.Random, prefix: str = "11") -> str:
    """A well-formed 统一社会信用代码 (GB 32100-2015) with a correct check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice(alphabet[:10] + "ABCDEFGH") for _ in range(9))
    total = sum(alphabet.index(ch) * w for ch, w in zip(body, weights))
    return body + alphabet[(31 - total % 31) % 31]


def random_filing(rng: random.Random, *, unit_name: str, level: str, year: int = 2024, scale: int = 20,
                  spec: FormatSpec | None = None, credit: str | None = None) -> Filing:
    """A consistent filing: every rule of the 2021 format holds."""
    spec = spec or get_spec()
    f = Filing.zeros(spec)
    v = f.values
    weights = [8, 3, 1, 1, 2, 1]  # 自然人 dominate, as in real reports
    for col in T3_APPLICANTS:
        w = weights[T3_APPLICANTS.index(col)]
        new = rng.randint(0, scale * w // 4)
        carried = rng.randint(0, max(1, new // 8))
        carry_over = rng.randint(0, (new + carried) // 6)
        done = new + carried - carry_over
        v[f"T3.new.{col}"], v[f"T3.carried.{col}"], v[f"T3.carry_over.{col}"] = new, carried, carry_over
        # spread the handled applications over the outcomes, most of them disclosed or 不掌握
        bias = {"disclosed": 10, "partial": 2, "unable_1": 6, "deny_4": 1, "deny_6": 1, "reject_1": 1, "reject_2": 1, "other_1": 1}
        outcome_w = [bias.get(o, 0.15) for o in T3_OUTCOMES]
        for _ in range(done):
            o = rng.choices(T3_OUTCOMES, outcome_w)[0]
            v[f"T3.{o}.{col}"] += 1
        v[f"T3.total.{col}"] = done
    for row in spec.table_by_code["T3"].rows:
        v[f"T3.{row.code}.tot"] = sum(v[f"T3.{row.code}.{c}"] for c in T3_APPLICANTS)
    for block in ("review", "direct", "after"):
        parts = [rng.choice([0, 0, 0, 1, 1, 2]) for _ in range(4)]
        for res, n in zip(("keep", "fix", "other", "pending"), parts):
            v[f"T4.{block}.{res}"] = n
        v[f"T4.{block}.total"] = sum(parts)
    makes_rules = level in ("国务院部门", "省级政府", "市级政府")
    for row in ("rule", "normative"):
        if row == "rule" and not makes_rules:
            continue
        issued, repealed = rng.randint(0, 6), rng.randint(0, 3)
        v[f"T2.{row}.issued"], v[f"T2.{row}.repealed"] = issued, repealed
        v[f"T2.{row}.in_force"] = rng.randint(repealed, 40) + issued
    v["T2.licensing.decisions"] = rng.randint(0, 3000) if rng.random() < 0.6 else 0
    v["T2.penalty.decisions"] = rng.randint(0, 400) if rng.random() < 0.5 else 0
    v["T2.coercion.decisions"] = rng.randint(0, 30) if rng.random() < 0.3 else 0
    v["T2.fee.amount"] = round(rng.uniform(0, 80), 2) if rng.random() < 0.3 else 0
    f.cover.update(
        unit_name=unit_name, level=level, year=year, credit_code=credit or credit_code(rng),
        preparer=rng.choice(["张敏", "李华", "王芳", "刘洋", "陈静", "杨帆"]),
        phone=f"0{rng.randint(300, 999)}-{rng.randint(2000000, 8999999)}", date=f"{year + 1}-01-{rng.randint(10, 25):02d}",
    )
    return f


def city_filing() -> Filing:
    """A city-sized consistent filing: five-digit counts, every 表四 cell used, an eight-digit 表二 value.

    Used to check that rendered reports do not overflow (docs/report, tests/test_report_render.py).
    """
    rng = random.Random(7)
    f = random_filing(rng, unit_name="某市人民政府", level="市级政府", scale=9000)
    for b in ("review", "direct", "after"):
        parts = [rng.randint(5, 60) for _ in range(4)]
        for res, n in zip(("keep", "fix", "other", "pending"), parts):
            f.values[f"T4.{b}.{res}"] = n
        f.values[f"T4.{b}.total"] = sum(parts)
    f.values["T2.licensing.decisions"] = 11398889
    f.values["T2.fee.amount"] = 12345.67
    return f


COUNTY = "示例县"
COUNTY_UNITS = (
    ("示例县人民政府办公室", "县级政府部门"),
    ("示例县发展和改革局", "县级政府部门"),
    ("示例县教育局", "县级政府部门"),
    ("示例县公安局", "县级政府部门"),
    ("示例县财政局", "县级政府部门"),
    ("示例县自然资源局", "县级政府部门"),
    ("示例县住房和城乡建设局", "县级政府部门"),
    ("示例县卫生健康委员会", "县级政府部门"),
    ("示例县市场监督管理局", "县级政府部门"),
    ("示例县农业农村局", "县级政府部门"),
    ("示例县城关镇人民政府", "乡镇（街道）"),
    ("示例县青山镇人民政府", "乡镇（街道）"),
    ("示例县河口乡人民政府", "乡镇（街道）"),
    ("示例县东坪乡人民政府", "乡镇（街道）"),
    ("示例县城南街道办事处", "乡镇（街道）"),
)
