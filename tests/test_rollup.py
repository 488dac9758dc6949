"""gxxl rollup on real workbooks: sums, ledger statuses, roster, duplicates, email, two levels."""

from __future__ import annotations

import base64
import datetime as dt
import os
import random
import subprocess
import sys
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import ROOT, WORKBOOKS, sha256
from gxxl.reader import read_filing
from gxxl.rollup import (
    DUPLICATE,
    INCLUDED,
    INVALID,
    OFF_ROSTER,
    UNREADABLE,
    WRONG_FORMAT,
    WRONG_YEAR,
    Options,
    RollupError,
    run,
)
from gxxl.rollup.eml import safe_name
from gxxl.rollup.scan import Member, findings_for, members_meta, read_members
from gxxl.samples import credit_code, random_filing
from gxxl.spec import get_spec
from gxxl.validate import validate
from gxxl.writer import write_filing

SPEC = get_spec("gov2021")


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def unit(name: str, *, seed: int = 0, level: str = "县级政府部门", year: int = 2024, date: str | None = None,
         credit: str | None = None):
    f = random_filing(random.Random(seed), unit_name=name, level=level, year=year, credit=credit)
    if date:
        f.cover["date"] = date
    return f


def put(filing, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_filing(filing, folder / name)


def rollup(inputs, out: Path, *, unit_name: str = "测试县人民政府", **kw):
    return run(Options(inputs=[str(p) for p in inputs], output=out, unit=unit_name, **kw))


def statuses(result) -> dict[str, str]:
    return {Path(e.source.display.split(" → ")[-1]).name: e.status for e in result.decision.entries}


def total(filings, code: str):
    return round(sum(f.number(code) for f in filings), 6)


def assert_sum(out: Path, filings) -> None:
    agg = read_filing(out)
    assert agg.meta["kind"] == "aggregate"
    for code in SPEC.cells:
        assert agg.values[code] == pytest.approx(total(filings, code), abs=1e-9), code


def sheet_rows(path: Path, title: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    rows = [tuple(r) for r in wb[title].iter_rows(values_only=True)]
    wb.close()
    return rows


def ledger(path: Path) -> list[dict]:
    rows = sheet_rows(path, "汇总情况")
    head = rows[4]
    return [dict(zip(head, r)) for r in rows[5:]]


def gxxl(*args, cwd=None):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env)


def hashes(folder: Path) -> dict[str, str]:
    return {str(p): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------
# the sum
# --------------------------------------------------------------------------------------
def test_aggregate_is_the_sum_of_included_units_for_every_cell(tmp_path):
    inbox = tmp_path / "收件"
    good = [unit(f"测试县单位{i}", seed=i, level=("县级政府部门", "乡镇（街道）")[i % 2]) for i in range(7)]
    for i, f in enumerate(good):
        put(f, inbox, f"{i:02d}.xlsx")
    bad = unit("测试县有错单位", seed=99)
    bad.values["T3.disclosed.np"] += 1
    put(bad, inbox, "bad.xlsx")
    out = tmp_path / "汇总.xlsx"
    result = rollup([inbox], out)
    assert statuses(result)["bad.xlsx"] == INVALID
    assert sum(e.included for e in result.decision.entries) == 7
    assert_sum(out, good)
    agg = read_filing(out)
    assert agg.cover["unit_name"] == "测试县人民政府" and agg.cover["level"] == "县级政府" and agg.cover["year"] == 2024
    assert not [f for f in validate(agg) if f.severity != "info"]
    members, ok = read_members(agg.meta)
    assert ok and {m.name for m in members} == {f.unit_name for f in good}
    assert {m.sha for m in members} == {sha256(inbox / f"{i:02d}.xlsx")[:16] for i in range(7)}


def test_parallel_and_sequential_give_the_same_sums(tmp_path):
    inbox = tmp_path / "in"
    filings = [unit(f"并行单位{i}", seed=100 + i) for i in range(40)]
    for i, f in enumerate(filings):
        put(f, inbox, f"u{i:03d}.xlsx")
    a = rollup([inbox], tmp_path / "a.xlsx", jobs=1)
    b = rollup([inbox], tmp_path / "b.xlsx", jobs=2)
    assert a.aggregate.values == b.aggregate.values
    assert [e.status for e in a.decision.entries] == [e.status for e in b.decision.entries]
    assert_sum(tmp_path / "b.xlsx", filings)


def test_detail_sheet_traces_every_aggregate_cell(tmp_path):
    inbox = tmp_path / "in"
    filings = [unit(f"明细单位{i}", seed=200 + i) for i in range(5)]
    for i, f in enumerate(filings):
        put(f, inbox, f"u{i}.xlsx")
    out = tmp_path / "汇总.xlsx"
    result = rollup([inbox], out)
    rows = sheet_rows(out, "明细")
    assert rows[0] == ("单位名称", "单元格代码", "表", "行", "列", "数值")
    body = rows[1:]
    assert len(body) == sum(1 for f in filings for v in f.values.values() if v) == result.detail_rows
    assert all(r[5] != 0 for r in body)
    by_code: dict[str, float] = {}
    for name, code, table, row, col, value in body:
        by_code[code] = by_code.get(code, 0) + value
        assert table == SPEC.table_by_code[code.split(".")[0]].number
    agg = read_filing(out)
    for code in SPEC.cells:
        assert by_code.get(code, 0) == pytest.approx(agg.values[code])
    # "who contributed the 不予公开 — 保护第三方合法权益 cases": filter by row and column labels
    who = [r for r in body if r[3] == "（三）不予公开 4.保护第三方合法权益" and r[4] == "总计"]
    assert sum(r[5] for r in who) == agg.values["T3.deny_4.tot"]
    assert {r[0] for r in who} == {f.unit_name for f in filings if f.values["T3.deny_4.tot"]}


# --------------------------------------------------------------------------------------
# every ledger status from a real file
# --------------------------------------------------------------------------------------
def _encrypted_looking(path: Path) -> Path:
    from gxxl.excel.vba.cfb import write_compound_file

    path.write_bytes(write_compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 60,
                                          "EncryptedPackage": b"\x00" * 600}))
    return path


