"""The ribbon actions against a real xlwings Book (xlwings' remote engine), replayed onto the file.

Each test builds the payload of a fixture workbook, runs the action through the
dispatcher exactly as the ribbon does (``run(tag, book)``), replays ``book.json()`` onto
the .xlsx with openpyxl and asserts on the file: values, fills, notes, names, sheets
and the message boxes.
"""

from __future__ import annotations

from copy import copy

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine, tests only

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment

from gxxl.annotate import marks
from gxxl.findings import RESULT_HEADERS, RESULTS_SHEET, note_text, result_row, status_line
from gxxl.layout import cell_positions, cover_status_row, sheet_ref
from gxxl.reader import read_filing
from gxxl.samples import seed004_filing
from gxxl.spec import get_spec
from gxxl.validate import validate
from test_excel_harness import fill_of, open_book, replay

ROOT = Path(__file__).resolve().parents[1]
SPEC = get_spec()
T3 = "表三 依申请公开"
ERROR, WARNING, SUSPECT, INPUT = "FFC7CE", "FFEB9C", "FF7C80", "FFF2CC"

#: the planted fixture: what is wrong, and the cells that must be marked (location → fill)
PLANTED_MARKS = {
    "封面!B6": ERROR,                 # C-2 行政层级「乡镇」 is not in the list
    f"{T3}!D7": ERROR,                # T3-1 自然人列 (anchored at 新收)
    f"{T3}!D30": SUSPECT,             # T3-2 + X-1: (七)总计·自然人 is the planted typo
    f"{T3}!J30": ERROR,               # T3-3 (七)总计 row
    f"{T3}!E11": ERROR,               # T3-4 「无」 is not a number
    "表四 复议诉讼!E7": ERROR,         # T4-1 行政复议 总计 +1
    "表二 主动公开!B17": WARNING,      # T2-1 收费金额 left blank
}


@pytest.fixture(autouse=True)
def user_dir(tmp_path, monkeypatch):
    """Keep the add-in's log and generated files inside the test's folder."""
    d = tmp_path / "gxxl-user"
    monkeypatch.setenv("GXXL_USER_DIR", str(d))
    return d


def planted_filing():
    f = seed004_filing()
    f.values["T3.total.np"] += 1
    f.values["T4.review.total"] += 1
    f.values["T3.deny_1.be"] = None
    f.problems["T3.deny_1.be"] = ("text", "无")
    f.values["T2.fee.amount"] = None
    f.cover["level"] = "乡镇"
    return f


@pytest.fixture
def planted(write) -> Path:
    return write(planted_filing(), "planted.xlsx")


from gxxl.formulas import SHEET as SELF_CHECK_SHEET  # noqa: E402


@pytest.fixture
def plain(planted) -> Path:
    """The planted workbook without the template's self-check: a plain status cell gxxl writes."""
    wb = load_workbook(planted)
    assert SELF_CHECK_SHEET in wb.sheetnames  # the template checks itself
    del wb[SELF_CHECK_SHEET]
    wb["封面"].cell(cover_status_row(SPEC), 2).value = None
    wb.save(planted)
    return planted


def act(path: Path, tag: str) -> tuple:
    """Run a ribbon action on the workbook at ``path`` and replay it: (openpyxl workbook, alerts, rc)."""
    from gxxl.excel.dispatch import run

    book = open_book(path)
    rc = run(tag, book)
    wb, alerts = replay(path, book.json())
    return wb, alerts, rc


def input_locations(wb) -> list[str]:
    pos = cell_positions(SPEC)
    return [sheet_ref(*pos[c]) for c in SPEC.cells]


def cell(wb, loc: str):
    sheet, ref = loc.rsplit("!", 1)
    return wb[sheet][ref]


def gxxl_names(wb) -> dict[str, str]:
    return {n: d.attr_text for n, d in wb.defined_names.items() if n.startswith("_gxxl_mark_")}


def state(wb) -> dict:
    """Everything gxxl may change, for comparing two runs."""
    out = {"sheets": wb.sheetnames, "names": gxxl_names(wb)}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.comment is not None or fill_of(c):
                    out[f"{ws.title}!{c.coordinate}"] = (c.value, fill_of(c), c.comment.text if c.comment else None)
    return out


