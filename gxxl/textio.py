"""Bytes and cells into text: one place for every reader of files (reader, importer, check-text).

- :func:`decode_bytes`: a text or HTML file's bytes → str.  A byte-order mark wins
  (UTF-8, UTF-16); then, for markup, a declared ``charset=``; then UTF-8, GB18030
  (a superset of GBK and GB2312), Big5; never an exception (undecodable bytes become
  U+FFFD only when nothing fits).
- :func:`html_text`: the running text outside tables, as paragraphs,
  and the tables as rows of ``(text, rowspan, colspan)`` (spans limited by
  :data:`MAX_SPAN`).
- :func:`cell_text`: a workbook cell's value as people read it (``12.0`` → 「12」).
- :func:`is_encrypted_ooxml`: an OLE file holding an encrypted Office package (a workbook
  or document with an opening password).

Nothing here imports anything heavy at module level (the reader imports this module on
every CLI start): ``html.parser`` is imported on the first :func:`html_text`, olefile only
when a file starts with the OLE signature.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: the largest rowspan/colspan taken from HTML or Word (larger spans are cut to this)
MAX_SPAN = 60

_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
_FALLBACKS = ("utf-8", "gb18030", "big5")


def decode_bytes(data: bytes, *, html: bool = False) -> str:
    """Decode a text file's bytes (see the module docstring for the order tried)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    encodings = list(_FALLBACKS)
    m = _CHARSET.search(data[:4096]) if html or data[:200].lstrip().startswith(b"<") else None
    if m:
        encodings.insert(0, m.group(1).decode("ascii", "ignore").lower())
    for enc in encodings:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", "replace")


#: one unit of a non-UTF-8 file name's bytes: a UTF-8 character of 3–4 bytes (Chinese
#: written by this or another UTF-8 program), a GBK/GB18030 double byte, one ASCII byte,
#: anything else
_MIXED = re.compile(rb"([\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})|([\x81-\xfe][\x40-\x7e\x80-\xfe])|(.)",
                    re.DOTALL)


def unsurrogate(s: str) -> str:
    """Text that can be written as UTF-8.

    A file name that is not UTF-8 on disk (an old system's GBK name) reaches Python with
    its bytes as lone surrogates; in a message it sits beside ordinary Chinese text.  Its
    bytes are read back piece by piece: UTF-8 characters as UTF-8, double bytes as GB18030,
    anything undecodable as 「�」.  Text without surrogates is returned unchanged."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        pass
    raw = _escaped_bytes(s)
    out = []
    for m in _MIXED.finditer(raw):
        wide, double, one = m.groups()
        if wide:
            out.append(wide.decode("utf-8", "replace"))
        elif double:
            out.append(double.decode("gb18030", "replace"))
        else:
            out.append(one.decode("utf-8", "replace"))
    return "".join(out)


def _escaped_bytes(s: str) -> bytes:
    """``s`` as bytes: ordinary characters as UTF-8, escaped bytes (U+DC80–U+DCFF) as
    themselves, any other lone surrogate as 「?」."""
    return b"".join(
        bytes([ord(c) - 0xDC00]) if 0xDC80 <= ord(c) <= 0xDCFF
        else b"?" if 0xD800 <= ord(c) <= 0xDFFF else c.encode("utf-8")
        for c in s
    )


def cell_text(v: object) -> str:
    """A cell value as people read it: whole floats without 「.0」, text stripped, None → 「」."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def is_encrypted_ooxml(path: str | Path | bytes) -> bool:
    """True for an OLE compound file holding an encrypted Office package (a path, or the
    file's bytes)."""
    try:
        if isinstance(path, bytes):
            if path[:8] != OLE_MAGIC:
                return False
        else:
            with open(path, "rb") as fh:
                if fh.read(8) != OLE_MAGIC:
                    return False
        import olefile

        with olefile.OleFileIO(path if isinstance(path, bytes) else str(path)) as ole:
            return ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")
    except Exception:  # unreadable, damaged, or olefile missing: not known to be encrypted
        return False


