"""Expanding the files and folders a user names into workbook paths (through the input gate)."""

from __future__ import annotations

import os
from pathlib import Path

from .. import gate

WORKBOOK_EXT = (".xlsx", ".xlsm", ".xls")


def expand(inputs: list[str], exts: tuple[str, ...] = WORKBOOK_EXT) -> tuple[list[Path], list[str]]:
    """Files as given (any extension: the reader says what is wrong) and folders recursively.

    Returns (paths, problems); a name that does not exist, an unreadable folder, a FIFO or
    device inside a folder is a problem naming the path, not an exception and never
    skipped silently.  A special file named explicitly is passed on: the reader's gate
    refuses it (without opening it) as an F-1 finding for that file.  Office lock files
    (~$name.xlsx) and hidden files inside folders are skipped.
    """
    paths: list[Path] = []
    problems: list[str] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            walked = gate.walk(p, exts)
            problems.extend(walked.messages)
            if not walked.files and not walked.problems:
                problems.append(f"{raw}：文件夹中没有工作簿（{'/'.join(exts)}）")
            paths.extend(Path(f) for f, _shown in walked.files)
        elif os.path.lexists(p):
            paths.append(p)
        else:
            problems.append(f"{raw}：文件不存在")
    for p in paths:
        gate.remember(p)  # inputs: no output of this run may replace one
    return paths, problems
