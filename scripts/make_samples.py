"""Regenerate workbooks/: the seed-004 workbook and the fictional 示例县 set with planted errors.

Deterministic: the same code gives byte-identical workbooks.  Each planted error is
declared here together with the findings it must produce (rule, cell code, severity);
workbooks/planted.json and the table in workbooks/README.md are written from these
declarations, and tests/test_samples.py holds the validator to them.

    python scripts/make_samples.py
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxxl.fileio import save_workbook  # noqa: E402
from gxxl.layout import a1, cell_positions  # noqa: E402
from gxxl.samples import COUNTY_UNITS, random_filing, seed004_filing  # noqa: E402
from gxxl.spec import get_spec  # noqa: E402
from gxxl.writer import fill_workbook  # noqa: E402

OUT = ROOT / "workbooks"
SPEC = get_spec()
POS = cell_positions(SPEC)


@dataclass
class Plant:
    what: str  # what the clerk did, in Chinese, for workbooks/README.md
    expect: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, anchor cell code, severity)


def where(code: str) -> str:
    sheet, r, c = POS[code]
    return f"{sheet}!{a1(r, c)}"


def set_cell(wb, code: str, value) -> None:
    sheet, r, c = POS[code]
    wb[sheet].cell(r, c).value = value


def build() -> dict[str, Plant]:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.xlsx"):
        old.unlink()
    plants: dict[str, Plant] = {}

    save_workbook(fill_workbook(seed004_filing()), OUT / "seed004_某区人民政府办公室_2024.xlsx", reproducible=True)
    plants["seed004_某区人民政府办公室_2024.xlsx"] = Plant("真实数据（种子报告004的表二、表三、表四），无错误")

    rng = random.Random(20250120)
    filings = {}
    for i, (name, level) in enumerate(COUNTY_UNITS, start=1):
        filings[name] = random_filing(rng, unit_name=name, level=level, year=2024)
        filings[name].cover["parent"] = "示例县人民政府办公室"

    def fname(i: int, name: str, suffix: str = "") -> str:
        return f"示例县_{i:02d}_{name.removeprefix('示例县')}{suffix}.xlsx"

    for i, (name, level) in enumerate(COUNTY_UNITS, start=1):
        f = filings[name]
        v = f.values
        plant = Plant("无错误")
        edits: list[tuple[str, object]] = []
        wb_hook = None
        if name.endswith("财政局"):
            v["T3.total.np"] += 1
            plant = Plant("表三（七）总计·自然人多填1（笔误）",
                          [("T3-1", "T3.new.np", "error"), ("T3-2", "T3.total.np", "error"),
                           ("T3-3", "T3.total.tot", "error"), ("X-1", "T3.total.np", "info")])
        elif name.endswith("自然资源局"):
            v["T3.carry_over.np"] += 2
            plant = Plant("表三 四、结转下年度继续办理·自然人多填2",
                          [("T3-1", "T3.new.np", "error"), ("T3-3", "T3.carry_over.tot", "error"),
                           ("X-1", "T3.carry_over.np", "info")])
        elif name.endswith("教育局"):
            v["T4.review.total"] += 1
            plant = Plant("表四 行政复议·总计比四种结果之和多1", [("T4-1", "T4.review.total", "error")])
        elif name.endswith("青山镇人民政府"):
            v["T2.rule.issued"], v["T2.rule.in_force"] = 1, 1
            plant = Plant("乡镇在表二“规章”一行填了数（乡镇无规章制定权）",
                          [("T2-4", "T2.rule.issued", "error"), ("T2-4", "T2.rule.in_force", "error")])
        elif name.endswith("卫生健康委员会"):
            assert v["T3.deny_1.np"] == 0
            edits.append(("T3.deny_1.np", "无"))
            plant = Plant("表三（三）1.属于国家秘密·自然人 填了文字“无”", [("T3-4", "T3.deny_1.np", "error")])
        elif name.endswith("城南街道办事处"):
            for col in ("np", "be", "ri", "po", "ls", "ot", "tot"):
                assert v[f"T3.reject_3.{col}"] == 0
                edits.append((f"T3.reject_3.{col}", None))
            plant = Plant("表三（五）3.要求提供公开出版物 一整行留空未填0",
                          [("T3-4", f"T3.reject_3.{c}", "warning") for c in ("np", "be", "ri", "po", "ls", "ot", "tot")])
        elif name.endswith("市场监督管理局"):
            edits.append(("T3.new.np", f"{v['T3.new.np']}件"))
            v["T2.licensing.decisions"] = 1234
            edits.append(("T2.licensing.decisions", "1,234"))
            plant = Plant("数字以文本形式填写（“件”字、千位分隔符），可正常读取，给出提示",
                          [("F-3", "T3.new.np", "info"), ("F-3", "T2.licensing.decisions", "info")])
        elif name.endswith("公安局"):
            v["T2.fee.amount"] = 2.3
            edits.append(("T2.fee.amount", "23000元"))
            plant = Plant("收费金额按“元”填写（23000元），读取时换算为2.3万元并提示", [("F-3", "T2.fee.amount", "info")])
        elif name.endswith("东坪乡人民政府"):
            f.cover["level"] = "乡镇"
            plant = Plant("封面“行政层级”填“乡镇”，不在规定的列表中", [("C-2", "cover.level", "error")])
        elif name.endswith("住房和城乡建设局"):
            def wb_hook(wb):
                wb["表三 依申请公开"].insert_rows(3)
                wb["表三 依申请公开"].cell(3, 1).value = "填报单位：示例县住房和城乡建设局"
            plant = Plant("在表三上方插入了一行（表格布局被修改），按栏目名称定位后正确读取", [("F-4", "", "warning")])
        elif name.endswith("城关镇人民政府"):
            f.cover["year"] = 2023
            plant = Plant("封面报告年度误填为2023（沿用上年文件）：单表校验无错，汇总时列为“年度不符”")
        elif name.endswith("河口乡人民政府"):
            plants["（未报送）示例县河口乡人民政府"] = Plant("未报送：名单中有、文件中无，汇总时列入“缺报单位”")
            continue
        if name.endswith("农业农村局"):
            plant = Plant("报送了两次（后一份为修改后版本）：单表校验均无错，汇总时只计较新的一份，另一份列为“重复”")
            wb = fill_workbook(f)
            save_workbook(wb, OUT / fname(i, name), reproducible=True)
            plants[fname(i, name)] = plant
            f2 = f.model_copy(deep=True)
            f2.values["T3.disclosed.np"] += 1
            f2.values["T3.unable_1.np"] -= 1 if f2.values["T3.unable_1.np"] else 0
            if f.values["T3.unable_1.np"] == 0:
                f2.values["T3.disclosed.np"] -= 1
            f2.values["T3.disclosed.tot"] = sum(f2.values[f"T3.disclosed.{c}"] for c in ("np", "be", "ri", "po", "ls", "ot"))
            f2.values["T3.unable_1.tot"] = sum(f2.values[f"T3.unable_1.{c}"] for c in ("np", "be", "ri", "po", "ls", "ot"))
            f2.cover["date"] = "2025-01-25"
            save_workbook(fill_workbook(f2), OUT / fname(i, name, "（修改后）"), reproducible=True)
            plants[fname(i, name, "（修改后）")] = Plant("同上，修改后版本（填报日期较晚）")
            continue
        wb = fill_workbook(f)
        for code, value in edits:
            set_cell(wb, code, value)
        if wb_hook:
            wb_hook(wb)
        save_workbook(wb, OUT / fname(i, name), reproducible=True)
        plants[fname(i, name)] = plant

    roster = ["单位名称,统一社会信用代码,行政层级"]
    for name, level in COUNTY_UNITS:
        roster.append(f"{name},{filings[name].cover['credit_code']},{level}")
    (OUT / "示例县_应报单位名单.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    return plants


def write_manifest(plants: dict[str, Plant]) -> None:
    manifest = {name: {"what": p.what, "expect": [list(e) for e in p.expect]} for name, p in plants.items()}
    (OUT / "planted.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# 示例工作簿",
        "",
        "由 `python scripts/make_samples.py` 生成（确定性，可重复）。`gxxl validate workbooks/*.xlsx` 应恰好报告下表所列的问题，不多不少（`tests/test_samples.py` 核对）。",
        "",
        "| 文件 | 埋设的问题 | 应报告（规则 · 位置 · 级别） |",
        "|---|---|---|",
    ]
    zh = {"error": "错误", "warning": "警告", "info": "提示"}
    for name, p in plants.items():
        exp = "；".join(f"{r} · {where(c) if c in POS else (c or '—')} · {zh[s]}" for r, c, s in p.expect) or "—"
        lines.append(f"| {name} | {p.what} | {exp} |")
    lines += [
        "",
        "`示例县_应报单位名单.csv` 是汇总用的应报单位名单（15个单位）。",
        "住房和城乡建设局的表三因插入了一行，实际位置比模板下移一行。",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    plants = build()
    write_manifest(plants)
    print(f"wrote {len(list(OUT.glob('*.xlsx')))} workbooks to {OUT}")
