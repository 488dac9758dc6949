"""Facts shared by several modules, defined once: colours, the results sheet, year bounds.

Nothing here imports anything: every module (engine, CLI, Excel layer) may import it.
Labels, cell codes and rules are *not* here: they live in the format's spec
(``gxxl/spec/``).
"""

from __future__ import annotations

# -- years -------------------------------------------------------------------------------
#: the 报告年度 a cover may carry (the 条例 took effect in 2008)
YEAR_MIN = 2008
YEAR_MAX = 2100

# -- colours (RGB hex, no alpha) ---------------------------------------------------------
ERROR_COLOUR = "FFC7CE"  # light red: a failing cell, an excluded file
WARNING_COLOUR = "FFEB9C"  # light yellow: a warning
SUSPECT_COLOUR = "FF7C80"  # strong red: the one cell shared by several failing sums
OK_COLOUR = "C6EFCE"  # light green: included / passed
OFF_ROSTER_COLOUR = "F8CBAD"  # orange: a unit not on the roster
HEADER_COLOUR = "DDEBF7"  # pale blue: table headers
INPUT_COLOUR = "FFF2CC"  # pale yellow: "type here"
CAPTION_COLOUR = "EDEDED"  # grey: captions
LINK_COLOUR = "0563C1"  # Office's hyperlink blue

# -- the 校验结果 sheet ------------------------------------------------------------------
#: shared by annotated copies, the add-in and roll-up outputs
RESULTS_SHEET = "校验结果"
RESULT_HEADERS = ("序号", "级别", "规则", "位置", "报告值", "计算值", "差额", "说明")
#: column widths of the 校验结果 sheet (序号 … 说明)
RESULT_WIDTHS = (6, 6, 7, 24, 9, 9, 8, 90)
