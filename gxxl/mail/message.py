"""The 退回 reply: a standard MIME message answering the unit's own message.

Headers with Chinese (Subject, display names) are RFC 2047 encoded and the attachment
name RFC 2231 encoded by the standard library's SMTP policy; the body is UTF-8 in
base64, lines end in CRLF, so the file is what goes over the wire.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def subject_for(kind: str, unit: str, year: int) -> str:
    """「退回：示例县教育局 2024年度政府信息公开年报统计表」 (no line breaks: no header injection)."""
    unit = " ".join("".join(ch if ch.isprintable() else " " for ch in (unit or "")).split())[:100]
    return f"{kind}：{unit or '报送单位'} {year}年度政府信息公开年报统计表"


def build_reply(*, to: str, sender: str, subject: str, body: str, in_reply_to: str = "", references: str = "",
                attachment: tuple[str, bytes] | None = None, date=None, reply_id: str = "") -> tuple[bytes, str]:
    """The reply as bytes (CRLF) and its Message-ID."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date)
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "gxxl.invalid"
    mid = make_msgid(domain=domain or "gxxl.invalid")
    msg["Message-ID"] = mid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = " ".join(x for x in (references.strip(), in_reply_to) if x)
    if reply_id:  # so that a roll-up never reads gxxl's own reply as a submission
        from ..rollup.eml import FEEDBACK_HEADER

        msg[FEEDBACK_HEADER] = reply_id
    msg.set_content(body, charset="utf-8", cte="base64")
    if attachment is not None:
        name, data = attachment
        main, sub = XLSX_TYPE if name.lower().endswith(".xlsx") else ("application", "octet-stream")
        name = "".join(ch for ch in name if ch.isprintable())
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)  # RFC 2231 filename*=
        # the same name on Content-Type too: some clients read only name=
        list(msg.iter_attachments())[-1].set_param("name", name, header="Content-Type")
    return msg.as_bytes(), mid


def valid_address(addr: str) -> bool:
    """A single plain address (no header injection, no display name)."""
    if not addr or any(ch in addr for ch in "\r\n<>,;\"") or addr.count("@") != 1:
        return False
    try:
        Address(addr_spec=addr)
    except (ValueError, IndexError, TypeError):
        return False
    return True
