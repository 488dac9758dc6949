"""Red team: hostile and careless inputs against every verb, run as real subprocesses.

Every case runs ``python -m gxxl`` with an address-space limit of 1 GB (RLIMIT_AS in
the child) and a timeout, then asserts: the expected exit code (1 or 2 for a refused
input; 0/1 where a correct result is the right answer), a Chinese message naming the
file, no traceback, every input byte-for-byte unchanged, no file left beside the
outputs, no ``gxxl-rollup-*`` temporary folder left.  Inputs are built once per module.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gxxl import gate
from gxxl.samples import random_filing
from gxxl.writer import write_filing

ROOT = Path(__file__).resolve().parents[1]
MEMORY = 1 << 30  # 1 GB of address space per process
TIMEOUT = 90
#: workbooks in the signal and pool runs ("a few hundred")
MANY = 200
HOSTILE = ("HYPERLINK", "1+1", "2+2", "3+3", "4+4")


# --------------------------------------------------------------------------------------
# building the inputs (once)
# --------------------------------------------------------------------------------------
def _filing(i: int, **kw):
    import random

    return random_filing(random.Random(1000 + i), unit_name=kw.pop("unit_name", f"第{i}单位"),
                         level="县级政府部门", year=2024, **kw)


def _patch(src: Path, dst: Path, part: str, fn) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = fn(data)
            zout.writestr(info.filename, data)
    return dst


SHEET1 = "xl/worksheets/sheet1.xml"


def _far_cell(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')


def _entities(data: bytes) -> bytes:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
            + b'<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    return bomb + body.replace(b"</sheetData>", b'<row r="40"><c r="A40" t="inlineStr"><is><t>&lol9;&xxe;</t></is></c></row></sheetData>')


def _long_text(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="41"><c r="A41" t="inlineStr"><is><t>' + "长".encode() * 40000
                        + b"</t></is></c></row></sheetData>")


def _huge_part(src: Path, dst: Path, size: int) -> Path:
    """A sheet part that decompresses to ``size`` bytes (streamed: never in memory)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != SHEET1:
                zout.writestr(info.filename, zin.read(info.filename))
        info = zipfile.ZipInfo(SHEET1)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(info, "w", force_zip64=True) as fh:
            fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            block = b"<!-- padding -->" * 65536
            for _ in range(size // len(block) + 1):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")
    return dst


def _merged_over_inputs(src: Path, dst: Path) -> Path:
    wb = load_workbook(src)
    ws = wb["表三 依申请公开"]
    ws.merge_cells("D10:F12")  # over input cells of 表三
    ws2 = wb["封面"]
    ws2.merge_cells("B2:C14")
    wb.save(dst)
    return dst


def _eml(path: Path, attachment: bytes, name: str, *, nest: int = 0) -> Path:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "县财政局 <czj@example.invalid>"
    msg["To"] = "县政府办 <bgs@example.invalid>"
    msg["Subject"] = "2024年政务公开年报统计表"
    msg["Date"] = "Mon, 13 Jan 2025 09:00:00 +0800"
    msg.set_content("见附件")
    msg.add_attachment(attachment, maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=name)
    data = msg.as_bytes()
    if nest:
        head = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(nest))
        data = b"From: x@example.invalid\nSubject: nested\n" + head + b"\n"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def box():
    """A folder of hostile inputs, world-readable so that a case may run as ``nobody``."""
    root = Path(tempfile.mkdtemp(prefix="gxxl-redteam-"))
    os.chmod(root, 0o755)
    d = root / "in"
    d.mkdir()
    good = write_filing(_filing(1), d / "good.xlsx")
    write_filing(_filing(2), d / "good2.xlsx")
    f = _filing(3, unit_name='=HYPERLINK("http://127.0.0.1:9/","点我")')
    f.cover["credit_code"] = "=1+1"
    code = next(c for c in f.spec.cells if c.startswith("T3."))
    f.values[code] = None
    f.problems[code] = ("text", "=2+2")
    write_filing(f, d / "formula.xlsx")
    write_filing(_filing(4, unit_name="单位_x001B_]0;PWNED_x0007__x001B_[2J名"), d / "escape.xlsx")
    _patch(good, d / "far.xlsx", SHEET1, _far_cell)
    _patch(good, d / "entities.xlsx", SHEET1, _entities)
    _patch(good, d / "longtext.xlsx", SHEET1, _long_text)
    _huge_part(good, d / "hugepart.xlsx", gate.MAX_PART_BYTES + (1 << 20))
    _merged_over_inputs(good, d / "merged.xlsx")
    big = _filing(5)
    big.values[next(c for c in big.spec.cells if c.startswith("T3."))] = 1e308
    write_filing(big, d / "e308.xlsx")
    (d / "notes.txt").write_text("第一段。今年共收到政府信息公开申请10件。\n")
    (d / "report.docx.txt").write_bytes(good.read_bytes())
    os.mkfifo(d / "fifo.xlsx")
    # an inbox: good files, a FIFO named .xlsx, a link loop, an unreadable folder, e-mails
    inbox = root / "inbox"
    (inbox / "sub").mkdir(parents=True)
    shutil.copy(good, inbox / "a.xlsx")
    write_filing(_filing(6), inbox / "b.xlsx")
    os.mkfifo(inbox / "sub" / "pipe.xlsx")
    os.symlink(inbox, inbox / "sub" / "loop")
    locked = inbox / "locked"
    locked.mkdir()
    write_filing(_filing(7), locked / "c.xlsx")
    os.chmod(locked, 0)
    mail = root / "mail"
    mail.mkdir()
    data = good.read_bytes()
    _eml(mail / "long.eml", data, "二〇二四年度政府信息公开工作年度报告统计表" * 5 + ".xlsx")
    _eml(mail / "traversal.eml", write_filing(_filing(8), root / "t.xlsx").read_bytes(), "../../../../tmp/evil.xlsx")
    (root / "t.xlsx").unlink()
    _eml(mail / "nested.eml", b"", "x.xlsx", nest=3000)
    (mail / "garbage.eml").write_bytes(b"\xff\xfe\x00Not a mail at all\r\n\r\n" * 100)
    # rosters
    (d / "roster.csv").write_text("单位名称\n第1单位\n第2单位\n", encoding="utf-8")
    (d / "roster_field.csv").write_text("单位名称\n\"" + "长" * 200_000 + "\"\n", encoding="utf-8")
    write_filing(_filing(9), d / "roster_book.xlsx")  # a filing given as roster: refused, never overwritten
    out = root / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    ro = root / "readonly"
    ro.mkdir()
    os.chmod(ro, 0o555)
    for p in list(d.iterdir()) + list(inbox.rglob("*.xlsx")) + list(mail.iterdir()):
        if p.is_file() and not p.is_symlink():
            os.chmod(p, 0o644)
    yield root
    os.chmod(locked, 0o755)
    os.chmod(ro, 0o755)
    shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------------------
