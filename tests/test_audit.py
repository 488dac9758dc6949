"""gxxl audit: the real corpus, a planted set, pages fetched from a local HTTP server, the workbook."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gxxl.audit.planted import planted_set

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

#: defects noted in the corpus's data.json that today's engine shows: page → rules in 问题明细
SHOWN = {
    "002": {"T2-6", "A-3", "A-9"},  # text says 规范性文件 0 but table 4/32; 「12月31止」; paragraph dated 2022
    "008": {"A-8"},  # garbled title 「…政府信息公开 工作告年度报」
    "017": {"A-1"},  # pre-2019 outline 「一、政府信息公开工作的基本情况」
    "029": {"A-1"},  # 2020 report in the pre-2019 outline
    "035": {"A-1", "A-14"},  # 2019 report in the pre-2019 outline; 4792 + 5403 ≠ 10220
    "041": {"A-3"},  # 「内容期限为202011日至20201231」
    "068": {"S-1", "A-10"},  # 2022 report with the 2019 template; every table cell empty
    "038": {"A-10"},  # whole template published with empty cells
    "044": {"T2-1", "A-16"},  # 「减4」 as text; 表三's eight 不予公开 sub-row labels missing before 64 「0」s
    "053": {"A-15"},  # 处理决定数量 40 = 上一年项目数量 21 + 本年增/减 「+19」
    "056": {"A-10", "A-15"},  # 表三 organisation columns blank (not 0); 处理决定数量 = items (22+1=23, 1168+173=1341)
    "065": {"A-16"},  # 表三 rows carry one or two numbers for 7 columns: structure damaged
    "059": {"A-10"},  # 表二 cells filled with 「/」
}
#: noted defects today's engine cannot show yet; move a page to SHOWN when import/check-text can
#: (005/023 text vs text (the same count given twice differently); 050 channel counts overlap —
#:  not a rule, S-10)
PENDING = {"005": {"S-9"}, "023": {"S-9"}}
#: rules that must appear on no other page of the corpus than these (no false alarm)
ONLY_ON = {"A-15": {"053", "056"}, "A-16": {"044", "065"}}


def gxxl(*args, cwd=None, check=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True, env=env,
                       cwd=cwd, timeout=600)
    if check is not None:
        assert p.returncode == check, p.stderr + p.stdout
    return p


def rows(path: Path, sheet: str) -> list[dict]:
    wb = load_workbook(path, read_only=True)
    ws = wb[sheet]
    it = ws.iter_rows(values_only=True)
    next(it)
    head = next(it)
    out = [dict(zip(head, r)) for r in it]
    wb.close()
    return out


# ------------------------------------------------------------------------------------------
def test_corpus_reviewed_and_noted_defects_shown(tmp_path):
    out = tmp_path / "审查结果.xlsx"
    p = gxxl("audit", CORPUS, "-o", out, check=1)
    assert "23 份报告" in p.stdout
    summary = rows(out, "审查汇总")
    assert len(summary) == 23
    assert all(r["评级"] in ("不合格", "需整改", "合格") for r in summary)
    detail = rows(out, "问题明细")
    found: dict[str, set[str]] = {}
    for r in detail:
        page = Path(r["文件"]).parent.name
        found.setdefault(page, set()).add(r["规则"])
    for page, rules in SHOWN.items():
        assert rules <= found.get(page, set()), (page, found.get(page))
    # what is not yet shown stays listed, so the test is tightened when it is
    for page, rules in PENDING.items():
        assert not rules <= found.get(page, set()) or page in SHOWN
    for rule, pages in ONLY_ON.items():
        assert {p for p, rs in found.items() if rule in rs} == pages, rule
    a15 = {Path(r["文件"]).parent.name: r for r in detail if r["规则"] == "A-15"}
    assert "行政许可：21+19=40" in a15["053"]["说明"], a15["053"]
    assert "其他对外管理服务事项：1168+173=1341" in a15["056"]["说明"], a15["056"]
    a16 = {r["单位"].split("/")[0]: r for r in detail if r["规则"] == "A-16"}
    assert a16["065"]["级别"] == "警告" and "表三结构损坏：28个单元格无法对应到栏目" in a16["065"]["说明"], a16
    assert a16["044"]["级别"] == "警告" and "表三结构损坏：63个单元格无法对应到栏目" in a16["044"]["说明"], a16
    # a copy cut short is a note, not missing parts; the imported workbooks are kept beside the output
    assert any(r["规则"] == "A-7" and r["级别"] == "提示" for r in detail)
    kept = list((tmp_path / "审查结果.导入").glob("*.xlsx"))
    assert len(kept) == sum(1 for r in summary if r["导入的工作簿"])
    assert kept


def test_planted_set_caught_exactly(tmp_path):
    expected = planted_set(tmp_path / "pages")
    p = gxxl("audit", tmp_path / "pages", "--json", "--jobs", "1", check=1)
    data = json.loads(p.stdout)
    by_name = {Path(r["file"]).stem: r for r in data["reports"]}
    assert set(by_name) == set(expected)
    for name, rules in expected.items():
        r = by_name[name]
        defects = {f["rule"] for f in r["findings"] if f["severity"] != "info"}
        infos = {f["rule"] for f in r["findings"] if f["severity"] == "info"}
        assert defects == rules, (name, r["findings"])
        assert infos <= {"A-11"}, (name, infos)  # the 2019 page: text not compared (2021 format only)
        assert (r["unit"], r["level"], r["year"]) == ("某县交通运输局", "县级政府部门", 2023)
        states = {k: t["state"] for k, t in r["tables"].items()}
        assert states == ({"T2": "完整", "T3": "未找到", "T4": "完整"} if name == "table_3_missing"
                          else {"T2": "完整", "T3": "完整", "T4": "完整"}), (name, states)
    grades = {n: by_name[n]["grade"] for n in expected}
    assert grades == {"clean": "合格", "shifted_number": "不合格", "template_2019": "不合格",
                      "missing_part_5": "需整改", "published_feb15": "需整改", "text_258_table_275": "需整改",
                      "no_fee_statement": "需整改", "period_last_year": "需整改", "parts_not_adding_up": "需整改",
                      "table_3_missing": "不合格"}
    t = next(f for f in by_name["text_258_table_275"]["findings"] if f["rule"] == "T3-8")
    assert (t["reported"], t["computed"]) == (258, 275)


def test_workbook_rows_charts_and_print_setup(tmp_path):
    planted_set(tmp_path / "pages")
    out = tmp_path / "审查结果.xlsx"
    gxxl("audit", tmp_path / "pages", "-o", out, check=1)
    wb = load_workbook(out)
    assert wb.sheetnames[:3] == ["审查汇总", "问题明细", "统计"]
    ws = wb["审查汇总"]
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$2"
    assert len(wb["统计"]._charts) == 3
    detail = rows(out, "问题明细")
    feb = next(r for r in detail if r["规则"] == "A-4")
    assert "2024-02-15" in feb["原文"] and feb["页面位置"].startswith("第")
    text = next(r for r in detail if r["规则"] == "T3-8")
    assert "258件" in text["原文"] and (text["文中数值"], text["统计表数值"]) == (258, 275)
    # the output exists: not overwritten without --force
    p = gxxl("audit", tmp_path / "pages", "-o", out, check=2)
    assert "已存在" in p.stderr and "Traceback" not in p.stderr


def test_page_text_is_never_a_formula(tmp_path):
    from gxxl.audit.core import PageAudit
    from gxxl.audit.grades import load_grades
    from gxxl.audit.output import AuditBook
    from gxxl.audit.rules import RULE_BY_ID

    evil = '=HYPERLINK("http://127.0.0.1/x","点击")'
    a = PageAudit(index=0, source="page.html", file="page.html", unit=evil, year=2023, format_id="gov2021",
                  findings=[RULE_BY_ID["A-3"].finding(where="第1行", quote=evil + "\x07", said=evil, why="无法识别起止日期", year=2023)])
    a.grade = "需整改"
    book = AuditBook(load_grades())
    book.add(a)
    out = book.save(tmp_path / "x.xlsx", force=True)
    wb = load_workbook(out)
    unit = wb["审查汇总"]["B3"]
    assert unit.value == evil and unit.data_type == "s"
    quote = wb["问题明细"]["H3"]
    assert quote.value.startswith(evil) and "\x07" not in quote.value and quote.data_type == "s"


def test_urls_fetched_from_local_server_saved_and_failures_are_rows(tmp_path):
    site = tmp_path / "site"
    planted_set(site)
    (site / "huge.html").write_bytes(b"<html><body>" + b"x" * 600_000 + b"</body></html>")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        closed = _closed_port()
        urls = tmp_path / "网址.txt"
        urls.write_text("# 某县各部门年报\n"
                        f"{base}/clean.html\n{base}/published_feb15.html\n{base}/missing.html\n"
                        f"http://127.0.0.1:{closed}/x.html\n{base}/huge.html\n", encoding="utf-8")
        out = tmp_path / "out" / "审查结果.xlsx"
        gxxl("audit", urls, "-o", out, "--delay", "0", "--timeout", "5", "--max-size", "500", check=1)
    finally:
        server.shutdown()
        server.server_close()
    summary = rows(out, "审查汇总")
    assert [r["来源"] for r in summary][:2] == [f"{base}/clean.html", f"{base}/published_feb15.html"]
    assert [r["评级"] for r in summary] == ["合格", "需整改", "不合格", "不合格", "不合格"]
    detail = rows(out, "问题明细")
    failures = [r["说明"] for r in detail if r["规则"] == "A-0"]
    assert len(failures) == 3 and "HTTP 404" in failures[0] and "下载失败" in failures[1] and "过大" in failures[2]
    saved = out.parent / "审查结果.网页"
    assert len(list(saved.glob("*.html"))) == 2
    index = (saved / "网址对照.tsv").read_text("utf-8")
    assert f"{base}/published_feb15.html" in index and "HTTP 404" in index
    # the same review offline, from the saved copies: same findings, the URL still shown
    again = tmp_path / "again.xlsx"
    gxxl("audit", saved, "-o", again, check=1)
    offline = rows(again, "审查汇总")
    assert [r["评级"] for r in offline] == ["合格", "需整改"]
    assert offline[1]["来源"] == f"{base}/published_feb15.html"


def test_grades_table_can_be_replaced(tmp_path):
    planted_set(tmp_path / "pages")
    strict = tmp_path / "严格.toml"
    strict.write_text('[[grade]]\nname = "不合格"\nrules = ["A-4", "S-1"]\n\n[[grade]]\nname = "需整改"\n'
                      'severities = ["error", "warning"]\n\n[[grade]]\nname = "合格"\n', encoding="utf-8")
    p = gxxl("audit", tmp_path / "pages", "--json", "--grades", strict, check=1)
    grades = {Path(r["file"]).stem: r["grade"] for r in json.loads(p.stdout)["reports"]}
    assert grades["published_feb15"] == "不合格" and grades["shifted_number"] == "需整改"
    bad = tmp_path / "bad.toml"
    bad.write_text('[[grade]]\nname = "不合格"\nkinds = ["不存在的类别"]\n', encoding="utf-8")
    p = gxxl("audit", tmp_path / "pages", "--json", "--grades", bad, check=2)
    assert str(bad) in p.stderr and "不存在的类别" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.libreoffice
def test_workbook_renders_in_libreoffice(tmp_path, soffice):
    from gxxl import lo

    out = tmp_path / "审查结果.xlsx"
    gxxl("audit", CORPUS, "-o", out, check=1)
    pdf = lo.to_pdf(out, tmp_path)
    pngs = lo.pdf_to_pngs(pdf, tmp_path / "png", dpi=50)
    assert len(pngs) >= 3
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "年报审查" in text and "问题类别" in text and "评级" in text
    # a kept imported workbook opens in LibreOffice too, with the page's figures
    kept = sorted((tmp_path / "审查结果.导入").glob("*_002_*.xlsx"))[0]
    pdf = lo.to_pdf(kept, tmp_path / "kept")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "行政规范性文件" in text and "32" in text


# ------------------------------------------------------------------------------------------
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _closed_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_fast_imported_workbook_is_the_import_workbook(tmp_path):
    """The kept workbooks (gxxl.audit.fastbook) hold what `gxxl import` writes: cover, values,
    texts, which cells the page lacked, the 导入说明 rows, links, header and print areas."""
    from gxxl.audit import fastbook
    from gxxl.importer import import_source, write_import
    from gxxl.reader import read_filing

    planted_set(tmp_path / "pages")
    pages = [tmp_path / "pages" / "clean.html", tmp_path / "pages" / "template_2019.html"]
    pages += [CORPUS / n / "page.txt" for n in ("002", "020", "044", "056", "068")]
    for i, page in enumerate(pages):
        result = import_source(page)
        slow = write_import(result, tmp_path / f"slow{i}.xlsx")
        fast = fastbook.write_fast(result, tmp_path / f"fast{i}.xlsx")
        assert fastbook._CHECKED[result.filing.spec_id]  # the runtime self-check agreed
        fast = tmp_path / f"fast{i}b.xlsx"
        fast.write_bytes(fastbook.workbook_bytes(result))  # the fast path itself, not the checked copy
        a, b = read_filing(slow), read_filing(fast)
        assert (a.spec_id, a.cover, a.values, a.problems, a.meta) == (b.spec_id, b.cover, b.values, b.problems, b.meta)
        assert fastbook.describe(slow.read_bytes()) == fastbook.describe(fast.read_bytes()), page


def test_odd_files_are_rows_not_stops(tmp_path):
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "empty.html").write_bytes(b"")
    (odd / "junk.html").write_bytes(bytes(range(256)) * 20)
    (odd / "scan.pdf").write_bytes(b"%PDF-1.4\n%junk")
    (odd / "broken.docx").write_bytes(b"PK\x03\x04garbage")
    (odd / "deep.html").write_text("<html><body>" + "<table>" * 5000 + "</body></html>", encoding="utf-8")
    (odd / "note.txt").write_text("这是一份会议通知，与年报无关。", encoding="utf-8")
    planted_set(odd / "ok")
    p = gxxl("audit", odd, "--json", check=1)
    assert "Traceback" not in p.stderr
    reports = {Path(r["source"]).name: r for r in json.loads(p.stdout)["reports"]}
    for name, rule in (("empty.html", "A-0"), ("scan.pdf", "A-0"), ("broken.docx", "A-0"), ("deep.html", "A-0"),
                       ("junk.html", "A-13"), ("note.txt", "A-13")):
        assert [f["rule"] for f in reports[name]["findings"]] == [rule], (name, reports[name]["findings"])
        assert reports[name]["grade"] == "不合格"
    assert reports["clean.html"]["grade"] == "合格"


def test_ctrl_c_leaves_no_half_written_output(tmp_path):
    import shutil
    import signal
    import time

    planted_set(tmp_path / "proto")
    pages = tmp_path / "pages"
    pages.mkdir()
    protos = sorted((tmp_path / "proto").glob("*.html"))
    for i in range(400):
        shutil.copyfile(protos[i % len(protos)], pages / f"{i:04d}.html")
    out = tmp_path / "审查结果.xlsx"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "gxxl", "audit", str(pages), "-o", str(out), "--jobs", "2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    kept = tmp_path / "审查结果.导入"
    deadline = time.time() + 120
    while time.time() < deadline and (not kept.is_dir() or len(list(kept.glob("*.xlsx"))) < 5):
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "已中断" in err and "Traceback" not in err
    assert not out.exists()
    assert not [f for f in tmp_path.rglob("*") if f.name.endswith(".tmp")]
    for wb in kept.glob("*.xlsx"):  # every workbook that is there is whole
        load_workbook(wb, read_only=True).close()




@pytest.mark.libreoffice
def test_text_pdf_pages_audited(tmp_path, soffice):
    """Published PDFs (text-based; here printed from the planted pages by LibreOffice)."""
    from gxxl import lo

    expected = planted_set(tmp_path / "html")
    # the cover of a PDF page comes from its text; these do not depend on the unit or its level
    names = ("clean", "shifted_number", "template_2019", "missing_part_5", "no_fee_statement", "text_258_table_275")
    for name in names:
        lo.convert(tmp_path / "html" / f"{name}.html", "pdf", tmp_path / "pdf")
    p = gxxl("audit", tmp_path / "pdf", "--json", "--no-workbooks", check=1)
    by_name = {Path(r["file"]).stem: r for r in json.loads(p.stdout)["reports"]}
    for name in names:
        defects = {f["rule"] for f in by_name[name]["findings"] if f["severity"] != "info"}
        assert defects == expected[name], (name, by_name[name]["findings"])


def test_mhtml_web_archive_as_browsers_save_it(tmp_path):
    import quopri

    planted_set(tmp_path / "html")
    html = (tmp_path / "html" / "published_feb15.html").read_bytes()
    b = "----MultipartBoundary--gxxl----"
    archive = (
        "From: <Saved by Blink>\r\nSnapshot-Content-Location: http://127.0.0.1/report.html\r\nSubject: report\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{b}"\r\n\r\n'
        f"--{b}\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n"
        "Content-Location: http://127.0.0.1/report.html\r\n\r\n"
        + quopri.encodestring(html).decode("ascii").replace("\n", "\r\n") + f"\r\n--{b}--\r\n"
    )
    page = tmp_path / "pages" / "report.mhtml"
    page.parent.mkdir()
    page.write_text(archive, encoding="ascii", newline="")
    p = gxxl("audit", page.parent, "--json", check=1)
    (r,) = json.loads(p.stdout)["reports"]
    assert r["file"] == str(page) and r["unit"] == "某县交通运输局"
    assert [f["rule"] for f in r["findings"]] == ["A-4"]


# ------------------------------------------------------------------------------------------
def test_decisions_as_items_needs_every_row_and_a_change():
    """A-15 fires only when 处理决定数量 = 上一年项目数量 + 本年增/减 in every row where the three are
    published and the sum is not 0, and one such row has a nonzero 增/减; never on the sample workbooks."""
    from gxxl.audit.core import _decisions_as_items
    from gxxl.importer import import_source
    from gxxl.reader import read_filing

    filing = import_source(CORPUS / "056" / "page.txt").filing
    found = _decisions_as_items(filing, set(), "056")
    assert [f.rule for f in found] == ["A-15"] and found[0].severity == "warning"
    assert "行政许可：22+1=23" in found[0].message and "1168+173=1341" in found[0].message
    assert "T2.services.decisions" in found[0].cells
    v = dict(filing.values)

    def fires(**changes) -> bool:
        return bool(_decisions_as_items(filing.model_copy(update={"values": {**v, **changes}}), set(), "x"))

    assert not fires(**{"T2.services.decisions": 900})  # one row holds a real number of decisions
    assert not fires(**{"T2.licensing.change": 0, "T2.licensing.decisions": 22,
                        "T2.services.change": 0, "T2.services.decisions": 1168})  # no 增/减 at all
    assert fires(**{"T2.services.change": None})  # a row not published is left out, the other still shows it
    assert not fires(**{"T2.services.change": None, "T2.licensing.change": "减4"})  # text is never a number
    assert not _decisions_as_items(filing, {"T2.licensing.change", "T2.services.change"}, "x")  # cut off
    for book in sorted((ROOT / "workbooks").glob("*.xlsx")):
        assert _decisions_as_items(read_filing(book), set(), str(book)) == [], book
