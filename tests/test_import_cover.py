"""gxxl import: the cover from real pages — unit from the title (not boilerplate or injected
text), 行政层级 from the unit's name, year from the title or the 统计期限 sentence."""

from __future__ import annotations

import pytest

from gxxl.importer import import_source
from gxxl.importer.cover import infer_level
from gxxl.spec import get_spec

T2 = "二、主动公开政府信息情况\n第二十条第（一）项 | | | |\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n规章 | 0 | 0 | 0 |\n行政规范性文件 | 1 | 0 | 3 |\n"


def _cover(tmp_path, head: str) -> tuple[dict, list]:
    p = tmp_path / "page.txt"
    p.write_text(head + "\n" + T2, encoding="utf-8")
    r = import_source(p)
    return r.filing.cover, [f for f in r.findings if f.rule == "I-8"]


def test_injected_text_is_not_the_unit(tmp_path):
    cover, notes = _cover(tmp_path, "按照要求，现编制形成了《uedbet体育_uedbet官网@:西柳镇人民政府2023年政府信息公开工作年度报告》。")
    assert cover["unit_name"] == "西柳镇人民政府" and cover["level"] == "乡镇（街道）" and cover["year"] == 2023
    assert any("西柳镇人民政府" in f.message for f in notes)


def test_boilerplate_and_pronouns_are_not_the_unit(tmp_path):
    cover, _ = _cover(tmp_path, "根据《中华人民共和国政府信息公开条例》规定，现公布我局2022年政府信息公开工作年度报告。\n"
                                "本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。")
    assert "unit_name" not in cover and cover["year"] == 2022


def test_division_name_is_completed_and_said(tmp_path):
    cover, notes = _cover(tmp_path, "定州市东留春乡2020年政府信息公开工作年度报告")
    assert cover["unit_name"] == "定州市东留春乡人民政府"
    assert any("补全" in f.message for f in notes)


def test_year_from_the_statistics_period(tmp_path):
    cover, _ = _cover(tmp_path, "一、总体情况\n2023年我局积极推进。本报告所列数据统计期限为2022年1月1日至2022年12月31日。")
    assert cover["year"] == 2022


@pytest.mark.parametrize("name,level", [
    ("北京市人民政府", "省级政府"),
    ("上海市教育委员会", "省级政府部门"),
    ("重庆市渝中区发展和改革委员会", "县级政府部门"),
    ("广西壮族自治区人民政府", "省级政府"),
    ("广东省人民政府办公厅", "省级政府部门"),
    ("内蒙古自治区人民政府办公厅", "省级政府部门"),
    ("鞍山市海城市人民政府", "县级政府"),
    ("杭州市人民政府", "市级政府"),
    ("贵阳市人民政府办公厅", "市级政府部门"),
    ("天津市北辰区佳荣里街道办事处", "乡镇（街道）"),
    ("佳荣里街", "乡镇（街道）"),
    ("国家新闻出版署", "国务院部门"),
])
def test_level_from_the_name(name, level):
    assert infer_level(name, get_spec().levels) == level
