"""Reading a drafted or published report: .docx, .txt/.md, .html → numbered paragraphs.

Only the running text is returned.  Tables are left out (Word tables, HTML ``<table>``,
and in plain text the lines that are table rows, e.g. seed 004's 「规章 | 0 | 0 | 0 |」):
the tables are checked by ``gxxl validate`` on the workbook.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..textio import decode_bytes, html_text
from ..errors import InputError

TEXT_EXT = (".txt", ".md", ".markdown", ".text")
HTML_EXT = (".html", ".htm", ".xhtml", ".shtml")
DOCX_EXT = (".docx", ".docm")
SUPPORTED = DOCX_EXT + TEXT_EXT + HTML_EXT


class DraftError(InputError):
    """The draft cannot be read (message in Chinese, for the user; exit 2)."""


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based, counting non-empty paragraphs of running text
    text: str


def read_draft(path: str | Path) -> list[Paragraph]:
    path = Path(path)
    if not path.exists():
        raise DraftError(f"{path}：文件不存在")
    if path.is_dir():
        raise DraftError(f"{path}：这是一个文件夹，请指定报告文件（.docx、.txt 或 .html）")
    ext = path.suffix.lower()
    kind = _sniff(path)  # by content, not by name: a .docx renamed .txt is still a Word file
    if kind == "docx":
        ext = ".docx"
    elif kind == "pdf":
        ext = ".pdf"
    elif kind == "ole":
        raise DraftError(f"{path.name}：这是旧版 Word/WPS 文件（.doc/.wps），请另存为 .docx 或 .txt 后再核对")
    elif kind == "zip":
        raise DraftError(f"{path.name}：这是一个压缩包或其他 Office 文件，不是报告正文；请提供 .docx、.txt、.html 或 .pdf")
    elif kind == "binary":
        raise DraftError(f"{path.name}：不是文本文件（内容是二进制数据），请提供 .docx、.txt、.html 或 .pdf")
    elif kind == "html" and ext not in HTML_EXT:
        ext = ".html"
    if ext == ".pdf":
        from ..importer.pdf import pdf_lines

        texts = pdf_lines(path)
    elif ext in (".doc", ".wps", ".rtf", ".odt"):
        raise DraftError(f"{path.name}：暂不支持 {ext} 文件，请在 Word/WPS 中另存为 .docx 或 .txt 后再核对")
    elif ext in DOCX_EXT:
        texts = _docx(path)
    elif ext in HTML_EXT:
        texts = html_text(decode_bytes(path.read_bytes(), html=True)).paragraphs
    elif ext in TEXT_EXT or not ext:
        texts = _plain(decode_bytes(path.read_bytes()))
    else:
        if path.stat().st_size == 0:
            raise DraftError(f"{path.name}：文件为空（0 字节），没有可核对的文字")
        raise DraftError(f"{path.name}：无法识别的文件类型 {ext}，请使用 .docx、.txt、.html 或 .pdf")
    out = []
    for t in texts:
        t = t.strip().strip("\u3000")
        if t:
            out.append(Paragraph(len(out) + 1, t))
    if not out:
        raise DraftError(f"{path.name}：没有读到正文文字（空文件，或正文在图片、文本框中）")
    return out


def _sniff(path: Path) -> str:
    """What the file holds: "docx", "pdf", "ole", "zip", "html", "binary" or "text"."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                return "docx" if "word/document.xml" in z.namelist() else "zip"
        except (zipfile.BadZipFile, OSError):
            return "binary"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    if re.search(rb"<\s*(html|body|table|p|div)\b", head[:2000], re.I):
        return "html"
    return "text"


_TABLE_ROW = re.compile(r"\|.*\|")


def _plain(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        if line.count("|") >= 2 and _TABLE_ROW.search(line):
            continue  # a table row of a text export
        if re.fullmatch(r"[\s\d.,，%|+-]*", line) and re.search(r"\d", line):
            continue  # a row of bare numbers (a table's data row)
        out.append(re.sub(r"<[^>]+>", "", line))  # Markdown drafts may carry <mark> etc.
    return out


def _docx(path: Path) -> list[str]:
    try:
        from docx import Document

        doc = Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DraftError(f"{path.name}：无法作为 Word 文档（.docx）打开，文件可能已损坏") from e
    except Exception as e:  # python-docx raises several types for foreign or damaged files
        raise DraftError(f"{path.name}：无法作为 Word 文档（.docx）打开，请在 Word/WPS 中另存为 .docx 后重试") from e
    # body paragraphs in document order; tables are skipped
    return [p.text for p in doc.paragraphs]