# running a case
# --------------------------------------------------------------------------------------
def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _as_nobody():
    """Permissions apply to the child: root's CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH are
    dropped from its bounding set (so they are gone after exec), a non-root user stays as is."""
    _limits()
    if os.geteuid() == 0:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for fn in filenames:
            p = Path(dirpath) / fn
            if p.is_symlink() or not p.is_file():
                out[str(p)] = "special"
                continue
            try:
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
            except OSError:
                out[str(p)] = "unreadable"
    return out


def _private_tmp() -> Path:
    """A temporary folder of the child's own (TMPDIR): other processes on the machine use /tmp too."""
    d = Path(tempfile.mkdtemp(prefix="gxxl-redteam-tmp-"))
    os.chmod(d, 0o777)
    return d


def _assert_empty_and_remove(d: Path, case: str) -> None:
    left = sorted(p.name for p in d.iterdir())
    shutil.rmtree(d, ignore_errors=True)
    assert not left, (f"temporary files left: {left}", case)


def gx(box: Path, *args, expect=(1, 2), names=(), outputs=(), nobody=False, needle=None):
    """Run one case and check everything a hostile input must not break."""
    args = [str(a) for a in args]
    before = _snapshot(box)
    tmp = _private_tmp()
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT), GXXL_ITEM_TIMEOUT="30", TMPDIR=str(tmp))
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "gxxl", *args], capture_output=True, text=True, timeout=TIMEOUT,
                           env=env, cwd=box, preexec_fn=_as_nobody if nobody else _limits, stdin=subprocess.DEVNULL)
        took = time.monotonic() - t0
        text = r.stdout + r.stderr
        case = f"gxxl {' '.join(args)}\nexit {r.returncode} in {took:.1f}s\n{text[-3000:]}"
        assert r.returncode in expect, case
        assert "Traceback" not in text and "panicked" not in text, case
        for n in names:
            assert n in text, (n, case)
        if needle:
            assert needle in text, (needle, case)
        if r.returncode:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in r.stderr + r.stdout), case  # a Chinese message
        after = _snapshot(box)
        wanted = {str(Path(o) if Path(o).is_absolute() else box / o) for o in outputs}
        for path, digest in before.items():
            if path in wanted:
                continue
            assert after.get(path) == digest, (f"input changed or removed: {path}", case)
        extra = set(after) - set(before) - wanted
        assert not extra, (f"files left beside the outputs: {sorted(extra)}", case)
        _assert_empty_and_remove(tmp, case)
        return r
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------
# input gate
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, needle", [
    ("far.xlsx", "单个工作表最多"),
    ("entities.xlsx", "DOCTYPE"),
    ("longtext.xlsx", "单元格文字最多"),
    ("hugepart.xlsx", "解压后最大"),
    ("fifo.xlsx", "不是普通文件"),
])
def test_validate_refuses_hostile_workbooks_before_parsing(box, name, needle):
    gx(box, "validate", f"in/{name}", expect=(2,), names=[name], needle=needle)
    gx(box, "validate", f"in/{name}", "--json", expect=(2,), names=[name])


