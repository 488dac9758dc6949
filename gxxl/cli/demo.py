"""gxxl demo — the main job on the bundled sample workbooks."""

from __future__ import annotations

from pathlib import Path

from . import UserError

HELP = "演示：校验随附的示例工作簿（workbooks/），并在可用时汇总示例县、生成报告章节"


def add_arguments(p) -> None:
    p.add_argument("--dir", default=None, help="示例工作簿所在文件夹（默认：仓库中的 workbooks/）")
    p.add_argument("--out", default="out/demo", help="演示输出文件夹（默认：out/demo）")


def samples_dir() -> Path:
    here = Path(__file__).resolve().parents[2]
    return here / "workbooks"


def run(args) -> int:
    from . import main as cli_main

    folder = Path(args.dir) if args.dir else samples_dir()
    if not folder.is_dir():
        raise UserError(f"未找到示例工作簿文件夹：{folder}（请在仓库根目录运行，或用 --dir 指定）")
    books = sorted(str(p) for p in folder.glob("*.xlsx"))
    print(f"【1】校验 {len(books)} 个示例工作簿（埋设的问题见 {folder / 'README.md'}）")
    rc = cli_main(["validate", *books])
    print(f"\n校验命令退出码：{rc}（0 无错误，1 发现错误，2 有文件无法读取）——示例中埋设了错误，故为 1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = 1
    try:
        from . import rollup as _rollup  # noqa: F401
    except ImportError:
        _rollup = None
    if _rollup is not None:
        steps += 1
        roster = folder / "示例县_应报单位名单.csv"
        print(f"\n【{steps}】汇总示例县各单位报表 → {out / '示例县汇总.xlsx'}")
        cli_main(["rollup", *[b for b in books if "示例县_" in Path(b).name], "--roster", str(roster),
                  "--unit", "示例县人民政府", "--level", "县级政府", "--year", "2024",
                  "-o", str(out / "示例县汇总.xlsx"), "--force"])
    try:
        from . import report as _report  # noqa: F401
    except ImportError:
        _report = None
    if _report is not None:
        steps += 1
        seed = next(b for b in books if "seed004" in b)
        print(f"\n【{steps}】由种子报告004的数据生成报告章节 → {out / 'seed004_报告章节.docx'}")
        cli_main(["report", seed, "-o", str(out / "seed004_报告章节.docx"), "--subject", "区政府办公室", "--overwrite"])
    print("\n演示完成。")
    return 0
