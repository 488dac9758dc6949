"""Red team, second pass over the merged product: each case is a real ``python -m gxxl``
run on a real file (sample workbooks, generated workbooks, hostile files built here)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "示例县_01_人民政府办公室.xlsx"


def gx(cwd: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "gxxl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def no_traceback(r: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr


# a refused run with --json: stdout is still one JSON object naming the problem
JSON_REFUSALS = [
    ("validate", "missing.xlsx"),
    ("validate", "empty.xlsx", "--annotate", "empty.xlsx"),
    ("rollup", "missing.xlsx", "--unit", "县", "-o", "r.xlsx"),
    ("report", "missing.xlsx", "-o", "r.docx"),
    ("report", "empty.xlsx", "-o", "r.docx"),
    ("check-text", "empty.xlsx"),
    ("import", "empty.xlsx", "-o", "i.xlsx"),
    ("audit", "missing.html", "-o", "a.xlsx"),
    ("export", "missing.xlsx", "-o", "e.csv"),
]


@pytest.mark.parametrize("args", JSON_REFUSALS, ids=lambda a: " ".join(a))
def test_json_is_json_even_when_the_run_is_refused(tmp_path, args):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    r = gx(tmp_path, *args, "--json")
    no_traceback(r)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    payload = json.loads(r.stdout)
    assert payload["exit_code"] == 2
    name = args[1]
    assert name in payload["error"] and name in r.stderr  # the file is named on both channels
    assert r.stderr.startswith("gxxl：")
    assert not [p.name for p in tmp_path.iterdir() if p.name != "empty.xlsx"]  # nothing written


# a file name that is not UTF-8 on disk (GBK 「示例」 from an old system): every verb reads
# it and every output names it readably (it used to crash export, import, audit, rollup)
GBK_NAME = b"gbk_\xca\xbe\xc0\xfd.xlsx"


@pytest.fixture()
def gbk_box(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    src = os.path.join(os.fsencode(inbox), GBK_NAME)
    with open(src, "wb") as fh:
        fh.write(SAMPLE.read_bytes())
    return tmp_path, os.fsdecode(src)


@pytest.mark.parametrize("verb, out", [
    ("export", "e.csv"), ("export", "e.xlsx"), ("import", "i.xlsx"), ("audit", "a.xlsx"),
    ("rollup", "r.xlsx"), ("validate", "v.xlsx"), ("report", "p.html"), ("report", "p.xlsx"),
])
def test_non_utf8_file_name_in_every_output(gbk_box, verb, out):
    tmp, src = gbk_box
    before = sha(Path(src))
    extra = {"rollup": ["--unit", "县"], "validate": []}.get(verb, [])
    flag = "--annotate" if verb == "validate" else "-o"
    r = gx(tmp, verb, src, *extra, flag, out)
    no_traceback(r)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    if verb == "validate":  # the terminal shows the name readably, not as 「gbk_ʾ??」
        assert "gbk_示例.xlsx" in r.stdout
    assert sha(Path(src)) == before
    target = tmp / out
    if out.endswith(".csv"):
        assert "gbk_示例.xlsx" in target.read_bytes().decode("utf-8-sig")
    elif verb in ("export", "audit", "rollup"):
        from openpyxl import load_workbook

        texts = [c for ws in load_workbook(target).worksheets for row in ws.iter_rows(values_only=True)
                 for c in row if isinstance(c, str)]
        assert any("gbk_示例.xlsx" in t for t in texts), texts[:20]
    else:
        assert target.stat().st_size > 0
    assert not list(tmp.glob("*.tmp")) and not list(tmp.glob(".*gxxl*"))


def _far_reference(dst: Path) -> Path:
    """The sample workbook with one cell far beyond Excel's last cell (XFE1048577):
    python-calamine panics (「capacity overflow」) on such a sheet."""
    import zipfile

    with zipfile.ZipFile(SAMPLE) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet3.xml":
                data = data.replace(b"</sheetData>",
                                    b'<row r="1048577"><c r="XFE1048577"><v>1</v></c></row></sheetData>')
            zout.writestr(info, data)
    return dst


def test_import_and_audit_refuse_a_far_cell_reference_before_calamine(tmp_path):
    src = _far_reference(tmp_path / "far.xlsx")
    before = sha(src)
    r = gx(tmp_path, "import", "far.xlsx", "-o", "i.xlsx")
    no_traceback(r)
    assert r.returncode == 2
    assert r.stderr.startswith("gxxl：far.xlsx：") and "XFE1048577" in r.stderr and "不予读取" in r.stderr
    assert not (tmp_path / "i.xlsx").exists()
    r = gx(tmp_path, "audit", "far.xlsx", "-o", "a.xlsx", "--json")
    no_traceback(r)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)["reports"][0]
    assert report["grade"] == "不合格"
    assert [f["rule"] for f in report["findings"]] == ["A-0"] and "XFE1048577" in report["findings"][0]["message"]
    assert sha(src) == before


def _verbs() -> list[list[str]]:
    from gxxl.cli import VERBS

    return [[v] for v in VERBS] + [["addin", "build"], ["addin", "install"]]


@pytest.mark.parametrize("verb", _verbs(), ids=" ".join)
def test_help_of_every_verb_is_chinese(tmp_path, verb):
    r = gx(tmp_path, *verb, "--help")
    no_traceback(r)
    assert r.returncode == 0
    assert r.stdout.startswith("用法：gxxl " + " ".join(verb)), r.stdout[:80]
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in r.stdout
    assert "选项" in r.stdout


def test_send_names_a_file_given_as_the_feedback_folder(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(SAMPLE.read_bytes())
    r = gx(tmp_path, "send", "a.xlsx", "--dry-run")
    no_traceback(r)
    assert r.returncode == 2
    assert r.stderr.startswith("gxxl：a.xlsx：这是一个文件，不是文件夹")  # not 「文件夹不存在」
    r = gx(tmp_path, "send", "missing", "--dry-run")
    assert r.returncode == 2 and "missing：文件夹不存在" in r.stderr


def test_check_text_reads_every_sentence_of_a_generated_pdf(tmp_path, soffice):
    """pdfplumber puts spaces around Latin digits (「申请 52 件，上年结转」): such prose lines were
    dropped as table rows, so check-text saw sentence fragments across a page break and
    reported 「予以公开的占比写为1.8%」 against gxxl's own report of the same workbook."""
    wb = tmp_path / "a.xlsx"
    wb.write_bytes(SAMPLE.read_bytes())
    r = gx(tmp_path, "report", "a.xlsx", "-o", "r.pdf", timeout=300)
    assert r.returncode == 0, r.stderr
    r = gx(tmp_path, "check-text", "r.pdf", "--against", "a.xlsx", "--json")
    no_traceback(r)
    payload = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout
    assert [f for f in payload["findings"] if f["severity"] != "info"] == []
    assert payload["claims"] >= 30 and payload["contradictions"] == 0  # every statement, not a handful


