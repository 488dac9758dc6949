"""Outlook ``.msg`` files (MS-OXMSG), read like ``.eml``: headers and attachments.

``extract-msg`` (a maintained reader of the format) is imported only when a ``.msg`` is
met.  The sender, date and Message-ID come from the transport headers Outlook keeps
(PR_TRANSPORT_MESSAGE_HEADERS) when present, else from the message properties; a
message attached inside the message (a forwarded .msg) is searched for workbooks too.
"""

from __future__ import annotations

import logging
from pathlib import Path

#: nesting of forwarded messages followed (a loop in a damaged file stops here)
MAX_DEPTH = 5


def read_msg(source: str | Path | bytes) -> tuple[dict[str, str], list]:
    """(header info as :func:`gxxl.rollup.eml.header_info` gives it, attachment parts).

    ``source`` is a path or the bytes of a .msg (one attached to an e-mail).
    """
    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.ERROR)
    msg = extract_msg.openMsg(source if isinstance(source, bytes) else str(source), delayAttachments=False)
    try:
        return _info(msg), _parts(msg, 0)
    finally:
        try:
            msg.close()
        except Exception:
            pass


def _s(value) -> str:
    return str(value).strip() if value else ""


def _info(msg) -> dict[str, str]:
    from email.utils import getaddresses

    from ..rollup.eml import _decode_words

    header = getattr(msg, "header", None)

    def h(name: str) -> str:
        try:
            return _decode_words(_s(header.get(name))) if header is not None else ""
        except Exception:
            return ""

    sender = h("From") or _s(getattr(msg, "sender", ""))
    addrs = getaddresses([sender]) if sender else []
    to = h("To") or _s(getattr(msg, "to", ""))
    to_addrs = getaddresses([to]) if to else []
    date = h("Date")
    if not date and getattr(msg, "date", None) is not None:
        from email.utils import format_datetime

        try:
            date = format_datetime(msg.date)
        except (TypeError, ValueError):
            date = ""
    return {
        "from": sender,
        "from_name": addrs[0][0] if addrs else "",
        "from_addr": addrs[0][1] if addrs else "",
        "to_addr": to_addrs[0][1] if to_addrs else "",
        "subject": h("Subject") or _s(getattr(msg, "subject", "")),
        "date": date,
        "message_id": h("Message-ID") or _s(getattr(msg, "messageId", "")),
        "references": h("References"),
    }


def _parts(msg, depth: int) -> list:
    from ..rollup.eml import Part, safe_name

    out = []
    for a in getattr(msg, "attachments", None) or ():
        data = getattr(a, "data", None)
        if data is not None and not isinstance(data, (bytes, bytearray)):
            if depth < MAX_DEPTH and hasattr(data, "attachments"):  # an attached message
                out.extend(_parts(data, depth + 1))
            continue
        name = _s(getattr(a, "longFilename", "")) or _s(getattr(a, "shortFilename", "")) or _s(getattr(a, "name", ""))
        if not name:
            continue
        out.append(Part(original=name, name=safe_name(name), data=bytes(data or b"")))
    return out
