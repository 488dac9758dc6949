"""The whole mail loop on real servers: 30 units mail their workbooks to a real Dovecot,
collect → rollup --feedback → send (real aiosmtpd) → corrected resubmissions → second round."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from gxxl.reader import read_filing
from gxxl.samples import credit_code, random_filing
from gxxl.spec import get_spec
from gxxl.writer import write_filing
from mailservers import PASSWORD, TZ, Dovecot, Smtp, forwarded, gbk_mail, need_dovecot, utf8_mail

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
SPEC = get_spec("gov2021")
YEAR = 2024


@pytest.fixture(scope="module")
def servers():
    imap = Dovecot(need_dovecot())
    smtp = Smtp(imap.cert, imap.key)
    yield imap, smtp
    smtp.stop()
    imap.stop()


def gxxl(*args, cwd):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "GXXL_IMAP_PASSWORD": PASSWORD, "GXXL_SMTP_PASSWORD": PASSWORD}
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL, timeout=900)


def sheet(path: Path, title: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    rows = [tuple(r) for r in wb[title].iter_rows(values_only=True)]
    wb.close()
    return rows


def ledger(path: Path) -> list[dict]:
    rows = sheet(path, "汇总情况")
    return [dict(zip(rows[4], r)) for r in rows[5:]]


def assert_sum(path: Path, filings) -> None:
    agg = read_filing(path)
    for code in SPEC.cells:
        expected = round(sum(f.number(code) for f in filings), 6)
        assert agg.values[code] == pytest.approx(expected, abs=1e-9), code


def unit_names() -> list[tuple[str, str]]:
    depts = ["办公室", "发展和改革局", "教育局", "科学技术局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
             "自然资源局", "生态环境分局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
             "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局"]
    towns = ["城关镇人民政府", "青山镇人民政府", "河口乡人民政府", "东坪乡人民政府", "城南街道办事处", "石门镇人民政府"]
    return [(f"示例县{d}", "县级政府部门") for d in depts] + [(f"示例县{t}", "乡镇（街道）") for t in towns]


def test_thirty_units_two_rounds(servers, tmp_path):
    imap, smtp = servers
    imap.clear()
    smtp.messages.clear()
    rng = random.Random(2024)
    units = unit_names()
    assert len(units) == 30
    work = tmp_path / "办公室"
    work.mkdir()
    src = tmp_path / "src"
    src.mkdir()
    roster = work / "应报单位名单.csv"
    codes = [credit_code(rng) for _ in units]
    roster.write_text("单位名称,统一社会信用代码,行政层级\n" + "".join(
        f"{n},{c},{lv}\n" for (n, lv), c in zip(units, codes)) + "示例县信访局,,县级政府部门\n", encoding="utf-8")

    def filing(i: int, *, date: str = "2025-01-20"):
        name, level = units[i]
        f = random_filing(random.Random(1000 + i), unit_name=name, level=level, year=YEAR, credit=codes[i])
        f.cover["date"] = date
        return f

    def xlsx(f, tag: str) -> bytes:
        return write_filing(f, src / f"{tag}.xlsx").read_bytes()

    addr = [f"u{i:02d}@example.gov.cn" for i in range(30)]
    wrong_cell = {3: "T3.new.np", 7: "T3.disclosed.be", 12: "T4.review.keep", 20: "T3.carried.np", 25: "T4.direct.fix"}
    WRONG_YEAR, JUNK = 15, 28
    NOT_RESUBMITTED = 20  # returned, never corrected
    first: dict[int, object] = {}
    sent_mail: dict[int, bytes] = {}
    for i, (name, _level) in enumerate(units):
        f = filing(i)
        if i in wrong_cell:
            code = wrong_cell[i]
            f.values[code] = (f.values[code] or 0) + 3 + i  # breaks the row and column sums
        if i == WRONG_YEAR:
            f.cover["year"] = YEAR - 1
        first[i] = f
        data = b"\x00not a workbook\x00" if i == JUNK else xlsx(f, f"r1-{i}")
        short = name.replace("示例县", "")
        when = dt.datetime(2025, 1, 21, 8, 0, tzinfo=TZ) + dt.timedelta(minutes=7 * i)
        kind = i % 4
        if kind == 0:
            raw = utf8_mail(f"{short} <{addr[i]}>", f"{name}{YEAR}年度政府信息公开年报统计表",
                            [(f"{name}{YEAR}年度统计表.xlsx", data), ("情况说明.docx", b"PK\x03\x04docx")], date=when)
        elif kind == 1:
            raw = gbk_mail(short, addr[i], f"{short}年报统计表", f"{short}年报统计表.xlsx", data,
                           date=when.strftime("%a, %d %b %Y %H:%M:%S +0800"))
        elif kind == 2:
            raw = gbk_mail(short, addr[i], f"报送{short}年报", f"{short} 统计表.xlsx", data, raw_name=True,
                           date=when.strftime("%a, %d %b %Y %H:%M:%S +0800"))
        else:
            inner = utf8_mail(f"{short}经办人 <clerk{i}@example.gov.cn>", "年报", [(f"{short}.xlsx", data)], date=when)
            raw = forwarded(f"{short} <{addr[i]}>", inner)
            raw = raw.replace(b"Thu, 23 Jan 2025 10:00:00 +0800", when.strftime("%a, %d %b %Y %H:%M:%S +0800").encode())
        sent_mail[i] = raw
        imap.append(raw)
    before = imap.state()

    # ---- round 1: collect → rollup --feedback → send ---------------------------------------
    r = gxxl("collect", "--imap", imap.url(), "--cafile", imap.cert, "--since", "2025-01-01", "-o", "收件箱", cwd=work)
    assert r.returncode == 0, r.stderr
    assert "新保存 30 封" in r.stdout, r.stdout
    assert imap.state() == before  # nothing flagged or removed
    r = gxxl("rollup", "收件箱", "--roster", roster.name, "--unit", "示例县人民政府", "-o", "第一轮汇总.xlsx",
             "--feedback", "退回", cwd=work)
    assert r.returncode == 1, r.stderr  # units missing: not clean
    assert "退回 7 份" in r.stdout, r.stdout
    good1 = [first[i] for i in range(30) if i not in wrong_cell and i not in (WRONG_YEAR, JUNK)]
    assert_sum(work / "第一轮汇总.xlsx", good1)
    rows1 = ledger(work / "第一轮汇总.xlsx")
    assert len(rows1) == 30 and sum(1 for x in rows1 if x["状态"] == "已汇总") == 23

    r = gxxl("send", "退回", "--dry-run", cwd=work)
    assert r.returncode == 0 and "将要发送 7 封" in r.stdout and not smtp.messages, r.stdout
    r = gxxl("send", "退回", "--dry-run", "--json", cwd=work)
    planned = json.loads(r.stdout)
    assert planned["dry_run"] and len(planned["planned"]) == 7 and not planned["sent"] and not smtp.messages
    assert all(p["to"] and p["subject"].startswith(("退回：", "请核实：")) for p in planned["planned"])
    r = gxxl("send", "退回", "--smtp", smtp.url("smtps"), "--cafile", imap.cert, cwd=work)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "新发送 7 封" in r.stdout, r.stdout
    assert len(smtp.messages) == 7
    r = gxxl("send", "退回", "--smtp", smtp.url("smtp"), "--starttls", "--cafile", imap.cert, cwd=work)
    assert r.returncode == 0 and "新发送 0 封" in r.stdout and "此前已发送 7 封" in r.stdout, r.stdout
    r = gxxl("send", "退回", "--smtp", smtp.url("smtps"), "--cafile", imap.cert, "--json", cwd=work)
    again = json.loads(r.stdout)
    assert r.returncode == 0 and (again["already"], again["sent"], again["failed"]) == (7, [], [])
    assert len(smtp.messages) == 7  # nothing sent twice

    returned = sorted([*wrong_cell, WRONG_YEAR, JUNK])
    got = {}
    for _from, rcpts, raw in smtp.messages:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        i = addr.index(rcpts[0])
        got[i] = msg
        original = BytesParser(policy=policy.default).parsebytes(sent_mail[i])
        assert msg["To"] == addr[i]
        assert msg["In-Reply-To"] == original["Message-ID"]
        assert original["Message-ID"] in msg["References"]
        assert str(msg["Subject"]) == f"退回：{units[i][0] if i != JUNK else units[i][0].replace('示例县', '')} {YEAR}年度政府信息公开年报统计表"
        assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # the subject is RFC 2047 encoded
        if i in wrong_cell:  # the attachment name is RFC 2231 encoded
            assert re.search(rb"filename\*(0\*)?=utf-8''", raw)
        body = msg.get_body(("plain",)).get_content()
        atts = list(msg.iter_attachments())
        if i in wrong_cell:
            assert "错误" in body and "表" in body and "!" in body
            assert len(atts) == 1 and atts[0].get_filename().endswith("（校验标注）.xlsx")
            wb = load_workbook(io.BytesIO(atts[0].get_payload(decode=True)))
            assert "校验结果" in wb.sheetnames
            red = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
                   if c.fill is not None and c.fill.fgColor is not None and c.fill.fgColor.rgb in ("00FFC7CE", "00FF7C80")]
            assert red and all(c.comment is not None for c in red)
            if wrong_cell[i].startswith("T3."):  # a T3 cell breaks a row and a column: X-1 names it
                where = read_filing(src / f"r1-{i}.xlsx").where(wrong_cell[i])
                assert f"X-1】{where}" in body, body
        elif i == WRONG_YEAR:
            assert "年度不符" in body and str(YEAR - 1) in body
        else:
            assert "无法读取" in body and not atts
    assert sorted(got) == returned

    # ---- corrected resubmissions: replies to our 退回, later Date ----------------------------
    corrected = {}
    for i in returned:
        if i == NOT_RESUBMITTED:
            continue
        f = filing(i, date="2025-01-27")
        corrected[i] = f
        when = dt.datetime(2025, 1, 27, 9, 0, tzinfo=TZ) + dt.timedelta(minutes=i)
        raw = utf8_mail(f"{units[i][0].replace('示例县', '')} <{addr[i]}>", f"Re: {got[i]['Subject']}",
                        [(f"{units[i][0]}（修改后）.xlsx", xlsx(f, f"r2-{i}"))], date=when, body="已按要求修改，请审核。")
        imap.append(raw)
    r = gxxl("collect", "--imap", imap.url(), "--cafile", imap.cert, "--since", "2025-01-01", "-o", "收件箱", cwd=work)
    assert r.returncode == 0 and "新保存 6 封" in r.stdout and "以前已收取 30 封" in r.stdout, r.stdout
    r = gxxl("rollup", "收件箱", "--roster", roster.name, "--unit", "示例县人民政府", "-o", "第二轮汇总.xlsx",
             "--feedback", "退回", cwd=work)
    assert r.returncode == 1, r.stderr
    out2 = work / "第二轮汇总.xlsx"
    included = [first[i] for i in range(30) if i not in returned] + list(corrected.values())
    assert len(included) == 29
    assert_sum(out2, included)

    rows = ledger(out2)
    by_unit: dict[str, list[dict]] = {}
    for x in rows:
        by_unit.setdefault(x["报送经过"], []).append(x)
    hist = {x["单位名称"]: x["报送经过"] for x in rows if x["单位名称"]}
    for i in corrected:
        if i == JUNK:
            continue
        h = hist[units[i][0]]
        assert h.startswith("第1次报送（01-21") and "→ 退回（已发送） → 第2次报送（01-27" in h and h.endswith("→ 已汇总"), h
    junk_rows = [x for x in rows if x["报送经过"] and "无法读取" == x["状态"]]
    assert junk_rows and junk_rows[0]["报送经过"].endswith("→ 退回（已发送） → 第2次报送（01-27 09:28） → 已汇总")
    h = hist[units[NOT_RESUBMITTED][0]]
    assert h.startswith("第1次报送（01-21") and h.endswith("→ 退回（已发送）"), h
    assert hist[units[0][0]] == "第1次报送（01-21 08:00） → 已汇总"
    missing = sheet(out2, "缺报单位")
    assert "未报送 1 个" in missing[0][0] and "已退回未重报 1 个" in missing[0][0], missing[0]
    what = {r[1]: r[4] for r in missing[3:] if r and r[1]}
    assert what["示例县信访局"] == "未报送"
    assert what[units[NOT_RESUBMITTED][0]].startswith("已退回未重报")

    # the second round sent nothing new: the first round's replies are not written again
    r = gxxl("send", "退回", "--smtp", smtp.url("smtps"), "--cafile", imap.cert, cwd=work)
    assert r.returncode == 0 and "新发送 0 封" in r.stdout, r.stdout
    assert len(smtp.messages) == 7
    # no input was changed, the password is in no file written
    for p in work.rglob("*"):
        if p.is_file():
            assert PASSWORD.encode() not in p.read_bytes(), p
    assert hashlib.sha256(roster.read_bytes()).hexdigest()
