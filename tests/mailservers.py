"""Real mail servers for the mail tests, on 127.0.0.1 only.

- :class:`Dovecot`: the Debian ``dovecot-imapd`` binary with a throwaway configuration
  (a passwd-file user, a Maildir in a temporary folder, a self-signed certificate, free
  ports for imap and imaps).  As root the login processes run as ``dovenull`` and the
  mail as ``mail`` (Dovecot refuses root for both); as another user everything runs as
  that user.
- :class:`Smtp`: aiosmtpd with AUTH, one implicit-TLS (smtps) and one STARTTLS listener,
  storing every message it accepts.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from conftest import need

USER = "clerk@example.gov.cn"
PASSWORD = "S3cret-pw!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM), made with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def find_dovecot() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)


def need_dovecot() -> str:
    path = find_dovecot()
    need(path is not None, "dovecot（dovecot-imapd）")
    return path


class Dovecot:
    def __init__(self, binary: str):
        self.binary = binary
        # not under pytest's tmp_path (0700): the unprivileged login processes must reach base_dir
        self.root = Path(tempfile.mkdtemp(prefix="gxxl-dovecot-"))
        os.chmod(self.root, 0o755)
        self.cert, self.key = self_signed(self.root)
        self.imap_port, self.imaps_port = free_port(), free_port()
        if os.geteuid() == 0:
            mail = pwd.getpwnam("mail")
            self.uid, self.gid = mail.pw_uid, mail.pw_gid
            users = ""
        else:
            me = pwd.getpwuid(os.geteuid())
            self.uid, self.gid = me.pw_uid, me.pw_gid
            users = f"default_internal_user = {me.pw_name}\ndefault_login_user = {me.pw_name}\n"
        self.home = self.root / "home"
        self.maildir = self.home / USER / "Maildir"
        for d in ("cur", "new", "tmp"):
            (self.maildir / d).mkdir(parents=True)
        self._chown(self.home)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        self.log = self.root / "dovecot.log"
        self.conf = self.root / "dovecot.conf"
        self.conf.write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={self.home}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
""", encoding="utf-8")
        self.proc = subprocess.Popen([binary, "-F", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while True:
            try:
                with self.client() as m:
                    m.noop()
                break
            except (OSError, imaplib.IMAP4.error):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.poll() is not None else ""
                    log = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
                    self.stop()
                    raise RuntimeError(f"dovecot did not start: {err}\n{log}")
                time.sleep(0.1)

    def _chown(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        for p in [path, *path.rglob("*")]:
            os.chown(p, self.uid, self.gid)

    def url(self, scheme: str = "imaps", mailbox: str = "INBOX") -> str:
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return f"{scheme}://{USER}@127.0.0.1:{port}/{mailbox}"

    def client(self) -> imaplib.IMAP4:
        m = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=30)
        m.login(USER, PASSWORD)
        return m

    def append(self, raw: bytes, *, flags: str | None = None, mailbox: str = "INBOX") -> None:
        with self.client() as m:
            typ, data = m.append(mailbox, flags, None, raw)
            assert typ == "OK", data

    def write_maildir(self, messages) -> int:
        """Put messages straight into the Maildir (fast, for thousands); Dovecot indexes them."""
        n = 0
        new = self.maildir / "new"
        stamp = int(time.time())
        for raw in messages:
            n += 1
            path = new / f"{stamp}.M{n}P{os.getpid()}.gxxltest"
            path.write_bytes(raw)
            if os.geteuid() == 0:
                os.chown(path, self.uid, self.gid)
        return n

    def state(self, mailbox: str = "INBOX") -> dict[int, tuple[str, int]]:
        """UID → (flags, size) of every message, read without changing anything."""
        with self.client() as m:
            m.select(mailbox, readonly=True)
            typ, data = m.uid("FETCH", "1:*", "(UID FLAGS RFC822.SIZE)")
            out = {}
            import re

            for line in data:
                if isinstance(line, tuple):
                    line = line[0]
                if not line:
                    continue
                u = re.search(rb"UID (\d+)", line)
                f = re.search(rb"FLAGS \(([^)]*)\)", line)
                s = re.search(rb"RFC822\.SIZE (\d+)", line)
                if u:
                    out[int(u.group(1))] = (f.group(1).decode() if f else "", int(s.group(1)) if s else 0)
            return out

    def bodies(self, mailbox: str = "INBOX") -> dict[int, bytes]:
        with self.client() as m:
            m.select(mailbox, readonly=True)
            typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
            import re

            return {int(re.search(rb"UID (\d+)", d[0]).group(1)): d[1] for d in data if isinstance(d, tuple)}

    def clear(self, mailbox: str = "INBOX") -> None:
        with self.client() as m:
            typ, data = m.select(mailbox)
            if int(data[0] or 0):
                m.store("1:*", "+FLAGS", "(\\Deleted)")
                m.expunge()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


class Smtp:
    """aiosmtpd on 127.0.0.1: smtps (implicit TLS) and smtp with STARTTLS, both with AUTH."""

    def __init__(self, cert: Path, key: Path, user: str = USER, password: str = PASSWORD):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[str] = []
        store = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                store.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                       or envelope.content))
                return "250 OK stored"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (getattr(auth_data, "login", b"") == user.encode()
                  and getattr(auth_data, "password", b"") == password.encode())
            if ok:
                store.logins.append(user)
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(cert), str(key))
        self.smtps_port, self.smtp_port = free_port(), free_port()
        common = dict(authenticator=authenticator, auth_required=True, data_size_limit=64 << 20)
        # implicit TLS: aiosmtpd only knows about STARTTLS, so "AUTH only over TLS" is off here
        self.smtps = Controller(Handler(), hostname="127.0.0.1", port=self.smtps_port, ssl_context=ctx,
                                server_hostname="127.0.0.1", auth_require_tls=False, **common)
        self.starttls = Controller(Handler(), hostname="127.0.0.1", port=self.smtp_port, tls_context=ctx,
                                   require_starttls=True, auth_require_tls=True, **common)
        self.smtps.start()
        self.starttls.start()

    def url(self, scheme: str = "smtps") -> str:
        port = self.smtps_port if scheme == "smtps" else self.smtp_port
        return f"{scheme}://{USER}@127.0.0.1:{port}"

    def stop(self) -> None:
        self.smtps.stop()
        self.starttls.stop()