def span(v: object) -> int:
    """A rowspan/colspan attribute: 1 when missing or not a number, at most :data:`MAX_SPAN`."""
    try:
        n = int(str(v).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(n, 1), MAX_SPAN)


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------
Row = list[tuple[str, int, int]]


@cache
def _html_text_class():
    """The parser class, made on first use (``html.parser`` costs start-up time)."""
    from html.parser import HTMLParser

    class HtmlText(HTMLParser):
        """Paragraphs of running text outside tables, and the tables (nested ones too).

        ``keep_line_breaks``: a line break in the page source also ends a paragraph (the
        importer looks for cover fields line by line); otherwise white space inside a block
        is one space (check-text numbers paragraphs as a reader sees them).
        """

        BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr",
                 "blockquote", "pre", "dd", "dt", "caption", "center"}
        #: not running text: an inline chart (<svg>: its title, description and axis labels
        #: repeat the tables' numbers and would read as one garbled sentence)
        SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "math"}

        def __init__(self, *, keep_line_breaks: bool = False):
            super().__init__(convert_charrefs=True)
            self.keep_line_breaks = keep_line_breaks
            self.paragraphs: list[str] = []
            self.tables: list[list[Row]] = []  # in the order their end tags are seen
            self._stack: list[list[Row]] = []
            self._cell: list[str] | None = None
            self._cell_span = (1, 1)
            self._cell_stack: list[tuple[list[str] | None, tuple[int, int]]] = []
            self._buf: list[str] = []
            self._skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in self.SKIP:
                self._skip += 1
            elif tag == "table":
                self._flush()
                self._cell_stack.append((self._cell, self._cell_span))
                self._cell = None
                self._stack.append([])
            elif tag == "tr" and self._stack:
                self._stack[-1].append([])
            elif tag in ("td", "th") and self._stack:
                a = dict(attrs)
                if not self._stack[-1]:
                    self._stack[-1].append([])
                self._cell = []
                self._cell_span = (span(a.get("rowspan")), span(a.get("colspan")))
            elif tag in self.BLOCK:
                if self._cell is not None:
                    self._cell.append("\n")
                else:
                    self._flush()

        def handle_endtag(self, tag):
            if tag in self.SKIP:
                self._skip = max(0, self._skip - 1)
            elif tag in ("td", "th") and self._stack and self._cell is not None:
                self._stack[-1][-1].append(("".join(self._cell), *self._cell_span))
                self._cell = None
            elif tag == "table" and self._stack:
                self.tables.append(self._stack.pop())
                self._cell, self._cell_span = self._cell_stack.pop() if self._cell_stack else (None, (1, 1))
            elif tag in self.BLOCK and self._cell is None and not self._stack:
                self._flush()

        def handle_data(self, data):
            if self._skip:
                return
            if self._cell is not None:
                self._cell.append(data)
            elif not self._stack:
                self._buf.append(data)

        def _flush(self):
            text = "".join(self._buf)
            self._buf = []
            if self.keep_line_breaks:
                text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)
                self.paragraphs.extend(line.strip() for line in text.split("\n") if line.strip())
            elif text:
                self.paragraphs.append(re.sub(r"[ \t\r\n]+", " ", text))

        def close(self):
            super().close()
            self._flush()

    return HtmlText


def html_text(text: str, *, keep_line_breaks: bool = False):
    """Parse an HTML page; the result has ``paragraphs`` (running text outside tables) and
    ``tables`` (rows of ``(text, rowspan, colspan)``).

    ``keep_line_breaks``: a line break in the page source also ends a paragraph (the
    importer looks for cover fields line by line); otherwise white space inside a block is
    one space (check-text numbers paragraphs as a reader sees them).
    """
    p = _html_text_class()(keep_line_breaks=keep_line_breaks)
    p.feed(text)
    p.close()
    return p
