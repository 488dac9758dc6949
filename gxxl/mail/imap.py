"""``gxxl collect``: fetch the messages with workbook attachments from an IMAP mailbox.

Each new message with at least one workbook attachment becomes a folder in OUT::

    收件箱/20250121-0930 城关镇 u1795647339-12/
        原邮件.eml            the message, byte for byte as the server holds it
        城关镇年报统计表.xlsx   its attachments (forwarded messages included), safe names

and one entry in ``收件箱/.gxxl-collect.json`` (the collect record: mailbox, UIDVALIDITY,
the UIDs looked at, Message-ID, the saved files; never a password).  A second run
fetches only UIDs it has not seen (and skips a Message-ID already saved, should the
server renumber its messages).  ``gxxl rollup 收件箱/`` reads the ``.eml`` files and
skips the saved attachment copies listed in the record, so nothing is counted twice.

The mailbox is opened read-only (EXAMINE) and bodies are fetched with BODY.PEEK, so no
flag changes, unless ``mark_seen`` is asked for (then SELECT and ``+FLAGS (\\Seen)`` on
the saved messages only).  Nothing is ever deleted or moved.  Messages are fetched in
batches bounded in count and bytes; a message over ``max_bytes`` is not downloaded.
"""

from __future__ import annotations

import datetime as _dt
import imaplib
import json
import os
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import OutputError, UserError
from ..fileio import atomic_write_bytes
from ..rollup import eml
from ..rollup.sources import COLLECT_RECORD
from .conn import TIMEOUT, MailError, Server, friendly

MESSAGE_FILE = "原邮件.eml"
#: UIDs per FETCH of sizes, and at most this many bodies / bytes per FETCH of bodies
BATCH = 500
BODY_BATCH = 50
BODY_BYTES = 16 << 20
DEFAULT_MAX_MB = 30
RECORD_VERSION = 1

Progress = Callable[[int, int], None]


@dataclass
class Saved:
    folder: str
    uid: int
    sender: str
    subject: str
    attachments: list[str]