def test_every_ledger_status_arises_from_a_real_file(tmp_path):
    inbox = tmp_path / "收件"
    rng = random.Random(7)
    codes = {n: credit_code(rng) for n in ("甲局", "乙局", "丙局", "丁镇", "戊局")}
    put(unit("甲局", seed=1, credit=codes["甲局"]), inbox, "甲局.xlsx")
    bad = unit("乙局", seed=2, credit=codes["乙局"])
    bad.values["T4.review.total"] += 1
    put(bad, inbox, "乙局.xlsx")
    put(unit("丙局", seed=3, credit=codes["丙局"], date="2025-01-10"), inbox, "丙局_初稿.xlsx")
    put(unit("丙局", seed=4, credit=codes["丙局"], date="2025-01-20"), inbox, "丙局_修改后.xlsx")
    put(unit("丁镇", seed=5, level="乡镇（街道）", year=2023, credit=codes["丁镇"]), inbox, "丁镇.xlsx")
    put(unit("名单外的局", seed=6), inbox, "名单外.xlsx")
    other = Workbook()
    other.active.append(["姓名", "部门", "工资"])
    other.active.append(["张三", "办公室", 5000])
    other.save(inbox / "工资表.xlsx")
    Workbook().save(inbox / "空白工作簿.xlsx")
    (inbox / "零字节.xlsx").write_bytes(b"")
    data = (inbox / "甲局.xlsx").read_bytes()
    (inbox / "损坏.xlsx").write_bytes(data[: len(data) // 2])
    _encrypted_looking(inbox / "加密.xlsx")
    (inbox / "其实是文本.xlsx").write_text("这不是工作簿", encoding="utf-8")
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,统一社会信用代码,行政层级\n" + "".join(f"{n},{c},\n" for n, c in codes.items()),
                      encoding="utf-8")
    before = hashes(inbox)
    out = tmp_path / "汇总.xlsx"
    result = rollup([inbox], out, roster=roster)
    st = statuses(result)
    assert st == {
        "甲局.xlsx": INCLUDED,
        "乙局.xlsx": INVALID,
        "丙局_初稿.xlsx": DUPLICATE,
        "丙局_修改后.xlsx": INCLUDED,
        "丁镇.xlsx": WRONG_YEAR,
        "名单外.xlsx": OFF_ROSTER,
        "工资表.xlsx": WRONG_FORMAT,
        "空白工作簿.xlsx": WRONG_FORMAT,
        "零字节.xlsx": UNREADABLE,
        "损坏.xlsx": UNREADABLE,
        "加密.xlsx": UNREADABLE,
        "其实是文本.xlsx": UNREADABLE,
    }
    assert hashes(inbox) == before  # inputs never modified
    rows = {Path(r["文件"]).name: r for r in ledger(out)}
    assert set(rows) == set(st)
    for name, status in st.items():
        assert rows[name]["状态"] == status
        assert len(rows[name]["SHA-256"]) == 64 and rows[name]["SHA-256"] == sha256(inbox / name)
    assert "密码" in rows["加密.xlsx"]["说明"]
    assert "为空" in rows["零字节.xlsx"]["说明"]
    assert "损坏" in rows["损坏.xlsx"]["说明"]
    assert "工作簿是空的" in rows["空白工作簿.xlsx"]["说明"]
    assert "2023" in rows["丁镇.xlsx"]["说明"]
    assert "丙局_修改后.xlsx" in rows["丙局_初稿.xlsx"]["说明"]
    assert rows["乙局.xlsx"]["错误数"] == 1 and "表四" in rows["乙局.xlsx"]["说明"]
    assert "名单" in rows["名单外.xlsx"]["说明"]
    policy = sheet_rows(out, "汇总情况")[2][0]
    assert "名单外单位" in policy and "不计入" in policy and "重复" in policy
    # the missing sheet: 乙局 (errors) and 丁镇 (wrong year) submitted but were not summed
    missing = {r[1]: r[4] for r in sheet_rows(out, "缺报单位")[3:] if r and isinstance(r[0], int)}
    assert "乙局" in missing and "有错误未汇总" in missing["乙局"]
    assert "丁镇" in missing and "年度不符" in missing["丁镇"]
    assert "名单外的局" in missing  # listed in the off-roster section below the gaps
    assert_sum(out, [read_filing(inbox / "甲局.xlsx"), read_filing(inbox / "丙局_修改后.xlsx")])


def test_include_invalid_counts_errors_and_says_so(tmp_path):
    inbox = tmp_path / "in"
    good = unit("好单位", seed=11)
    bad = unit("坏单位", seed=12)
    bad.values["T3.disclosed.np"] += 1
    bad.values["T3.deny_1.np"] = None
    bad.problems["T3.deny_1.np"] = ("text", "无")
    put(good, inbox, "good.xlsx")
    put(bad, inbox, "bad.xlsx")
    out = tmp_path / "汇总.xlsx"
    result = rollup([inbox], out, include_invalid=True)
    assert statuses(result) == {"good.xlsx": INCLUDED, "bad.xlsx": INCLUDED}
    row = {Path(r["文件"]).name: r for r in ledger(out)}["bad.xlsx"]
    assert "--include-invalid" in row["说明"] and "按0计入" in row["说明"]
    assert "也计入汇总" in sheet_rows(out, "汇总情况")[2][0]
    detail = sheet_rows(out, "明细")
    assert ("坏单位", "T3.deny_1.np") in {(r[0], r[1]) for r in detail if r[5] == "无"}
    agg = read_filing(out)
    assert agg.values["T3.disclosed.np"] == good.values["T3.disclosed.np"] + bad.values["T3.disclosed.np"]
    assert any(f.severity == "error" for f in validate(agg))  # the aggregate inherits the imbalance


# --------------------------------------------------------------------------------------
# duplicates
# --------------------------------------------------------------------------------------
def test_duplicate_counted_once_latest_by_date_then_file_time(tmp_path):
    inbox = tmp_path / "in"
    a_old = unit("某局", seed=21, date="2025-01-25")
    a_new = unit("某局", seed=22, date="2025年1月26日")  # a later date written the Chinese way
    p_old = put(a_old, inbox, "某局_z.xlsx")
    p_new = put(a_new, inbox, "某局_a.xlsx")
    same1 = unit("同日局", seed=23, date="2025-01-20")
    same2 = unit("同日局", seed=24, date="2025-01-20")
    p1 = put(same1, inbox, "同日局_1.xlsx")
    p2 = put(same2, inbox, "同日局_2.xlsx")
    os.utime(p1, (2_000_000_000, 2_000_000_000))  # same 填报日期: the newer file wins
    os.utime(p2, (1_900_000_000, 1_900_000_000))
    out = tmp_path / "汇总.xlsx"
    result = rollup([inbox], out)
    st = statuses(result)
    assert st[p_new.name] == INCLUDED and st[p_old.name] == DUPLICATE
    assert st[p1.name] == INCLUDED and st[p2.name] == DUPLICATE
    assert_sum(out, [a_new, same1])
    reasons = {Path(e.source.display).name: e.reasons for e in result.decision.entries}
    assert any("按文件时间" in r for r in reasons[p2.name])


def test_duplicate_by_credit_code_with_different_names_is_flagged(tmp_path):
    inbox = tmp_path / "in"
    code = credit_code(random.Random(3))
    put(unit("示例县教育局", seed=31, credit=code, date="2025-01-10"), inbox, "a.xlsx")
    put(unit("示例县教育体育局", seed=32, credit=code, date="2025-01-12"), inbox, "b.xlsx")
    # the same name written with full-width characters and spaces is the same unit
    put(unit("示例县 财政局", seed=33, date="2025-01-10"), inbox, "c.xlsx")
    put(unit("示例县财政局", seed=34, date="2025-01-11"), inbox, "d.xlsx")
    result = rollup([inbox], tmp_path / "o.xlsx")
    st = statuses(result)
    assert st == {"a.xlsx": DUPLICATE, "b.xlsx": INCLUDED, "c.xlsx": DUPLICATE, "d.xlsx": INCLUDED}
    why = {Path(e.source.display).name: "；".join(e.reasons) for e in result.decision.entries}
    assert "统一社会信用代码相同" in why["a.xlsx"]


def test_latest_submission_counts_even_with_errors(tmp_path):
    """An older clean version is not silently summed in place of a newer one with errors."""
    inbox = tmp_path / "in"
    put(unit("某局", seed=41, date="2025-01-10"), inbox, "old.xlsx")
    newer = unit("某局", seed=42, date="2025-01-20")
    newer.values["T4.after.total"] += 2
    put(newer, inbox, "new.xlsx")
    result = rollup([inbox], tmp_path / "o.xlsx")
    assert statuses(result) == {"old.xlsx": DUPLICATE, "new.xlsx": INVALID}


# --------------------------------------------------------------------------------------
# the roster
# --------------------------------------------------------------------------------------
def test_roster_gaps_listed_xlsx_roster_and_gbk_csv(tmp_path):
    inbox = tmp_path / "in"
    put(unit("一局", seed=51), inbox, "1.xlsx")
    put(unit("二局", seed=52), inbox, "2.xlsx")
    wb = Workbook()
    ws = wb.active
    ws.append(["应报单位名单"])
    ws.append(["序号", "单位名称", "行政层级"])
    for i, n in enumerate(("一局", "二局", "三局", "四镇"), start=1):
        ws.append([i, n, "县级政府部门"])
    wb.save(tmp_path / "名单.xlsx")
    out = tmp_path / "o.xlsx"
    result = rollup([inbox], out, roster=tmp_path / "名单.xlsx")
    assert [(u.name, what) for u, what, _ in result.decision.missing] == [("三局", "未报送"), ("四镇", "未报送")]
    rows = sheet_rows(out, "缺报单位")
    assert rows[2] == ("序号", "单位名称", "统一社会信用代码", "行政层级", "情况", "相关文件")
    assert [(r[1], r[4]) for r in rows[3:5]] == [("三局", "未报送"), ("四镇", "未报送")]
    csv_roster = tmp_path / "名单.csv"
    csv_roster.write_bytes("单位名称\n一局\n二局\n".encode("gb18030"))
    result = rollup([inbox], tmp_path / "o2.xlsx", roster=csv_roster)
    assert result.decision.missing == [] and all(e.included for e in result.decision.entries)


def test_sample_county_with_roster(tmp_path):
    """The 示例县 sample set: duplicate, wrong year, missing unit, planted errors, an off-roster file."""
    before = hashes(WORKBOOKS)
    out = tmp_path / "示例县汇总.xlsx"
    result = rollup([WORKBOOKS], out, unit_name="示例县人民政府", roster=WORKBOOKS / "示例县_应报单位名单.csv")
    st = statuses(result)
    assert st["示例县_10_农业农村局.xlsx"] == DUPLICATE
    assert st["示例县_10_农业农村局（修改后）.xlsx"] == INCLUDED
    assert st["示例县_11_城关镇人民政府.xlsx"] == WRONG_YEAR
    assert st["seed004_某区人民政府办公室_2024.xlsx"] == OFF_ROSTER
    for n in ("03_教育局", "05_财政局", "06_自然资源局", "08_卫生健康委员会", "12_青山镇人民政府", "14_东坪乡人民政府"):
        assert st[f"示例县_{n}.xlsx"] == INVALID, n
    included = [n for n, s in st.items() if s == INCLUDED]
    assert sorted(included) == sorted([
        "示例县_01_人民政府办公室.xlsx", "示例县_02_发展和改革局.xlsx", "示例县_04_公安局.xlsx",
        "示例县_07_住房和城乡建设局.xlsx", "示例县_09_市场监督管理局.xlsx",
        "示例县_10_农业农村局（修改后）.xlsx", "示例县_15_城南街道办事处.xlsx",
    ])
    missing = {u.name: what for u, what, _ in result.decision.missing}
    assert missing["示例县河口乡人民政府"] == "未报送"
    assert "年度不符" in missing["示例县城关镇人民政府"]
    assert_sum(out, [read_filing(WORKBOOKS / n) for n in included])
    assert hashes(WORKBOOKS) == before
    r = gxxl("validate", out)
    assert r.returncode == 0, r.stdout


# --------------------------------------------------------------------------------------
# email
# --------------------------------------------------------------------------------------
def _mail(path: Path, attachments: list[tuple[str, bytes]], *, sender="城关镇 <cg@example.cn>",
          date=dt.datetime(2025, 1, 21, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))) -> Path:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "gkb@example.cn"
    msg["Subject"] = "2024年政府信息公开年报统计表"
    msg["Date"] = format_datetime(date)
    msg.set_content("请查收。")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    path.write_bytes(msg.as_bytes())
    return path


def _gbk_mail(path: Path, name: str, data: bytes) -> Path:
    """As Foxmail/163 write it: an RFC 2047 GBK word inside the quoted filename."""
    word = "=?GBK?B?" + base64.b64encode(name.encode("gbk")).decode() + "?="
    body = base64.encodebytes(data).decode()
    text = (
        "From: =?GBK?B?" + base64.b64encode("青山镇".encode("gbk")).decode() + "?= <qs@example.cn>\r\n"
        "Subject: =?GBK?B?" + base64.b64encode("年报".encode("gbk")).decode() + "?=\r\n"
        "Date: Wed, 22 Jan 2025 16:05:00 +0800\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n'
        f'--XX\r\nContent-Type: application/vnd.ms-excel; name="{word}"\r\n'
        f'Content-Disposition: attachment; filename="{word}"\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}--XX--\r\n'
    )
    path.write_bytes(text.encode("ascii"))
    return path


def test_eml_attachments_are_extracted_safely(tmp_path):
    src = tmp_path / "src"
    a = put(unit("城关镇人民政府", seed=61, level="乡镇（街道）"), src, "a.xlsx").read_bytes()
    b = put(unit("东坪乡人民政府", seed=62, level="乡镇（街道）"), src, "b.xlsx").read_bytes()
    c = put(unit("青山镇人民政府", seed=63, level="乡镇（街道）"), src, "c.xlsx").read_bytes()
    inbox = tmp_path / "邮件" / "收件箱"
    inbox.mkdir(parents=True)
    _mail(inbox / "城关镇.eml", [("城关镇年报统计表.xlsx", a), ("说明.docx", b"PK..")])
    _mail(inbox / "恶意.eml", [("../../evil.xlsx", b), ("..\\..\\evil2.xlsx", b"junk")], sender="x <x@example.cn>")
    _gbk_mail(inbox / "青山镇.eml", "青山镇统计表.xlsx", c)
    _mail(inbox / "没附件.eml", [("年报.docx", b"PK..")])
    before = hashes(tmp_path / "邮件")
    out = tmp_path / "汇总.xlsx"
    result = rollup([tmp_path / "邮件"], out)
    shown = {e.source.display: e for e in result.decision.entries}
    names = sorted(shown)
    assert "收件箱/城关镇.eml → 城关镇年报统计表.xlsx" in " ".join(names)
    assert any(n.endswith("恶意.eml → evil.xlsx") for n in names)
    assert any(n.endswith("恶意.eml → evil2.xlsx") for n in names)
    assert any(n.endswith("青山镇.eml → 青山镇统计表.xlsx") for n in names)
    st = {Path(n.split(" → ")[-1]).name if "→" in n else Path(n).name: e.status for n, e in shown.items()}
    assert st["城关镇年报统计表.xlsx"] == INCLUDED and st["evil.xlsx"] == INCLUDED and st["青山镇统计表.xlsx"] == INCLUDED
    assert st["evil2.xlsx"] == UNREADABLE and st["没附件.eml"] == UNREADABLE
    evil = next(e for n, e in shown.items() if n.endswith("evil.xlsx"))
    assert any("../../evil.xlsx" in r and "已改名" in r for r in evil.reasons)
    # nothing escaped: no evil*.xlsx anywhere near the inputs or the output
    for folder in (tmp_path, tmp_path.parent, Path.cwd()):
        assert not list(folder.glob("evil*.xlsx"))
    assert hashes(tmp_path / "邮件") == before
    rows = {r["文件"]: r for r in ledger(out)}
    row = next(r for k, r in rows.items() if k.endswith("城关镇年报统计表.xlsx"))
    assert "城关镇" in row["来源"] and "2025-01-21 09:30" in row["来源"]
    assert row["SHA-256"] == __import__("hashlib").sha256(a).hexdigest()
    qs = next(r for k, r in rows.items() if k.endswith("青山镇统计表.xlsx"))
    assert "青山镇" in qs["来源"]
    assert "年报.docx" in next(r for k, r in rows.items() if k.endswith("没附件.eml"))["说明"]
    assert_sum(out, [read_filing(src / n) for n in ("a.xlsx", "b.xlsx", "c.xlsx")])


