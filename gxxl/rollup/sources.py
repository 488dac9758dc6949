"""What the user named on the command line → the files to read, one ledger row each."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import gate
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


def collect(inputs: list[str], tmpdir: Path, *, skip: tuple[Path, ...] = (), output: Path | None = None) -> Collected:
    """Expand files and folders (recursively); unpack ``.eml`` attachments into ``tmpdir``.

    ``skip`` are paths that are not submissions (the roster).  ``output`` is this run's
    output: found in a folder and already a gxxl roll-up output (the previous run's), it
    is not a submission and is skipped; anything else there is an input.  Every file
    taken is remembered by the input gate, so the output gate refuses to write over it
    (a unit's submission named as ``-o`` is refused, never overwritten).
    """
    sources: list[Source] = []
    notes: list[str] = []
    other = 0
    seen: set[str] = set()
    counter = [0]
    skip_set = {_key(p.resolve()) for p in skip} | {_key(p) for p in skip}
    skip_names = {p.name for p in skip}
    out_id = _identity(output)
    for raw in inputs:
        p = Path(raw)
        folder = p.is_dir()
        if folder:
            walked = gate.walk(p, FOLDER_EXT)
            other += walked.other
            # attachments that `gxxl collect` saved beside their message: the message supplies them
            files = without_collected_copies(walked.files)
            files, replies = without_feedback_folders(files)
            if replies:
                notes.append(f"{raw}：{replies} 个文件在 gxxl 生成的退回文件夹（{FEEDBACK_LEDGER}）中，不作为报送文件")
            for shown, reason in walked.problems:  # an unreadable folder or a FIFO: a 无法读取 row, never silence
                sources.append(Source(path=shown, display=shown, problem=reason))
            if not files and not walked.problems:
                notes.append(f"{raw}：文件夹中没有工作簿或邮件（.xlsx/.xlsm/.xls/.eml/.msg）")
        elif os.path.lexists(p):
            files = [(str(p), str(p))]
        else:
            raise gate.InputError(f"{raw}：文件不存在", path=raw)
        for q, shown in files:
            rq = _key(q)  # no per-file resolve(): 10,000 files must not cost 10,000 syscalls
            if rq in seen:
                continue
            seen.add(rq)
            if rq in skip_set or (os.path.basename(q) in skip_names and _key(Path(q).resolve()) in skip_set):
                notes.append(f"{shown}：是本次的名单文件，不作为报送文件")
                continue
            if out_id is not None and folder and _identity(q) == out_id and _is_rollup_output(q):
                notes.append(f"{shown}：是上次汇总写出的本输出文件，不作为报送文件")
                continue
            gate.remember(q)
            if q.lower().endswith(MAIL_EXT):
                try:
                    gate.check_file(q)
                except gate.InputError as e:
                    sources.append(Source(path=q, display=shown, problem=e.message[len(q) + 1:]))
                    continue
                sources.extend(_from_email(Path(q), shown, tmpdir, counter))
            else:
                sources.append(Source(path=q, display=shown))
    return Collected(sources, notes, other)


def _identity(p) -> tuple[int, int] | None:
    if p is None:
        return None
    try:
        st = os.stat(p)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _is_rollup_output(path: str) -> bool:
    from ..reader import read_filing

    try:
        return read_filing(path).meta.get("kind") == "aggregate"
    except Exception:
        return False
    finally:
        gate.forget(path)  # reading it here does not make it an input


#: the record `gxxl collect` keeps in its output folder (see gxxl.mail.imap)
COLLECT_RECORD = ".gxxl-collect.json"


def without_collected_copies(files: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the attachment copies `gxxl collect` saved beside their ``.eml`` (listed in its record)."""
    saved: set[str] = set()
    checked: set[str] = set()
    for q, _shown in files:
        d = os.path.dirname(q)
        for folder in (d, os.path.dirname(d)):  # the record sits in the collect folder, messages one below
            if folder not in checked:
                checked.add(folder)
                saved |= collected_attachments(folder)
    if not saved:
        return files
    return [(q, shown) for q, shown in files if _key(q) not in saved]


#: the ledger of a 退回 folder (gxxl/rollup/feedback.py): what is there was written by gxxl
FEEDBACK_LEDGER = "退回记录.json"


def without_feedback_folders(files: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """Drop the files of 退回 folders (annotated copies, replies): gxxl's outputs, not submissions."""
    flagged: dict[str, bool] = {}
    kept = []
    for q, shown in files:
        d = os.path.dirname(q)
        if d not in flagged:
            flagged[d] = os.path.isfile(os.path.join(d, FEEDBACK_LEDGER))
        if not flagged[d]:
            kept.append((q, shown))
    return kept, len(files) - len(kept)


def collected_attachments(folder: str) -> set[str]:
    """Paths (as :func:`_key` gives them) of the attachment files `gxxl collect` saved in ``folder``."""
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
                out.add(_key(os.path.join(folder, *str(a).split("/"))))
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
    failed = [Source(path=path, display=f"{shown} → {name}", origin=origin, time=mail.timestamp,
                     problem=f"附件无法取出（{why}），请联系报送单位重新发送", email=mail)
              for name, why in mail.failed]
    if not mail.attachments and failed:
        return failed
    if not mail.attachments:
        others = "、".join(mail.others[:5]) + ("等" if len(mail.others) > 5 else "")
        what = f"（附件：{others}）" if others else "（邮件没有附件）"
        return [Source(path=path, display=shown, origin=origin, time=mail.timestamp,
                       problem=f"邮件中没有 Excel 工作簿附件{what}，请联系报送单位重新发送统计表", email=mail)]
    out = failed
    for a in mail.attachments:
        remark = ""
        if a.original != a.name:
            remark = f"附件原名「{_printable(a.original)}」含路径或不允许的字符，已改名为「{a.name}」"
        out.append(Source(path=a.path, display=f"{shown} → {a.name}", origin=origin, time=mail.timestamp, remark=remark,
                          email=mail))
    return out


def _printable(s: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in s)[:200]