@dataclass
class CollectResult:
    mailbox: str
    #: messages matching --since on the server
    total: int = 0
    saved: list[Saved] = field(default_factory=list)
    #: UIDs looked at before (skipped without fetching)
    known: int = 0
    #: fetched, but no workbook attachment: not saved
    without_workbook: int = 0
    #: Message-ID already saved (server renumbered): not saved again
    duplicate: int = 0
    #: (uid, size, description) of messages over the size limit
    too_large: list[tuple[int, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    marked_seen: int = 0


def collect(server: Server, password: str, out: Path, *, since: _dt.date | None = None,
            context: ssl.SSLContext | None = None, starttls: bool = False, mark_seen: bool = False,
            max_bytes: int = DEFAULT_MAX_MB << 20, progress: Progress | None = None,
            timeout: float = TIMEOUT) -> CollectResult:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}：已存在同名文件，-o 应为一个文件夹", path=out)
    record = _read_record(out)
    key = server.display()
    box = record["mailboxes"].setdefault(key, {"uidvalidity": None, "uids": []})
    result = CollectResult(mailbox=key)
    conn = _connect(server, password, context, starttls, timeout)
    try:
        try:
            typ, data = conn.select(_quote(server.path or "INBOX"), readonly=not mark_seen)
        except imaplib.IMAP4.error as e:
            typ, data = "NO", [str(e).encode()]
        if typ != "OK":
            raise MailError(f"邮箱中没有文件夹「{server.path or 'INBOX'}」（服务器答复：{_text(data)}）；"
                            "请检查地址最后的文件夹名，收件箱一般为 INBOX")
        uidvalidity = _uidvalidity(conn)
        if box["uidvalidity"] != uidvalidity:
            if box["uids"]:
                result.notes.append("邮件服务器重新编号了该文件夹的邮件（UIDVALIDITY 已变），"
                                    "本次重新检查全部邮件，已保存过的邮件按 Message-ID 跳过")
            box["uidvalidity"] = uidvalidity
            box["uids"] = []
        criteria = ("SINCE", since.strftime("%d-%b-%Y")) if since else ("ALL",)
        typ, data = conn.uid("SEARCH", None, *criteria)
        if typ != "OK":
            raise MailError(f"邮件服务器拒绝了查找邮件的请求：{_text(data)}")
        uids = [int(x) for x in b" ".join(d for d in data if d).split()]
        result.total = len(uids)
        known = set(box["uids"])
        ids = {m.get("message_id") for m in record["messages"] if m.get("message_id")}
        todo = [u for u in uids if u not in known]
        result.known = len(uids) - len(todo)
        try:
            _fetch_all(conn, out, record, box, ids, uidvalidity, todo, result, max_bytes=max_bytes,
                       mark_seen=mark_seen, progress=progress)
        finally:  # also on Ctrl-C: what was saved is recorded, the next run does not fetch it again
            _write_record(out, record)
    except (OSError, imaplib.IMAP4.abort, EOFError) as e:
        raise friendly(e, server) from None
    finally:
        try:
            conn.logout()
        except Exception:
            pass
    return result


def _fetch_all(conn, out, record, box, ids, uidvalidity, todo, result, *, max_bytes, mark_seen, progress) -> None:
    """Sizes by batches of UIDs, bodies in groups bounded in count and bytes, record per batch."""
    done = 0
    for i in range(0, len(todo), BATCH):
        chunk = todo[i:i + BATCH]
        sizes = _sizes(conn, chunk)
        small = [u for u in chunk if sizes.get(u, 0) <= max_bytes]
        for u in chunk:
            if sizes.get(u, 0) > max_bytes:
                result.too_large.append((u, sizes[u], _describe(conn, u)))
        seen_now: list[int] = []
        for group in _groups(small, sizes):
            for uid, raw in _bodies(conn, group):
                saved = _store(out, record, ids, uidvalidity, uid, raw, result)
                box["uids"].append(uid)
                if saved:
                    seen_now.append(uid)
            done += len(group)
            if progress:
                progress(done, len(todo))
        # the record after every batch: an interrupted run keeps what it saved
        _write_record(out, record)
        if mark_seen and seen_now:
            typ, _ = conn.uid("STORE", ",".join(map(str, seen_now)), "+FLAGS", "(\\Seen)")
            if typ == "OK":
                result.marked_seen += len(seen_now)


# --------------------------------------------------------------------------------------
def _connect(server: Server, password: str, context, starttls: bool, timeout: float = TIMEOUT) -> imaplib.IMAP4:
    try:
        if server.tls:
            conn = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context, timeout=timeout)
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=timeout)
            if starttls:
                try:
                    conn.starttls(ssl_context=context)
                except imaplib.IMAP4.error as e:
                    raise MailError(f"邮件服务器 {server.host}:{server.port} 不支持 STARTTLS 加密（{e}）：请改用 imaps://") from None
    except MailError:
        raise
    except (OSError, imaplib.IMAP4.error, EOFError) as e:
        raise friendly(e, server) from None
    try:
        if (server.user + password).isascii():
            conn.login(server.user, password)
        else:  # LOGIN is ASCII only; SASL PLAIN carries UTF-8
            blob = b"\0" + server.user.encode() + b"\0" + password.encode()
            conn.authenticate("PLAIN", lambda _: blob)
    except imaplib.IMAP4.error as e:
        try:
            conn.logout()
        except Exception:
            pass
        raise MailError(f"登录邮件服务器 {server.host} 失败：用户名「{server.user}」或密码不对（服务器答复：{_text([str(e)])}）") from None
    except (OSError, EOFError) as e:
        raise friendly(e, server) from None
    _send_id(conn)
    return conn


def _send_id(conn: imaplib.IMAP4) -> None:
    """RFC 2971 ID: NetEase mail (163/126/yeah) refuses SELECT from a client that does not say who it is."""
    try:
        if "ID" not in conn.capabilities:
            typ, data = conn.capability()
            caps = b" ".join(d for d in data if isinstance(d, bytes)).upper().split()
            if b"ID" not in caps:
                return
        imaplib.Commands.setdefault("ID", ("AUTH", "SELECTED"))
        from .. import __version__

        conn._simple_command("ID", f'("name" "gxxl" "version" "{__version__}")')
    except (imaplib.IMAP4.error, OSError):
        pass  # only a courtesy; the server decides at SELECT


def _quote(mailbox: str) -> str:
    """A mailbox name for the command line: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    mailbox = utf7(mailbox)
    if re.fullmatch(r"[A-Za-z0-9_.\-/&,+]+", mailbox):
        return mailbox
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def utf7(text: str) -> str:
    """IMAP's modified UTF-7: 「年报」→「&XnRi5Q-」."""
    import base64

    out, run = [], []

    def flush():
        if run:
            b = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            out.append(f"&{b}-")
            run.clear()

    for ch in text:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _uidvalidity(conn: imaplib.IMAP4) -> int | None:
    _, data = conn.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] else None
    except (TypeError, ValueError):
        return None


