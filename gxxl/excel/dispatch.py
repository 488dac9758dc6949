"""What the ribbon calls: ``run(tag)`` runs the action of a button for the calling workbook.

The VBA callback of every button (addin/GxxlRibbon.bas) sends exactly::

    RunPython "import gxxl.excel.dispatch as d; d.run('<tag>')"

``run`` finds the workbook (``xw.Book.caller()``), runs the registered action and makes
sure the clerk never sees a blank box or a traceback:

* a user's mistake (:class:`gxxl.errors.GxxlError`) → a message box with the Chinese text;
* anything unexpected → the traceback goes to the log file (``user_dir()/gxxl-addin.log``)
  and a message box says what happened and where the log is.

Testing without Excel: give ``run`` a book (``run(tag, book)``), or set a mock caller
before sending the command (``xw.Book(json=payload).set_mock_caller()``), as
tests/test_addin_build.py does in a subprocess with the exact command string.
"""

from __future__ import annotations

import datetime as _dt
import logging
import logging.handlers
import traceback
from pathlib import Path

from . import user_dir

LOG_NAME = "gxxl-addin.log"
APP_TITLE = "政务公开年报"


def log_path() -> Path:
    return user_dir() / LOG_NAME


def log_exception(tag: str, book_name: str) -> Path:
    """Append the current exception to the log file (rotated at 1 MB) and return its path.

    Falls back to the temporary folder when the add-in's folder cannot be written.
    """
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2, encoding="utf-8")
    except OSError:
        import tempfile

        path = Path(tempfile.gettempdir()) / LOG_NAME
        handler = logging.FileHandler(path, encoding="utf-8")
    logger = logging.getLogger("gxxl.excel")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        from .. import __version__

        logger.error(
            "%s gxxl %s, action %r, workbook %r\n%s",
            _dt.datetime.now().isoformat(timespec="seconds"), __version__, tag, book_name, traceback.format_exc(),
        )
    finally:
        logger.removeHandler(handler)
        handler.close()
    return path


def title(tag: str) -> str:
    from .ribbon import label

    return f"{APP_TITLE} · {label(tag)}"


def run(tag: str, book=None) -> int:
    """Run the action behind a ribbon button.  Returns 0 done, 1 user's mistake, 2 unexpected error."""
    import xlwings as xw

    from ..errors import GxxlError, UserError

    if book is None:
        book = xw.Book.caller()
    try:
        from .actions import ACTIONS

        act = ACTIONS.get(tag)
        if act is None:
            raise UserError(f"按钮“{tag}”没有对应的功能：加载项与已安装的 gxxl 版本不一致，请重新运行 gxxl addin install")
        act(book)
        return 0
    except GxxlError as e:  # a user's mistake or an unusable file: the Chinese message
        book.app.alert(str(e), title=title(tag), mode="critical")
        return 1
    except Exception:
        name = getattr(book, "name", "?")
        path = log_exception(tag, name)
        from .ribbon import label

        book.app.alert(
            f"“{label(tag)}”运行时出现意外错误，操作没有完成。\n\n"
            f"详细信息已写入日志文件：\n{path}\n\n请把这个文件发给信息化管理员或开发人员。",
            title=title(tag), mode="critical",
        )
        return 2
