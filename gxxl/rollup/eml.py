"""Workbooks sent by email: take the Excel attachments out of an ``.eml`` file.

Only the standard library (``email``) is used.  Attachment names are untrusted: they are
decoded (RFC 2231 ``filename*=``, RFC 2047 ``=?GBK?B?…?=`` even inside quotes, as Chinese
mail clients write them), reduced to a bare file name (no folders, no ``..``, no control
or reserved characters) and written into a private folder under a numbered name, so an
attachment can neither escape that folder nor overwrite another one.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

#: attachment extensions taken out of an email (the reader says what is wrong with .et)
ATTACHMENT_EXT = (".xlsx", ".xlsm", ".xls", ".et")
_RESERVED = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
#: an attachment name in bytes (UTF-8, as file systems count them; 255 is the usual
#: limit and the numbered prefix takes 6)
MAX_NAME = 200


@dataclass
class Attachment:
    original: str  # the decoded name as the sender's mail client wrote it
    name: str  # the sanitised bare file name
    path: Path  # where it was written
    data_len: int


@dataclass
class Email:
    source: Path
    sender: str = ""
    subject: str = ""
    date: _dt.datetime | None = None
    attachments: list[Attachment] = field(default_factory=list)
    #: attachments that are not workbooks (shown in the ledger when nothing else came)
    others: list[str] = field(default_factory=list)
    #: workbook attachments that could not be saved: (name, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)
    problem: str = ""

    @property
    def timestamp(self) -> float | None:
        return self.date.timestamp() if self.date else None

    def origin(self) -> str:
        parts = []
        if self.sender:
            parts.append(f"发件人：{self.sender}")
        if self.date:
            parts.append(f"发送时间：{self.date.strftime('%Y-%m-%d %H:%M')}")
        if self.subject:
            parts.append(f"主题：{self.subject}")
        return "邮件 " + "；".join(parts) if parts else "邮件"


def safe_name(raw: str, fallback: str = "附件") -> str:
    """A bare, harmless file name: 「../../evil.xlsx」→「evil.xlsx」."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").split("/")[-1]
    name = _RESERVED.sub("_", name).strip()
    bare = name.lstrip(".").strip()
    if bare and "." not in bare and name.startswith("."):
        name = f"{fallback}.{bare}"  # 「.xlsx」: only an extension
    else:
        name = bare
    if not name:
        name = fallback
    stem, ext = os.path.splitext(name)
    if len(ext.encode("utf-8")) > 16:  # not an extension, part of a long name
        stem, ext = name, ""
    if len(name.encode("utf-8")) > MAX_NAME:
        room = MAX_NAME - len(ext.encode("utf-8"))
        name = stem.encode("utf-8")[:room].decode("utf-8", "ignore") + ext
    if not os.path.splitext(name)[0]:
        name = fallback + name
    return name


def _decode_words(text: str) -> str:
    """Decode RFC 2047 words the parser left alone (GB2312 read as the GB18030 superset)."""
    if "=?" not in text:
        return text
    try:
        out = []
        for chunk, charset in decode_header(text):
            if isinstance(chunk, bytes):
                cs = (charset or "ascii").lower()
                if cs in ("gb2312", "gbk", "x-gbk", "cp936"):
                    cs = "gb18030"
                try:
                    out.append(chunk.decode(cs, errors="replace"))
                except LookupError:
                    out.append(chunk.decode("utf-8", errors="replace"))
            else:
                out.append(chunk)
        return "".join(out)
    except Exception:
        return text


def _header(msg, name: str) -> str:
    try:
        v = msg.get(name)
    except Exception:  # a malformed header must not stop the run
        return ""
    return _decode_words(str(v or "")).strip()


def _filename(part) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if "\ufffd" in name or "=?" in name:  # GB2312 that was really GBK, or undecoded words
        raw = part.get("Content-Disposition", "") or part.get("Content-Type", "")
        m = re.search(r'(?:file)?name\s*=\s*"?([^";]+)"?', str(raw))
        if m:
            name = _decode_words(m.group(1)) or name
    return name.strip()


def extract(path: Path, dest: Path, counter: list[int]) -> Email:
    """Parse ``path`` and write its workbook attachments into ``dest`` (a private folder).

    ``counter`` is a one-element list shared across emails: each attachment gets the next
    number as a prefix, so names are unique even when two emails carry 「年报.xlsx」.
    """
    mail = Email(source=path)
    try:
        with open(path, "rb") as fh:
            msg = BytesParser(policy=policy.default).parse(fh)
    except Exception:
        mail.problem = "邮件文件无法解析，可能已损坏或不是邮件（.eml）"
        return mail
    mail.sender = _header(msg, "From")
    mail.subject = _header(msg, "Subject")
    date = _header(msg, "Date")
    if date:
        try:
            mail.date = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            mail.date = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        original = _filename(part)
        if not original:
            ctype = part.get_content_type()
            if ctype in ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",):
                original = "附件.xlsx"
            elif ctype == "application/vnd.ms-excel":
                original = "附件.xls"
            else:
                continue
        name = safe_name(original)
        if not name.lower().endswith(ATTACHMENT_EXT):
            mail.others.append(name)
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            data = b""
        counter[0] += 1
        target = dest / f"{counter[0]:05d}_{name}"
        try:
            with open(target, "xb") as fh:  # exclusive: never overwrite anything
                fh.write(data)
        except OSError as e:  # one bad attachment must not stop the roll-up
            mail.failed.append((name, e.strerror or str(e)))
            continue
        if mail.date:
            ts = mail.date.timestamp()
            os.utime(target, (ts, ts))
        mail.attachments.append(Attachment(original=original, name=name, path=target, data_len=len(data)))
    return mail
