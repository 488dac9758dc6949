"""gxxl demo — the main job on the bundled sample workbooks."""

from __future__ import annotations

from pathlib import Path

from . import UserError

HELP = "演示：校验随附的示例工作簿（workbooks/），汇总示例县、生成报告章节"


def add_arguments(p) -> None:
    p.add_argument("--dir", default=None, help="示例工作簿所在文件夹（默认：仓库中的 workbooks/）")
    p.add_argument("--out", default="out/demo", help="演示输出文件夹（默认：out/demo）")


def samples_dir() -> Path:
    here = Path(__file__).resolve().parents[2]
    return here / "workbooks"


def run(args) -> int:
    from .. import api
    from ..rollup.summary import summary
    from .output import display_path
    from .validate import _print_one

    folder = Path(args.dir) if args.dir else samples_dir()
    if not folder.is_dir():
        raise UserError(f"未找到示例工作簿文件夹：{folder}（请在仓库根目录运行，或用 --dir 指定）")
    books = sorted(folder.glob("*.xlsx"))
    print(f"【1】校验 {len(books)} 个示例工作簿（埋设的问题见 {folder / 'README.md'}）")
    results = [api.validate(b) for b in books]
    for b, checked in zip(books, results):
        _print_one(b, checked.filing, checked.findings, show_info=True)
    rc = max((c.exit_code for c in results), default=0)
    bad = sum(1 for c in results if not c.ok)
    print(f"\n共 {len(results)} 个文件：{len(results) - bad} 个无错误，{bad} 个有错误或无法读取")
    print(f"\n校验退出码：{rc}（0 无错误，1 发现错误，2 有文件无法读取）——示例中埋设了错误，故为 1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    roster = folder / "示例县_应报单位名单.csv"
    print(f"\n【2】汇总示例县各单位报表 → {out / '示例县汇总.xlsx'}")
    result = api.rollup([b for b in books if "示例县_" in b.name], output=out / "示例县汇总.xlsx",
                        roster=roster, unit="示例县人民政府", level="县级政府", year=2024, force=True)
    print(summary(result, show_path=display_path))

    seed = next(b for b in books if "seed004" in b.name)
    docx = out / "seed004_报告章节.docx"
    print(f"\n【3】由种子报告004的数据生成报告章节 → {docx}")
    made = api.report(seed, docx, subject="区政府办公室", force=True)
    print(f"已生成报告章节：{display_path(made.output)}；据数据生成 {len(made.report.sentences())} 段文字，"
          f"需要填写的地方 {made.fills} 处，需要核实的默认表述 {made.confirms} 处")
    print("\n演示完成。")
    return 0
