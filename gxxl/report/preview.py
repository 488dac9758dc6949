"""Look at a generated report as printed pages: docx → PDF (LibreOffice) → PNG.

The report asks for the faces Chinese offices have (仿宋, 宋体, 楷体, 黑体).  A machine
without them (a CI box with only Noto CJK) would fall back to one sans face for all, which
does not show what the clerk will see; so for this rendering a fontconfig file maps each
missing face to the nearest installed one (serif faces → Noto Serif CJK SC, 黑体 → Noto
Sans CJK SC).  Installed faces still win: the mapping only *accepts* substitutes.  The
mapping lives in a temporary directory and is passed to LibreOffice through the
environment for the duration of the call; nothing on the system is changed.
"""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .. import lo

#: face asked for → installed substitutes, best first
SUBSTITUTES = {
    "仿宋": ("FangSong", "Noto Serif CJK SC", "Source Han Serif SC"),
    "宋体": ("SimSun", "Noto Serif CJK SC", "Source Han Serif SC"),
    "楷体": ("KaiTi", "Noto Serif CJK SC", "Source Han Serif SC"),
    "黑体": ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC"),
    "Times New Roman": ("Liberation Serif", "Tinos", "DejaVu Serif Condensed", "DejaVu Serif"),
}

_LOCK = threading.Lock()


def fonts_conf() -> str:
    aliases = "\n".join(
        f'  <alias binding="same"><family>{face}</family><accept>'
        + "".join(f"<family>{s}</family>" for s in subs)
        + "</accept></alias>"
        for face, subs in SUBSTITUTES.items()
    )
    system = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{system}</include>\n{aliases}\n</fontconfig>\n'
    )


@contextmanager
def _font_substitutes():
    with _LOCK, tempfile.TemporaryDirectory(prefix="gxxl-fonts-") as d:
        conf = Path(d) / "fonts.conf"
        conf.write_text(fonts_conf(), encoding="utf-8")
        old = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(conf)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = old


def to_pdf(docx: str | Path, outdir: str | Path, *, timeout: float = 180) -> Path:
    with _font_substitutes():
        return lo.to_pdf(Path(docx), Path(outdir), timeout=timeout)


def render_pages(docx: str | Path, outdir: str | Path, *, dpi: int = 80) -> tuple[Path, list[Path]]:
    """(the PDF, its pages as PNG files) in ``outdir``."""
    pdf = to_pdf(docx, outdir)
    return pdf, lo.pdf_to_pngs(pdf, Path(outdir), dpi=dpi)
