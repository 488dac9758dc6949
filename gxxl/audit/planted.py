"""Published-looking report pages with known defects, for the tests and ``bench/bench_audit.py``.

A page is the report generator's own output (:func:`gxxl.report.build_report`: the six
parts, the sentences read back by check-text, the official tables as HTML) made to look
published: a title, a 发布时间 line, the 〔请填写〕 placeholders replaced by ordinary text.
Each variant plants exactly one defect in an otherwise clean page.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..filing import Filing

UNIT = "某县交通运输局"
LEVEL = "县级政府部门"
YEAR = 2023
FILLER = "本年度相关工作按照要求有序开展，各项制度得到落实。"


def base_filing(year: int = YEAR, unit: str = UNIT, level: str = LEVEL) -> Filing:
    """Seed 004's figures with 275 new applications (all rules hold)."""
    from ..samples import seed004_filing

    f = seed004_filing()
    v = f.values
    for code in ("T3.new.np", "T3.new.tot", "T3.disclosed.np", "T3.disclosed.tot", "T3.total.np",
                 "T3.total.tot"):
        v[code] += 175
    f.cover.update({"unit_name": unit, "level": level, "year": year})
    return f


def as_2019(filing: Filing) -> Filing:
    """The same figures in the 2019 试行 tables: 表三/表四 copied ((六) summed into one row), 表二 0."""
    from ..spec import get_spec

    spec = get_spec("gov2019")
    f = Filing.zeros(spec)
    f.cover.update(filing.cover)
    for code in spec.cells:
        if code.startswith("T3.other."):
            col = code.rsplit(".", 1)[1]
            f.values[code] = sum(filing.values.get(f"T3.other_{k}.{col}") or 0 for k in (1, 2, 3))
        elif code in filing.values and not code.startswith("T2."):
            f.values[code] = filing.values[code]
    return f


def page_html(filing: Filing, *, date: str = "2024-01-20", drop_part: str | None = None,
              replace: tuple[tuple[str, str], ...] = (), tables: Filing | None = None, first_only: bool = False,
              drop_table: int | None = None) -> str:
    """The page of ``filing``; ``tables`` renders the tables of another filing (another format)."""
    from ..report import Report, build_report
    from ..report.markdown import report_markdown, table_html

    md = report_markdown(build_report(filing))
    if tables is not None:
        other = Report(spec=tables.spec, filing=tables, findings=[])
        blocks = iter(table_html(t, other) for t in tables.spec.tables)
        md = re.sub(r"<table.*?</table>", lambda m: next(blocks), md, flags=re.S)
    if drop_table is not None:  # the n-th official table replaced by a sentence
        found = list(re.finditer(r"<table.*?</table>", md, flags=re.S))[drop_table]
        md = md[:found.start()] + "详见附件。" + md[found.end():]
    md = re.sub(r"<mark>〔请核实：.*?〕</mark>", "", md)
    md = re.sub(r"<mark>〔请填写：.*?〕</mark>", FILLER, md)
    if drop_part:
        md = re.sub(rf"^## {drop_part}、.*?(?=^## )", "", md, flags=re.S | re.M)
    for old, new in replace:
        if old not in md:
            raise ValueError(f"planted text not found: {old}")
        md = md.replace(old, new, 1 if first_only else -1)
    out = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>']
    for block in md.split("\n\n"):
        block = block.strip()
        if not block:
            continue
        if block.startswith("<table"):
            out.append(block)
        elif block.startswith("# "):
            out.append(f"<h1>{html.escape(block[2:])}</h1>")
            out.append(f"<p>发布时间：{date}　来源：{html.escape(str(filing.cover.get('unit_name') or ''))}</p>")
        elif block.startswith("## "):
            out.append(f"<h2>{html.escape(block[3:])}</h2>")
        elif block.startswith("### "):
            out.append(f"<h3>{html.escape(block[4:])}</h3>")
        else:
            out.append(f"<p>{block.lstrip('> ')}</p>")
    out.append("</body></html>")
    return "\n".join(out)


def planted_set(folder: Path) -> dict[str, set[str]]:
    """Write the clean page and one page per planted defect; name → the defect rules expected."""
    folder.mkdir(parents=True, exist_ok=True)
    f = base_filing()
    shifted = base_filing()
    # 「属于三类内部事务信息」 1 typed one column to the right (自然人 → 商业企业): the row still adds up
    shifted.values["T3.deny_5.np"] -= 1
    shifted.values["T3.deny_5.be"] += 1
    # the 2019 tables hold the same 表三/表四 figures; the 表二 sentence (2021 columns) is left out
    no_t2 = ((re.search(r"2023年，本机关未制发行政规范性文件[^<\n]*", page_html(f)).group(0), FILLER),)
    pages = {
        "clean": (page_html(f), set()),
        "shifted_number": (page_html(shifted), {"T3-2"}),
        "template_2019": (page_html(f, tables=as_2019(f), replace=no_t2), {"S-1"}),
        "missing_part_5": (page_html(f, drop_part="五"), {"A-1"}),
        "published_feb15": (page_html(f, date="2024-02-15"), {"A-4"}),
        "text_258_table_275": (page_html(f, replace=(("新收政府信息公开申请275件", "新收政府信息公开申请258件"),)), {"T3-8"}),
        "no_fee_statement": (page_html(f, replace=(("本年度未收取信息处理费。", ""),)), {"A-5"}),
        "parts_not_adding_up": (page_html(f, replace=((f"{FILLER}", "本年度主动公开政府信息120条，其中政策文件30条、工作动态80条。"),),
                                          first_only=True), {"A-14"}),
        "table_3_missing": (page_html(f, drop_table=1), {"A-6"}),
        "period_last_year": (page_html(f, replace=(("统计期限自2023年1月1日起至2023年12月31日止",
                                                    "统计期限自2022年1月1日起至2022年12月31日止"),)), {"A-3"}),
    }
    expected = {}
    for name, (text, rules) in pages.items():
        (folder / f"{name}.html").write_text(text, encoding="utf-8")
        expected[name] = rules
    return expected
