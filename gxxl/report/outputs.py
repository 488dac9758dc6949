"""Where a report goes and in which form: the output types and the writer dispatch.

An output type is chosen by the output file's extension (or named with ``to=`` /
``--to``).  A new output type is one entry in :data:`OUTPUT_TYPES` and one branch in
:func:`write_report`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import MSG_OUTPUT_BUSY, MSG_OUTPUT_EXISTS, OutputError, OutputExistsError, UserError

#: output type → (what it is, in Chinese; default file suffix after the input's stem; extensions)
OUTPUT_TYPES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "docx": ("Word 文档", ".报告.docx", (".docx",)),
    "md": ("Markdown", ".报告.md", (".md", ".markdown")),
    "sheet": ("工作簿中的“报告章节”工作表", ".报告章节{src_suffix}", (".xlsx", ".xlsm")),
    "html": ("网页（HTML，可直接发布）", ".报告.html", (".html", ".htm")),
    "pdf": ("PDF（A4，可打印）", ".报告.pdf", (".pdf",)),
}
DEFAULT_TYPE = "docx"


def type_for(path: Path) -> str | None:
    """The output type a file name asks for, by its extension."""
    ext = path.suffix.lower()
    return next((t for t, (_, _, exts) in OUTPUT_TYPES.items() if ext in exts), None)


def resolve_target(src: Path | None, output, to: str | None, *, force: bool = False,
                   in_place: bool = False) -> tuple[str, Path]:
    """The output type and path; refuses to overwrite the input unless ``in_place``."""
    if to is not None and to not in OUTPUT_TYPES:
        raise UserError(f"未知的输出类型「{to}」，可选：{'、'.join(OUTPUT_TYPES)}")
    out = Path(output) if output is not None else None
    if out is not None:
        by_ext = type_for(out)
        if to is None:
            if by_ext is None:
                exts = "、".join(e for _, _, es in OUTPUT_TYPES.values() for e in es[:1])
                raise UserError(f"{out}：无法从扩展名判断输出类型，请用 {exts}", path=out)
            to = by_ext
        elif by_ext != to:
            raise UserError(f"{out}：输出类型 {to} 的文件应以 {OUTPUT_TYPES[to][2][0]} 结尾", path=out)
    to = to or DEFAULT_TYPE
    if in_place:
        if to != "sheet":
            raise UserError("--in-place 只用于输出“报告章节”工作表（把它写入原工作簿）")
        if src is None:
            raise UserError("--in-place 需要一个工作簿文件")
        if out is not None and out.resolve() != src.resolve():
            raise UserError("--in-place 表示写入原工作簿，不能同时用 -o 指定其他文件")
        out = src
    if to == "sheet" and (src is None or src.suffix.lower() not in (".xlsx", ".xlsm")):
        name = src.name if src is not None else "数据"
        raise UserError(f"{name}：只能在 .xlsx/.xlsm 工作簿中写入工作表；请先在 Excel/WPS 中另存为 .xlsx，或改为输出 .docx")
    if out is None:
        if src is None:
            raise UserError("请指定输出文件")
        out = src.with_name(src.stem + OUTPUT_TYPES[to][1].format(src_suffix=src.suffix.lower()))
    if not in_place:
        if src is not None and out.exists() and out.resolve() == src.resolve():
            raise OutputError(
                f"{out}：输出文件不能覆盖输入的统计表；如确需把“报告章节”工作表写入原工作簿，请加 --in-place", path=out)
        if out.is_dir():
            raise UserError(f"{out}：这是一个文件夹，请指定输出文件名", path=out)
        if out.exists() and not force:
            raise OutputExistsError(out)
    return to, out


def write_report(report, to: str, src: Path | None, out: Path) -> Path:
    """Render ``report`` as ``to`` into ``out`` (atomically); a busy file is a Chinese error."""
    try:
        if to == "docx":
            from .word import write_docx

            return write_docx(report, out)
        if to == "md":
            from .markdown import write_markdown

            return write_markdown(report, out)
        if to == "html":
            from .html import write_html

            return write_html(report, out)
        if to == "pdf":
            from .pdf import write_pdf

            return write_pdf(report, out)
        from .sheet import write_report_sheet

        if src is not None and out.resolve() == src.resolve():  # only with in_place (checked before)
            from .. import gate

            gate.forget(src)  # the one case where an input is rewritten: asked for explicitly
        return write_report_sheet(report, src, out)
    except PermissionError:
        raise OutputError(MSG_OUTPUT_BUSY.format(path=out), path=out) from None


__all__ = ["OUTPUT_TYPES", "DEFAULT_TYPE", "MSG_OUTPUT_EXISTS", "resolve_target", "type_for", "write_report"]
