"""``gxxl send``: send the replies of a 退回 folder by SMTP, each exactly once.

The folder's ledger (``退回记录.json``, written by ``gxxl rollup --feedback``) lists the
replies; a reply is sent when it has no ``sent`` time yet, and the time is written to the
ledger right after the server accepted it, so a second ``gxxl send`` (or one after an
interruption) does not send it again.  ``--dry-run`` lists what would be sent.
"""

from __future__ import annotations

import datetime as _dt
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from ..rollup.feedback import read_ledger, write_ledger
from .conn import TIMEOUT, MailError, Server, friendly
from .message import valid_address


@dataclass
class SendResult:
    folder: Path
    sent: list[dict] = field(default_factory=list)
    #: sent in an earlier run
    already: int = 0
    #: (reply, why) the server refused or the file was missing
    failed: list[tuple[dict, str]] = field(default_factory=list)
    #: listed only (--dry-run)
    planned: list[dict] = field(default_factory=list)
    #: replies without a message (units that did not come by mail)
    no_message: int = 0


def pending(folder: Path) -> tuple[dict, list[dict], SendResult]:
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}：文件夹不存在；请先用 gxxl rollup … --feedback {folder} 生成退回材料")
    from ..rollup.feedback import LEDGER

    if not (folder / LEDGER).exists():
        raise UserError(f"{folder}：没有退回记录（{LEDGER}），不是 gxxl rollup --feedback 生成的文件夹")
    ledger = read_ledger(folder)
    result = SendResult(folder=folder)
    todo = []
    for r in ledger["replies"]:
        if not r.get("eml"):
            result.no_message += 1
        elif r.get("sent"):
            result.already += 1
        else:
            todo.append(r)
    return ledger, todo, result


def send(folder: Path, server: Server | None, password: str, *, context: ssl.SSLContext | None = None,
         starttls: bool = False, dry_run: bool = False, sender: str = "", timeout: float = TIMEOUT) -> SendResult:
    ledger, todo, result = pending(folder)
    folder = Path(folder)
    if dry_run or not todo:
        result.planned = todo
        return result
    if sender and not valid_address(sender):
        raise UserError(f"--from「{sender}」不是一个邮件地址")
    conn = _connect(server, password, context, starttls, timeout)
    try:
        for r in todo:
            name = str(r["eml"])
            if name != os.path.basename(name) or name in (".", "..") or not name.lower().endswith(".eml"):
                # the ledger is a file on disk: it must not make gxxl mail out any other file
                result.failed.append((r, f"退回记录中的邮件文件名不对：{name}"))
                continue
            path = folder / name
            try:
                raw = path.read_bytes()
            except OSError:
                result.failed.append((r, f"邮件文件不存在：{r['eml']}"))
                continue
            # the From: --from, else the login when it is an address (servers want them equal),
            # else the address the unit wrote to (already in the file)
            frm = sender or (server.user if valid_address(server.user) else "") or r.get("sender") or ""
            if not frm:
                raise UserError("不知道以哪个地址发信：登录用户名不是邮件地址，退回邮件中也没有发件人；请用 --from 指定本邮箱的地址")
            if frm != r.get("sender"):
                raw = _with_from(raw, frm)
            if not valid_address(r.get("to", "")):
                result.failed.append((r, f"收件地址不对：{r.get('to')}"))
                continue
            try:
                refused = conn.sendmail(frm, [r["to"]], raw)
            except smtplib.SMTPRecipientsRefused as e:
                result.failed.append((r, f"服务器拒收收件人 {r['to']}：{_reply(e.recipients.get(r['to']))}"))
                continue
            except smtplib.SMTPSenderRefused as e:
                raise MailError(f"邮件服务器拒绝以「{frm}」的名义发信（{_reply((e.smtp_code, e.smtp_error))}）："
                                "请用 --from 指定本邮箱的地址") from None
            except smtplib.SMTPDataError as e:
                result.failed.append((r, f"服务器拒收邮件：{_reply((e.smtp_code, e.smtp_error))}"))
                continue
            if refused:
                result.failed.append((r, f"服务器拒收收件人：{'、'.join(refused)}"))
                continue
            r["sent"] = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
            r["server_reply"] = "已接收"
            r.pop("error", None)
            write_ledger(folder, ledger)  # at once: an interruption never sends this one twice
            result.sent.append(r)
        for r, why in result.failed:
            r["error"] = why
        write_ledger(folder, ledger)
    except (OSError, smtplib.SMTPException) as e:
        write_ledger(folder, ledger)
        raise friendly(e, server) from None
    finally:
        try:
            conn.quit()
        except Exception:
            pass
    return result


def _connect(server: Server, password: str, context, starttls: bool, timeout: float = TIMEOUT) -> smtplib.SMTP:
    try:
        if server.tls:
            conn = smtplib.SMTP_SSL(server.host, server.port, context=context, timeout=timeout)
        else:
            conn = smtplib.SMTP(server.host, server.port, timeout=timeout)
            if starttls:
                conn.starttls(context=context)
    except smtplib.SMTPNotSupportedError:
        raise MailError(f"邮件服务器 {server.host}:{server.port} 不支持 STARTTLS 加密：请改用 smtps://") from None
    except (OSError, smtplib.SMTPException) as e:
        raise friendly(e, server) from None
    try:
        conn.login(server.user, password)
    except smtplib.SMTPAuthenticationError as e:
        conn.close()
        raise MailError(f"登录邮件服务器 {server.host} 失败：用户名「{server.user}」或密码不对"
                        f"（服务器答复：{_reply((e.smtp_code, e.smtp_error))}）") from None
    except smtplib.SMTPNotSupportedError:
        conn.close()
        raise MailError(f"邮件服务器 {server.host}:{server.port} 不允许在未加密的连接上登录：请加 --starttls 或改用 smtps://") from None
    except (OSError, smtplib.SMTPException) as e:
        conn.close()
        raise friendly(e, server) from None
    return conn


def _with_from(raw: bytes, sender: str) -> bytes:
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.SMTP).parsebytes(raw)
    del msg["From"]
    msg["From"] = sender
    return msg.as_bytes()


def _reply(item) -> str:
    if not item:
        return ""
    code, text = item
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))[:200]
    return f"{code} {text}"
