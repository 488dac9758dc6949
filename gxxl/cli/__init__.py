"""The ``gxxl`` command: one module per verb (``gxxl/cli/<verb>.py``), imported on demand.

Each verb module defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Exit codes: 0 clean, 1 errors found, 2 unreadable input or wrong usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: verb → module name; a new verb is one line here and one module
VERBS: dict[str, str] = {
    "validate": "validate",
    "template": "template",
    "demo": "demo",
    "rollup": "rollup",
    "report": "report",
    "check-text": "check_text",
    "import": "import_",
    "addin": "addin",
}


class UserError(Exception):
    """A user's mistake: printed as a Chinese message, exit code 2, no traceback."""


def _available() -> dict[str, object]:
    mods = {}
    for verb, mod in VERBS.items():
        try:
            mods[verb] = importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{mod}":
                raise
    return mods


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gxxl",
        description="政府信息公开工作年度报告：模板、校验、汇总、报告章节",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"gxxl {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="命令")
    if only and only in VERBS:
        try:
            mods = {only: importlib.import_module(f"{__name__}.{VERBS[only]}")}
        except ModuleNotFoundError:
            mods = _available()
    else:
        mods = _available()
    for verb, mod in mods.items():
        p = sub.add_parser(verb, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _utf8_stdio()
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except UserError as e:
        print(f"gxxl：{e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gxxl：已中断", file=sys.stderr)
        return 130


def _utf8_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
