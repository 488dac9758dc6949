"""gxxl template [-o FILE] — write the blank official template."""

from __future__ import annotations

HELP = "生成空白统计表模板（封面、表二、表三、表四）"


def add_arguments(p) -> None:
    p.add_argument("-o", "--output", default="政府信息公开年报统计表.xlsx", help="输出文件（默认：政府信息公开年报统计表.xlsx）")
    p.add_argument("--format", default="gov2021", help="格式：gov2021（2021年格式，默认）、gov2019（2019试行）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（供程序使用）")


def run(args) -> int:
    from .. import api
    from ..spec import get_spec

    out = api.template(args.output, format=args.format, force=args.force)
    spec = get_spec(args.format)
    if args.json:
        from .output import print_json

        print_json({"output": str(out), "format": spec.id, "name": spec.name, "basis": spec.basis})
        return 0
    print(f"已生成模板：{out}（{spec.name}，{spec.basis}）")
    return 0
