"""The 退回 package: for each unit whose latest submission was not accepted, or was summed
with warnings that need a 说明, an annotated copy of its own workbook and a reply message.

``gxxl rollup … --feedback 退回/`` calls :func:`write_package` while the submissions are
still at hand.  The folder holds, per reply, ``R0003 退回 示例县教育局.eml`` (To: the
sender of the original message, In-Reply-To/References: its Message-ID, the annotated
copy attached) and ``R0003 示例县教育局 校验标注.xlsx``, plus the ledger
``退回记录.json`` that ``gxxl send`` reads and updates (sent time, server reply) and that
the next roll-up reads to show each unit's rounds (:mod:`.rounds`).

A submission is answered once: a reply for the same workbook (SHA-256) or the same
message already in the ledger is not written again when the roll-up is re-run.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OutputError, UserError
from ..fileio import atomic_write_bytes
from ..findings import SEVERITY_ZH, Finding, fmt_num
from . import policy as P
from .sources import FEEDBACK_LEDGER as LEDGER  # the ledger's name, one definition

RETURN = "退回"
CHECK = "请核实"
#: statuses of a latest submission that is sent back
RETURNED_STATUSES = (P.INVALID, P.WRONG_YEAR, P.WRONG_FORMAT, P.UNREADABLE, P.OFF_ROSTER)
#: problems listed in the body (the annotated copy has them all)
MAX_LISTED = 30


@dataclass
class FeedbackResult:
    folder: Path
    written: list[dict] = field(default_factory=list)
    #: submissions answered in an earlier run (not written again)
    already: int = 0
    #: units to answer that did not come by mail (annotated copy only, no reply message)
    no_address: list[str] = field(default_factory=list)
    replies: list[dict] = field(default_factory=list)


def read_ledger(folder: Path) -> dict:
    path = Path(folder) / LEDGER
    if not path.exists():
        return {"version": 1, "replies": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("replies"), list):
            raise ValueError
    except (OSError, ValueError, UnicodeDecodeError):
        raise UserError(f"{path}：退回记录已损坏，无法判断哪些单位已退回、哪些邮件已发送；请检查或换一个文件夹") from None
    return data


def write_ledger(folder: Path, ledger: dict) -> None:
    atomic_write_bytes(Path(folder) / LEDGER, json.dumps(ledger, ensure_ascii=False, indent=1).encode("utf-8"))


def check_folder(folder: Path, inputs: list[str]) -> None:
    """The 退回 folder must not be (inside) an input folder: replies would be read as submissions."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}：已存在同名文件，--feedback 应为一个文件夹", path=folder)
    f = folder.resolve()
    for raw in inputs:
        p = Path(raw).resolve()
        if p == f or (p.is_dir() and p in f.parents) or (f in p.parents):
            raise UserError(f"--feedback {folder}：退回文件夹不能与报送文件夹（{raw}）相同或互相包含，"
                            "否则退回邮件会被当作报送文件；请另选一个文件夹，如 退回/")


def to_answer(decision: P.Decision) -> list[tuple[P.Entry, str]]:
    """(entry, kind) for the latest submissions that need a reply."""
    out = []
    for e in decision.entries:
        if e.source.email is not None and e.source.email.is_feedback:
            continue  # our own reply given as input: never answered
        if e.status in RETURNED_STATUSES:
            out.append((e, RETURN))
        elif e.status == P.INCLUDED and e.scan is not None and e.scan.warnings and not e.is_aggregate:
            out.append((e, CHECK))
    return out


def answered(ledger: dict, e: P.Entry) -> dict | None:
    """The ledger's reply to this very submission, if any."""
    sha = e.scan.sha256 if e.scan is not None else ""
    mid = e.source.email.message_id if e.source.email is not None else ""
    for r in ledger["replies"]:
        if sha and r.get("source_sha256") == sha:
            return r
        if not sha and mid and r.get("source_message_id") == mid and r.get("source_name") == _source_name(e):
            return r
    return None


def write_package(decision: P.Decision, folder: Path, *, year: int, office: str, sender: str = "",
                  now: _dt.datetime | None = None) -> FeedbackResult:
    from ..mail.message import build_reply, subject_for, valid_address
    from ..mail.imap import _unique_name  # one de-duplication of names
    from .eml import safe_name

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ledger = read_ledger(folder)
    result = FeedbackResult(folder=folder)
    now = now or _dt.datetime.now().astimezone()
    taken = {p.name.lower() for p in folder.iterdir()}
    n = len(ledger["replies"])
    for e, kind in to_answer(decision):
        if answered(ledger, e) is not None:
            result.already += 1
            continue
        n += 1
        rid = f"R{n:04d}"
        unit = _unit(e)
        findings = _findings(e)
        problems = _problems(e, findings)
        workbook_name = ""
        data = None
        if e.scan is not None and e.scan.readable and "F-2" not in e.scan.error_rules:
            data = _annotated(e, findings)
            if data is not None:
                workbook_name = _unique_name(safe_name(f"{rid} {unit} 校验标注{_ext(e)}"), taken)
                atomic_write_bytes(folder / workbook_name, data, force=False)
        mail = e.source.email
        to = mail.from_addr if mail is not None else ""
        entry = {
            "id": rid, "kind": kind, "unit": unit, "credit_code": e.scan.credit_code if e.scan else "",
            "status": e.status, "reasons": list(e.reasons), "problems": problems,
            "source_name": _source_name(e), "source_display": e.source.display,
            "source_sha256": e.scan.sha256 if e.scan is not None else "",
            "source_message_id": mail.message_id if mail is not None else "",
            "source_date": mail.date.isoformat() if mail is not None and mail.date else "",
            "to": to, "eml": "", "workbook": workbook_name, "message_id": "", "subject": "",
            "created": now.isoformat(timespec="seconds"), "sent": None, "server_reply": "",
        }
        if mail is None or not valid_address(to):
            result.no_address.append(unit)
        else:
            subject = subject_for(kind, unit, year)
            body = _body(kind, unit, e, problems, workbook_name, office, year, now)
            frm = sender or mail.to_addr or ""
            raw, mid = build_reply(
                to=to, sender=frm if valid_address(frm) else "", subject=subject, body=body,
                in_reply_to=mail.message_id, references=mail.references,
                attachment=(_attachment_name(unit, year, workbook_name), data) if data is not None else None,
                date=now, reply_id=rid)
            eml_name = _unique_name(safe_name(f"{rid} {kind} {unit}.eml"), taken)
            atomic_write_bytes(folder / eml_name, raw, force=False)
            entry.update(eml=eml_name, message_id=mid, subject=subject, sender=frm)
        ledger["replies"].append(entry)
        result.written.append(entry)
        write_ledger(folder, ledger)  # after each reply: an interruption loses nothing written
    write_ledger(folder, ledger)
    result.replies = ledger["replies"]
    return result