def test_device_as_input_is_refused_without_reading_it(box):
    gx(box, "validate", "/dev/zero", expect=(2,), names=["/dev/zero"], needle="字符设备")
    gx(box, "check-text", "/dev/zero", "--against", "in/good.xlsx", expect=(2,), names=["/dev/zero"])
    gx(box, "import", "/dev/zero", "-o", "out/i.xlsx", expect=(2,), names=["/dev/zero"])
    gx(box, "report", "/dev/zero", "-o", "out/r.docx", expect=(2,), names=["/dev/zero"])


def test_fifo_as_draft_roster_previous_or_source(box):
    gx(box, "check-text", "in/fifo.xlsx", "--against", "in/good.xlsx", expect=(2,), names=["fifo.xlsx"])
    gx(box, "validate", "in/good.xlsx", "--previous", "in/fifo.xlsx", expect=(2,), names=["fifo.xlsx"])
    gx(box, "report", "in/good.xlsx", "--previous", "in/fifo.xlsx", "-o", "out/r.docx", expect=(2,), names=["fifo.xlsx"])
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "--roster", "in/fifo.xlsx", "-o", "out/r.xlsx",
       expect=(2,), names=["fifo.xlsx"])
    gx(box, "import", "in/fifo.xlsx", "-o", "out/i.xlsx", expect=(2,), names=["fifo.xlsx"])


def test_hostile_workbooks_in_a_rollup_are_rows_not_crashes(box):
    r = gx(box, "rollup", "in/good.xlsx", "in/good2.xlsx", "in/far.xlsx", "in/entities.xlsx", "in/hugepart.xlsx",
           "in/longtext.xlsx", "--unit", "测试县", "--year", "2024", "-o", "out/hostile.xlsx",
           expect=(1,), outputs=["out/hostile.xlsx"], names=["far.xlsx"])
    assert "无法读取 4" in r.stdout
    (box / "out/hostile.xlsx").unlink()


