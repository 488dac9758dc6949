"""Expanding the files and folders a user names into workbook paths."""

from __future__ import annotations

from pathlib import Path

WORKBOOK_EXT = (".xlsx", ".xlsm", ".xls")


def expand(inputs: list[str], exts: tuple[str, ...] = WORKBOOK_EXT) -> tuple[list[Path], list[str]]:
    """Files as given (any extension: the reader says what is wrong) and folders recursively.

    Returns (paths, problems); a name that does not exist is a problem, not an exception.
    Office lock files (~$name.xlsx) and hidden files inside folders are skipped.
    """
    paths: list[Path] = []
    problems: list[str] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                q for q in p.rglob("*")
                if q.is_file() and q.suffix.lower() in exts and not q.name.startswith(("~$", "."))
            )
            if not found:
                problems.append(f"{raw}：文件夹中没有工作簿（{'/'.join(exts)}）")
            paths.extend(found)
        elif p.exists():
            paths.append(p)
        else:
            problems.append(f"{raw}：文件不存在")
    return paths, problems
