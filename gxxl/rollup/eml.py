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
    message_id: str = ""
    #: the address a reply goes to (Reply-To, else From)
    from_addr: str = ""
    #: the address the unit wrote to (our mailbox): the From of a reply
    to_addr: str = ""
    references: str = ""
    #: a 退回 reply gxxl wrote (header X-Gxxl-Feedback), not a submission
    is_feedback: bool = False

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


#: Windows device names: 「CON.xlsx」 cannot be created or opened there
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


def safe_name(raw: str, fallback: str = "附件") -> str:
    """A bare, harmless file name: 「../../evil.xlsx」→「evil.xlsx」, 「CON.xlsx」→「_CON.xlsx」.

    No folders, no ``..``, no control or reserved characters, no Windows device name, no
    trailing dot or space, at most :data:`MAX_NAME` bytes in UTF-8 (the extension is kept).
    """
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch if ch.isprintable() else "_" for ch in name)
    name = _RESERVED.sub("_", name).strip()
    bare = name.lstrip(".").strip()
    if bare and "." not in bare and name.startswith("."):
        name = f"{fallback}.{bare}"  # 「.xlsx」: only an extension
    else:
        name = bare
    name = name.rstrip(". ")
    if not name:
        name = fallback
    stem, ext = os.path.splitext(name)
    if len(ext.encode("utf-8")) > 16:  # not an extension, part of a long name
        stem, ext = name, ""
    if len(name.encode("utf-8")) > MAX_NAME:
        room = MAX_NAME - len(ext.encode("utf-8"))
        name = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". ") + ext
    if not os.path.splitext(name)[0]:
        name = fallback + name
    if name.split(".")[0].strip().upper() in _DEVICES:
        name = "_" + name
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
    text = str(v or "")
    if any("\udc80" <= ch <= "\udcff" for ch in text) or "\ufffd" in text:
        text = _raw_header(msg, name) or text
    return _decode_words(text).strip()


def _raw_header(msg, name: str) -> str:
    """A header whose bytes were not ASCII (raw GBK or UTF-8, as some clients send), decoded."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            if isinstance(value, str):
                try:
                    raw = value.encode("ascii", "surrogateescape")
                except UnicodeEncodeError:
                    return value
                from ..textio import decode_bytes  # UTF-8 when valid, else GB18030 (GBK, GB2312), Big5

                return decode_bytes(raw)
    return ""


def _filename(part) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if "\ufffd" in name or "=?" in name or any("\udc80" <= ch <= "\udcff" for ch in name):
        # GB2312 that was really GBK, undecoded words inside quotes, or raw 8-bit bytes
        for header in ("Content-Disposition", "Content-Type"):
            raw = _raw_header(part, header)
            m = re.search(r'(?:file)?name\s*=\s*"?([^";]+)"?', raw)
            if m:
                name = _decode_words(m.group(1)) or name
                break
    return name.strip()


#: the header gxxl puts on its 退回 replies (gxxl/mail/message.py)
FEEDBACK_HEADER = "X-Gxxl-Feedback"

_WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "附件.xlsx",
    "application/vnd.ms-excel": "附件.xls",
    "application/vnd.ms-excel.sheet.macroenabled.12": "附件.xlsm",
}


def is_workbook(name: str) -> bool:
    return name.lower().endswith(ATTACHMENT_EXT)


@dataclass
class Part:
    """One attachment of a message (also inside a forwarded message)."""

    original: str
    name: str
    data: bytes


def parse(data: bytes):
    """The message object of ``data`` (never raises for a damaged message: best effort)."""
    return BytesParser(policy=policy.default).parsebytes(data)


def header_info(msg) -> dict[str, str]:
    """Decoded headers: From (display), address, To, Subject, Date, Message-ID, References."""
    from email.utils import getaddresses

    sender = _header(msg, "From")
    addrs = getaddresses([sender]) if sender else []
    to = _header(msg, "To")
    to_addrs = getaddresses([to]) if to else []
    reply_to = _header(msg, "Reply-To")
    reply_addrs = getaddresses([reply_to]) if reply_to else []
    return {
        "from": sender,
        "from_name": addrs[0][0] if addrs else "",
        "from_addr": (reply_addrs[0][1] if reply_addrs and reply_addrs[0][1] else (addrs[0][1] if addrs else "")),
        "to_addr": to_addrs[0][1] if to_addrs else "",
        "subject": _header(msg, "Subject"),
        "date": _header(msg, "Date"),
        "message_id": _header(msg, "Message-ID").strip(),
        "references": _header(msg, "References"),
        "gxxl_feedback": _header(msg, FEEDBACK_HEADER),
    }


def parts(msg) -> list[Part]:
    """Every attachment, forwarded messages (message/rfc822) included, in message order."""
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        original = _filename(part)
        if not original:
            ctype = part.get_content_type()
            original = _WORKBOOK_TYPES.get(ctype, "")
            if not original:
                continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            data = b""
        out.append(Part(original=original, name=safe_name(original), data=data))
        if original.lower().endswith(".msg") or part.get_content_type() == "application/vnd.ms-outlook":
            out.extend(_outlook_parts(data))  # Outlook forwards a message as an attached .msg
    return out


def _outlook_parts(data: bytes) -> list[Part]:
    """The attachments inside an attached Outlook .msg (empty when it cannot be read)."""
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        return []
    try:
        from ..mail.msg import read_msg

        return read_msg(data)[1]
    except Exception:  # a damaged .msg is just an attachment that is not a workbook
        return []


def parse_date(text: str) -> _dt.datetime | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def extract(path: Path, dest: Path, counter: list[int]) -> Email:
    """Parse ``path`` and write its workbook attachments into ``dest`` (a private folder).

    ``counter`` is a one-element list shared across emails: each attachment gets the next
    number as a prefix, so names are unique even when two emails carry 「年报.xlsx」.
    An Outlook ``.msg`` file is read through :mod:`gxxl.mail.msg`.
    """
    mail = Email(source=path)
    try:
        if str(path).lower().endswith(".msg"):
            from ..mail.msg import read_msg

            info, found = read_msg(path)
        else:
            with open(path, "rb") as fh:
                msg = BytesParser(policy=policy.default).parse(fh)
            info, found = header_info(msg), parts(msg)
    except Exception:
        mail.problem = "邮件文件无法解析，可能已损坏或不是邮件（.eml/.msg）"
        return mail
    mail.sender = info["from"]
    mail.subject = info["subject"]
    mail.date = parse_date(info["date"])
    mail.message_id = info["message_id"]
    mail.from_addr = info["from_addr"]
    mail.to_addr = info["to_addr"]
    mail.references = info["references"]
    if info.get("gxxl_feedback"):
        mail.is_feedback = True
        mail.problem = "这是 gxxl 生成的退回邮件（发给报送单位的回复），不是报送文件；请不要把退回文件夹作为汇总的输入"
        return mail
    for p in found:
        if not is_workbook(p.name):
            mail.others.append(p.name)
            continue
        counter[0] += 1
        target = dest / f"{counter[0]:05d}_{p.name}"
        try:
            with open(target, "xb") as fh:  # exclusive: never overwrite anything
                fh.write(p.data)
        except OSError as e:  # one bad attachment must not stop the roll-up
            mail.failed.append((p.name, e.strerror or str(e)))
            continue
        if mail.date:
            ts = mail.date.timestamp()
            os.utime(target, (ts, ts))
        mail.attachments.append(Attachment(original=p.original, name=p.name, path=target, data_len=len(p.data)))
    return mail