@pytest.mark.parametrize("against", [False, True])
def test_check_text_ignores_the_charts_of_a_generated_html_report(tmp_path, against):
    """The inline SVG charts of ``report -o .html`` (title, description, axis labels) were
    read as one paragraph: a false S-9 「所列结果之和为3件，比总数多3件」 on gxxl's own report."""
    (tmp_path / "a.xlsx").write_bytes(SAMPLE.read_bytes())
    r = gx(tmp_path, "report", "a.xlsx", "-o", "r.html")
    assert r.returncode == 0, r.stderr
    assert "<svg" in (tmp_path / "r.html").read_text(encoding="utf-8")  # the charts are there
    r = gx(tmp_path, "check-text", "r.html", *(["--against", "a.xlsx"] if against else []), "--json")
    no_traceback(r)
    payload = json.loads(r.stdout)
    assert r.returncode == 0, payload["findings"]
    assert payload["findings"] == [] and payload["arithmetic_checked"] >= 10
    if against:
        assert payload["claims"] >= 30 and payload["contradictions"] == 0


def _closed_port() -> int:
    import socket

    with socket.socket() as s:  # bound and closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_audit_url_list_with_odd_addresses(tmp_path):
    """A list with one ftp:/file: line was audited as a 「page」 (A-13 不像是年报); a malformed
    address (「http://[::1」) crashed the run with a ValueError traceback."""
    port = _closed_port()
    urls = [f"http://127.0.0.1:{port}/a.html", "http://127.0.0.1:port/", "ftp://127.0.0.1/a",
            "file:///etc/passwd", "http://[::1"]
    (tmp_path / "网址.txt").write_text("# 审查名单\n" + "\n".join(urls) + "\n", encoding="utf-8")
    r = gx(tmp_path, "audit", "网址.txt", "-o", "a.xlsx", "--delay", "0", "--timeout", "5", "--json")
    no_traceback(r)
    assert r.returncode == 1, r.stderr
    reports = json.loads(r.stdout)["reports"]
    assert [x["source"] for x in reports] == urls
    messages = [[f["message"] for f in x["findings"] if f["rule"] == "A-0"] for x in reports]
    assert all(len(m) == 1 for m in messages), messages
    assert "连接被拒绝" in messages[0][0]
    assert "网址格式不对" in messages[1][0] and "网址格式不对" in messages[4][0]
    assert "只支持 http/https 网址" in messages[2][0] and "只支持 http/https 网址" in messages[3][0]
    r = gx(tmp_path, "audit", "http://[::1", "-o", "b.xlsx", "--delay", "0")
    no_traceback(r)
    assert r.returncode == 1 and (tmp_path / "b.xlsx").exists()


