"""rollup --feedback and gxxl send on real files: .msg input, re-runs, warnings, bad servers."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from gxxl.rollup import INCLUDED, INVALID, Options, run
from gxxl.rollup.eml import safe_name
from gxxl.samples import random_filing
from gxxl.writer import write_filing
from mailservers import PASSWORD, TZ, USER, Smtp, free_port, self_signed, utf8_mail
from msgfile import build_msg

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def gxxl(*args, cwd=None, password: str | None = PASSWORD):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    env.pop("GXXL_SMTP_PASSWORD", None)
    if password is not None:
        env["GXXL_SMTP_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, stdin=subprocess.DEVNULL, timeout=600)


def book(folder: Path, name: str, seed: int, *, broken: bool = False, blank: str | None = None) -> Path:
    f = random_filing(random.Random(seed), unit_name=name, level="县级政府部门")
    if broken:
        f.values["T3.new.np"] += 4
    if blank:
        f.values[blank] = None
    folder.mkdir(parents=True, exist_ok=True)
    return write_filing(f, folder / f"{seed}.xlsx")


def test_msg_submission_is_read_and_answered(tmp_path):
    src = tmp_path / "src"
    good = book(src, "示例县教育局", 1).read_bytes()
    bad = book(src, "示例县民政局", 2, broken=True).read_bytes()
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "教育局.msg").write_bytes(build_msg(
        subject="教育局年报", sender_name="教育局", sender="jyj@example.gov.cn", to="gkb@example.gov.cn", body="请查收",
        date="Tue, 21 Jan 2025 09:30:00 +0800", message_id="<jyj-1@example.gov.cn>",
        attachments=[("示例县教育局年报统计表.xlsx", good), ("说明.docx", b"PKdoc")]))
    (inbox / "民政局.msg").write_bytes(build_msg(
        subject="民政局年报", sender_name="民政局", sender="mzj@example.gov.cn", to="gkb@example.gov.cn", body="请查收",
        date="Tue, 21 Jan 2025 10:30:00 +0800", message_id="<mzj-1@example.gov.cn>",
        attachments=[("民政局.xlsx", bad)]))
    res = run(Options(inputs=[str(inbox)], output=tmp_path / "汇总.xlsx", unit="示例县人民政府",
                      feedback=tmp_path / "退回"))
    st = {e.source.display: e.status for e in res.decision.entries}
    assert st == {"收件箱/教育局.msg → 示例县教育局年报统计表.xlsx": INCLUDED, "收件箱/民政局.msg → 民政局.xlsx": INVALID}
    e = next(x for x in res.decision.entries if x.status == INCLUDED)
    assert "jyj@example.gov.cn" in e.source.origin and "2025-01-21 09:30" in e.source.origin
    assert [r["to"] for r in res.feedback.written] == ["mzj@example.gov.cn"]
    reply = res.feedback.written[0]
    msg = BytesParser(policy=policy.default).parsebytes((tmp_path / "退回" / reply["eml"]).read_bytes())
    assert msg["In-Reply-To"] == "<mzj-1@example.gov.cn>" and msg["From"] == "gkb@example.gov.cn"
    assert str(msg["Subject"]) == "退回：示例县民政局 2024年度政府信息公开年报统计表"


def test_rerun_writes_no_second_reply_and_warnings_ask_for_an_explanation(tmp_path):
    src = tmp_path / "src"
    inbox = tmp_path / "in"
    inbox.mkdir()
    when = dt.datetime(2025, 1, 21, 9, 0, tzinfo=TZ)
    for i, (name, kw) in enumerate([("示例县教育局", {}), ("示例县民政局", {"broken": True}),
                                    ("示例县财政局", {"blank": "T2.fee.amount"})]):
        data = book(src, name, 10 + i, **kw).read_bytes()
        (inbox / f"{i}.eml").write_bytes(utf8_mail(f"{name} <u{i}@example.gov.cn>", "年报", [("年报.xlsx", data)],
                                                   date=when))
    # a workbook handed over on a USB stick: annotated copy, no reply message
    book(inbox, "示例县公安局", 13, broken=True)
    fb = tmp_path / "退回"
    before = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    r = gxxl("rollup", inbox, "--unit", "示例县人民政府", "-o", tmp_path / "a.xlsx", "--feedback", fb)
    assert r.returncode == 1, r.stderr
    assert "退回 2 份，请核实 1 份" in r.stdout and "只生成了校验标注副本" in r.stdout and "示例县公安局" in r.stdout, r.stdout
    led = json.loads((fb / "退回记录.json").read_text("utf-8"))["replies"]
    kinds = {x["unit"]: (x["kind"], bool(x["eml"]), bool(x["workbook"])) for x in led}
    assert kinds == {"示例县民政局": ("退回", True, True), "示例县财政局": ("请核实", True, True),
                     "示例县公安局": ("退回", False, True)}
    check = next(x for x in led if x["kind"] == "请核实")
    msg = BytesParser(policy=policy.default).parsebytes((fb / check["eml"]).read_bytes())
    assert str(msg["Subject"]).startswith("请核实：示例县财政局")
    body = msg.get_body(("plain",)).get_content()
    assert "已汇总" in body and "说明" in body and "T2-1" in body and "空白" in body
    # the annotated copy marks the blank cell and lists it
    wb = load_workbook(fb / check["workbook"])
    assert any("T2-1" in str(c.value) for row in wb["校验结果"].iter_rows() for c in row)
    files = sorted(p.name for p in fb.iterdir())
    # a second roll-up over the same mail writes nothing new
    r = gxxl("rollup", inbox, "--unit", "示例县人民政府", "-o", tmp_path / "b.xlsx", "--feedback", fb)
    assert "另有 3 份此前已生成" in r.stdout and "无需退回" in r.stdout, r.stdout
    assert sorted(p.name for p in fb.iterdir()) == files
    assert {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()} == before
    # the feedback folder may not be the input folder (replies would be read as submissions)
    r = gxxl("rollup", inbox, "--unit", "示例县人民政府", "-o", tmp_path / "c.xlsx", "--feedback", inbox / "退回")
    assert r.returncode == 2 and "退回文件夹不能与报送文件夹" in r.stderr, r.stderr


def test_unit_name_with_line_breaks_cannot_inject_headers(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    data = book(tmp_path / "src", "示例县教育局\r\nBcc: victim@example.org", 21, broken=True).read_bytes()
    (inbox / "x.eml").write_bytes(utf8_mail("x <x@example.gov.cn>", "年报", [("年报.xlsx", data)]))
    res = run(Options(inputs=[str(inbox)], output=tmp_path / "o.xlsx", unit="示例县人民政府", feedback=tmp_path / "fb"))
    raw = (tmp_path / "fb" / res.feedback.written[0]["eml"]).read_bytes()
    head = raw.split(b"\r\n\r\n")[0]
    assert not any(line.lower().startswith(b"bcc") for line in head.split(b"\r\n"))
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Bcc"] is None and msg["To"] == "x@example.gov.cn"
    assert str(msg["Subject"]) == "退回：示例县教育局 Bcc: victim@example.org 2024年度政府信息公开年报统计表"
    assert safe_name(res.feedback.written[0]["eml"]) == res.feedback.written[0]["eml"]


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    cert, key = self_signed(tmp_path_factory.mktemp("cert"))
    server = Smtp(cert, key)
    server.cert = cert
    yield server
    server.stop()


def _package(tmp_path: Path, n: int = 2) -> Path:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i in range(n):
        data = book(tmp_path / "src", f"示例县{i}局", 30 + i, broken=True).read_bytes()
        (inbox / f"{i}.eml").write_bytes(utf8_mail(f"单位{i} <u{i}@example.gov.cn>", "年报", [("年报.xlsx", data)]))
    run(Options(inputs=[str(inbox)], output=tmp_path / "o.xlsx", unit="示例县人民政府", feedback=tmp_path / "退回"))
    return tmp_path / "退回"


def test_send_failures_are_clear_and_nothing_is_marked_sent(smtp, tmp_path):
    fb = _package(tmp_path)
    ledger_before = (fb / "退回记录.json").read_bytes()
    smtp.messages.clear()
    r = gxxl("send", fb, "--smtp", f"smtps://u@127.0.0.1:{free_port()}")
    assert r.returncode == 2 and "连接被拒绝" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = gxxl("send", fb, "--smtp", smtp.url("smtps"), "--cafile", smtp.cert, password="wrong")
    assert r.returncode == 2 and "密码不对" in r.stderr, r.stderr
    r = gxxl("send", fb, "--smtp", smtp.url("smtps"))  # self-signed certificate, not trusted
    assert r.returncode == 2 and "证书无法验证" in r.stderr, r.stderr
    r = gxxl("send", fb, "--smtp", smtp.url("smtp"), "--cafile", smtp.cert)  # no STARTTLS: AUTH refused
    assert r.returncode == 2 and "--starttls" in r.stderr, r.stderr
    r = gxxl("send", fb, "--smtp", smtp.url("smtps"), "--cafile", smtp.cert, password=None)
    assert r.returncode == 2 and "GXXL_SMTP_PASSWORD" in r.stderr
    r = gxxl("send", fb, "--smtp", "smtps://u:pw@127.0.0.1")
    assert r.returncode == 2 and "不要把密码写在命令行" in r.stderr
    r = gxxl("send", tmp_path / "不存在", "--dry-run")
    assert r.returncode == 2 and "文件夹不存在" in r.stderr
    assert not smtp.messages
    assert (fb / "退回记录.json").read_bytes() == ledger_before
    # then it works, once; the stored messages are the files byte for byte
    r = gxxl("send", fb, "--smtp", smtp.url("smtps"), "--cafile", smtp.cert)
    assert r.returncode == 0 and "新发送 2 封" in r.stdout, r.stdout + r.stderr
    # what arrived is the files' messages, From: the login (servers want the two equal)
    led = json.loads((fb / "退回记录.json").read_text("utf-8"))["replies"]
    got = [BytesParser(policy=policy.default).parsebytes(raw) for _f, _to, raw in smtp.messages]
    assert sorted(m["Message-ID"] for m in got) == sorted(x["message_id"] for x in led)
    assert {m["From"] for m in got} == {USER} and {f for f, _to, _raw in smtp.messages} == {USER}
    for m in got:
        x = next(x for x in led if x["message_id"] == m["Message-ID"])
        f = BytesParser(policy=policy.default).parsebytes((fb / x["eml"]).read_bytes())
        assert m.get_body(("plain",)).get_content() == f.get_body(("plain",)).get_content()
        assert [a.get_payload(decode=True) for a in m.iter_attachments()] == \
            [a.get_payload(decode=True) for a in f.iter_attachments()]
    assert sorted(to[0] for _f, to, _raw in smtp.messages) == ["u0@example.gov.cn", "u1@example.gov.cn"]
    led = json.loads((fb / "退回记录.json").read_text("utf-8"))["replies"]
    assert all(x["sent"] for x in led)
    r = gxxl("send", fb, "--dry-run")
    assert "将要发送 0 封（已发送过 2 封" in r.stdout


def test_history_follows_the_submission_that_counts(tmp_path):
    """A corrected file, then the old one sent again by mistake: the later 填报日期 counts."""
    src = tmp_path / "src"
    inbox = tmp_path / "in"
    inbox.mkdir()
    old = random_filing(random.Random(41), unit_name="示例县教育局", level="县级政府部门")
    old.cover["date"] = "2025-01-20"
    old.values["T3.new.np"] += 2
    new = random_filing(random.Random(42), unit_name="示例县教育局", level="县级政府部门")
    new.cover["date"] = "2025-01-27"
    src.mkdir()
    for name, f, when in (("a.eml", old, dt.datetime(2025, 1, 21, 9, 0, tzinfo=TZ)),
                          ("b.eml", new, dt.datetime(2025, 1, 27, 10, 0, tzinfo=TZ)),
                          ("c.eml", old, dt.datetime(2025, 1, 28, 11, 0, tzinfo=TZ))):
        data = write_filing(f, src / (name + ".xlsx")).read_bytes()
        (inbox / name).write_bytes(utf8_mail("教育局 <jyj@example.gov.cn>", "年报", [("年报.xlsx", data)], date=when))
    res = run(Options(inputs=[str(inbox)], output=tmp_path / "o.xlsx", unit="示例县人民政府"))
    st = {e.source.display.split(" → ")[0]: e for e in res.decision.entries}
    assert st["in/b.eml"].status == INCLUDED
    assert st["in/b.eml"].history == ("第1次报送（01-21 09:00） → 第2次报送（01-27 10:00） → 第3次报送（01-28 11:00） "
                                      "→ 采用第2次报送：已汇总")
    assert {e.history for e in res.decision.entries} == {st["in/b.eml"].history}
    assert not any("以该次为准" in r for e in res.decision.entries for r in e.reasons)  # the others are 重复


def test_ledger_cannot_make_send_mail_out_other_files(smtp, tmp_path):
    fb = _package(tmp_path, n=1)
    (tmp_path / "secret.eml").write_bytes(b"From: a@b.c\r\nTo: x@example.org\r\nSubject: secret\r\n\r\nsecret\r\n")
    ledger = json.loads((fb / "退回记录.json").read_text("utf-8"))
    ledger["replies"].append({**ledger["replies"][0], "id": "R0002", "eml": "../secret.eml", "to": "x@example.org",
                              "source_sha256": "x"})
    (fb / "退回记录.json").write_text(json.dumps(ledger, ensure_ascii=False), encoding="utf-8")
    smtp.messages.clear()
    r = gxxl("send", fb, "--smtp", smtp.url("smtps"), "--cafile", smtp.cert)
    assert r.returncode == 1 and "新发送 1 封" in r.stdout and "邮件文件名不对" in r.stdout, r.stdout + r.stderr
    assert len(smtp.messages) == 1 and b"secret" not in smtp.messages[0][2]
    assert [to for _f, to, _raw in smtp.messages] == [["u0@example.gov.cn"]]


def test_a_server_that_never_answers_does_not_hang(tmp_path):
    """A port that accepts connections and then says nothing: a clear message after --timeout."""
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        fb = _package(tmp_path, n=1)
        for args in (["collect", "--imap", f"imaps://u@127.0.0.1:{port}/INBOX", "-o", tmp_path / "o"],
                     ["collect", "--imap", f"imap://u@127.0.0.1:{port}/INBOX", "-o", tmp_path / "o"],
                     ["send", fb, "--smtp", f"smtps://u@127.0.0.1:{port}"]):
            start = time.monotonic()
            env = {"GXXL_IMAP_PASSWORD": "x"}
            r = subprocess.run([sys.executable, "-m", "gxxl", *map(str, args), "--timeout", "2"], capture_output=True,
                               text=True, env={**os.environ, **env, "GXXL_SMTP_PASSWORD": "x", "PYTHONPATH": str(ROOT)},
                               stdin=subprocess.DEVNULL, timeout=120)
            assert r.returncode == 2 and "没有应答（超时）" in r.stderr and "Traceback" not in r.stderr, r.stderr
            assert time.monotonic() - start < 30
        assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.xlsx"))
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        listener.close()


def test_own_replies_given_as_input_are_not_submissions(tmp_path):
    fb = _package(tmp_path, n=1)  # 退回/ holds R0001 … .eml with the annotated copy attached
    res = run(Options(inputs=[str(tmp_path / "in"), str(fb)], output=tmp_path / "o2.xlsx", unit="示例县人民政府"))
    assert len(res.decision.entries) == 1  # the folder 退回/ is gxxl's output: skipped with a note
    assert any("退回文件夹" in n and "不作为报送文件" in n for n in res.collected.notes)
    # a reply copied elsewhere is recognised by its header
    copy = tmp_path / "copied"
    copy.mkdir()
    reply = next(fb.glob("*.eml"))
    (copy / reply.name).write_bytes(reply.read_bytes())
    res = run(Options(inputs=[str(tmp_path / "in"), str(copy)], output=tmp_path / "o3.xlsx", unit="示例县人民政府",
                      feedback=tmp_path / "fb2"))
    own = [e for e in res.decision.entries if e.source.display.startswith("copied")]
    assert len(own) == 1 and own[0].status == "无法读取" and "gxxl 生成的退回邮件" in own[0].reasons[0]
    assert [r["source_display"] for r in res.feedback.written] == ["in/0.eml → 年报.xlsx"]  # never a reply to it
