"""The ``gxxl`` command: one module per verb (``gxxl/cli/<verb>.py``), imported on demand.

Each verb module defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
Exit codes: 0 clean, 1 errors found, 2 unreadable input or wrong usage.
"""

from __future__ import annotations

import argparse
import errno
import os
import importlib
import signal
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
    "audit": "audit",
    "export": "export",
    "collect": "collect",
    "send": "send",
}


class ChineseHelp(argparse.RawDescriptionHelpFormatter):
    """argparse's help with a Chinese 「用法：」; descriptions and epilogs kept as written."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


_ERRORS = (
    ("the following arguments are required: ", "缺少必需的参数："),
    ("unrecognized arguments: ", "无法识别的参数："),
    ("expected one argument", "需要一个参数值"),
    ("invalid choice: ", "无效的选项："),
    ("argument ", "参数 "),
)


class ChineseParser(argparse.ArgumentParser):
    """Help headings, usage and usage errors in Chinese (exit code 2, no traceback)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelp)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str):
        for en, zh in _ERRORS:
            message = message.replace(en, zh)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：用法有误：{message}\n（查看帮助：{self.prog} --help）\n")


from ..errors import MSG_INTERRUPTED, MSG_NO_PERMISSION, GxxlError, Interrupted, UserError  # noqa: E402,F401  (UserError re-exported for the verbs)


def _modules(only: str | None = None) -> dict[str, object]:
    """The verb modules: only ``only``'s when a verb is named, else all (for ``gxxl --help``).

    A verb module must import cheaply (heavy imports go inside ``run``): ``gxxl --help``
    imports all of them.  A module listed in VERBS that fails to import is an error.
    """
    verbs = [only] if only in VERBS else list(VERBS)
    return {verb: importlib.import_module(f"{__name__}.{VERBS[verb]}") for verb in verbs}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = ChineseParser(
        prog="gxxl",
        description="政府信息公开工作年度报告：模板、校验、汇总、报告章节",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"gxxl {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="verb", metavar="<命令>", title="命令", parser_class=ChineseParser)
    for verb, mod in _modules(only).items():
        p = sub.add_parser(verb, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _utf8_stdio()
    streams = _visible_stdio()
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _visible_stdio():
    """Wrap stdout/stderr so every printed text has its control characters made visible."""
    from ..term import VisibleStream

    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(sys.stdout), VisibleStream(sys.stderr)
    return saved


def _main(argv: list[str]) -> int:
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    previous = _catch_sigterm()
    from ..gate import session

    try:
        with session():  # every input this verb reads is protected from its outputs
            return int(args._run(args) or 0)
    except GxxlError as e:
        print(f"gxxl：{e}", file=sys.stderr)
        return _json_error(args, str(e), e.exit_code)
    except BrokenPipeError as e:
        if _stdout_gone():  # the reader of our output left (``gxxl validate … | head``): quietly
            return 141
        print(f"gxxl：{os_error_text(e)}", file=sys.stderr)
        return _json_error(args, os_error_text(e), 2)
    except OSError as e:  # a path the user named cannot be written or read
        print(f"gxxl：{os_error_text(e)}", file=sys.stderr)
        return _json_error(args, os_error_text(e), 2)
    except KeyboardInterrupt:
        print(f"gxxl：{MSG_INTERRUPTED}", file=sys.stderr)
        return _json_error(args, MSG_INTERRUPTED, 130)
    finally:
        _restore_sigterm(previous)


def _stdout_gone() -> bool:
    """True when standard output is a pipe whose reader has left (poll reports an error on
    its write end); it is then pointed at /dev/null so that the interpreter's last flush does
    not fail again.  A broken connection to a mail server is not this (stdout is fine)."""
    import select

    try:
        fd = sys.__stdout__.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        gone = any(ev & select.POLLERR for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False
    if gone:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    return gone


def _json_error(args, message: str, code: int) -> int:
    """With ``--json``, a refused run still prints one JSON object on stdout (a program
    reading it must never get an empty or half-written answer); the message also went to
    stderr as usual."""
    if getattr(args, "json", False):
        import json

        print(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    return code


def _on_sigterm(signum, frame):
    # the verb's finally blocks run (temporary folders removed, worker processes reaped);
    # outputs are written atomically, so nothing half-written is left behind
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
    raise Interrupted(143)


def _catch_sigterm():
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (the Excel add-in's server): leave signals alone
        return None


def _restore_sigterm(previous) -> None:
    if previous is not None:
        try:
            signal.signal(signal.SIGTERM, previous)
        except ValueError:
            pass


_ERRNO_ZH = {
    errno.ENOENT: "路径不存在（请检查文件夹名称）",
    errno.EACCES: MSG_NO_PERMISSION,
    errno.EPERM: MSG_NO_PERMISSION,
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EEXIST: "路径中有一部分已是同名的文件，不是文件夹",
    errno.EROFS: "所在磁盘是只读的",
    errno.ENOSPC: "磁盘空间不足",
}


def os_error_text(e: OSError) -> str:
    """A Chinese sentence for an operating-system error on a path, naming the path."""
    reason = _ERRNO_ZH.get(e.errno or 0, "无法读写该文件")
    where = e.filename if e.filename is not None else ""
    return f"{where}：{reason}" if where else reason


def _utf8_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass
