"""gxxl template [-o FILE] — write the blank official template."""

from __future__ import annotations

from pathlib import Path

from . import UserError

HELP = "生成空白统计表模板（封面、表二、表三、表四）"


def add_arguments(p) -> None:
    p.add_argument("-o", "--output", default="政府信息公开年报统计表.xlsx", help="输出文件（默认：政府信息公开年报统计表.xlsx）")
    p.add_argument("--format", default="gov2021", help="格式：gov2021（2021年格式，默认）、gov2019（2019试行）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")


def run(args) -> int:
    from ..fileio import OutputExistsError
    from ..spec import all_specs
    from ..template import write_template

    specs = all_specs()
    if args.format not in specs:
        raise UserError(f"未知格式「{args.format}」，可选：{'、'.join(specs)}")
    out = Path(args.output)
    try:
        write_template(out, specs[args.format], force=args.force)
    except OutputExistsError:
        raise UserError(f"{out}：文件已存在，如需覆盖请加 --force")
    print(f"已生成模板：{out}（{specs[args.format].name}，{specs[args.format].basis}）")
    return 0