# --------------------------------------------------------------------------------------
# 校验本表
# --------------------------------------------------------------------------------------
def test_validate_marks_exactly_the_planted_cells(planted) -> None:
    expected = validate(read_filing(planted))
    wb, alerts, rc = act(planted, "validate")
    assert rc == 0
    painted = {loc: fill_of(cell(wb, loc)) for loc in input_locations(wb) + ["封面!B6"]
               if fill_of(cell(wb, loc)) != INPUT}
    assert painted == PLANTED_MARKS
    plan = marks(expected)
    for loc in PLANTED_MARKS:
        assert cell(wb, loc).comment.text == note_text(plan[loc][1])
    noted = {f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment}
    assert noted == set(PLANTED_MARKS)
    # one hidden name per mark, pointing at it, recording the template's yellow and the note
    names = gxxl_names(wb)
    assert len(names) == len(PLANTED_MARKS)
    assert all(n.endswith(f"_{INPUT}_1") for n in names)
    assert {v.replace("$", "").replace("'", "") for v in names.values()} == set(PLANTED_MARKS)
    # the message box (the status cell: see the tests below)
    assert status_line(expected) == "校验：6处错误，1处警告"
    (alert,) = alerts
    assert alert["mode"] == "critical" and alert["title"] == "政务公开年报 · 校验本表"
    assert "6处错误，1处警告" in alert["prompt"] and RESULTS_SHEET in alert["prompt"]
    assert wb.active.title == RESULTS_SHEET


def test_status_line_on_a_plain_cover(plain) -> None:
    wb, _, _ = act(plain, "validate")
    assert wb["封面"].cell(cover_status_row(SPEC), 2).value == "校验：6处错误，1处警告"
    wb, _, _ = act(plain, "clear")
    assert wb["封面"].cell(cover_status_row(SPEC), 2).value is None


def test_a_self_checking_status_formula_is_left_alone(planted) -> None:
    before = load_workbook(planted)["封面"].cell(cover_status_row(SPEC), 2).value
    assert str(before).startswith("=")  # the template's status cell is a formula
    wb, _, _ = act(planted, "validate")
    assert wb["封面"].cell(cover_status_row(SPEC), 2).value == before
    wb, _, _ = act(planted, "clear")
    assert wb["封面"].cell(cover_status_row(SPEC), 2).value == before


def test_results_sheet_rows_and_links(planted) -> None:
    expected = validate(read_filing(planted))
    wb, _, _ = act(planted, "validate")
    assert wb.sheetnames.count(RESULTS_SHEET) == 1
    rows = [list(r) for r in wb[RESULTS_SHEET].iter_rows(values_only=True)]
    assert rows[0] == list(RESULT_HEADERS)
    assert len(rows) == len(expected) + 1
    for i, (f, row) in enumerate(zip(expected, rows[1:]), start=1):
        want = result_row(i, f)
        sheet, ref = f.locations[0].rsplit("!", 1)
        assert row[3] == f'=HYPERLINK("#\'{sheet}\'!{ref}","{want[3]}")'
        assert [v if v is not None else "" for v in row[:3] + row[4:]] == want[:3] + want[4:]
    assert wb[RESULTS_SHEET]["A1"].font.bold
    assert wb[RESULTS_SHEET]["H2"].alignment.wrap_text


def test_validating_twice_leaves_no_stale_marks(planted, tmp_path) -> None:
    act(planted, "validate")
    # the clerk fixes two things: 表四 总计 and the 行政层级
    wb = load_workbook(planted)
    wb["表四 复议诉讼"]["E7"].value -= 1
    wb["封面"]["B6"].value = "县级政府部门"
    wb.save(planted)
    wb, alerts, rc = act(planted, "validate")
    fixed = ["表四 复议诉讼!E7", "封面!B6"]
    for loc in fixed:
        assert fill_of(cell(wb, loc)) == INPUT, loc
        assert cell(wb, loc).comment is None, loc
    still = {k: v for k, v in PLANTED_MARKS.items() if k not in fixed}
    for loc, fill in still.items():
        assert fill_of(cell(wb, loc)) == fill
        assert cell(wb, loc).comment is not None
    assert {v.replace("$", "").replace("'", "") for v in gxxl_names(wb).values()} == set(still)
    assert all(n.endswith(f"_{INPUT}_1") for n in gxxl_names(wb))  # the original fill survives repainting
    rows = list(wb[RESULTS_SHEET].iter_rows(values_only=True))
    assert len(rows) == 1 + len(validate(read_filing(planted)))
    assert wb.sheetnames.count(RESULTS_SHEET) == 1
    assert "4处错误，1处警告" in alerts[0]["prompt"]