def test_far_cell_wherever_a_workbook_is_read(box):
    """The 29 KB workbook that aborted the process (a cell at XFD1048576): refused as every kind of input."""
    gx(box, "rollup", "in/far.xlsx", "--unit", "县", "--year", "2024", "-o", "out/far.xlsx", expect=(2,),
       names=["far.xlsx"])
    # an unreadable --previous is the P-3 warning naming it (validate of this year still runs)
    gx(box, "validate", "in/good.xlsx", "--previous", "in/far.xlsx", expect=(0, 1), names=["far.xlsx", "P-3"])
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "--roster", "in/far.xlsx", "-o", "out/far.xlsx", expect=(2,),
       names=["far.xlsx"], needle="单个工作表最多")
    gx(box, "report", "in/far.xlsx", "-o", "out/far.docx", expect=(2,), names=["far.xlsx"])
    gx(box, "check-text", "in/notes.txt", "--against", "in/far.xlsx", expect=(2,), names=["far.xlsx"])


def test_nonexistent_input_is_an_error(box):
    gx(box, "rollup", "in/good.xlsx", "/nonexistent.xlsx", "--unit", "县", "-o", "out/n.xlsx",
       expect=(2,), names=["/nonexistent.xlsx"], needle="不存在")
    gx(box, "validate", "in/good.xlsx", "/nonexistent.xlsx", expect=(2,), names=["/nonexistent.xlsx"])


def test_inbox_with_fifo_link_loop_and_unreadable_folder(box):
    # as nobody: permissions apply (root reads everything)
    r = gx(box, "rollup", "inbox", "--unit", "测试县", "--year", "2024", "-o", "out/inbox.xlsx",
           expect=(1,), outputs=["out/inbox.xlsx"], nobody=True, names=["pipe.xlsx", "locked"])
    assert "无法读取 2" in r.stdout, r.stdout
    (box / "out/inbox.xlsx").unlink()
    r = gx(box, "validate", "inbox", expect=(2,), nobody=True, names=["pipe.xlsx", "locked", "a.xlsx", "b.xlsx"])


def test_unreadable_file_is_named_and_the_folder_run_goes_on(box):
    locked = box / "inbox" / "locked"
    os.chmod(locked, 0o755)
    os.chmod(locked / "c.xlsx", 0)
    try:
        r = gx(box, "validate", "inbox/locked", "inbox/a.xlsx", expect=(2,), nobody=True, names=["c.xlsx", "a.xlsx"],
               needle="没有读取权限")
        assert "第1单位" in r.stdout  # a.xlsx, after the unreadable one, was validated
    finally:
        os.chmod(locked / "c.xlsx", 0o644)
        os.chmod(locked, 0)


def test_audit_folder_with_fifo_and_unreadable_folder(box):
    pages = box / "pages"
    (pages / "locked").mkdir(parents=True)
    (pages / "report.txt").write_text("2024年，本机关新收政府信息公开申请10件，办结10件。\n", encoding="utf-8")
    os.mkfifo(pages / "fifo.html")
    os.chmod(pages / "locked", 0)
    try:
        gx(box, "audit", "pages", "-o", "out/audit.xlsx", "--no-workbooks", expect=(1, 2), nobody=True,
           outputs=["out/audit.xlsx"])
        wb = load_workbook(box / "out/audit.xlsx", read_only=True)
        text = " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v)
        assert "fifo.html" in text and "不是普通文件" in text, text[:2000]
        assert "locked" in text and "无法读取" in text, text[:2000]
    finally:
        os.chmod(pages / "locked", 0o755)
        shutil.rmtree(pages)
        (box / "out/audit.xlsx").unlink(missing_ok=True)


def test_roster_with_a_huge_field(box):
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "--roster", "in/roster_field.csv", "-o", "out/r.xlsx",
       expect=(2,), names=["roster_field.csv"])


# --------------------------------------------------------------------------------------
# e-mail
# --------------------------------------------------------------------------------------
def test_hostile_mail_does_not_stop_the_rollup(box):
    r = gx(box, "rollup", "mail", "--unit", "测试县", "--year", "2024", "-o", "out/mail.xlsx",
           expect=(1,), outputs=["out/mail.xlsx"])
    wb = load_workbook(box / "out/mail.xlsx", read_only=True)
    ledger = [[c for c in row] for row in wb["汇总情况"].iter_rows(values_only=True)]
    text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in ledger)
    assert "long.eml" in text and "traversal.eml" in text and "nested.eml" in text and "garbage.eml" in text
    assert "已汇总 2" in r.stdout, r.stdout  # the long-named and the traversal attachment were both read
    assert not Path("/tmp/evil.xlsx").exists()
    (box / "out/mail.xlsx").unlink()