# --------------------------------------------------------------------------------------
# messages built like the ones clerks send
# --------------------------------------------------------------------------------------
import base64 as _b64  # noqa: E402
from email.message import EmailMessage  # noqa: E402
from email.utils import format_datetime, make_msgid  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
OFFICE = "县政务公开办 <gkb@example.gov.cn>"


def utf8_mail(sender: str, subject: str, attachments: list[tuple[str, bytes]], *, body: str = "请查收本单位年报统计表。",
              date: dt.datetime | None = None, to: str = OFFICE) -> bytes:
    """As Outlook / modern webmail: UTF-8 body, RFC 2047 subject, RFC 2231 attachment names."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or dt.datetime(2025, 1, 21, 9, 30, tzinfo=TZ))
    msg["Message-ID"] = make_msgid(domain="example.gov.cn")
    msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=name)
    return msg.as_bytes()


def _b(text: str, charset: str = "GBK") -> str:
    return f"=?{charset}?B?" + _b64.b64encode(text.encode(charset.lower())).decode() + "?="


def gbk_mail(sender_name: str, addr: str, subject: str, name: str, data: bytes, *, raw_name: bool = False,
             date: str = "Wed, 22 Jan 2025 16:05:00 +0800", body: str = "附件是我单位的年报统计表，请审核。") -> bytes:
    """As Foxmail / 163 / older clients: GBK body, RFC 2047 GBK words, the attachment name as an
    RFC 2047 word inside quotes, or (``raw_name``) as raw GBK bytes in the header."""
    if raw_name:
        disp = b'attachment; filename="' + name.encode("gbk") + b'"'
        ctype = b'application/vnd.ms-excel; name="' + name.encode("gbk") + b'"'
    else:
        disp = f'attachment; filename="{_b(name)}"'.encode()
        ctype = f'application/vnd.ms-excel; name="{_b(name)}"'.encode()
    head = (f"From: {_b(sender_name)} <{addr}>\r\nTo: gkb@example.gov.cn\r\nSubject: {_b(subject)}\r\n"
            f"Date: {date}\r\nMessage-ID: {make_msgid(domain='foxmail.example')}\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="=====gxxl====="\r\n\r\n').encode()
    text = _b64.encodebytes(body.encode("gbk"))
    parts = (b"--=====gxxl=====\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n"
             + text + b"--=====gxxl=====\r\nContent-Type: " + ctype + b"\r\nContent-Disposition: " + disp
             + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + _b64.encodebytes(data) + b"--=====gxxl=====--\r\n")
    return head + parts


def forwarded(sender: str, inner: bytes, *, subject: str = "转发：年报统计表") -> bytes:
    """A message forwarded as an attachment (message/rfc822), the workbook inside it."""
    from email import policy
    from email.parser import BytesParser

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OFFICE
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime(2025, 1, 23, 10, 0, tzinfo=TZ))
    msg["Message-ID"] = make_msgid(domain="example.gov.cn")
    msg.set_content("转发下级单位的报表。")
    msg.add_attachment(BytesParser(policy=policy.default).parsebytes(inner))
    return msg.as_bytes()