def test_emailed_resubmission_latest_by_mail_date(tmp_path):
    src = tmp_path / "src"
    first = put(unit("某局", seed=71, date="2025-01-20"), src, "1.xlsx").read_bytes()
    second = put(unit("某局", seed=72, date="2025-01-20"), src, "2.xlsx").read_bytes()
    inbox = tmp_path / "mail"
    inbox.mkdir()
    tz = dt.timezone(dt.timedelta(hours=8))
    _mail(inbox / "a_later.eml", [("年报.xlsx", second)], date=dt.datetime(2025, 1, 23, 8, 0, tzinfo=tz))
    _mail(inbox / "b_earlier.eml", [("年报.xlsx", first)], date=dt.datetime(2025, 1, 21, 8, 0, tzinfo=tz))
    result = rollup([inbox], tmp_path / "o.xlsx")
    st = {e.source.display.split(" → ")[0]: e.status for e in result.decision.entries}
    assert st == {"mail/a_later.eml": INCLUDED, "mail/b_earlier.eml": DUPLICATE}


@pytest.mark.parametrize("raw,expected", [
    ("../../evil.xlsx", "evil.xlsx"),
    ("..\\..\\windows\\evil.xlsx", "evil.xlsx"),
    ("/etc/passwd", "passwd"),
    ("..", "附件"),
    ("a\x00b<c>.xlsx", "a_b_c_.xlsx"),
    (".hidden.xlsx", "hidden.xlsx"),
    ("年报统计表.xlsx", "年报统计表.xlsx"),
    (".xlsx", "附件.xlsx"),
    ("...", "附件"),
])
def test_safe_name(raw, expected):
    assert safe_name(raw) == expected


# --------------------------------------------------------------------------------------
# two levels: 乡镇/部门 → 县 → 市, and double counting
# --------------------------------------------------------------------------------------
def _county(tmp_path: Path, county: str, n: int, seed: int) -> tuple[Path, list]:
    folder = tmp_path / county
    filings = []
    for i in range(n):
        level = "乡镇（街道）" if i % 2 else "县级政府部门"
        f = unit(f"{county}单位{i}", seed=seed + i, level=level)
        put(f, folder, f"{i:02d}.xlsx")
        filings.append(f)
    return folder, filings


def test_two_level_rollup_equals_flat_and_catches_double_counting(tmp_path):
    a_dir, a_units = _county(tmp_path, "甲县", 5, 300)
    b_dir, b_units = _county(tmp_path, "乙县", 4, 400)
    city_dept = unit("某市教育局", seed=500, level="市级政府部门")
    dept = put(city_dept, tmp_path / "市直", "教育局.xlsx")
    a = tmp_path / "县" / "甲县汇总.xlsx"
    b = tmp_path / "县" / "乙县汇总.xlsx"
    ra = rollup([a_dir], a, unit_name="甲县人民政府")
    rb = rollup([b_dir], b, unit_name="乙县人民政府")
    assert ra.level == "县级政府" and rb.level == "县级政府"
    city = tmp_path / "市.xlsx"
    rc = rollup([a, b, dept], city, unit_name="某市人民政府")
    assert rc.level == "市级政府"
    assert all(e.included for e in rc.decision.entries)
    flat = tmp_path / "平铺.xlsx"
    rollup([a_dir, b_dir, dept], flat, unit_name="某市人民政府")
    assert read_filing(city).values == read_filing(flat).values
    assert_sum(city, a_units + b_units + [city_dept])
    members, ok = read_members(read_filing(city).meta)
    assert ok and len(members) == 2 + 5 + 4 + 1
    assert {m.via for m in members if m.name.startswith("甲县单位")} == {"甲县人民政府"}
    assert gxxl("validate", city).returncode == 0

    # a township counted both directly and inside 甲县's aggregate: the direct one is 重复
    direct = a_dir / "02.xlsx"
    r = rollup([a, b, direct], tmp_path / "重复.xlsx", unit_name="某市人民政府")
    st = {e.source.display: e for e in r.decision.entries}
    d = st[str(direct)]
    assert d.status == DUPLICATE and "已含在下级汇总「甲县人民政府」" in d.reasons[0]
    assert_sum(tmp_path / "重复.xlsx", a_units + b_units)

    # two lower aggregates sharing a unit: the smaller one is not summed
    overlap = tmp_path / "县" / "丙县汇总.xlsx"
    rollup([a_dir / "00.xlsx", b_dir / "00.xlsx"], overlap, unit_name="丙县人民政府")
    r = rollup([a, b, overlap], tmp_path / "交叉.xlsx", unit_name="某市人民政府")
    st = statuses(r)
    assert st["丙县汇总.xlsx"] == DUPLICATE and st["甲县汇总.xlsx"] == INCLUDED and st["乙县汇总.xlsx"] == INCLUDED
    assert "相同单位" in next(e for e in r.decision.entries if e.source.display.endswith("丙县汇总.xlsx")).reasons[0]

    # three levels: a province catches a township sent directly although inside a city aggregate
    prov = tmp_path / "省.xlsx"
    r = rollup([city, direct], prov, unit_name="某省人民政府")
    assert r.level == "省级政府"
    assert statuses(r) == {"市.xlsx": INCLUDED, "02.xlsx": DUPLICATE}
    assert read_filing(prov).values == read_filing(city).values


def test_previous_output_of_the_same_unit_is_not_summed_again(tmp_path):
    inbox, filings = _county(tmp_path, "丁县", 3, 600)
    out = inbox / "丁县汇总.xlsx"  # the output lives in the input folder
    rollup([inbox], out, unit_name="丁县人民政府")
    r = rollup([inbox], out, unit_name="丁县人民政府", force=True)
    assert len(r.decision.entries) == 3  # the output itself is not an input
    copy = inbox / "丁县汇总_上次.xlsx"
    copy.write_bytes(out.read_bytes())
    r = rollup([inbox], tmp_path / "again.xlsx", unit_name="丁县人民政府")
    assert statuses(r)["丁县汇总_上次.xlsx"] == DUPLICATE
    assert_sum(tmp_path / "again.xlsx", filings)


def test_member_list_is_split_into_cells_that_fit():
    members = [Member(f"某某省某某市某某县第{i}号单位名称比较长", "91110000MA01ABCD3X", "县级政府部门",
                      "0123456789abcdef" * 4, False, "") for i in range(3000)]
    meta = members_meta(members)
    assert int(meta["members_parts"]) > 1
    assert all(len(v) <= 32767 for v in meta.values())
    back, ok = read_members(meta)
    assert ok and len(back) == 3000 and back[5].name == members[5].name and back[5].sha == members[5].sha[:16]
    broken = dict(meta)
    broken["members.2"] = broken["members.2"][:-10]
    assert read_members(broken)[1] is False


