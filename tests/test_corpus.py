"""The development set: 23 real published report pages (``../shared/corpus``).

For every page: import it, compare every number transcribed by hand in ``data.json`` with
the imported cell (right cell, right value), every published blank stays blank, nothing
is invented (a cell not in the copy stays empty); then run check-text and compare with
the page's notes.  ``python tests/test_corpus.py`` prints the figures page by page.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PAGES = sorted(p for p in CORPUS.glob("[0-9]*") if (p / "data.json").exists()) if CORPUS.exists() else []
needs_corpus = pytest.mark.skipif(not PAGES, reason="shared corpus not available")

SPEC_OF = {"2021": "gov2021", "2019": "gov2019"}


# --------------------------------------------------------------------------------------
# data.json → cell codes
# --------------------------------------------------------------------------------------
def _best(label: str, candidates: dict[str, str]) -> str:
    from gxxl.locate.match import key, similarity

    k = key(label)
    for text, code in candidates.items():
        if key(text) == k:
            return code
    scored = sorted(((similarity(label, text).score, code) for text, code in candidates.items()), reverse=True)
    if not scored or scored[0][0] < 0.7:
        raise KeyError(label)
    return scored[0][1]


def expected_cells(data: dict) -> dict[str, object]:
    """code → value as transcribed (int, "", verbatim string); cells not in the copy are absent."""
    from gxxl.spec import get_spec

    spec = get_spec(SPEC_OF[data["format"]])
    out: dict[str, object] = {}
    t2 = spec.table_by_code["T2"]
    for block, rows in (data.get("table2") or {}).items():
        row_codes = {r.label: r.code for r in t2.rows if _same(r.path[0], block)}
        for row_label, cols in rows.items():
            row = _best(row_label, row_codes)
            col_codes = {t2.col_by_code[cs.col].label: cs.code for cs in t2.cells if cs.row == row}
            for col_label, v in cols.items():
                if v is not None:
                    out[_best(col_label, col_codes)] = v
    t3 = spec.table_by_code["T3"]
    row_codes = {"/".join(r.path): r.code for r in t3.rows}
    for path, cols in (data.get("table3") or {}).items():
        row = _best(path, row_codes)
        col_codes = {t3.col_by_code[cs.col].label: cs.code for cs in t3.cells if cs.row == row}
        for col_label, v in cols.items():
            if v is not None:
                out[_best(col_label, col_codes)] = v
    t4 = spec.table_by_code["T4"]
    codes = {"/".join(r.path) + "/" + t4.col_by_code[cs.col].label: cs.code for r in t4.rows for cs in t4.cells if cs.row == r.code}
    for path, v in (data.get("table4") or {}).items():
        if v is not None:
            out[_best(path, codes)] = v
    return out


def _same(a: str, b: str) -> bool:
    from gxxl.locate.match import key

    return key(a) == key(b)


def _number(v: object) -> float | None:
    from gxxl.text import parse_number_text

    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    p = parse_number_text(str(v).replace("减", "-"))
    return p.value


@dataclass
class Score:
    page: str
    numbers: int = 0
    recovered: int = 0
    missed: list = field(default_factory=list)
    wrong: list = field(default_factory=list)
    invented: list = field(default_factory=list)
    blank_filled: list = field(default_factory=list)
    #: the recorded cell state says something untrue (a cut-off cell called published blank …)
    untrue: list = field(default_factory=list)
    error: str = ""


def score_page(page: Path) -> Score:
    from gxxl.importer import import_source

    data = json.loads((page / "data.json").read_text(encoding="utf-8"))
    s = Score(page.name)
    want = expected_cells(data)
    try:
        r = import_source(page / "page.txt")
    except Exception as e:  # a SourceError is an honest "nothing here"; anything else is a crash
        from gxxl.importer import SourceError

        if not isinstance(e, SourceError):
            s.error = f"{type(e).__name__}: {e}"
        got, spec_id, states = {}, SPEC_OF[data["format"]], {}
    else:
        got, spec_id, states = r.filing.values, r.filing.spec_id, r.states
    if any(v is not None for v in got.values()) and spec_id != SPEC_OF[data["format"]]:
        s.error = f"format {spec_id}, published {data['format']}"
    for code, v in want.items():
        have = got.get(code)
        if isinstance(v, int) and not isinstance(v, bool):
            s.numbers += 1
            if have is None:
                s.missed.append((code, v))
            elif have == v:
                s.recovered += 1
            else:
                s.wrong.append((code, v, have))
        elif v == "" or _number(v) is None:
            if have is not None:
                s.blank_filled.append((code, v, have))
        else:  # "+19", "52.15", "184719元": the number, its 万元 form, or nothing
            n = _number(v)
            if have is not None and not any(abs(have - x) < 1e-9 for x in (n, n / 10000)):
                s.wrong.append((code, v, have))
    for code, have in got.items():
        if have is not None and code not in want:
            s.invented.append((code, have))
    if spec_id == SPEC_OF[data["format"]]:
        for code, state in states.items():
            v = want.get(code)
            ok = {
                "blank": v == "" or (isinstance(v, str) and _number(v) is None),
                "absent": v is None,
                "number": v is not None and v != "",
                "text": isinstance(v, str) and v != "",
                "unreadable": True,
            }[state]
            if not ok:
                s.untrue.append((code, state, v))
    return s


def corpus_scores() -> list[Score]:
    return [score_page(p) for p in PAGES]


@needs_corpus
def test_corpus_import_recovers_the_published_numbers(capsys):
    scores = corpus_scores()
    numbers = sum(s.numbers for s in scores)
    recovered = sum(s.recovered for s in scores)
    with capsys.disabled():
        print(f"\n语料导入：{recovered}/{numbers} 个数字（{100 * recovered / max(1, numbers):.1f}%）")
    assert [s.error for s in scores if s.error] == []
    assert [(s.page, s.wrong) for s in scores if s.wrong] == []
    assert [(s.page, s.invented) for s in scores if s.invented] == []
    assert [(s.page, s.blank_filled) for s in scores if s.blank_filled] == []
    assert [(s.page, s.untrue) for s in scores if s.untrue] == []
    assert recovered >= 0.95 * numbers


# --------------------------------------------------------------------------------------
# the cover: unit from the title or heading (never boilerplate or injected text), the year
# --------------------------------------------------------------------------------------
@needs_corpus
def test_corpus_cover_is_the_pages_own():
    from gxxl.importer import import_source

    units = years = 0
    for page in PAGES:
        data = json.loads((page / "data.json").read_text(encoding="utf-8"))
        cover = import_source(page / "page.txt").filing.cover
        if data["year"] is not None:
            assert cover.get("year") == data["year"], page.name
            years += 1
        unit = cover.get("unit_name")
        published = data["unit"].split(" (")[0]
        if unit and "某" not in published and "不明" not in published:
            assert unit in published, (page.name, unit, published)
            units += 1
    assert units >= 15 and years >= 20


# --------------------------------------------------------------------------------------
# check-text against the page's own tables, and the text alone
# --------------------------------------------------------------------------------------
def text_findings(page: Path):
    """(findings against the imported tables, findings of the text's own arithmetic)."""
    from gxxl.importer import SourceError, import_source
    from gxxl.report.arith import check_arithmetic
    from gxxl.report.checktext import check_text
    from gxxl.report.draft import read_draft

    paragraphs = read_draft(page / "page.txt")
    _, arith = check_arithmetic(paragraphs)
    try:
        r = import_source(page / "page.txt")
    except SourceError:
        return [], arith
    if not any(v is not None for v in r.filing.values.values()):
        return [], arith
    _, table = check_text(paragraphs, r.filing)
    return table, arith


def expected_text_findings(page: Path) -> tuple[bool, bool, bool]:
    """From the notes: (a text/table contradiction, a text arithmetic error, text-internal notes)."""
    notes = json.loads((page / "data.json").read_text(encoding="utf-8")).get("notes", [])
    return (any(n.startswith("TEXT vs TABLE") for n in notes),
            any(n.startswith("TEXT arithmetic") for n in notes),
            any(n.startswith(("TEXT vs TEXT", "CHANNEL")) for n in notes))


@needs_corpus
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_corpus_check_text_finds_the_noted_contradictions_and_nothing_else(page):
    table, arith = text_findings(page)
    vs_table, arithmetic, internal = expected_text_findings(page)
    assert bool(table) == vs_table, [f.message for f in table]
    if arithmetic:
        assert any(f.rule == "S-9" for f in arith)
    elif not internal:
        assert arith == [], [f.message for f in arith]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    total = rec = 0
    for s in corpus_scores():
        total += s.numbers
        rec += s.recovered
        flags = []
        if s.error:
            flags.append("ERROR " + s.error)
        if s.wrong:
            flags.append(f"wrong {s.wrong[:4]}")
        if s.invented:
            flags.append(f"invented {s.invented[:4]}")
        if s.blank_filled:
            flags.append(f"blank filled {s.blank_filled[:4]}")
        if s.untrue:
            flags.append(f"untrue states {len(s.untrue)} e.g. {s.untrue[:4]}")
        if s.missed:
            flags.append(f"missed {len(s.missed)} e.g. {s.missed[:3]}")
        print(f"{s.page}: {s.recovered}/{s.numbers} {'; '.join(flags)}")
    print(f"TOTAL {rec}/{total} = {100 * rec / max(1, total):.1f}%")
    for p in PAGES:
        table, arith = text_findings(p)
        for f in table + arith:
            print(f"{p.name} {f.rule} {f.message[:160]}")


if __name__ == "__main__":
    main()
