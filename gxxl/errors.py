"""One error hierarchy for everything a user can get wrong, and the messages said about it.

Every exception the engine raises for a user's mistake or an unusable input is a
:class:`GxxlError`: it carries its Chinese message and the process exit code.  The CLI
prints ``gxxl：<message>`` and exits with ``exit_code``; the Excel layer shows the
message in a dialog.  Nothing here imports anything heavy: every module may import it.

Messages said in more than one place are defined once below (``MSG_*``) and formatted
with the path they are about.
"""

from __future__ import annotations

# -- messages said in several places ----------------------------------------------------
MSG_OUTPUT_EXISTS = "{path}：文件已存在，如需覆盖请加 --force"
MSG_OUTPUT_BUSY = "{path}：无法写入（文件可能正在 Excel/WPS 中打开，或没有写权限），请关闭后重试"
MSG_OUTPUT_IS_INPUT = "{path}：输出文件不能是输入文件（{role}），否则原文件会被覆盖；请换一个输出文件名"
MSG_NOT_REGULAR = "{path}：不是普通文件（{kind}），已跳过"
MSG_INTERRUPTED = "已中断，没有写出任何不完整的文件"
#: the advice for a workbook that cannot be parsed (appended to the reason)
MSG_RESAVE = "请在 Excel/WPS 中打开后重新保存为 .xlsx"
MSG_NO_PERMISSION = "没有权限（文件可能正在 Excel/WPS 中打开，或文件夹不允许写入）"


class GxxlError(Exception):
    """Base of every user-facing error: a Chinese message and an exit code."""

    exit_code: int = 2

    def __init__(self, message: str, *, path: object = None):
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)

    def __str__(self) -> str:  # the message as a person reads it
        return self.message


class UserError(GxxlError):
    """Wrong usage or a wrong file given on purpose: exit 2."""


class InputError(GxxlError):
    """An input that cannot be used (unreadable, not a regular file, too large): exit 2."""


class LimitError(InputError):
    """An input over one of the size/shape limits checked before parsing (the limit is named)."""


class OutputError(GxxlError):
    """An output that cannot or must not be written (exists, is an input, is a device): exit 2."""


class OutputExistsError(OutputError, FileExistsError):
    """The output exists and ``--force`` was not given (also an ``OSError`` for old callers)."""

    def __init__(self, path: object):
        OutputError.__init__(self, MSG_OUTPUT_EXISTS.format(path=path), path=path)


class Interrupted(GxxlError):
    """Ctrl-C (exit 130) or SIGTERM (exit 143): stopped cleanly."""

    def __init__(self, exit_code: int = 130):
        super().__init__(MSG_INTERRUPTED)
        self.exit_code = exit_code