def test_validating_an_unchanged_book_twice_gives_the_same_book(planted, tmp_path) -> None:
    wb1, _, _ = act(planted, "validate")
    first = state(wb1)
    wb2, _, _ = act(planted, "validate")
    assert state(wb2) == first


def test_all_fixed_then_everything_is_clean(plain) -> None:
    planted = plain
    act(planted, "validate")
    good = seed004_filing()
    wb = load_workbook(planted)
    pos = cell_positions(SPEC)
    for code in ("T3.total.np", "T4.review.total", "T3.deny_1.be", "T2.fee.amount"):
        sheet, r, c = pos[code]
        wb[sheet].cell(r, c).value = good.values[code]
    wb["封面"]["B6"].value = good.cover["level"]
    wb.save(planted)
    wb, alerts, _ = act(planted, "validate")
    assert not gxxl_names(wb)
    for loc in PLANTED_MARKS:
        assert fill_of(cell(wb, loc)) == INPUT and cell(wb, loc).comment is None
    assert wb["封面"].cell(cover_status_row(SPEC), 2).value == "校验：通过"
    assert list(wb[RESULTS_SHEET].iter_rows(values_only=True))[1][-1] == "校验通过，未发现问题"
    assert alerts[0]["mode"] == "info" and alerts[0]["prompt"].startswith("校验通过")


def test_a_clerks_own_note_is_never_touched(planted) -> None:
    wb = load_workbook(planted)
    wb["表四 复议诉讼"]["E7"].comment = Comment("含上年结转的2件，已与法制科核对", "张敏")
    wb.save(planted)
    wb, _, _ = act(planted, "validate")
    e7 = wb["表四 复议诉讼"]["E7"]
    assert fill_of(e7) == ERROR
    assert e7.comment.text == "含上年结转的2件，已与法制科核对"
    (name,) = [n for n, v in gxxl_names(wb).items() if v.endswith("$E$7")]
    assert name.endswith("_0")  # gxxl did not add this note
    wb, _, _ = act(planted, "clear")
    e7 = wb["表四 复议诉讼"]["E7"]
    assert fill_of(e7) == INPUT and e7.comment.text == "含上年结转的2件，已与法制科核对"


def test_a_mark_is_found_where_its_name_points(planted) -> None:
    """Excel moves a name with its cell when rows are inserted; clearing follows the name."""
    act(planted, "validate")
    wb = load_workbook(planted)
    (name,) = [n for n, v in gxxl_names(wb).items() if v.endswith("$E$7")]
    ws = wb["表四 复议诉讼"]
    # as if the cell had moved one row down with its fill, note and name
    ws["E8"].fill, ws["E8"].comment = copy(ws["E7"].fill), Comment(ws["E7"].comment.text, "gxxl")
    ws["E7"].fill, ws["E7"].comment = copy(ws["E6"].fill), None
    wb.defined_names[name].attr_text = "'表四 复议诉讼'!$E$8"
    wb.save(planted)
    wb, _, _ = act(planted, "clear")
    assert fill_of(wb["表四 复议诉讼"]["E8"]) == INPUT and wb["表四 复议诉讼"]["E8"].comment is None


@pytest.mark.parametrize("variant", ["planted", "plain"])
def test_clear_removes_everything_gxxl_wrote(variant, request) -> None:
    planted = request.getfixturevalue(variant)
    before = state(load_workbook(planted))
    act(planted, "validate")
    wb, alerts, rc = act(planted, "clear")
    assert rc == 0
    after = state(wb)
    assert after == before
    assert "7个单元格" in alerts[0]["prompt"] and RESULTS_SHEET in alerts[0]["prompt"]
    assert ("封面上的校验状态" in alerts[0]["prompt"]) == (variant == "plain")
    wb, alerts, _ = act(planted, "clear")
    assert alerts[0]["prompt"] == "这个工作簿中没有校验标记。"


def test_a_workbook_that_is_not_a_report_gets_a_message(tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "购物清单"
    wb.active["B1"] = 3
    path = tmp_path / "清单.xlsx"
    wb.save(path)
    wb, alerts, rc = act(path, "validate")
    assert rc == 1
    (alert,) = alerts
    assert alert["mode"] == "critical"
    assert "未找到政府信息公开年度报告统计表" in alert["prompt"]
    assert wb.sheetnames == ["Sheet"] and not gxxl_names(wb)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "workbooks").glob("*.xlsx")))
