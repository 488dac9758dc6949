"""gxxl collect against a real Dovecot on 127.0.0.1: real messages in, attachments out once."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT
from gxxl.samples import random_filing
from gxxl.writer import write_filing
from mailservers import PASSWORD, Dovecot, forwarded, gbk_mail, need_dovecot, utf8_mail
from msgfile import build_msg

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot(need_dovecot())
    yield server
    server.stop()


@pytest.fixture
def imap(dovecot):
    """The shared server with an empty INBOX for this test."""
    dovecot.clear()
    return dovecot


def gxxl(*args, password: str | None = PASSWORD, cwd=None, timeout=600):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("GXXL_IMAP_PASSWORD", None)
    if password is not None:
        env["GXXL_IMAP_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, stdin=subprocess.DEVNULL, timeout=timeout)


def workbook(tmp_path: Path, name: str, seed: int, level: str = "县级政府部门") -> bytes:
    f = random_filing(random.Random(seed), unit_name=name, level=level)
    return write_filing(f, tmp_path / f"src-{seed}.xlsx").read_bytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def saved_files(out: Path) -> Counter:
    """SHA-256 of every saved attachment (not the .eml, not the record)."""
    return Counter(sha(p.read_bytes()) for p in out.rglob("*") if p.is_file()
                   and p.suffix != ".eml" and not p.name.startswith("."))


def collect(imap: Dovecot, out: Path, *extra, scheme="imaps"):
    args = ["collect", "--imap", imap.url(scheme), "-o", out, *extra]
    if scheme == "imaps" or "--starttls" in extra:
        args += ["--cafile", imap.cert]
    return gxxl(*args)


def test_real_messages_arrive_once_byte_identical_and_mailbox_untouched(imap, tmp_path):
    a = workbook(tmp_path, "示例县教育局", 1)
    b = workbook(tmp_path, "示例县民政局", 2)
    c = workbook(tmp_path, "城关镇人民政府", 3, "乡镇（街道）")
    d = workbook(tmp_path, "青山镇人民政府", 4, "乡镇（街道）")
    e = workbook(tmp_path, "示例县财政局", 5)
    f = workbook(tmp_path, "示例县卫健委", 6)
    h = workbook(tmp_path, "示例县审计局", 8)
    outlook = build_msg(subject="审计局年报", sender_name="审计局", sender="sjj@example.gov.cn", to="gkb@example.gov.cn",
                        body="请查收", date="Tue, 21 Jan 2025 11:30:00 +0800", message_id="<sjj-1@example.gov.cn>",
                        attachments=[("示例县审计局年报统计表.xlsx", h)])
    messages = [
        utf8_mail("示例县教育局 <jyj@example.gov.cn>", "示例县教育局2024年度政府信息公开年报统计表",
                  [("示例县教育局2024年政府信息公开工作年度报告统计表.xlsx", a)]),
        gbk_mail("城关镇", "cgz@163.example", "城关镇年报统计表（请审核）", "城关镇统计表.xls", c),
        gbk_mail("青山镇", "qsz@foxmail.example", "青山镇年报", "青山镇 年报统计表.xlsx", d, raw_name=True),
        forwarded("示例县民政局 <mzj@example.gov.cn>",
                  utf8_mail("民政局办公室 <bgs@example.gov.cn>", "年报", [("民政局统计表.xlsx", b)])),
        utf8_mail("财政局 <czj@example.gov.cn>", "两个单位的统计表",
                  [("财政局.xlsx", e), ("卫健委.xlsx", f)]),
        utf8_mail("同名 <tm@example.gov.cn>", "同名附件", [("年报.xlsx", a), ("年报.xlsx", b)]),
        utf8_mail("审计局 <sjj@example.gov.cn>", "转发：审计局年报（Outlook 作为附件转发）",
                  [("审计局年报.msg", outlook)]),
        utf8_mail("无附件 <n@example.gov.cn>", "只有正文", []),
        utf8_mail("说明 <s@example.gov.cn>", "只有说明", [("说明.docx", b"PK-docx")]),
    ]
    for raw in messages:
        imap.append(raw)
    before = imap.state()
    out = tmp_path / "收件箱"
    r = collect(imap, out, "--since", "2020-01-01")
    assert r.returncode == 0, r.stderr
    assert "新保存 7 封" in r.stdout and "没有工作簿附件 2 封" in r.stdout, r.stdout
    assert saved_files(out) == Counter(map(sha, [a, c, d, b, e, f, a, b, outlook, h]))
    names = sorted(p.name for p in out.rglob("*.xls*"))
    assert "示例县教育局2024年政府信息公开工作年度报告统计表.xlsx" in names
    assert "城关镇统计表.xls" in names and "青山镇 年报统计表.xlsx" in names and "民政局统计表.xlsx" in names
    assert "年报.xlsx" in names and "年报 (2).xlsx" in names
    # each saved message is the server's message byte for byte
    emls = sorted(out.rglob("原邮件.eml"))
    assert len(emls) == 7
    server_copies = {sha(raw) for raw in imap.bodies().values()}
    assert {sha(p.read_bytes()) for p in emls} <= server_copies
    # nothing flagged, nothing deleted
    assert imap.state() == before
    assert all("Seen" not in flags for flags, _ in imap.state().values())
    # the password is in no file gxxl wrote
    for p in out.rglob("*"):
        if p.is_file():
            assert PASSWORD.encode() not in p.read_bytes()

    # a second run fetches nothing; one new message is fetched alone
    r = collect(imap, out)
    assert r.returncode == 0 and "新保存 0 封" in r.stdout and "以前已收取 9 封" in r.stdout, r.stdout
    g = workbook(tmp_path, "示例县司法局", 7)
    imap.append(utf8_mail("司法局 <sfj@example.gov.cn>", "司法局年报", [("司法局.xlsx", g)]))
    r = collect(imap, out, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["known"], doc["total"], doc["too_large"]) == (9, 10, [])
    (saved,) = doc["saved"]
    assert saved["attachments"] == ["司法局.xlsx"] and saved["subject"] == "司法局年报"
    assert (out / saved["folder"] / "司法局.xlsx").read_bytes() == g
    assert saved_files(out) == Counter(map(sha, [a, c, d, b, e, f, a, b, outlook, h, g]))

    # gxxl rollup reads the folder: every workbook once (the .eml supplies it, the copy is skipped)
    agg = tmp_path / "汇总.xlsx"
    r = gxxl("rollup", out, "--unit", "示例县人民政府", "-o", agg)
    assert r.returncode in (0, 1), r.stderr
    from gxxl.rollup import run, Options

    res = run(Options(inputs=[str(out)], output=tmp_path / "汇总2.xlsx", unit="示例县人民政府"))
    shas = Counter(e.scan.sha256 for e in res.decision.entries if e.scan is not None)
    assert shas == Counter(map(sha, [a, c, d, b, e, f, a, b, h, g]))
    assert all(" → " in e.source.display for e in res.decision.entries if e.scan is not None)
    assert any("城关镇" in e.source.origin for e in res.decision.entries)


def test_mark_seen_flags_only_what_was_saved(imap, tmp_path):
    a = workbook(tmp_path, "示例县教育局", 11)
    imap.append(utf8_mail("教育局 <jyj@example.gov.cn>", "年报", [("教育局.xlsx", a)]))
    imap.append(utf8_mail("闲聊 <x@example.gov.cn>", "周末安排", []))
    out = tmp_path / "in"
    r = collect(imap, out, "--mark-seen")
    assert r.returncode == 0 and "已标为已读 1 封" in r.stdout, r.stdout + r.stderr
    flags = sorted("Seen" in f for f, _ in imap.state().values())
    assert flags == [False, True]
    assert len(imap.state()) == 2


def test_starttls_and_plain_imap(imap, tmp_path):
    a = workbook(tmp_path, "示例县教育局", 21)
    imap.append(utf8_mail("教育局 <jyj@example.gov.cn>", "年报", [("教育局.xlsx", a)]))
    r = collect(imap, tmp_path / "s", "--starttls", scheme="imap")
    assert r.returncode == 0 and "新保存 1 封" in r.stdout, r.stderr
    r = collect(imap, tmp_path / "p", scheme="imap")
    assert r.returncode == 0 and "新保存 1 封" in r.stdout, r.stderr
    assert "明文" in r.stderr
    assert saved_files(tmp_path / "s") == saved_files(tmp_path / "p") == Counter([sha(a)])


def test_connection_failures_are_clear_chinese_messages(imap, tmp_path):
    from mailservers import free_port

    out = tmp_path / "o"
    port = free_port()  # nothing listens there
    r = gxxl("collect", "--imap", f"imaps://u@127.0.0.1:{port}/INBOX", "-o", out)
    assert r.returncode == 2 and "连接被拒绝" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = gxxl("collect", "--imap", imap.url(), "-o", out, "--cafile", imap.cert, password="wrong")
    assert r.returncode == 2 and "密码不对" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = gxxl("collect", "--imap", imap.url(), "-o", out)  # self-signed, not trusted
    assert r.returncode == 2 and "证书无法验证" in r.stderr and "--cafile" in r.stderr, r.stderr
    r = gxxl("collect", "--imap", imap.url().replace(str(imap.imaps_port), str(imap.imap_port)), "-o", out,
             "--cafile", imap.cert)  # imaps:// to the plain port
    assert r.returncode == 2 and "加密连接失败" in r.stderr, r.stderr
    r = gxxl("collect", "--imap", imap.url(), "-o", out, "--insecure")  # tests only: works
    assert r.returncode == 0, r.stderr
    r = gxxl("collect", "--imap", f"imaps://u:secret@127.0.0.1:{port}/INBOX", "-o", out)
    assert r.returncode == 2 and "不要把密码写在命令行" in r.stderr
    r = gxxl("collect", "--imap", imap.url(), "-o", out, "--cafile", imap.cert, password=None)
    assert r.returncode == 2 and "GXXL_IMAP_PASSWORD" in r.stderr
    r = gxxl("collect", "--imap", imap.url(mailbox="没有这个文件夹"), "-o", out, "--cafile", imap.cert)
    assert r.returncode == 2 and "没有文件夹" in r.stderr, r.stderr
    for args in (["--since", "2025/13/01"], ["--max-size", "abc"]):
        r = gxxl("collect", "--imap", imap.url(), "-o", out, *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr
    assert not list(out.rglob("*.xlsx"))


def test_hostile_names_stay_inside_the_folder(imap, tmp_path):
    a = workbook(tmp_path, "示例县教育局", 31)
    long_name = "很长的附件名" * 40 + ".xlsx"
    imap.append(utf8_mail("x <x@example.gov.cn>", "恶意", [("../../x.xlsx", a), ("CON.xlsx", a), ("..\\..\\y.xlsx", a),
                                                           (long_name, a), ("aux", a)]))
    odd = utf8_mail("placeholder <p@example.gov.cn>", "怪发件人", [("nul.xlsx", a)])
    imap.append(odd.replace(b"From: placeholder <p@example.gov.cn>", b"From: ../../../etc/CON <../..@example.gov.cn>"))
    out = tmp_path / "deep" / "收件箱"
    r = collect(imap, out)
    assert r.returncode == 0, r.stderr
    inside = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("src-")]
    assert all(out in p.parents for p in inside), inside
    names = {p.name for p in out.rglob("*.xlsx")}
    assert {"x.xlsx", "_CON.xlsx", "y.xlsx", "_nul.xlsx"} <= names
    assert any(n.startswith("很长的附件名") and len(n.encode()) <= 200 for n in names)
    assert saved_files(out) == Counter([sha(a)] * 6)  # 「aux」 is no workbook name but is saved too


def _in_process(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, int]:
    """Run gxxl in a fresh interpreter that reports its own peak memory (KiB)."""
    # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec
    code = ("import sys\nfrom gxxl.cli import main\nrc = main(sys.argv[1:])\n"
            "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
            "print('MAXRSS', hwm, file=sys.stderr)\nsys.exit(rc)\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "GXXL_IMAP_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       env=env, stdin=subprocess.DEVNULL, timeout=900)
    rss = int(r.stderr.rsplit("MAXRSS", 1)[1].split()[0]) if "MAXRSS" in r.stderr else 0
    return r, rss


def test_five_thousand_messages_in_batches_and_nothing_lost(imap, tmp_path):
    a = workbook(tmp_path, "示例县教育局", 41)
    plain = utf8_mail("通知 <tz@example.gov.cn>", "会议通知", [], body="请按时参会。" * 20)
    with_book = utf8_mail("教育局 <jyj@example.gov.cn>", "年报", [("教育局.xlsx", a)])
    n = imap.write_maildir((with_book if k % 10 == 0 else plain).replace(
        b"Message-ID: <", f"Message-ID: <{k}.".encode(), 1) for k in range(5000))
    assert n == 5000
    before = imap.state()
    assert len(before) == 5000
    r, rss = _in_process(["collect", "--imap", imap.url(), "--cafile", imap.cert, "-o", tmp_path / "o"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "符合条件的邮件 5000 封：新保存 500 封" in r.stdout and "没有工作簿附件 4500 封" in r.stdout, r.stdout
    assert saved_files(tmp_path / "o") == Counter({sha(a): 500})
    assert imap.state() == before  # all 5,000 still there, flags unchanged
    assert rss < 400 * 1024, f"peak memory {rss} KiB"
    r = collect(imap, tmp_path / "o")
    assert "新保存 0 封" in r.stdout and "以前已收取 5000 封" in r.stdout, r.stdout


def test_fifty_megabyte_message_is_skipped_with_a_message(imap, tmp_path):
    a = workbook(tmp_path, "示例县教育局", 51)
    big = os.urandom(50 << 20)
    imap.write_maildir([utf8_mail("大附件 <big@example.gov.cn>", "全部材料（很大）", [("材料.xlsx", big)]),
                        utf8_mail("教育局 <jyj@example.gov.cn>", "年报", [("教育局.xlsx", a)])])
    before = imap.state()
    assert max(size for _, size in before.values()) > 50 << 20
    r, rss = _in_process(["collect", "--imap", imap.url(), "--cafile", imap.cert, "-o", tmp_path / "o"], tmp_path)
    assert r.returncode == 1, r.stderr  # saved what it could; one message needs a look
    assert "邮件过大未下载" in r.stdout and "全部材料（很大）" in r.stdout and "--max-size" in r.stdout, r.stdout
    assert saved_files(tmp_path / "o") == Counter([sha(a)])
    assert imap.state() == before
    assert rss < 200 * 1024, f"peak memory {rss} KiB"
    # not forgotten: the next run says it again
    r = collect(imap, tmp_path / "o")
    assert "邮件过大未下载" in r.stdout and "新保存 0 封" in r.stdout, r.stdout


def test_renumbered_mailbox_is_checked_by_message_id(imap, tmp_path):
    """UIDVALIDITY changed (mailbox rebuilt on the server): nothing is saved twice."""
    import json

    a = workbook(tmp_path, "示例县教育局", 61)
    imap.append(utf8_mail("教育局 <jyj@example.gov.cn>", "年报", [("教育局.xlsx", a)]))
    out = tmp_path / "o"
    assert "新保存 1 封" in collect(imap, out).stdout
    record = out / ".gxxl-collect.json"
    data = json.loads(record.read_text("utf-8"))
    box = next(iter(data["mailboxes"].values()))
    assert box["uidvalidity"] and box["uids"] and data["messages"][0]["message_id"]
    assert PASSWORD not in record.read_text("utf-8")
    box["uidvalidity"] += 1  # what the server would report after rebuilding its index
    record.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    r = collect(imap, out)
    assert r.returncode == 0 and "重新编号" in r.stdout and "新保存 0 封" in r.stdout and "重复邮件 1 封" in r.stdout, r.stdout
    assert saved_files(out) == Counter([sha(a)])
    record.write_text("{broken", "utf-8")
    r = collect(imap, out)
    assert r.returncode == 2 and "收取记录已损坏" in r.stderr, r.stderr