# --------------------------------------------------------------------------------------
# the fast validation path equals the validator
# --------------------------------------------------------------------------------------
def test_fast_findings_equal_validate_on_samples_and_perturbations(tmp_path):
    paths = sorted(WORKBOOKS.glob("*.xlsx"))
    rng = random.Random(5)
    for i in range(30):
        f = unit(f"扰动{i}", seed=700 + i, level=rng.choice(SPEC.levels))
        code = rng.choice(list(SPEC.cells))
        kind = i % 5
        if kind == 1:
            f.values[code] = (f.values[code] or 0) + 1
        elif kind == 2:
            f.values[code] = -1
        elif kind == 3:
            f.values["T2.rule.issued"] = 2
        elif kind == 4:
            f.values[code] = None
        paths.append(put(f, tmp_path, f"p{i}.xlsx"))
    for p in paths:
        filing = read_filing(p)
        fast = sorted(x.flat() for x in findings_for(filing))
        full = sorted(x.flat() for x in validate(filing))
        assert fast == full, p.name


# --------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------
def test_cli_refuses_to_overwrite_without_force(tmp_path):
    inbox, _ = _county(tmp_path, "戊县", 2, 800)
    out = tmp_path / "o.xlsx"
    out.write_bytes(b"old")
    r = gxxl("rollup", inbox, "--unit", "戊县人民政府", "-o", out)
    assert r.returncode == 2 and "已存在" in r.stderr and "--force" in r.stderr
    assert "Traceback" not in r.stderr and out.read_bytes() == b"old"
    r = gxxl("rollup", inbox, "--unit", "戊县人民政府", "-o", out, "--force")
    assert r.returncode == 0, r.stderr
    assert "汇总完成" in r.stdout and "已汇总 2" in r.stdout
    assert read_filing(out).meta["kind"] == "aggregate"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".o.xlsx")]  # no temp files left


