"""Writing outputs: atomically, and byte-reproducibly for generated workbooks."""

from __future__ import annotations

import datetime as _dt
import errno
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from . import gate
from .errors import MSG_OUTPUT_IS_INPUT, OutputError, OutputExistsError

#: an existing output path that is not a regular file is never replaced
MSG_OUTPUT_NOT_REGULAR = "{path}：不是普通文件（{kind}），不能作为输出文件；请指定一个新的文件名"

FIXED_TIME = (2021, 9, 26, 0, 0, 0)  # the 2021 format's 成文日期; any fixed date would do
_FIXED_ISO = "2021-09-26T00:00:00Z"


def check_output(path: str | os.PathLike, *, force: bool = True, inputs: tuple = ()) -> Path:
    """The output gate, before anything is computed or written: raises :class:`OutputError`.

    Refused: a path that is an input of this run (compared by device and inode — hard and
    symbolic links included — against every file the input gate admitted and ``inputs``),
    an existing path that is not a regular file (a device such as ``/dev/null``, a FIFO, a
    folder), an existing file without ``force``.  An item of ``inputs`` is a path, or a
    ``(path, role)`` pair naming what that input is in the message (「被校验的工作簿」).
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return path
    except OSError:
        return path  # the write itself names the problem
    # the role the caller named (「被校验的工作簿」) first, then the one the input gate
    # remembered, then a plain 「输入文件」
    named = [p for p in inputs if isinstance(p, tuple)]
    plain = [(p, "输入文件") for p in inputs if not isinstance(p, tuple)]
    who = next(((str(p), r) for p, r in named if p is not None and _same_file(p, st)), None)
    who = who or gate.input_role(st) or next(((str(p), r) for p, r in plain if p is not None and _same_file(p, st)), None)
    if who is not None:
        raise OutputError(MSG_OUTPUT_IS_INPUT.format(path=path, role=who[1]), path=path)
    kind = gate.kind_of(st.st_mode)
    if kind:
        raise OutputError(MSG_OUTPUT_NOT_REGULAR.format(path=path, kind=kind), path=path)
    if not force:
        raise OutputExistsError(str(path))
    return path


def _same_file(p, st: os.stat_result) -> bool:
    try:
        other = os.stat(p)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, force: bool = True, inputs: tuple = ()) -> Path:
    """Write ``data`` to ``path`` through the output gate, atomically.

    The bytes go to a temporary file in the same folder first.  With ``force`` it then
    replaces ``path`` (``os.replace``); without, it is *linked* to ``path`` (``os.link``
    fails if the name exists), so when two processes race for one new name exactly one
    wins and the other gets :class:`OutputExistsError` — never a silent overwrite.  The
    gate (:func:`check_output`) runs again right before the final step.
    """
    path = Path(path)
    check_output(path, force=force, inputs=inputs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:80]}.", suffix=".tmp", dir=path.parent)
    except OSError as e:  # name the output the user asked for, not our temporary file
        raise type(e)(e.errno, e.strerror, str(path)) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); give it the mode a normal save would
        # (os.chmod, not os.fchmod: the latter exists on Windows only from Python 3.13)
        os.chmod(tmp, 0o666 & ~_umask())
        check_output(path, force=force)  # it may have changed while we computed
        if force:
            os.replace(tmp, path)
        else:
            _create_exclusive(tmp, path)
    except OSError as e:
        _unlink(tmp)
        if e.filename == tmp or e.filename2 == tmp:  # name the output, not our temporary file
            raise type(e)(e.errno, e.strerror, str(path)) from e
        raise
    except BaseException:
        _unlink(tmp)
        raise
    return path


def _create_exclusive(tmp: str, path: Path) -> None:
    """Give ``tmp`` the name ``path`` only if no file has that name (O_EXCL semantics)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputExistsError(str(path)) from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        # a file system without hard links (FAT, some network shares): reserve the name
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            raise OutputExistsError(str(path)) from None
        os.replace(tmp, path)
        return
    _unlink(tmp)


def _unlink(p: str) -> None:
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def workbook_bytes(wb, *, reproducible: bool = False) -> bytes:
    """Serialise an openpyxl workbook; with ``reproducible`` the bytes depend only on content."""
    buf = io.BytesIO()
    if reproducible:
        wb.properties.created = _dt.datetime(*FIXED_TIME)
    try:
        wb.save(buf)
    except UnicodeEncodeError:  # a non-UTF-8 file name (GBK from an old system) in some cell
        _unsurrogate_workbook(wb)
        buf = io.BytesIO()
        wb.save(buf)
    data = buf.getvalue()
    return normalise_xlsx(data) if reproducible else data


def _unsurrogate_workbook(wb) -> None:
    """Make every text of ``wb`` (cells, comments, sheet titles) writable as UTF-8."""
    from .textio import unsurrogate

    for ws in wb.worksheets:
        ws.title = unsurrogate(ws.title)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    fixed = unsurrogate(c.value)
                    if fixed is not c.value:
                        kind = c.data_type
                        c.value = fixed
                        c.data_type = kind  # text stays text (never turned into a formula)
                if c.comment is not None and isinstance(c.comment.text, str):
                    c.comment.text = unsurrogate(c.comment.text)


def normalise_xlsx(data: bytes) -> bytes:
    """Re-zip with fixed timestamps and fixed document dates, so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _FIXED_ISO.encode() + rb"\g<2>",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def save_workbook(wb, path: str | os.PathLike, *, force: bool = True, reproducible: bool = False,
                  inputs: tuple = ()) -> Path:
    check_output(path, force=force, inputs=inputs)  # before serialising: fail fast
    return atomic_write_bytes(path, workbook_bytes(wb, reproducible=reproducible), force=force, inputs=inputs)
