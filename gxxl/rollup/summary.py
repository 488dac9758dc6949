"""The roll-up's outcome in a few lines of Chinese: printed by ``gxxl rollup``, shown by the add-in."""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def summary(result, show_path: Callable[[Path], str] = str) -> str:
    """The one-screen summary of a roll-up (the CLI prints it, the add-in shows it)."""
    from ..findings import counts
    from .policy import INCLUDED, STATUSES

    d = result.decision
    lines = []
    how = "（按下级单位推断，可用 --level 指定）" if result.level_inferred else ""
    year_how = "（取多数文件的年度，可用 --year 指定）" if result.year_inferred else ""
    lines.append(f"汇总完成：{result.aggregate.unit_name}，{d.year}年度{year_how}，行政层级：{result.level}{how}")
    parts = [f"{s} {d.count(s)}" for s in STATUSES if d.count(s)]
    lines.append(f"  收到文件 {result.files} 个：" + "，".join(parts))
    n_agg = sum(1 for e in d.included if e.is_aggregate)
    if n_agg:
        lines.append(f"  计入的下级汇总表 {n_agg} 个，合计包含 {len(d.members)} 个单位（含下级汇总表本身）")
    excluded = [e for e in d.entries if e.status != INCLUDED]
    if excluded:
        lines.append("  未计入汇总的文件：")
        for e in excluded[:8]:
            reason = e.reasons[0] if e.reasons else ""
            lines.append(f"    {e.status}  {_short(e.source.display, 40)}  {_short(reason, 60)}")
        if len(excluded) > 8:
            lines.append(f"    ……共 {len(excluded)} 个，详见输出文件的“汇总情况”表")
    if result.roster is not None:
        if d.missing:
            from .rounds import RETURNED_NOT_RESUBMITTED

            absent = [u.name for u, _what, rel in d.missing if not rel]
            returned = sum(1 for _u, what, _rel in d.missing if what.startswith(RETURNED_NOT_RESUBMITTED))
            names = "、".join(absent[:6]) + ("等" if len(absent) > 6 else "")
            lines.append(f"  缺报单位 {len(d.missing)} 个（名单共 {len(result.roster)} 个）：未报送 {len(absent)} 个"
                         + (f"（{names}）" if absent else "")
                         + (f"，{RETURNED_NOT_RESUBMITTED} {returned} 个" if returned else "")
                         + f"，已报送但未计入 {len(d.missing) - len(absent) - returned} 个（详见“缺报单位”表）")
        else:
            lines.append(f"  缺报单位 0 个（名单共 {len(result.roster)} 个，都已计入）")
    n = counts(result.findings)
    if n["error"] or n["warning"]:
        lines.append(f"  汇总表校验：{n['error']} 处错误，{n['warning']} 处警告（详见“校验结果”表）")
    else:
        lines.append("  汇总表校验：通过")
    if result.collected.other_files:
        lines.append(f"  文件夹中另有 {result.collected.other_files} 个非 Excel 文件（如 Word 报告、PDF），未处理")
    fb = getattr(result, "feedback", None)
    if fb is not None:
        kinds: dict[str, int] = {}
        for r in fb.written:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        made = "，".join(f"{k} {v} 份" for k, v in kinds.items()) or "无需退回"
        folder = show_path(fb.folder)
        lines.append(f"  退回材料：{made}" + (f"（另有 {fb.already} 份此前已生成）" if fb.already else "")
                     + f"，写入 {folder}；发送：gxxl send {folder} --smtp smtps://用户名@邮件服务器")
        if fb.no_address:
            names = "、".join(fb.no_address[:5]) + ("等" if len(fb.no_address) > 5 else "")
            lines.append(f"  {len(fb.no_address)} 个单位的报表不是通过邮件收到的（{names}），只生成了校验标注副本，请另行通知")
    sheets = "封面、表二、表三、表四、汇总情况" + ("、缺报单位" if result.roster is not None else "") + f"、明细（{result.detail_rows} 行）、校验结果"
    from ..report.charts import has_charts

    if has_charts(result.spec):
        sheets += "、图解"
    lines.append(f"  已写出：{show_path(result.output)}（{sheets}）")
    total = result.seconds.get("total", 0.0)
    rate = f"，每秒 {result.files / total:.0f} 个文件" if total > 0 else ""
    lines.append(f"  用时 {total:.1f} 秒{rate}")
    return "\n".join(lines)


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"