_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def _sizes(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
    out = {}
    for item in data or ():
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        u, s = _UID.search(line), _SIZE.search(line)
        if u and s:
            out[int(u.group(1))] = int(s.group(1))
    return out


def _groups(uids: list[int], sizes: dict[int, int]):
    group, total = [], 0
    for u in uids:
        n = sizes.get(u, 0)
        if group and (len(group) >= BODY_BATCH or total + n > BODY_BYTES):
            yield group
            group, total = [], 0
        group.append(u)
        total += n
    if group:
        yield group


def _bodies(conn: imaplib.IMAP4, uids: list[int]):
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise MailError(f"邮件服务器拒绝了下载邮件的请求：{_text(data)}")
    data = list(data or ())
    for k, item in enumerate(data):
        if isinstance(item, tuple) and len(item) == 2:
            m = _UID.search(item[0])
            if m is None and k + 1 < len(data) and isinstance(data[k + 1], bytes):
                m = _UID.search(data[k + 1])  # some servers put 「UID n)」 after the literal
            if m:
                yield int(m.group(1)), item[1]


def _describe(conn: imaplib.IMAP4, uid: int) -> str:
    """Sender and subject of a message that is not downloaded (headers only)."""
    try:
        typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])")
        raw = next((d[1] for d in data if isinstance(d, tuple)), b"")
        info = eml.header_info(eml.parse(raw))
        return "；".join(x for x in (f"发件人：{info['from']}" if info["from"] else "",
                                      f"主题：{info['subject']}" if info["subject"] else "") if x)
    except Exception:
        return ""


def _store(out: Path, record: dict, ids: set, uidvalidity, uid: int, raw: bytes, result: CollectResult) -> bool:
    msg = eml.parse(raw)
    info = eml.header_info(msg)
    mid = info["message_id"]
    if mid and mid in ids:
        result.duplicate += 1
        return False
    found = eml.parts(msg)
    if not any(eml.is_workbook(p.name) for p in found):
        result.without_workbook += 1
        return False
    date = eml.parse_date(info["date"])
    stamp = date.astimezone().strftime("%Y%m%d-%H%M") if date else "无日期"
    who = info["from_name"] or info["from_addr"].split("@")[0] or "发件人不详"
    folder = _unique_dir(out, eml.safe_name(f"{stamp} {who[:30]} u{uidvalidity or 0}-{uid}", fallback="邮件"))
    atomic_write_bytes(folder / MESSAGE_FILE, raw, force=False)
    names: list[str] = []
    taken = {MESSAGE_FILE.lower()}
    for p in found:
        name = _unique_name(p.name, taken)
        atomic_write_bytes(folder / name, p.data, force=False)
        names.append(name)
    rel = folder.name
    record["messages"].append({
        "folder": rel, "eml": f"{rel}/{MESSAGE_FILE}", "attachments": [f"{rel}/{n}" for n in names],
        "uid": uid, "uidvalidity": uidvalidity, "message_id": mid, "from": info["from"],
        "subject": info["subject"], "date": info["date"], "size": len(raw),
        "fetched": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    })
    if mid:
        ids.add(mid)
    result.saved.append(Saved(folder=rel, uid=uid, sender=info["from"], subject=info["subject"], attachments=names))
    return True


def _unique_dir(out: Path, name: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    base = out.resolve()
    for n in range(1, 10_000):
        candidate = base / (name if n == 1 else f"{name} ({n})")
        if candidate.parent != base:  # safe_name gives a bare name; belt and braces
            raise UserError(f"不安全的文件夹名：{name}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise OutputError(f"{out}：同名文件夹过多", path=out)


def _unique_name(name: str, taken: set[str]) -> str:
    stem, ext = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    taken.add(candidate.lower())
    return candidate


def _read_record(out: Path) -> dict:
    path = out / COLLECT_RECORD
    empty = {"version": RECORD_VERSION, "mailboxes": {}, "messages": []}
    if not path.exists():
        return empty
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("mailboxes"), dict) \
                or not isinstance(data.get("messages"), list):
            raise ValueError
    except (OSError, ValueError, UnicodeDecodeError):
        raise UserError(f"{path}：收取记录已损坏，无法判断哪些邮件已收取过；请换一个空文件夹作为 -o，"
                        "或删除该记录后重新收取（会重新下载全部邮件）") from None
    return data


def _write_record(out: Path, record: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / COLLECT_RECORD, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))


def _text(data) -> str:
    parts = []
    for d in data or ():
        if isinstance(d, tuple):
            d = d[0]
        parts.append(d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d))
    text = " ".join(parts)
    return "".join(ch if ch.isprintable() else " " for ch in text)[:200]
