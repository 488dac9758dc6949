"""Build real Outlook .msg files for the tests (no library writes them).

A .msg is an MS-CFB compound file laid out as MS-OXMSG: top-level property streams
``__substg1.0_<tag>`` (UTF-16LE strings ``001F``, binary ``0102``), a fixed-size
property stream ``__properties_version1.0``, one storage per recipient and per
attachment, and the named-property map ``__nameid_version1.0``.  The compound file
is written by gxxl's own MS-CFB writer (``gxxl/excel/vba/cfb.py``, used for
vbaProject.bin); ``extract-msg`` — what gxxl reads .msg files with — reads the result.
"""

from __future__ import annotations

import struct

from gxxl.excel.vba.cfb import write_compound_file

PT_LONG, PT_UNICODE, PT_BINARY = 0x0003, 0x001F, 0x0102


def _u(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\x00\x00"


def _props(header: bytes, entries: list[tuple[int, int, bytes | int]]) -> bytes:
    """``__properties_version1.0``: header, then 16 bytes per property (MS-OXMSG 2.4)."""
    out = bytearray(header)
    for prop_id, ptype, value in entries:
        tag = (prop_id << 16) | ptype
        if ptype == PT_LONG:
            out += struct.pack("<IIII", tag, 0x6, int(value), 0)
        else:
            size = len(value) + (2 if ptype == PT_UNICODE else 0)
            out += struct.pack("<IIII", tag, 0x6, size, 0)
    return bytes(out)


def _strings(prefix: str, values: dict[int, str | bytes]) -> tuple[dict[str, bytes], list]:
    streams, entries = {}, []
    for prop_id, value in values.items():
        if isinstance(value, bytes):
            streams[f"{prefix}__substg1.0_{prop_id:04X}0102"] = value
            entries.append((prop_id, PT_BINARY, value))
        else:
            data = value.encode("utf-16-le")
            streams[f"{prefix}__substg1.0_{prop_id:04X}001F"] = data
            entries.append((prop_id, PT_UNICODE, data))
    return streams, entries


def build_msg(*, subject: str, sender_name: str, sender: str, to: str, body: str, date: str, message_id: str,
              attachments: list[tuple[str, bytes]]) -> bytes:
    headers = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
               f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n\r\n")
    streams, entries = _strings("", {
        0x001A: "IPM.Note", 0x0037: subject, 0x0C1A: sender_name, 0x0C1F: sender, 0x5D01: sender,
        0x0065: sender, 0x0042: sender_name, 0x1000: body, 0x007D: headers, 0x1035: message_id, 0x0E04: to,
    })
    n_att = len(attachments)
    streams["__properties_version1.0"] = _props(struct.pack("<8sIIII8s", b"", 1, n_att, 1, n_att, b""), entries)
    for stream in ("__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"):
        streams[f"__nameid_version1.0/{stream}"] = b""
    r = "__recip_version1.0_#00000000/"
    s, e = _strings(r, {0x3001: to, 0x39FE: to, 0x3003: to, 0x3002: "SMTP"})
    streams.update(s)
    streams[r + "__properties_version1.0"] = _props(b"\x00" * 8, e + [(0x0C15, PT_LONG, 1)])
    for k, (name, data) in enumerate(attachments):
        a = f"__attach_version1.0_#{k:08X}/"
        s, e = _strings(a, {0x3707: name, 0x3704: name[-12:], 0x3001: name, 0x3703: "." + name.rsplit(".", 1)[-1],
                            0x370E: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 0x3701: data})
        streams.update(s)
        streams[a + "__properties_version1.0"] = _props(b"\x00" * 8, e + [(0x3705, PT_LONG, 1)])
    return write_compound_file(streams)
