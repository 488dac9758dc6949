"""Mail server addresses, passwords, TLS, and the Chinese messages for failed connections."""

from __future__ import annotations

import os
import socket
import ssl
import sys
from dataclasses import dataclass
from urllib.parse import unquote

from ..errors import InputError, UserError

DEFAULT_PORTS = {"imap": 143, "imaps": 993, "smtp": 587, "smtps": 465}
#: seconds a connection attempt or a single server reply may take
TIMEOUT = 60.0


class MailError(InputError):
    """A mail server cannot be reached, refuses the login, or fails the TLS handshake (exit 2)."""


@dataclass(frozen=True)
class Server:
    scheme: str
    user: str
    host: str
    port: int
    #: the mailbox for IMAP (``INBOX``); empty for SMTP
    path: str = ""

    @property
    def tls(self) -> bool:
        """Implicit TLS from the first byte (imaps, smtps)."""
        return self.scheme.endswith("s")

    def display(self) -> str:
        """The address without any secret, for messages and the collect record."""
        tail = f"/{self.path}" if self.path else ""
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}{tail}"


def parse_url(text: str, schemes: tuple[str, ...], option: str) -> Server:
    """``imaps://user@host[:port]/INBOX`` → :class:`Server`; a password in it is refused."""
    raw = (text or "").strip()
    scheme, sep, rest = raw.partition("://")
    scheme = scheme.lower()
    example = f"{schemes[-1]}://用户名@邮件服务器" + ("/INBOX" if "imap" in schemes[0] else "")
    if not sep or scheme not in schemes:
        raise UserError(f"{option}「{raw}」格式不对，应为 {' 或 '.join(s + '://…' for s in schemes)}，如 {example}")
    netloc, _, path = rest.partition("/")
    user, at, hostport = netloc.rpartition("@")
    if not at or not user:
        raise UserError(f"{option}「{raw}」缺少用户名，应为 {example}")
    if ":" in user:
        raise UserError(f"{option}：请不要把密码写在命令行中（会留在命令历史里）；"
                        f"请用环境变量{'GXXL_IMAP_PASSWORD' if 'imap' in scheme else 'GXXL_SMTP_PASSWORD'}提供密码，或在提示时输入")
    host, port = hostport, DEFAULT_PORTS[scheme]
    if hostport.startswith("["):  # [::1]:993
        end = hostport.find("]")
        host, tail = hostport[1:end], hostport[end + 1:]
        if tail.startswith(":"):
            port = _port(tail[1:], raw, option)
    elif ":" in hostport:
        host, p = hostport.rsplit(":", 1)
        port = _port(p, raw, option)
    if not host:
        raise UserError(f"{option}「{raw}」缺少服务器地址，应为 {example}")
    return Server(scheme, unquote(user), host, port, unquote(path).strip("/"))


def _port(text: str, raw: str, option: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UserError(f"{option}「{raw}」中的端口「{text}」不对，应为 1 到 65535 之间的数字")
    return int(text)


def password(env: str, server: Server) -> str:
    """The password from ``env``, or a prompt on a terminal; never from the command line."""
    value = os.environ.get(env)
    if value:
        return value
    try:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        raise UserError(f"没有提供 {server.user}@{server.host} 的密码：请设置环境变量 {env}，或在命令提示符中运行以便输入密码")
    import getpass

    value = getpass.getpass(f"{server.user}@{server.host} 的密码：")
    if not value:
        raise UserError("没有输入密码")
    return value


def tls_context(cafile: str | None, insecure: bool) -> ssl.SSLContext:
    if cafile and not os.path.isfile(cafile):
        raise UserError(f"--cafile：证书文件不存在：{cafile}")
    try:
        ctx = ssl.create_default_context(cafile=cafile or None)
    except (ssl.SSLError, OSError, ValueError):
        raise UserError(f"--cafile：无法读取证书文件（应为 PEM 格式）：{cafile}") from None
    if insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def timeout_arg(text: str | None) -> float:
    """``--timeout`` in seconds (1 to 600), default :data:`TIMEOUT`."""
    if not text:
        return TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 600:
        raise UserError(f"--timeout 应为 1 到 600 之间的秒数：「{text}」")
    return value


def friendly(e: BaseException, server: Server) -> MailError:
    """One Chinese sentence for a failed connection, naming the server."""
    where = f"{server.host}:{server.port}"
    if isinstance(e, MailError):
        return e
    if isinstance(e, ssl.SSLCertVerificationError):
        why = getattr(e, "verify_message", "") or str(e)
        return MailError(f"邮件服务器 {where} 的证书无法验证（{why}），未发送密码：如单位的邮件服务器使用自签名证书，"
                         "请用 --cafile 指定其证书文件；仅在测试时可用 --insecure 跳过验证")
    if isinstance(e, ssl.SSLError):
        return MailError(f"与邮件服务器 {where} 建立加密连接失败（{e.reason or e}）：请检查端口和协议是否对应"
                         "（imaps 通常为 993，imap 为 143；smtps 为 465，smtp 为 587 或 25）")
    if isinstance(e, ConnectionRefusedError):
        return MailError(f"无法连接邮件服务器 {where}（连接被拒绝）：请检查服务器地址和端口，以及服务器是否开启了该服务")
    if isinstance(e, socket.gaierror):
        return MailError(f"找不到邮件服务器「{server.host}」：请检查服务器地址和网络连接")
    if isinstance(e, (TimeoutError, socket.timeout)):
        return MailError(f"邮件服务器 {where} 没有应答（超时）：请检查网络、端口和协议，或稍后再试；慢速服务器可加大 --timeout")
    if isinstance(e, (ConnectionResetError, BrokenPipeError, EOFError)):
        return MailError(f"邮件服务器 {where} 中断了连接：请检查端口和协议是否对应，或稍后再试")
    if isinstance(e, OSError):
        return MailError(f"与邮件服务器 {where} 通信失败（{e.strerror or e}）")
    return MailError(f"与邮件服务器 {where} 通信失败（{_server_text(e)}）")


def _server_text(e: BaseException) -> str:
    text = " ".join(str(a.decode("utf-8", "replace") if isinstance(a, bytes) else a) for a in e.args) or type(e).__name__
    return "".join(ch if ch.isprintable() else " " for ch in text)[:200]
