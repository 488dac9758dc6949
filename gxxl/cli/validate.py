"""gxxl validate FILE... — check workbooks against every rule of their format."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError
from .inputs import expand
from .output import display_path, print_json

HELP = "校验统计表：逐条检查勾稽关系，指出单元格、报告值和计算值"


def add_arguments(p) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="工作簿或文件夹（文件夹会递归查找 .xlsx/.xlsm/.xls）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")
    p.add_argument("--annotate", metavar="OUT", help="另存一份标注副本：出错单元格标红并加批注，附“校验结果”表（多个文件时 OUT 为文件夹）")
    p.add_argument("--previous", metavar="LAST_YEAR", help="上一年度的工作簿，用于跨年度核对（T3-5 等）")
    p.add_argument("--no-info", action="store_true", help="不显示“提示”级别的条目")
    p.add_argument("--force", action="store_true", help="覆盖已存在的标注副本")


def run(args) -> int:
    from .. import api

    paths, problems = expand(args.files)
    for msg in problems:
        print(f"gxxl：{msg}", file=sys.stderr)
    if not paths:
        from . import _json_error

        return _json_error(args, "；".join(problems), 2)
    previous = None
    if args.previous:
        previous = api.read(args.previous)  # read once, checked against every file
    targets = _annotate_targets(paths, Path(args.annotate)) if args.annotate else {}
    results = []
    worst = 2 if problems else 0  # a name that does not exist or an unreadable folder is never silent
    from ..errors import GxxlError

    for p in paths:
        try:
            checked = api.validate(p, previous=previous)
        except GxxlError as e:  # unreadable, a FIFO, over a limit: named, and the run goes on
            if len(paths) == 1:
                raise
            print(f"gxxl：{e}", file=sys.stderr)
            worst = max(worst, e.exit_code)
            continue
        worst = max(worst, checked.exit_code)
        results.append((p, checked))
        annotated = False
        if args.annotate and checked.readable:
            try:
                api.annotate(checked, targets[p], force=args.force)
                annotated = True
            except GxxlError as e:
                if len(paths) == 1:
                    raise
                print(f"gxxl：{e}", file=sys.stderr)  # a folder run goes on past one bad file
                worst = max(worst, e.exit_code)
        if not args.json:
            _print_one(p, checked.filing, checked.findings, show_info=not args.no_info)
            if annotated:
                print(f"  已写出标注副本：{display_path(targets[p])}")
    if args.json:
        payload = [{**checked.to_json(), "file": str(p)} for p, checked in results]
        print_json(payload)
    elif len(results) > 1:
        bad = sum(1 for _, c in results if not c.ok)
        print(f"\n共 {len(results)} 个文件：{len(results) - bad} 个无错误，{bad} 个有错误或无法读取")
    return worst


def _annotate_targets(paths: list[Path], out: Path) -> dict[Path, Path]:
    """Where each annotated copy goes: OUT itself for one input, OUT/<name>.校验.xlsx for several.

    Decided for all inputs before anything is written: an input is never a target, and
    two inputs with the same name (from different folders) never share one.
    """
    if len(paths) == 1:
        targets = {paths[0]: out}
    else:
        if out.suffix.lower() in (".xlsx", ".xlsm") or out.is_file():
            raise UserError(f"{out}：校验多个文件时，--annotate 应指定一个文件夹（每个文件各写一份标注副本）")
        names: dict[str, int] = {}
        for p in paths:
            names[p.stem] = names.get(p.stem, 0) + 1
        targets = {
            p: out / (f"{p.parent.name}_{p.stem}.校验.xlsx" if names[p.stem] > 1 else f"{p.stem}.校验.xlsx")
            for p in paths
        }
        if len(set(targets.values())) < len(targets):
            raise UserError(f"{out}：有多个同名文件，无法为每个文件分别写出标注副本，请分批校验")
    from ..fileio import check_output

    for p, t in targets.items():
        check_output(t, inputs=((p, "被校验的工作簿"),))
    return targets


def _print_one(p: Path, filing, findings, *, show_info: bool) -> None:
    from .output import findings_table, summary_line

    who = f"{filing.unit_name or '（未填单位名称）'}，{filing.year or '？'}年度" if filing.readable else "无法读取"
    print(f"\n== {display_path(p)}  （{who}）")
    print(f"   {summary_line(findings)}")
    print(findings_table(findings, show_info=show_info))