def _processes_mentioning(needle: str) -> list[int]:
    """Processes whose command line contains ``needle`` (soffice.bin names its profile folder)."""
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if needle.encode() in (p / "cmdline").read_bytes():
                    found.append(int(p.name))
            except OSError:
                continue
    return found


def test_ctrl_c_during_pdf_conversion_stops_soffice_and_leaves_no_temp_files(tmp_path, soffice):
    """soffice runs in its own session, so Ctrl-C never reached it: gxxl removed its profile
    while it kept running, and the profile and soffice's lu*.tmp files stayed in /tmp."""
    import signal
    import time

    (tmp_path / "a.xlsx").write_bytes(SAMPLE.read_bytes())
    private = tmp_path / "tmp"
    private.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(private))
    p = subprocess.Popen([sys.executable, "-m", "gxxl", "report", "a.xlsx", "-o", "r.pdf"], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    kids: list[int] = []
    while not kids and p.poll() is None and time.monotonic() < deadline:
        kids = _processes_mentioning(str(private))  # soffice with its profile in our TMPDIR
        time.sleep(0.02)
    assert kids, "soffice never started"
    time.sleep(0.3)  # soffice is converting
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    no_traceback(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    assert p.returncode == 130, err
    assert "已中断" in err
    assert not (tmp_path / "r.pdf").exists()
    time.sleep(0.5)
    assert _processes_mentioning(str(private)) == []  # soffice stopped with gxxl
    assert list(private.iterdir()) == []  # no gxxl-lo-profile-*, no lu*.tmp
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.xlsx", "tmp"]


def test_check_text_names_an_empty_file_and_lists_pdf(tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "draft.abc").write_text("x", encoding="utf-8")
    r = gx(tmp_path, "check-text", "empty.xlsx")
    no_traceback(r)
    assert r.returncode == 2 and r.stderr.startswith("gxxl：empty.xlsx：文件为空（0 字节）")
    r = gx(tmp_path, "check-text", "draft.abc")
    assert r.returncode == 2 and ".pdf" in r.stderr and "draft.abc" in r.stderr


def test_markdown_report_does_not_pass_html_from_the_unit_name(seed_filing, write, tmp_path):
    """A unit name is text in every output: the Markdown report (often pasted into a CMS that
    renders HTML) escapes it in the title and headings as the HTML report does."""
    import gxxl

    seed_filing.cover["unit_name"] = '<script>alert("x")</script>某区人民政府办公室'
    src = write(seed_filing, "unit.xlsx")
    out = tmp_path / "报告.md"
    gxxl.report(src, out)
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text.splitlines()[0]
