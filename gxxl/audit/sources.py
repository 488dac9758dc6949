"""What ``gxxl audit`` is given → the pages to audit.

Sources are saved pages (files, folders searched recursively), text files listing URLs
(one a line, 「#」 starts a comment) and URLs.  A URL is fetched over HTTP(S) with a timeout,
a size limit and a polite delay between requests, and saved in a folder beside the output
(with ``网址对照.tsv``: saved file → URL), so that the same review can be repeated offline
with ``gxxl audit 那个文件夹 -o …``.  A fetch that fails is an item with its reason (an A-0
row of the result), never a stop.
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..fileio import atomic_write_bytes

PAGE_EXT = (".html", ".htm", ".shtml", ".xhtml", ".mhtml", ".mht", ".docx", ".txt", ".text", ".md", ".pdf")
#: in a folder, Markdown files are notes (README.md), not pages; name one to audit it
FOLDER_SKIP_EXT = (".md",)
MAX_PAGE_BYTES = 20 * 1024 * 1024
MAX_URL_LIST_BYTES = 5 * 1024 * 1024
URL_INDEX = "网址对照.tsv"
USER_AGENT = "gxxl-audit/0.1 (government information disclosure annual report review)"
_URL = re.compile(r"^https?://[^\s]+$", re.I)
_ANY_URL = re.compile(r"^[a-z][a-z0-9+.-]{1,15}://\S*$", re.I)


@dataclass
class Item:
    """One page to audit: a local file, or a URL (``path`` is its saved copy once fetched)."""

    source: str
    path: Path | None = None
    error: str = ""
    is_url: bool = False


def is_url(text: str) -> bool:
    return bool(_URL.match(text.strip()))


def url_list(path: Path) -> list[str] | None:
    """The URLs of a text file that lists only URLs (comments and blank lines allowed), else None."""
    if path.suffix.lower() not in (".txt", ".text", ".list", ".urls") or path.stat().st_size > MAX_URL_LIST_BYTES:
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (UnicodeDecodeError, OSError):
        return None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    # any scheme counts (ftp:, file: …): such a line is refused per address when fetched
    # («只支持 http/https 网址»), instead of the whole list being audited as a 「page」
    if lines and all(_ANY_URL.match(ln) for ln in lines) and any(is_url(ln) for ln in lines):
        return lines
    return None


def collect(inputs: list[str], *, skip: tuple[Path, ...] = ()) -> list[Item]:
    """Every page named by ``inputs``, in order, each once; folders recursively."""
    items: list[Item] = []
    seen: set[str] = set()
    skip_r = {p.resolve() for p in skip}

    def add_file(p: Path) -> None:
        r = str(p.resolve())
        if r in seen or p.resolve() in skip_r or any(s in p.resolve().parents for s in skip_r if s.is_dir()):
            return
        seen.add(r)
        urls = url_list(p)
        if urls is not None:
            for u in urls:
                if u not in seen:
                    seen.add(u)
                    items.append(Item(source=u, is_url=True))
            return
        if p.stat().st_size > MAX_PAGE_BYTES:
            items.append(Item(source=str(p), path=p, error=f"{p}：文件过大（超过 {MAX_PAGE_BYTES // 1024 // 1024} MB），不像是一份年报页面，已跳过"))
            return
        items.append(Item(source=str(p), path=p))

    for raw in inputs:
        if is_url(raw):
            if raw not in seen:
                seen.add(raw)
                items.append(Item(source=raw.strip(), is_url=True))
            continue
        p = Path(raw)
        if not p.exists():
            raise UserError(f"{raw}：文件或文件夹不存在")
        if p.is_dir():
            from .. import gate

            exts = tuple(e for e in PAGE_EXT if e not in FOLDER_SKIP_EXT)
            walked = gate.walk(p, exts)  # no FIFO opened, unreadable folders named, never skipped silently
            for full, _shown in walked.files:
                add_file(Path(full))
            for shown, reason in walked.problems:
                items.append(Item(source=shown, path=None, error=f"{shown}：{reason}"))
        elif p.is_file():
            add_file(p)
        else:
            raise UserError(f"{raw}：不是普通文件，已跳过")
    return items


# ------------------------------------------------------------------------------------------
_EXT_BY_TYPE = {
    "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt", "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "message/rfc822": ".mhtml", "multipart/related": ".mhtml",
}


def saved_name(index: int, url: str, content_type: str = "") -> str:
    u = urllib.parse.urlsplit(url)
    host = re.sub(r"[^A-Za-z0-9.-]", "_", u.hostname or "page")[:40]
    ext = _EXT_BY_TYPE.get(content_type.split(";")[0].strip().lower(), "")
    if not ext:
        suffix = Path(u.path).suffix.lower()
        ext = suffix if suffix in PAGE_EXT else ".html"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:8]
    return f"{index + 1:04d}_{host}_{digest}{ext}"


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http/https addresses (never ftp:, file: …)."""

    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.HTTPError(newurl, code, "重定向到了非 http/https 地址", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


#: redirects stay on http/https
_OPENER = urllib.request.build_opener(_HttpOnlyRedirects())


def _reason_zh(reason: object) -> str:
    """A connection failure in Chinese where it is a common one, else as the system says it."""
    import errno
    import socket

    if isinstance(reason, socket.gaierror):
        return "找不到该网站（域名无法解析）"
    if isinstance(reason, OSError):
        zh = {errno.ECONNREFUSED: "连接被拒绝", errno.ECONNRESET: "连接被对方重置",
              errno.EHOSTUNREACH: "网络不通", errno.ENETUNREACH: "网络不通"}.get(reason.errno or 0)
        if zh:
            return zh
    return str(reason)


def fetch(item: Item, index: int, folder: Path, *, timeout: float, max_bytes: int) -> None:
    """Download ``item.source`` into ``folder``; on failure set ``item.error`` (never raises)."""
    url = item.source
    try:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:  # 「http://[::1」, 「http://host:port」 …
        item.error = f"{url}：网址格式不对，无法下载"
        return
    if scheme not in ("http", "https"):
        item.error = f"{url}：只支持 http/https 网址"
        return
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*"})
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                item.error = f"{url}：页面过大（{int(length) // 1024} KB，上限 {max_bytes // 1024} KB），未下载"
                return
            chunks, size = [], 0
            while True:
                block = resp.read(65536)
                if not block:
                    break
                size += len(block)
                if size > max_bytes:
                    item.error = f"{url}：页面过大（超过 {max_bytes // 1024} KB），未下载"
                    return
                chunks.append(block)
            ctype = resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        item.error = f"{url}：下载失败（HTTP {e.code}{' ' + e.reason if isinstance(e.reason, str) else ''}）"
        return
    except urllib.error.URLError as e:
        reason = e.reason
        text = "连接超时" if isinstance(reason, TimeoutError) or "timed out" in str(reason) else f"无法连接（{_reason_zh(reason)}）"
        item.error = f"{url}：下载失败，{text}"
        return
    except TimeoutError:
        item.error = f"{url}：下载失败，{timeout:g} 秒内没有响应"
        return
    except (OSError, ValueError) as e:
        item.error = f"{url}：下载失败（{e}）"
        return
    data = b"".join(chunks)
    if not data:
        item.error = f"{url}：页面是空的"
        return
    path = folder / saved_name(index, url, ctype)
    atomic_write_bytes(path, data)
    item.path = path


def fetch_all(items: list[Item], folder: Path, *, timeout: float, max_bytes: int, delay: float,
              progress=None) -> None:
    """Fetch every URL item in turn, ``delay`` seconds apart; write the 网址对照.tsv index."""
    urls = [(i, it) for i, it in enumerate(items) if it.is_url]
    if not urls:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for k, (i, it) in enumerate(urls):
        if k and delay > 0:
            time.sleep(delay)
        fetch(it, i, folder, timeout=timeout, max_bytes=max_bytes)
        if progress:
            progress("fetch", k + 1, len(urls))
    lines = ["文件\t网址\t结果"]
    for _, it in urls:
        lines.append(f"{it.path.name if it.path else ''}\t{it.source}\t{it.error or '已下载'}")
    atomic_write_bytes(folder / URL_INDEX, ("\n".join(lines) + "\n").encode("utf-8"))


def known_urls(items: list[Item]) -> None:
    """A saved page audited again offline shows the URL it was fetched from (网址对照.tsv)."""
    indexes: dict[Path, dict[str, str]] = {}
    for it in items:
        if it.is_url or it.path is None:
            continue
        idx = it.path.parent / URL_INDEX
        if idx not in indexes:
            table = {}
            if idx.is_file():
                for ln in idx.read_text("utf-8", errors="replace").splitlines()[1:]:
                    parts = ln.split("\t")
                    if len(parts) >= 2 and parts[0]:
                        table[parts[0]] = parts[1]
            indexes[idx] = table
        url = indexes[idx].get(it.path.name)
        if url:
            it.source = url


MHTML_EXT = (".mhtml", ".mht")


def mhtml_html(data: bytes) -> bytes | None:
    """The page of a saved web archive (.mhtml, as browsers save it): its first text/html part,
    decoded (quoted-printable, base64); None when there is none."""
    import email
    from email import policy

    if not re.match(rb"\s*(From:|MIME-Version:|Content-Type:|Subject:|Snapshot-Content-Location:)", data[:2000], re.I):
        return None
    try:
        msg = email.message_from_bytes(data, policy=policy.default)
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                body = part.get_payload(decode=True) or b""
                cs = part.get_content_charset()
                if cs:  # declared in the archive: re-encode so the page decodes the same way
                    try:
                        return body.decode(cs).encode("utf-8")
                    except (LookupError, UnicodeDecodeError):
                        pass
                return body  # the page's own <meta charset> (or the importer's guess) decides
    except Exception:  # a damaged archive is read as it is
        return None
    return None
