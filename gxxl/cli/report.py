"""gxxl report FILE [-o OUT] [--format docx|md|sheet] [--previous LAST_YEAR] — report sections.

Writes the six-part outline with 表二、表三、表四 in the official layout and sentences
generated from the data (Word, Markdown, or a 报告章节 sheet in a copy of the workbook).
A filing with validation errors is refused unless --force; warnings are listed at the end.
"""

from __future__ import annotations

from pathlib import Path

from . import UserError
from .output import display_path, findings_table

HELP = "生成年度报告章节：按官方格式输出表二、表三、表四及据数据生成的文字（Word/Markdown/工作表）"

FORMATS = {"docx": "Word 文档", "md": "Markdown", "sheet": "工作簿中的“报告章节”工作表"}
_BY_SUFFIX = {".docx": "docx", ".md": "md", ".markdown": "md", ".xlsx": "sheet", ".xlsm": "sheet"}


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="本年度统计表工作簿（.xlsx）")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="输出文件（默认：与输入同目录的“<文件名>.报告.docx / .报告.md / .报告章节.xlsx”）")
    p.add_argument("--format", choices=tuple(FORMATS), help="输出格式：docx（默认）、md、sheet；不指定时按 -o 的扩展名判断")
    p.add_argument("--previous", metavar="LAST_YEAR", help="上一年度的工作簿：生成同比变化，并核对“上年结转”（T3-5）")
    p.add_argument("--subject", default="本机关", help="句子的主语（默认：本机关），如“区政府办公室”")
    p.add_argument("--force", action="store_true", help="统计表有错误时仍然生成（稿件开头会注明）")
    p.add_argument("--overwrite", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("--in-place", action="store_true",
                   help="（仅 --format sheet）把“报告章节”工作表直接写入原工作簿，而不是另存副本")


def run(args) -> int:
    from ..reader import read_filing
    from ..validate import validate

    src = Path(args.file)
    if not src.exists():
        raise UserError(f"{args.file}：文件不存在")
    if src.is_dir():
        raise UserError(f"{args.file}：这是一个文件夹，请指定一个工作簿")
    fmt, out = _target(args, src)

    filing = read_filing(src)
    if not filing.readable:
        raise UserError(filing.findings[0].message if filing.findings else f"{src.name}：无法读取")
    _supported(filing)
    findings = validate(filing)
    errors = [f for f in findings if f.severity == "error"]
    if errors and not args.force:
        print(f"== {display_path(src)}  （{filing.unit_name or '未填单位名称'}，{filing.year or '？'}年度）")
        print(findings_table(errors))
        raise UserError(
            f"统计表有{len(errors)}处错误（见上表），不能据此生成报告；请先更正统计表，"
            "或加 --force 仍然生成（稿件开头会注明据有错误的数据生成）"
        )

    previous = None
    cross = []
    if args.previous:
        prev_path = Path(args.previous)
        if not prev_path.exists():
            raise UserError(f"{args.previous}：文件不存在")
        from .. import gate

        gate.check_workbook(prev_path, role="上年报表")
        if prev_path.resolve() == src.resolve():
            raise UserError("--previous 指定的是本年度同一个文件，请指定上一年度的工作簿")
        previous = read_filing(prev_path)
        if not previous.readable:
            raise UserError("上一年度工作簿：" + (previous.findings[0].message if previous.findings else "无法读取"))
        if out.resolve() == prev_path.resolve():
            raise UserError(f"{out}：输出文件不能覆盖上一年度的工作簿")
        cross = _check_previous(filing, previous)
        if filing.year and previous.year and previous.year != filing.year - 1:
            previous = None  # not last year's tables: no year-on-year figures (P-1 says why)

    shown = [f for f in findings if f.severity in ("error", "warning")] + [f for f in cross if f.severity != "info"]
    from ..report import build_report

    report = build_report(filing, previous=previous, subject=args.subject, findings=shown)
    try:
        _write(report, fmt, src, out)
    except PermissionError:
        raise UserError(f"{out}：无法写入（文件可能正在 Word/Excel/WPS 中打开，请关闭后重试）")
    except OSError as e:
        raise UserError(f"{out}：无法写入（{e.strerror or e}）")

    n_fill = sum(1 for b in report.blocks for p in b.pieces if p.mark == "fill")
    n_confirm = sum(1 for b in report.blocks for p in b.pieces if p.mark == "confirm")
    where = "原工作簿" if args.in_place else display_path(out)
    print(f"已生成报告章节（{FORMATS[fmt]}）：{where}")
    print(f"  {filing.unit_name or '（未填单位名称）'}，{filing.year or '？'}年度；据数据生成 {len(report.sentences())} 段文字")
    print(f"  需要填写的地方 {n_fill} 处〔请填写：…〕，需要核实的默认表述 {n_confirm} 处〔请核实：…〕")
    if previous is not None:
        print(f"  同比数据取自：{display_path(args.previous)}（{previous.year or '？'}年度）")
    elif args.previous:
        print("  上一年度文件的报告年度不是上一年，未生成同比数据")
    if shown:
        errs = sum(f.severity == "error" for f in shown)
        head = "统计表错误和警告" if errs else "警告"
        print(f"\n请注意以下{head}（应在报告中说明或更正统计表）：")
        print(findings_table(shown))
    return 1 if any(f.severity == "error" for f in shown) else 0


def _target(args, src: Path) -> tuple[str, Path]:
    """The output format and path; refuses to overwrite the input unless --in-place."""
    fmt = args.format
    out = Path(args.output) if args.output else None
    if out is not None:
        by_ext = _BY_SUFFIX.get(out.suffix.lower())
        if fmt is None:
            if by_ext is None:
                raise UserError(f"{args.output}：无法从扩展名判断输出格式，请用 .docx、.md 或 .xlsx，或加 --format")
            fmt = by_ext
        elif by_ext != fmt:
            want = {"docx": ".docx", "md": ".md", "sheet": ".xlsx"}[fmt]
            raise UserError(f"{args.output}：--format {fmt} 的输出文件应以 {want} 结尾")
    fmt = fmt or "docx"
    if args.in_place:
        if fmt != "sheet":
            raise UserError("--in-place 只用于 --format sheet（把“报告章节”工作表写入原工作簿）")
        if out is not None and out.resolve() != src.resolve():
            raise UserError("--in-place 表示写入原工作簿，不能同时用 -o 指定其他文件")
        out = src
    if fmt == "sheet" and src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"{src.name}：只能在 .xlsx/.xlsm 工作簿中写入工作表；请先在 Excel/WPS 中另存为 .xlsx，或改用 --format docx")
    if out is None:
        suffix = {"docx": ".报告.docx", "md": ".报告.md", "sheet": ".报告章节" + src.suffix.lower()}[fmt]
        out = src.with_name(src.stem + suffix)
    if not args.in_place:
        if out.resolve() == src.resolve():
            raise UserError(
                f"{out}：输出文件不能覆盖输入的统计表；如确需把“报告章节”工作表写入原工作簿，请加 --in-place"
            )
        if out.exists() and not args.overwrite:
            raise UserError(f"{out}：文件已存在（可能含有已填写的内容），如需覆盖请加 --overwrite")
        if out.is_dir():
            raise UserError(f"{out}：这是一个文件夹，请指定输出文件名")
    return fmt, out


def _supported(filing) -> None:
    from ..report.vocab import UnsupportedFormat, vocab

    try:
        vocab(filing.spec)
    except UnsupportedFormat as e:
        raise UserError(e.explain("生成报告章节") + "，请手工编写报告文字")


def _check_previous(filing, previous):
    from ..report import check_previous

    return check_previous(filing, previous)


def _write(report, fmt: str, src: Path, out: Path) -> None:
    if fmt == "docx":
        from ..report.word import write_docx

        write_docx(report, out)
    elif fmt == "md":
        from ..report.markdown import write_markdown

        write_markdown(report, out)
    else:
        from ..report.sheet import write_report_sheet

        if out.resolve() == src.resolve():  # only with --in-place (checked before): rewrite asked for
            from .. import gate

            gate.forget(src)
        write_report_sheet(report, src, out)