def test_cli_user_mistakes_are_chinese_without_traceback(tmp_path):
    inbox, _ = _county(tmp_path, "己县", 1, 900)
    cases = [
        (["rollup", inbox, "-o", tmp_path / "x.xlsx"], "--unit"),
        (["rollup", inbox, "--unit", "某", "-o", tmp_path / "x.csv"], ".xlsx"),
        (["rollup", inbox, "--unit", "某"], "-o"),
        (["rollup", inbox, "--unit", "某", "-o", tmp_path / "x.xlsx", "--year", "二〇二四"], "--year"),
        (["rollup", inbox, "--unit", "某", "-o", tmp_path / "x.xlsx", "--level", "乡镇"], "行政层级"),
        (["rollup", inbox, "--unit", "某", "-o", tmp_path / "x.xlsx", "--roster", tmp_path / "无.csv"], "名单文件不存在"),
        (["rollup", tmp_path / "没有", "--unit", "某", "-o", tmp_path / "x.xlsx"], "没有：文件不存在"),
        (["rollup", inbox, "--unit", "某", "-o", tmp_path / "x.xlsx", "--year", "2010"], "2010"),
    ]
    for args, needle in cases:
        r = gxxl(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert needle in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_help_is_chinese():
    r = gxxl("rollup", "--help")
    assert r.returncode == 0
    for needle in ("汇总", "--unit", "--level", "--year", "--roster", "--include-invalid", "--force", "-o", ".eml", "应报单位名单"):
        assert needle in r.stdout, needle


def test_cli_exit_codes_and_no_progress_bar_when_not_a_terminal(tmp_path):
    inbox, _ = _county(tmp_path, "庚县", 3, 1000)
    r = gxxl("rollup", inbox, "--unit", "庚县人民政府", "-o", tmp_path / "a.xlsx")
    assert r.returncode == 0 and r.stderr == ""
    (inbox / "坏.xlsx").write_text("x")
    r = gxxl("rollup", inbox, "--unit", "庚县人民政府", "-o", tmp_path / "b.xlsx")
    assert r.returncode == 1 and "无法读取" in r.stdout and "\r" not in r.stderr
    assert gxxl("validate", tmp_path / "b.xlsx").returncode == 0


def test_api_errors_are_rollup_errors(tmp_path):
    with pytest.raises(RollupError):
        run(Options(inputs=[str(tmp_path)], output=tmp_path / "o.xlsx", unit="某"))


def test_detail_split_into_segments_and_sheets_keeps_every_row(tmp_path, monkeypatch):
    """明细 compressed in several pieces (worker processes) and spread over several sheets."""
    from gxxl.rollup import output  # (gxxl.rollup is the API function: see gxxl/__init__.py)

    inbox = tmp_path / "in"
    filings = [unit(f"分段单位{i:02d}", seed=1100 + i) for i in range(30)]
    for i, f in enumerate(filings):
        put(f, inbox, f"u{i:02d}.xlsx")
    expected = [(f.unit_name, code, v) for f in filings for code, v in f.values.items() if v]
    monkeypatch.setattr(output, "SEGMENT_ROWS", 97)
    monkeypatch.setattr(output, "PARALLEL_MIN", 10)
    monkeypatch.setattr(output, "MAX_ROWS", 701)  # 700 data rows per sheet
    out = tmp_path / "汇总.xlsx"
    rollup([inbox], out, jobs=2)
    wb = load_workbook(out, read_only=True)
    titles = [t for t in wb.sheetnames if t.startswith("明细")]
    assert titles[0] == "明细" and len(titles) == -(-len(expected) // 700)
    got = []
    for t in titles:
        rows = list(wb[t].iter_rows(values_only=True))
        assert rows[0] == ("单位名称", "单元格代码", "表", "行", "列", "数值")
        assert all(r[0] is not None for r in rows[1:])  # no gaps, no duplicated row numbers
        got += [(r[0], r[1], r[5]) for r in rows[1:]]
    wb.close()
    assert got == expected


@pytest.mark.libreoffice
def test_output_opens_in_libreoffice(tmp_path, soffice):
    """The hand-assembled package (fast sheets streamed into a stdlib zipfile) is read by an office suite."""
    from gxxl.lo import convert

    out = tmp_path / "示例县汇总.xlsx"
    rollup([WORKBOOKS], out, unit_name="示例县人民政府", roster=WORKBOOKS / "示例县_应报单位名单.csv")
    back = convert(convert(out, "ods", tmp_path / "ods"), "xlsx", tmp_path / "back")
    wb = load_workbook(back, read_only=True)
    assert {"汇总情况", "缺报单位", "明细", "校验结果"} <= set(wb.sheetnames)
    ledger_rows = list(wb["汇总情况"].iter_rows(min_row=6, values_only=True))
    assert [r[9] for r in ledger_rows if r[0]].count(INCLUDED) == 7
    detail = list(wb["明细"].iter_rows(min_row=2, values_only=True))
    wb.close()
    assert len([r for r in detail if r[0]]) == len(sheet_rows(out, "明细")) - 1
    assert read_filing(back).values == read_filing(out).values


def test_no_readable_input_and_a_workbook_as_roster_are_refused(tmp_path):
    """Two user mistakes: only non-workbooks given; a filled 统计表 passed as the roster."""
    import subprocess
    import sys

    import docx

    from gxxl.samples import seed004_filing
    from gxxl.writer import write_filing

    doc = tmp_path / "年报.docx"
    docx.Document().save(doc)
    r = subprocess.run([sys.executable, "-m", "gxxl", "rollup", str(doc), "--unit", "示例县人民政府",
                        "-o", str(tmp_path / "out.xlsx")], capture_output=True, text=True)
    assert r.returncode == 2 and "都无法作为统计表读取" in r.stderr and not (tmp_path / "out.xlsx").exists()
    book = write_filing(seed004_filing(), tmp_path / "统计表.xlsx")
    r = subprocess.run([sys.executable, "-m", "gxxl", "rollup", str(book), "--roster", str(book),
                        "--unit", "示例县人民政府", "-o", str(tmp_path / "out.xlsx")], capture_output=True, text=True)
    assert r.returncode == 2 and "不是应报单位名单" in r.stderr and not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("posix", [True, False], ids=["selector", "connection.wait (Windows)"])
def test_the_pool_waiter_reports_a_pipe_and_a_dead_process(posix):
    """The roll-up pool's wait, both ways: one selector for the run (POSIX) and
    multiprocessing's own wait (Windows, where pipes and process handles are not selectable)."""
    import multiprocessing as mp

    from gxxl.rollup.pool import _Waiter

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=child.send, args=("done",))
    proc.start()
    waiter = _Waiter(posix=posix)
    try:
        waiter.register(parent, "pipe")
        waiter.register(proc.sentinel, "sentinel")
        proc.join(10)
        ready = set()
        for _ in range(20):
            ready |= set(waiter.select(1.0))
            if ready == {"pipe", "sentinel"}:
                break
        assert ready == {"pipe", "sentinel"} and parent.recv() == "done"
        waiter.unregister(proc.sentinel)
        assert waiter.select(0.05) == []  # the message taken, the sentinel no longer watched
    finally:
        waiter.close()
        parent.close()
        child.close()
