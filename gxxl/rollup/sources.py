"""What the user named on the command line → the files to read, one ledger row each."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import eml

#: what is taken from folders; a file named explicitly is always read (the reader says what is wrong)
FOLDER_EXT = (".xlsx", ".xlsm", ".xls", ".et", ".eml", ".msg")
MAIL_EXT = (".eml", ".msg")


@dataclass
class Source:
    #: the file to read (an extracted attachment lives in a private temporary folder)
    path: str | Path
    #: what the ledger shows: the path as the user knows it, 「邮件.eml → 附件名」 for attachments
    display: str
    #: 来源 column: sender and date for emailed workbooks, empty otherwise
    origin: str = ""
    #: the file time used to order two submissions of one unit (email Date for attachments)
    time: float | None = None
    #: set when there is nothing to read (an email without workbook attachments): a 无法读取 row
    problem: str = ""
    #: a remark for the ledger's 说明 (e.g. an attachment name that had to be cleaned)
    remark: str = ""
    #: the message a workbook came in (sender, Message-ID: where a 退回 reply goes)
    email: "eml.Email | None" = None


@dataclass
class Collected:
    sources: list[Source]
    #: messages for the user (names that do not exist, skipped files)
    notes: list[str]
    #: files in folders that are not workbooks or emails (Word reports and the like)
    other_files: int = 0


def collect(inputs: list[str], tmpdir: Path, *, skip: tuple[Path, ...] = ()) -> Collected:
    """Expand files and folders (recursively); unpack ``.eml`` attachments into ``tmpdir``.

    ``skip`` are resolved paths that are not submissions (the output itself, the roster).
    """
    sources: list[Source] = []
    notes: list[str] = []
    other = 0
    seen: set[str] = set()
    counter = [0]
    skip_set = {_key(p.resolve()) for p in skip} | {_key(p) for p in skip}
    skip_names = {p.name for p in skip}
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            # plain strings, not pathlib: a folder may hold 10,000 files
            base = str(p)
            shown_root = p.name or str(p)
            files = []
            # attachments that `gxxl collect` saved beside their message: the message supplies them
            saved: set[str] = set()
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                if COLLECT_RECORD in filenames:
                    saved |= collected_attachments(dirpath)
                rel = dirpath[len(base):].lstrip(os.sep)
                prefix = os.path.join(shown_root, rel) if rel else shown_root
                for fn in sorted(filenames):
                    if fn.startswith(("~$", ".")):
                        continue
                    if saved and os.path.join(dirpath, fn) in saved:
                        continue
                    if fn.lower().endswith(FOLDER_EXT):
                        files.append((os.path.join(dirpath, fn), os.path.join(prefix, fn)))
                    else:
                        other += 1
            if not files:
                notes.append(f"{raw}：文件夹中没有工作簿或邮件（.xlsx/.xlsm/.xls/.eml/.msg）")
        elif p.exists():
            files = [(str(p), str(p))]
        else:
            notes.append(f"{raw}：文件不存在")
            continue
        for q, shown in files:
            rq = _key(q)  # no per-file resolve(): 10,000 files must not cost 10,000 syscalls
            if rq in seen:
                continue
            seen.add(rq)
            if rq in skip_set or (os.path.basename(q) in skip_names and _key(Path(q).resolve()) in skip_set):
                notes.append(f"{shown}：是本次的输出文件或名单文件，不作为报送文件")
                continue
            if q.lower().endswith(MAIL_EXT):
                sources.extend(_from_email(Path(q), shown, tmpdir, counter))
            else:
                sources.append(Source(path=q, display=shown))
    return Collected(sources, notes, other)


#: the record `gxxl collect` keeps in its output folder (see gxxl.mail.imap)
COLLECT_RECORD = ".gxxl-collect.json"


def collected_attachments(folder: str) -> set[str]:
    """Paths of the attachment files `gxxl collect` saved in ``folder`` beside their ``.eml``."""
    import json

    record = os.path.join(folder, COLLECT_RECORD)
    if not os.path.isfile(record):
        return set()
    try:
        with open(record, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > 256 << 20:
                return set()
            data = json.loads(fh.read().decode("utf-8"))
        out = set()
        for m in data.get("messages", []):
            for a in m.get("attachments", []):
                out.add(os.path.join(folder, *str(a).split("/")))
        return out
    except (OSError, ValueError, AttributeError, TypeError):
        return set()


def _key(p: str | Path) -> str:
    return os.path.normcase(os.path.abspath(p))


def _from_email(path: Path, shown: str, tmpdir: Path, counter: list[int]) -> list[Source]:
    mail = eml.extract(path, tmpdir, counter)
    origin = mail.origin()
    if mail.problem:
        return [Source(path=path, display=shown, origin=origin, problem=mail.problem, email=mail)]
    if not mail.attachments:
        others = "、".join(mail.others[:5]) + ("等" if len(mail.others) > 5 else "")
        what = f"（附件：{others}）" if others else "（邮件没有附件）"
        return [Source(path=path, display=shown, origin=origin, time=mail.timestamp,
                       problem=f"邮件中没有 Excel 工作簿附件{what}，请联系报送单位重新发送统计表", email=mail)]
    out = []
    for a in mail.attachments:
        remark = ""
        if a.original != a.name:
            remark = f"附件原名「{_printable(a.original)}」含路径或不允许的字符，已改名为「{a.name}」"
        out.append(Source(path=a.path, display=f"{shown} → {a.name}", origin=origin, time=mail.timestamp, remark=remark,
                          email=mail))
    return out


def _printable(s: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in s)[:200]