def test_samples_are_marked_as_the_engine_says(name, tmp_path) -> None:
    path = tmp_path / name
    path.write_bytes((ROOT / "workbooks" / name).read_bytes())
    plan = marks(validate(read_filing(path)))
    wb, alerts, rc = act(path, "validate")
    assert rc == 0
    fills = {"error": ERROR, "warning": WARNING, "suspect": SUSPECT}
    for loc, (kind, fs) in plan.items():
        assert fill_of(cell(wb, loc)) == fills[kind]
        assert cell(wb, loc).comment.text == note_text(fs)
    assert len(gxxl_names(wb)) == len(plan)


# --------------------------------------------------------------------------------------
# the dispatcher: messages and the log file
# --------------------------------------------------------------------------------------
def test_unexpected_errors_go_to_the_log(planted, user_dir, monkeypatch) -> None:
    import gxxl.excel.actions as actions

    def broken(filing):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(actions.api, "validate", broken)
    wb, alerts, rc = act(planted, "validate")
    assert rc == 2
    log = user_dir / "gxxl-addin.log"
    text = log.read_text(encoding="utf-8")
    assert "ZeroDivisionError: boom" in text and "'validate'" in text and "planted.xlsx" in text
    (alert,) = alerts
    assert str(log) in alert["prompt"] and "意外错误" in alert["prompt"] and alert["mode"] == "critical"
    assert "Traceback" not in alert["prompt"]


def test_the_log_falls_back_to_the_temporary_folder(planted, tmp_path, monkeypatch) -> None:
    import tempfile

    import gxxl.excel.actions as actions

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    monkeypatch.setenv("GXXL_USER_DIR", str(blocked / "sub"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(actions.api, "validate", lambda filing: 1 / 0)
    _, alerts, rc = act(planted, "validate")
    assert rc == 2
    log = tmp_path / "tmp" / "gxxl-addin.log"
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8") and str(log) in alerts[0]["prompt"]


def test_unknown_tag_is_a_clear_message(planted) -> None:
    _, alerts, rc = act(planted, "no_such_button")
    assert rc == 1
    assert "没有对应的功能" in alerts[0]["prompt"]


def test_every_message_is_chinese_and_titled(planted) -> None:
    for tag in ("validate", "clear", "about", "new_template"):
        _, alerts, _ = act(planted, tag)
        assert alerts and all(a["title"].startswith("政务公开年报 · ") for a in alerts)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in a["prompt"]) for a in alerts)


# --------------------------------------------------------------------------------------
# the other buttons
# --------------------------------------------------------------------------------------
def test_about_reports_versions_and_checks(planted, monkeypatch, tmp_path) -> None:
    import xlwings

    import gxxl.template

    monkeypatch.setattr(gxxl.template, "template_path", lambda spec=None: tmp_path / "no-committed-template.xlsx")
    _, alerts, rc = act(planted, "about")
    assert rc == 0
    prompt = alerts[0]["prompt"]
    assert prompt.startswith("自检通过")
    assert f"xlwings：{xlwings.__version__}" in prompt
    assert "校验引擎：正常" in prompt and "gxxl 模板（gov2021" in prompt
    assert "=GXXL_STATUS('封面'!A:C,'表二 主动公开'!A:D,'表三 依申请公开'!A:J,'表四 复议诉讼'!A:O)" in prompt


def test_about_notices_a_template_that_does_not_match_the_spec(planted, monkeypatch, tmp_path) -> None:
    import gxxl.template

    stale = tmp_path / "gov2021.xlsx"
    stale.write_bytes(b"PK old template")
    monkeypatch.setattr(gxxl.template, "template_path", lambda spec=None: stale)
    _, alerts, _ = act(planted, "about")
    prompt = alerts[0]["prompt"]
    assert prompt.startswith("自检发现1个问题") and alerts[0]["mode"] == "critical"
    assert f"✘ 模板" in prompt and "与格式规范不一致" in prompt


def test_new_template_writes_the_blank_template(planted, user_dir) -> None:
    _, alerts, rc = act(planted, "new_template")
    assert rc == 0
    (path,) = user_dir.rglob("*.xlsx")
    assert str(path) in alerts[0]["prompt"]
    filing = read_filing(path)
    assert filing.readable and filing.meta["format"] == SPEC.id
    from gxxl.fileio import workbook_bytes
    from gxxl.template import build_template

    assert path.read_bytes() == workbook_bytes(build_template(SPEC), reproducible=True)


