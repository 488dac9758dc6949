"""gxxl import on the shapes real pages give a table: a complete 2019 report whose 「|」 rows
are wrapped over lines and interleaved with captions and page footers; one cell per line;
label and numbers on one line separated by spaces or tabs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gxxl.importer import import_source
from gxxl.filing import Filing
from gxxl.spec import get_spec


def _rows(spec, filing):
    """(table, label cells, values) in the official order, labels as the page prints them."""
    for t in spec.tables:
        if t.code == "T4":
            yield t, [], [filing.values[cs.code] for cs in sorted(t.cells, key=lambda c: c.c)]
            continue
        last_block = None
        for r in t.rows:
            cells = sorted((cs for cs in t.cells if cs.row == r.code), key=lambda c: c.c)
            if not cells:
                continue
            labels = [r.label]
            if t.code == "T2" and r.path[0] != last_block:
                yield t, ["caption", r.path[0]], []
                yield t, ["header", "信息内容"] + [t.col_by_code[cs.col].label for cs in cells], []
                last_block = r.path[0]
            yield t, labels, [filing.values[cs.code] for cs in cells]


def _page(filing, shape: str) -> str:
    spec = filing.spec
    out = ["某省人民政府2020年政府信息公开工作年度报告", "本报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。"]
    k = 0
    for t, labels, values in _rows(spec, filing):
        if labels[:1] in (["caption"], ["header"]):
            out.append(" | ".join(labels[1:]) + (" |" if shape == "pipe" and labels[0] == "header" else ""))
            continue
        if not labels:  # 表四: caption, header words, then the 15 numbers
            out += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 | 行政诉讼 |", "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |"]
            labels = []
        if t.code == "T3" and labels == [t.rows[0].label]:
            out += ["三、收到和处理政府信息公开申请情况", "表3 收到和处理政府信息公开申请情况（单位：件）"]
        k += 1
        vals = [str(v) for v in values]
        if shape == "pipe":
            label = " | ".join(labels)
            if labels and len(label) > 12 and k % 2:  # a long label wrapped, the row not closed
                cut = len(label) // 2
                out += [label[:cut], label[cut:] + " | " + " | ".join(vals[:3])]
                out.append("| " + " | ".join(vals[3:]) + " |" if vals[3:] else "|")
            else:
                out.append(" | ".join(([label] if labels else []) + vals) + " |")
            if k % 9 == 0:
                out.append(f"— {k // 9} —")  # a page footer between two rows
        elif shape == "lines":
            out += labels + vals
        else:  # label and numbers on one line
            sep = "\t" if shape == "tabs" else "  "
            out.append(sep.join(labels + vals))
    return "\n".join(out) + "\n五、存在的主要问题及改进情况\n"


@pytest.mark.parametrize("shape", ["pipe", "lines", "spaces", "tabs"])
def test_every_number_of_a_2019_report(tmp_path, shape):
    spec = get_spec("gov2019")
    rng = random.Random(5)
    f = Filing.zeros(spec)
    for code, cs in spec.cells.items():
        f.values[code] = round(rng.uniform(0, 500), 2) if cs.kind == "decimal" else rng.choice((0, 0, 1, 3, 12, 305))
    f.values["T2.licensing.change"] = -12
    p = tmp_path / f"page_{shape}.txt"
    p.write_text(_page(f, shape), encoding="utf-8")
    r = import_source(p)
    assert r.filing.spec_id == "gov2019"
    wrong = {k: (v, r.filing.values.get(k)) for k, v in f.values.items() if r.filing.values.get(k) != v}
    assert wrong == {}
    assert set(r.states.values()) == {"number"}


@pytest.mark.skipif(not (Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "062").exists(),
                    reason="shared corpus not available")
def test_mirror_vocabulary_swaps(tmp_path):
    """Some mirrors convert 「信息」 → 「資訊」 and 「文件」 → 「檔案」 along with the script."""
    page = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "062" / "page.txt"
    text = page.read_text(encoding="utf-8")
    swapped = tmp_path / "tw.txt"
    swapped.write_text(text.replace("信息", "資訊").replace("文件", "檔案"), encoding="utf-8")
    assert import_source(swapped).filing.values == import_source(page).filing.values