def _source_name(e: P.Entry) -> str:
    return e.source.display.split(" → ")[-1]


def _unit(e: P.Entry) -> str:
    if e.scan is not None and e.scan.readable and e.scan.unit_name:
        return e.scan.unit_name
    mail = e.source.email
    if mail is not None:
        from email.utils import parseaddr

        name, addr = parseaddr(mail.sender)
        return name or addr or "报送单位"
    return os.path.basename(str(e.source.path))


def _findings(e: P.Entry) -> list[Finding]:
    if e.scan is None or not e.scan.readable:
        return []
    from ..reader import read_filing
    from .scan import findings_for

    try:
        filing = read_filing(e.source.path)
        # errors, warnings, and X-1: the one cell to look at first
        return [f for f in findings_for(filing) if f.severity in ("error", "warning") or f.rule == "X-1"]
    except Exception:  # the scan read it; a second read failing is not the user's mistake
        return []


def _annotated(e: P.Entry, findings: list[Finding]) -> bytes | None:
    import tempfile

    from ..annotate import annotate
    from ..reader import read_filing

    try:
        filing = read_filing(e.source.path)
        src = Path(e.source.path)
        with tempfile.TemporaryDirectory(prefix="gxxl-feedback-") as tmp:
            out = Path(tmp) / ("a" + _ext(e))  # a macro workbook stays one (its macros kept as they were)
            annotate(src, filing, findings, out)
            return out.read_bytes()
    except Exception:
        return None


def _problems(e: P.Entry, findings: list[Finding]) -> list[str]:
    """One line per problem, for the body and the ledger: where, what, reported/computed."""
    lines = []
    status_reasons = [r for r in e.reasons if r and not r.startswith(("有", "附件原名"))]
    if e.status in (P.WRONG_YEAR, P.WRONG_FORMAT, P.UNREADABLE, P.OFF_ROSTER):
        lines.extend(f"【{e.status}】{r}" for r in status_reasons[:3])
    for f in findings:
        where = f.locations[0] if f.locations else ""
        values = ""
        if f.reported is not None and f.computed is not None and fmt_num(f.computed) not in f.message:
            values = f"（填报值 {fmt_num(f.reported)}，应为 {fmt_num(f.computed)}）"
        lines.append(f"【{SEVERITY_ZH[f.severity]} {f.rule}】{where + '：' if where else ''}{f.message}{values}")
    if not lines:
        lines.extend(f"【{e.status}】{r}" for r in e.reasons[:3] if r)
    return lines


def _ext(e: P.Entry) -> str:
    return ".xlsm" if str(e.source.path).lower().endswith(".xlsm") else ".xlsx"


def _attachment_name(unit: str, year: int, workbook_name: str) -> str:
    from .eml import safe_name

    ext = os.path.splitext(workbook_name)[1] or ".xlsx"
    return safe_name(f"{unit}{year}年度年报统计表（校验标注）{ext}") if workbook_name else ""


def _body(kind: str, unit: str, e: P.Entry, problems: list[str], workbook: str, office: str, year: int,
          now: _dt.datetime) -> str:
    mail = e.source.email
    when = mail.date.strftime("%Y年%m月%d日 %H:%M") if mail is not None and mail.date else "此前"
    name = _source_name(e)
    lines = [f"{unit}：", ""]
    if kind == RETURN:
        lines.append(f"你单位{when}报送的{year}年度政府信息公开工作年度报告统计表（附件「{name}」）经审核，"
                     f"未予汇总（{e.status}），现退回修改。问题如下：")
    else:
        lines.append(f"你单位{when}报送的{year}年度政府信息公开工作年度报告统计表（附件「{name}」）已汇总，"
                     "但有以下情况需要核实：")
    lines.append("")
    for i, p in enumerate(problems[:MAX_LISTED], start=1):
        lines.append(f"{i}. {p}")
    if len(problems) > MAX_LISTED:
        lines.append(f"……共 {len(problems)} 处，详见附件中的“校验结果”表。")
    lines.append("")
    if workbook:
        lines.append("附件是你单位报表的校验标注副本：有问题的单元格已标红，鼠标移到单元格上可看到说明，"
                     "“校验结果”表列出全部问题（点击位置可跳转）。")
    if kind == RETURN:
        lines.append("请在你单位的原表上改正后，直接回复本邮件重新报送（请勿在标注副本上修改后报送）。")
    else:
        lines.append("如数据确实无误，请回复本邮件简要说明原因；如有错误，请改正后回复本邮件重新报送。")
    lines += ["", office, now.strftime("%Y年%m月%d日"), "", "（本邮件由 gxxl 根据审核结果生成）"]
    return "\n".join(lines) + "\n"