def test_rollup_needs_a_picker_outside_desktop_excel(planted) -> None:
    _, alerts, rc = act(planted, "rollup")
    assert rc == 1
    assert "gxxl rollup" in alerts[0]["prompt"]


def test_rollup_runs_in_process_and_reports(planted, tmp_path) -> None:
    from gxxl.excel.actions import rollup

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for name in ("示例县_01_人民政府办公室.xlsx", "示例县_02_发展和改革局.xlsx", "示例县_03_教育局.xlsx"):
        (inbox / name).write_bytes((ROOT / "workbooks" / name).read_bytes())
    out = tmp_path / "示例县汇总表.xlsx"
    book = open_book(planted)
    result = rollup(book, inputs=[str(inbox)], output=str(out), unit="示例县人民政府")
    assert result == out and out.exists()
    aggregate = read_filing(out)
    assert aggregate.readable and aggregate.unit_name == "示例县人民政府"
    _, alerts = replay(planted, book.json())
    assert "汇总完成" in alerts[0]["prompt"] and str(out) in alerts[0]["prompt"]


def test_report_asks_to_save_an_unsaved_workbook(tmp_path) -> None:
    path = tmp_path / "seed004.xlsx"
    path.write_bytes((ROOT / "workbooks" / "seed004_某区人民政府办公室_2024.xlsx").read_bytes())
    _, alerts, rc = act(path, "report")
    assert rc == 1
    assert "请先保存本工作簿" in alerts[0]["prompt"]


def test_report_refuses_a_workbook_with_errors(planted) -> None:
    _, alerts, rc = act(planted, "report")
    assert rc == 1 and "统计表有6处错误" in alerts[0]["prompt"] and "校验本表" in alerts[0]["prompt"]


def test_report_writes_docx_and_sheet(tmp_path) -> None:
    from docx import Document

    from gxxl.excel.actions import report

    path = tmp_path / "seed004.xlsx"
    path.write_bytes((ROOT / "workbooks" / "seed004_某区人民政府办公室_2024.xlsx").read_bytes())
    book = open_book(path)
    docx = tmp_path / "seed004.报告.docx"
    assert report(book, output=str(docx)) == docx
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "某区人民政府办公室2024年政府信息公开工作年度报告" in text
    wb, alerts = replay(path, book.json())
    ws = wb["报告章节"]
    values = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "某区人民政府办公室2024年政府信息公开工作年度报告" in values
    assert ws.merged_cells.ranges and wb.active.title == "报告章节"
    assert str(docx) in alerts[0]["prompt"]


# --------------------------------------------------------------------------------------
# desktop-only helpers, with a stand-in for COM
# --------------------------------------------------------------------------------------
class _FakeSheetApi:
    def __init__(self, password: str | None):
        self.password = password
        self.ProtectContents = password is not None
        self.calls = []

    def Unprotect(self, password=""):
        self.calls.append(("Unprotect", password))
        if self.password:
            raise RuntimeError("wrong password")
        self.ProtectContents = False

    def Protect(self, password="", **kw):
        self.calls.append(("Protect", password, kw))
        self.ProtectContents = True


class _FakeBook:
    def __init__(self, sheets: dict):
        class App:
            screen_updating = True

            class engine:
                name = "excel"

        self.app = App()
        self._sheets = {n: type("S", (), {"name": n, "api": api})() for n, api in sheets.items()}

    @property
    def sheets(self):
        book = self

        class Sheets(dict):
            def __iter__(self):
                return iter(book._sheets.values())

        return Sheets(book._sheets)


def test_writable_lifts_password_less_protection_and_restores_it() -> None:
    from gxxl.excel.book import writable

    cover, t3, free = _FakeSheetApi(""), _FakeSheetApi(""), _FakeSheetApi(None)
    book = _FakeBook({"封面": cover, T3: t3, "其他": free})
    with writable(book, ["封面", T3, "其他", "不存在"]):
        assert not cover.ProtectContents and not t3.ProtectContents
        assert book.app.screen_updating is False
    assert cover.ProtectContents and t3.ProtectContents and book.app.screen_updating is True
    assert free.calls == []
    assert cover.calls[-1][0] == "Protect" and cover.calls[-1][2]["Contents"] is True


def test_writable_refuses_a_password_with_a_message() -> None:
    from gxxl.errors import UserError
    from gxxl.excel.book import writable

    book = _FakeBook({T3: _FakeSheetApi("secret")})
    with pytest.raises(UserError, match="保护密码"):
        with writable(book, [T3]):
            pass