# --------------------------------------------------------------------------------------
# output gate
# --------------------------------------------------------------------------------------
def test_output_is_never_an_input(box):
    gx(box, "rollup", "in/good.xlsx", "in/good2.xlsx", "--unit", "县", "-o", "in/good2.xlsx", "--force",
       expect=(2,), names=["good2.xlsx"], needle="输出文件不能是输入文件")
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "--roster", "in/roster_book.xlsx", "-o", "in/roster_book.xlsx",
       "--force", expect=(2,), names=["roster_book.xlsx"])
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "--roster", "in/roster.csv", "-o", "in/roster.csv", "--force",
       expect=(2,), names=["roster.csv"])
    gx(box, "rollup", "mail", "--unit", "县", "-o", "mail/long.eml", "--force", expect=(2,), names=["long.eml"])
    gx(box, "validate", "in/good.xlsx", "--annotate", "in/good.xlsx", "--force", expect=(2,), names=["good.xlsx"],
       needle="输出文件不能是输入文件（被校验的工作簿）")  # the role the verb named, not the gate's generic one
    gx(box, "validate", "in/good.xlsx", "--previous", "in/good2.xlsx", "--annotate", "in/good2.xlsx", "--force",
       expect=(2,), names=["good2.xlsx"])
    gx(box, "report", "in/good.xlsx", "-o", "in/good.xlsx", "--force", expect=(2,), names=["good.xlsx"])
    gx(box, "import", "in/good.xlsx", "-o", "in/good.xlsx", "--force", expect=(2,), names=["good.xlsx"])
    gx(box, "export", "in/good.xlsx", "in/good2.xlsx", "-o", "in/good2.xlsx", "--force", expect=(2,), names=["good2.xlsx"])


def test_hard_link_to_an_input_is_an_input(box):
    link = box / "out" / "alias.xlsx"
    os.link(box / "in" / "good.xlsx", link)
    try:
        gx(box, "rollup", "in/good.xlsx", "in/good2.xlsx", "--unit", "县", "-o", "out/alias.xlsx", "--force",
           expect=(2,), names=["alias.xlsx"], needle="输出文件不能是输入文件")
    finally:
        link.unlink()


@pytest.mark.skipif(os.geteuid() != 0, reason="replacing a device node needs root")
def test_device_is_never_replaced_by_an_output(box):
    st = os.stat("/dev/null")
    gx(box, "template", "-o", "/dev/null", "--force", expect=(2,), names=["/dev/null"], needle="不是普通文件")
    gx(box, "validate", "in/good.xlsx", "--annotate", "/dev/full", "--force", expect=(2,), names=["/dev/full"])
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "-o", "/dev/null", "--force", expect=(2,), names=["/dev/null"])
    assert os.stat("/dev/null").st_rdev == st.st_rdev and not Path("/dev/null").is_file()


def test_read_only_folder_and_full_disk(box):
    gx(box, "template", "-o", "readonly/t.xlsx", expect=(2,), nobody=True, names=["readonly/t.xlsx"])
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "-o", "readonly/r.xlsx", expect=(2,), nobody=True,
       names=["readonly/r.xlsx"])
    if Path("/dev/full").exists():
        # a new name inside a "full" folder cannot be simulated without a mount; /dev/full as the target is
        # refused by the output gate before anything is written
        gx(box, "report", "in/good.xlsx", "-o", "/dev/full", "--overwrite", expect=(2,), names=["/dev/full"])


