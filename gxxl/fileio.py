"""Writing outputs: atomically, and byte-reproducibly for generated workbooks."""

from __future__ import annotations

import datetime as _dt
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from .errors import OutputExistsError

FIXED_TIME = (2021, 9, 26, 0, 0, 0)  # the 2021 format's 成文日期; any fixed date would do
_FIXED_ISO = "2021-09-26T00:00:00Z"


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, force: bool = True) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def workbook_bytes(wb, *, reproducible: bool = False) -> bytes:
    """Serialise an openpyxl workbook; with ``reproducible`` the bytes depend only on content."""
    buf = io.BytesIO()
    if reproducible:
        wb.properties.created = _dt.datetime(*FIXED_TIME)
    wb.save(buf)
    data = buf.getvalue()
    return normalise_xlsx(data) if reproducible else data


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


def save_workbook(wb, path: str | os.PathLike, *, force: bool = True, reproducible: bool = False) -> Path:
    return atomic_write_bytes(path, workbook_bytes(wb, reproducible=reproducible), force=force)
