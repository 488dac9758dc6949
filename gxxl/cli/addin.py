"""gxxl addin build|install — the Excel add-in gxxl.xlam (ribbon tab 「政务公开年报」 and worksheet functions)."""

from __future__ import annotations

import sys
from pathlib import Path

from . import UserError

HELP = "Excel 加载项：build 生成 gxxl.xlam（任何系统），install 安装到 Excel（Windows）"

EPILOG = """\
说明：
  build    从仓库中的文本源文件生成加载项 gxxl.xlam（功能区“政务公开年报”选项卡和工作表函数），
           需要已安装 xlwings（版本固定为加载项要求的版本）。同样的源文件总是生成同样的文件。
  install  （仅 Windows）检查 xlwings 版本和 Python，按本机 Python 路径生成加载项，
           复制到 Excel 的启动文件夹 XLSTART（默认受信任位置），重新打开 Excel 后生效。
           安装前请关闭 Excel。

示例：
  gxxl addin build -o gxxl.xlam --force
  gxxl addin install
"""


def add_arguments(p) -> None:
    p.epilog = EPILOG  # the parser's formatter (cli.ChineseHelp) keeps it as written
    sub = p.add_subparsers(dest="addin_command", metavar="操作")
    b = sub.add_parser("build", help="生成加载项文件 gxxl.xlam", description="从文本源文件生成加载项 gxxl.xlam")
    b.add_argument("-o", "--output", default="gxxl.xlam", help="输出文件（默认：gxxl.xlam）")
    b.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    b.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")
    b.add_argument("--interpreter", metavar="PYTHONW", help="写入加载项设置的 Python 解释器路径（默认：pythonw，即 PATH 中的 pythonw.exe）")
    i = sub.add_parser("install", help="安装加载项到 Excel（Windows）", description="安装加载项到 Excel 的启动文件夹 XLSTART（Windows）")
    i.add_argument("-f", "--file", metavar="XLAM", help="安装已有的加载项文件，而不是按本机 Python 生成")
    i.add_argument("--dir", metavar="文件夹", help="安装到指定文件夹（默认：%%APPDATA%%\\Microsoft\\Excel\\XLSTART）")


def run(args) -> int:
    command = getattr(args, "addin_command", None)
    if command == "build":
        return _build(args)
    if command == "install":
        return _install(args)
    raise UserError("请指定操作：gxxl addin build（生成加载项）或 gxxl addin install（安装到 Excel）")


def _build(args) -> int:
    from ..excel.build import BuildError, build_addin, udf_sources
    from ..excel.ribbon import buttons

    from ..errors import MSG_OUTPUT_BUSY, OutputError, OutputExistsError

    out = Path(args.output)
    if out.suffix.lower() != ".xlam":
        raise UserError(f"{out}：加载项文件的扩展名应为 .xlam")
    if out.exists() and not args.force:
        raise OutputExistsError(out)
    try:
        build_addin(out, interpreter=args.interpreter)
    except BuildError as e:
        raise UserError(f"无法生成加载项：{e}") from None
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] == "xlwings":
            raise UserError("生成加载项需要 xlwings：请运行 pip install \"gxxl[excel]\"") from None
        raise
    except PermissionError:
        raise OutputError(MSG_OUTPUT_BUSY.format(path=out), path=out) from None
    from ..excel import XLWINGS_PIN

    _, infos = udf_sources()
    if args.json:
        from .output import print_json

        print_json({"output": str(out), "xlwings": XLWINGS_PIN, "buttons": [b.label for b in buttons()],
                    "functions": [i.name for i in infos]})
        return 0
    print(f"已生成加载项：{out}（xlwings {XLWINGS_PIN}；功能区按钮 {len(buttons())} 个：{'、'.join(b.label for b in buttons())}；"
          f"工作表函数 {len(infos)} 个：{'、'.join(i.name for i in infos)}）")
    return 0


def _install(args) -> int:
    if not sys.platform.startswith("win") and not args.dir:
        raise UserError("gxxl addin install 只能在 Windows 上运行（Excel 加载项需要 Windows 版 Excel）。"
                        "在本机可用 gxxl addin build 生成 gxxl.xlam，再在 Windows 电脑上安装；"
                        "使用 WPS 或其他系统的单位请用命令行（gxxl validate）和自带校验公式的模板。")
    from ..excel.install import check_environment, install, pythonw_path, xlstart_dir

    check = check_environment()
    for w in check.warnings:
        print(f"提示：{w}")
    if not check.ok:
        raise UserError("无法安装加载项：\n  " + "\n  ".join(check.problems))
    source = Path(args.file) if args.file else None
    if source is not None and not source.is_file():
        raise UserError(f"{source}：文件不存在")
    target = Path(args.dir) if args.dir else xlstart_dir()
    try:
        path = install(target, source=source)
    except PermissionError:
        raise UserError(f"无法写入 {target}：请先关闭所有 Excel 窗口再安装") from None
    print(f"已安装加载项：{path}")
    if source is None:
        print(f"  使用的 Python：{pythonw_path()}")
    print("  请重新打开 Excel，功能区会出现“政务公开年报”选项卡。")
    print("  如果没有出现：文件 → 选项 → 信任中心 → 信任中心设置 → 受信任位置，确认包含上述文件夹；")
    print("  宏设置不能是“禁用所有宏，并且不通知”。详见 README“Excel 加载项”一节。")
    return 0