def test_two_writers_of_one_new_output_never_both_succeed(box):
    from gxxl.errors import OutputExistsError
    from gxxl.fileio import atomic_write_bytes

    target = box / "out" / "race.bin"
    atomic_write_bytes(target, b"first", force=False)
    with pytest.raises(OutputExistsError):
        atomic_write_bytes(target, b"second", force=False)
    assert target.read_bytes() == b"first"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    target.unlink()
    out = box / "out" / "race.xlsx"
    procs = [subprocess.Popen([sys.executable, "-m", "gxxl", "rollup", str(box / "in/good.xlsx"), "--unit", "县",
                               "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    results = [p.communicate(timeout=TIMEOUT) + (p.returncode,) for p in procs]
    wrote = [r for r in results if "已写出" in r[0]]
    assert len(wrote) == 1, results
    loser = [r for r in results if "已写出" not in r[0]]
    assert loser[0][2] == 2 and "已存在" in loser[0][1] and "Traceback" not in loser[0][1], results
    out.unlink()


# --------------------------------------------------------------------------------------
# formula injection and terminal escapes
# --------------------------------------------------------------------------------------
def _formulas_with_hostile_text(path: Path) -> list:
    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "f" and any(h in str(c.value) for h in HOSTILE)]


def _hostile_strings(path: Path) -> int:
    wb = load_workbook(path)
    return sum(1 for ws in wb for row in ws.iter_rows() for c in row
               if c.data_type == "s" and isinstance(c.value, str) and any(h in c.value for h in HOSTILE))


def test_user_text_is_never_a_formula_in_any_output(box):
    outs = {
        "annotate": ("validate", "in/formula.xlsx", "--annotate", "out/f_a.xlsx"),
        "report": ("report", "in/formula.xlsx", "--format", "sheet", "-o", "out/f_r.xlsx", "--force"),
        "import": ("import", "in/formula.xlsx", "-o", "out/f_i.xlsx", "--unit", "=4+4"),
        "rollup": ("rollup", "in/formula.xlsx", "in/good.xlsx", "--unit", "=3+3", "--year", "2024",
                   "--include-invalid", "-o", "out/f_o.xlsx"),
    }
    for verb, args in outs.items():
        target = args[args.index("-o") + 1] if "-o" in args else args[-1]
        gx(box, *args, expect=(0, 1), outputs=[target])
        path = box / target
        assert _formulas_with_hostile_text(path) == [], verb
        assert _hostile_strings(path) >= 1, verb  # the text is there, as text
        path.unlink()


def test_control_characters_reach_the_terminal_only_visible(box):
    for args in (("validate", "in/escape.xlsx"), ("validate", "in/escape.xlsx", "--json"),
                 ("rollup", "in/escape.xlsx", "--unit", "县", "-o", "out/esc.xlsx")):
        r = gx(box, *args, expect=(0, 1), outputs=["out/esc.xlsx"])
        assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr, args
        if args[0] == "validate" and "--json" not in args:
            assert "\u241b" in r.stdout, args  # ␛: shown, not executed
    (box / "out/esc.xlsx").unlink()


def test_annotate_on_merged_cells_and_huge_numbers(box):
    gx(box, "validate", "in/merged.xlsx", "--annotate", "out/m.xlsx", expect=(0, 1, 2), outputs=["out/m.xlsx"])
    gx(box, "validate", "in/e308.xlsx", "--annotate", "out/e.xlsx", expect=(1, 2), outputs=["out/e.xlsx"])
    gx(box, "validate", "in/entities.xlsx", "--annotate", "out/x.xlsx", expect=(2,), names=["entities.xlsx"])
    for n in ("m.xlsx", "e.xlsx"):
        if (box / "out" / n).exists():
            (box / "out" / n).unlink()


def test_bad_arguments(box):
    gx(box, "rollup", "in/good.xlsx", "--unit", "县", "-o", "out/x.xlsx", "--jobs", "-3", expect=(2,), needle="--jobs")
    gx(box, "validate", expect=(2,))
    gx(box, "template", "--format", "gov1999", "-o", "out/t.xlsx", expect=(2,), needle="gov1999")


# --------------------------------------------------------------------------------------
# the process pool and signals, on a few hundred generated workbooks
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def many(box):
    folder = box / "many"
    folder.mkdir()
    seeds = [write_filing(_filing(100 + i), box / f"seed{i}.xlsx") for i in range(12)]
    for i in range(MANY):
        shutil.copy(seeds[i % 12], folder / f"u{i:03d}.xlsx")
    for s in seeds:
        s.unlink()
    return folder


def _start_rollup(box, folder, out, *extra, tmp=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp or tempfile.gettempdir()))
    return subprocess.Popen([sys.executable, "-m", "gxxl", "rollup", str(folder), "--unit", "县", "--year", "2024",
                             "-o", str(out), "--jobs", "2", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, preexec_fn=_limits, start_new_session=True)


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(p.name))
    return out


def _wait_for_workers(p, n=1, limit=30.0) -> list[int]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        kids = _children(p.pid)
        if len(kids) >= n:
            return kids
        time.sleep(0.05)
    return []


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_stops_cleanly(box, many, sig, code):
    tmp = _private_tmp()
    out = box / "out" / "sig.xlsx"
    p = _start_rollup(box, many, out, tmp=tmp)
    kids = _wait_for_workers(p, 2)
    assert kids, "the roll-up never started its workers"
    time.sleep(0.3)
    os.killpg(p.pid, sig) if sig == signal.SIGINT else p.send_signal(sig)  # Ctrl-C reaches the whole group
    stdout, stderr = p.communicate(timeout=30)
    assert p.returncode == code, (p.returncode, stderr)
    assert stderr.strip() == "gxxl：已中断，没有写出任何不完整的文件", stderr
    assert "Traceback" not in stdout + stderr
    assert not out.exists()
    time.sleep(0.3)
    assert not [k for k in kids if Path(f"/proc/{k}").exists() and "Z" not in (Path(f"/proc/{k}/stat").read_text().split()[2])]
    _assert_empty_and_remove(tmp, "interrupted roll-up")
    assert not [q for q in (box / "out").iterdir() if q.name.startswith(".sig.xlsx")]


def test_a_killed_worker_marks_its_file_and_the_run_goes_on(box, many):
    out = box / "out" / "killed.xlsx"
    p = _start_rollup(box, many, out)
    kids = _wait_for_workers(p, 2)
    assert kids
    time.sleep(0.2)
    os.kill(kids[0], signal.SIGKILL)  # as the out-of-memory killer would
    stdout, stderr = p.communicate(timeout=TIMEOUT)
    assert p.returncode in (0, 1), stderr
    assert "Traceback" not in stdout + stderr
    wb = load_workbook(out, read_only=True)
    rows = [r for r in wb["汇总情况"].iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert len(rows) == MANY  # every file has its row: none lost with the dead worker
    died = [r for r in rows if any("进程意外终止" in str(c) for c in r if c)]
    assert len(died) <= 1
    out.unlink()


def test_pool_isolates_crashing_items():
    from gxxl.rollup import pool

    results: dict[int, object] = {}
    items = [(i, f"ok{i}") for i in range(120)]
    items[7] = (7, "exit")
    items[50] = (50, "abort")
    items[51] = (51, "kill")
    pool.run(_crashy, items, jobs=2, chunk=8, crashed=lambda a: ("crashed", a), done=results.__setitem__)
    assert len(results) == 120
    assert results[7] == ("crashed", "exit") and results[50] == ("crashed", "abort") and results[51] == ("crashed", "kill")
    assert results[6] == "OK6" and results[52] == "OK52" and results[119] == "OK119"


def test_pool_kills_a_hung_worker():
    from gxxl.rollup import pool

    results: dict[int, object] = {}
    items = [(0, "ok0"), (1, "hang"), (2, "ok2"), (3, "ok3")]
    t0 = time.monotonic()
    pool.run(_crashy, items, jobs=2, chunk=1, crashed=lambda a: ("crashed", a), done=results.__setitem__,
             item_timeout=1.0)
    assert time.monotonic() - t0 < 20
    assert results == {0: "OK0", 1: ("crashed", "hang"), 2: "OK2", 3: "OK3"}


def _crashy(arg: str):
    if arg == "exit":
        os._exit(3)
    if arg == "abort":
        import faulthandler

        faulthandler.disable()  # pytest's handler would print the (intended) abort's stack
        os.abort()
    if arg == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if arg == "hang":
        time.sleep(3600)
    return arg.upper()
