"""The input gate: what every verb checks before it opens or parses a file a user named.

* Only regular files are opened.  A FIFO, a device (``/dev/zero``), a socket is refused
  from ``os.stat`` alone — never opened, so never a hang.
* Folders are walked with ``os.walk`` (symbolic links to folders are not followed, so a
  link loop cannot recur); an unreadable folder or file is reported by name, never
  skipped silently.
* Size and shape limits are checked *before* a workbook is parsed, on the zip parts
  themselves (``zipfile``, streamed, bounded memory): the file size, each part's and all
  parts' decompressed size, the real extent of every sheet (largest cell reference ×
  largest row: python-calamine allocates rows × columns cells, so one cell at
  XFD1048576 would ask for 512 GB and abort the process), the number of cells of a
  sheet, the length of a cell text or shared string, no ``<!DOCTYPE``/entity
  declarations and no other encoding than UTF-8 (a real workbook has neither).  The
  declared ``<dimension ref>`` is not trusted: calamine ignores it (measured), only the
  real cell references decide.  A sheet is every part under xl/worksheets/ and every
  other part with a ``<sheetData>`` (calamine follows the relationships wherever they
  point); an ordinary sheet is proven small by one regex pass, any other measured exactly
  by expat.  The reader checks each sheet just before calamine parses it, through the
  workbook's sheet → part map when that map is unambiguous, otherwise all sheets.

Every limit is one named constant below and is named in the message.  Errors are
:class:`gxxl.errors.InputError` / :class:`gxxl.errors.LimitError`; a caller that must
not raise (the reader) passes ``error=`` to get its own exception type with the reason.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .errors import InputError, LimitError
from .textio import OLE_MAGIC

# -- limits (each named in the message when it is exceeded) -----------------------------
#: a workbook file on disk (a unit's filing is ~30 KB; a large roll-up a few MB)
MAX_FILE_BYTES = 128 * 1024 * 1024
#: one part of a workbook after decompression (a sheet's XML, the shared strings)
MAX_PART_BYTES = 256 * 1024 * 1024
#: all parts of a workbook after decompression
MAX_TOTAL_BYTES = 512 * 1024 * 1024
#: rows × columns of one sheet's used area (python-calamine allocates every one of them;
#: 10 million cells are ~400 MB in the reader)
MAX_SHEET_AREA = 10_000_000
#: cells actually present in one sheet's XML
MAX_SHEET_CELLS = 4_000_000
#: characters in one cell or shared string (Excel's own limit)
MAX_CELL_TEXT = 32_767
#: a text file (draft, roster .csv, page to import)
MAX_TEXT_BYTES = 64 * 1024 * 1024
#: a name (file name, attachment name) in bytes, as file systems count it
MAX_NAME_BYTES = 255

_LIMIT_WORDS = {
    "MAX_FILE_BYTES": "文件最大 {n}",
    "MAX_PART_BYTES": "工作簿中单个部件解压后最大 {n}",
    "MAX_TOTAL_BYTES": "工作簿解压后总共最大 {n}",
    "MAX_SHEET_AREA": "单个工作表最多 {n} 个单元格（行数×列数）",
    "MAX_SHEET_CELLS": "单个工作表最多 {n} 个有内容的单元格",
    "MAX_CELL_TEXT": "单元格文字最多 {n} 个字符",
    "MAX_TEXT_BYTES": "文本文件最大 {n}",
}

#: a raw text run (bytes between two "<") longer than this holds a text over MAX_CELL_TEXT
#: characters however it is encoded (a character is at most 8 bytes as "&#x10FFFF;" … 10)
_RUN_BYTES = MAX_CELL_TEXT * 10
_CHUNK = 1 << 20

_KIND = (
    (stat.S_ISFIFO, "命名管道（FIFO）"),
    (stat.S_ISCHR, "字符设备"),
    (stat.S_ISBLK, "块设备"),
    (stat.S_ISSOCK, "套接字"),
    (stat.S_ISDIR, "文件夹"),
)


def human(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            v = n / size
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{n} 字节"


def limit_text(name: str) -> str:
    """「超过单个工作表最多 10,000,000 个单元格（行数×列数）的限制」 for a limit constant's name."""
    value = globals()[name]
    shown = human(value) if name.endswith("_BYTES") else f"{value:,}"
    return "超过" + _LIMIT_WORDS[name].format(n=shown) + "的限制"


ErrorFactory = Callable[[str], Exception]


def _factory(path: str | os.PathLike, error: ErrorFactory | None, cls=InputError) -> ErrorFactory:
    if error is not None:
        return error
    return lambda reason: cls(f"{path}：{reason}", path=path)


def kind_of(mode: int) -> str | None:
    """The Chinese name of a non-regular file type, None for a regular file."""
    for test, name in _KIND:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "特殊文件"


# --------------------------------------------------------------------------------------
# every input this process was given, so the output gate never writes over one
# --------------------------------------------------------------------------------------
#: (st_dev, st_ino) → (path, role) of every file admitted or named as an input
_INPUTS: dict[tuple[int, int], tuple[str, str]] = {}
#: nesting depth of :func:`session`
_DEPTH = [0]


def remember(path: str | os.PathLike, role: str = "输入文件", st: os.stat_result | None = None) -> None:
    """Record ``path`` as an input of this run (by device and inode: hard links and symbolic
    links to it count too).  A path that cannot be stat'ed is not recorded; outside a
    :func:`session` nothing is recorded (a library caller passes ``inputs=`` explicitly)."""
    if _DEPTH[0] == 0:
        return
    if st is None:
        try:
            st = os.stat(path)
        except OSError:
            return
    _INPUTS.setdefault((st.st_dev, st.st_ino), (str(path), role))


def input_role(st: os.stat_result) -> tuple[str, str] | None:
    """(path, role) when the file with this stat is an input of this run."""
    return _INPUTS.get((st.st_dev, st.st_ino))


def forget(path: str | os.PathLike) -> None:
    """Not an input after all (a previous output found in the inbox and skipped)."""
    try:
        st = os.stat(path)
    except OSError:
        return
    _INPUTS.pop((st.st_dev, st.st_ino), None)


@contextmanager
def session():
    """One run: the inputs remembered inside are forgotten when the outermost session ends.

    A long-lived process (the Excel add-in's) runs many operations; a workbook validated
    in one must not stay "an input" for the next.  The CLI runs each verb in a session,
    the roll-up its whole run; entering the outermost session starts from nothing.
    """
    if _DEPTH[0] == 0:
        _INPUTS.clear()
    _DEPTH[0] += 1
    try:
        yield
    finally:
        _DEPTH[0] -= 1
        if _DEPTH[0] == 0:
            _INPUTS.clear()


def check_file(path: str | os.PathLike, *, max_bytes: int | None = MAX_FILE_BYTES,
               limit_name: str = "MAX_FILE_BYTES", error: ErrorFactory | None = None,
               role: str = "输入文件", remember_input: bool = True) -> os.stat_result:
    """A regular, readable file within ``max_bytes``; never opens anything else.

    Raises ``error(reason)`` (default :class:`InputError` naming the path).  The file is
    remembered as an input (``role`` says which), so no output of this process replaces it;
    ``remember_input=False`` when the caller has decided that already (an input the person
    asked to rewrite, checked again before it is rewritten).
    """
    err = _factory(path, error)
    try:
        st = os.stat(path)
        if remember_input:
            remember(path, role, st)
    except FileNotFoundError:
        raise err("文件不存在") from None
    except PermissionError:
        raise err("没有读取权限（请检查文件或所在文件夹的权限）") from None
    except OSError as e:
        raise err(f"无法访问（{e.strerror or e}）") from None
    kind = kind_of(st.st_mode)
    if kind == "文件夹":
        raise err("这是一个文件夹，不是文件")
    if kind:
        raise err(f"不是普通文件（{kind}），不会读取")
    if max_bytes is not None and st.st_size > max_bytes:
        raise _limit(err, limit_name, f"文件大小 {human(st.st_size)}")
    if not os.access(path, os.R_OK):
        raise err("没有读取权限（请检查文件或所在文件夹的权限）")
    return st


def _limit(err: ErrorFactory, name: str, what: str) -> Exception:
    e = err(f"{what}，{limit_text(name)}，不予读取")
    if isinstance(e, InputError) and not isinstance(e, LimitError):
        e = LimitError(e.message, path=e.path)
    return e


# --------------------------------------------------------------------------------------
# workbooks: the zip parts, before any parser sees them
# --------------------------------------------------------------------------------------
_DOCTYPE = re.compile(rb'<!DOCTYPE|<!ENTITY', re.I)


@dataclass
class SheetShape:
    part: str
    name: str = ""
    rows: int = 0
    cols: int = 0
    cells: int = 0
    #: <row> elements seen, and the column of the last cell in the current row
    row_elems: int = 0
    col_now: int = 0
    #: the open package while it is checked (for the sheet's name in a message)
    zf: zipfile.ZipFile | None = field(default=None, repr=False, compare=False)
    #: False when ``_FAR`` proved the sheet small (rows, cols, cells then stay 0)
    measured: bool = False

    @property
    def area(self) -> int:
        return self.rows * self.cols


@dataclass
class WorkbookShape:
    size: int = 0
    total: int = 0
    sheets: list[SheetShape] = field(default_factory=list)
    #: the file's bytes as the gate read and checked them (a package of at most 8 MiB), else
    #: None: a parser given these sees what the gate saw, even if the file changes meanwhile
    data: bytes | None = field(default=None, repr=False, compare=False)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def check_workbook(path: str | os.PathLike, *, error: ErrorFactory | None = None,
                   role: str = "输入文件", remember_input: bool = True) -> WorkbookShape:
    """Every input check for a workbook, before it is parsed; returns what was measured.

    ``error(reason)`` builds the exception (default: :class:`InputError`/:class:`LimitError`
    naming the path); the reader passes its own to turn the reason into an F-1 finding.
    """
    with sheets_checked_on_use(path, error=error, role=role, remember_input=remember_input) as sheets:
        sheets.check_all()
        return sheets.shape


def parse_source(path: str | os.PathLike, checked: WorkbookShape):
    """What a parser should open after ``checked = check_workbook(path)``: the bytes the gate
    checked when it kept them (a file object over them), else the path."""
    return io.BytesIO(checked.data) if checked.data is not None else path


class SheetGate:
    """A workbook whose package passed the gate (file, part sizes, every part that is not a
    worksheet), with its worksheets checked one by one, each just before it is parsed:
    ``check(name)``.  A reader that parses only the cover and the tables never pays for a
    roll-up's 明细 of many megabytes.  From :func:`sheets_checked_on_use`."""

    def __init__(self, zf: zipfile.ZipFile | None, shape: WorkbookShape, err: ErrorFactory):
        self._zf = zf
        #: the bytes the gate checked (``WorkbookShape.data``)
        self.data: bytes | None = shape.data
        self.shape = shape
        self._err = err
        self._pending: dict[str, zipfile.ZipInfo] = {}  # part (exact name) → its entry
        self._done: set[str] = set()
        self._by_name: dict[str, str] | None = None

    def check(self, name: str) -> None:
        """Check the worksheet called ``name`` (each part once).  The name leads to its part
        only through an unambiguous workbook (:func:`_sheet_parts`); otherwise, or for a
        name it does not know, every sheet is checked."""
        if self._zf is None:
            return
        if self._by_name is None:
            self._by_name = _sheet_parts(self._zf) or {}
        part = self._by_name.get(name)
        if part in self._done:
            return
        if part is not None and part not in self._pending:
            # a part the workbook names as this sheet that the gate did not take for one (no
            # <sheetData> it recognised): calamine parses it as a sheet, so it is checked as one
            self._pending[part] = self._zf.getinfo(part)
        if part in self._pending:
            self._check(part)
        else:
            self.check_all()

    def check_all(self) -> None:
        if self._zf is not None:  # every part the workbook names as a sheet, as in check()
            for part in set((_sheet_parts(self._zf, for_message=True) or {}).values()):
                if part not in self._done and part not in self._pending:
                    self._pending[part] = self._zf.getinfo(part)
        for part in list(self._pending):
            self._check(part)

    def _check(self, part: str) -> None:
        info = self._pending[part]
        sheet = SheetShape(part=info.filename, zf=self._zf)
        try:
            self.shape.total += _scan_part(self._zf, info, sheet, self._err)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError):
            raise self._err("文件已损坏（压缩包中的 " + info.filename + " 无法解压），请重新保存或重新发送") from None
        sheet.zf = None
        self.shape.sheets.append(sheet)
        del self._pending[part]
        self._done.add(part)


@contextmanager
def sheets_checked_on_use(path: str | os.PathLike, *, error: ErrorFactory | None = None,
                          role: str = "输入文件", remember_input: bool = True):
    """The gate for a reader that parses sheets lazily: everything but the worksheets is
    checked on entry; the yielded :class:`SheetGate` checks each worksheet on request while
    the package stays open.  An Excel 97-2003 workbook (.xls, an OLE compound file) is
    measured whole on entry (:func:`_check_xls`: calamine parses all its sheets when it opens
    it), and so is an OpenDocument spreadsheet's content.xml (:func:`_check_ods`).  Any file
    is also opened as a zip whatever its first bytes (calamine's zip reader skips leading
    bytes, an OLE header included); one that zipfile cannot read but that starts with "PK"
    or holds an end-of-directory record is refused as damaged (calamine's zip reader is more
    lenient and might read an archive the gate never saw) — except an OLE file named
    .xls/.et (calamine reads it as .xls; a legitimate one may embed a package).  Neither
    (not a workbook): nothing to check beyond the file, the reader says what it is."""
    err = _factory(path, error)
    st = check_file(path, error=err, role=role, remember_input=remember_input)
    shape = WorkbookShape(size=st.st_size)
    try:
        fh = open(path, "rb")
    except PermissionError:
        raise err("没有读取权限（请检查文件或所在文件夹的权限）") from None
    with fh:
        zf = None
        try:
            head = fh.read(8)
            fh.seek(0)
            # read once: a small file, and an .xls whatever its size (within MAX_FILE_BYTES)
            data = fh.read() if st.st_size <= _IN_MEMORY or head == OLE_MAGIC else None
            if head == OLE_MAGIC:
                _check_xls(data, shape, err)
                if len(data) > _IN_MEMORY:
                    data = None  # the rest as for any large file: streamed from the file
                shape.data = data
            if head:
                # whatever its first bytes: calamine's zip reader finds an archive after leading
                # bytes of any kind ("PK00…", a web page, an OLE header), and so does zipfile
                fh.seek(0)
                try:
                    zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else fh)
                except (zipfile.BadZipFile, ValueError, EOFError, OSError):
                    zf = None  # not a zip: the reader says what it is
                    ole_book = head == OLE_MAGIC and Path(path).suffix.lower() in (".xls", ".et")
                    if head.startswith(b"PK") or (not ole_book and _has_zip_end(fh, data)):
                        # a damaged zip: never handed to calamine, whose zip reader is more
                        # lenient than zipfile (earlier end records, guessed offsets) and might
                        # read an archive the gate never saw
                        raise err("文件已损坏（压缩包不完整），请重新保存或重新发送") from None
                else:
                    zf._gxxl_bytes = memoryview(data) if data is not None else None
                    shape.data = data
        except PermissionError:
            raise err("没有读取权限（请检查文件或所在文件夹的权限）") from None
        gate = SheetGate(zf, shape, err)
        if zf is None:
            yield gate
            return
        with zf:
            try:
                _check_parts(zf, shape, err, gate._pending, Path(path).suffix.lower())
            except PermissionError:
                raise err("没有读取权限（请检查文件或所在文件夹的权限）") from None
            yield gate


def _has_zip_end(fh, data: bytes | None) -> bool:
    """An end-of-central-directory signature anywhere in the file (zip or zip64)."""
    if data is not None:
        return b"PK\x05\x06" in data or b"PK\x06\x06" in data
    fh.seek(0)
    tail = b""
    while block := fh.read(_CHUNK):
        chunk = tail + block
        if b"PK\x05\x06" in chunk or b"PK\x06\x06" in chunk:
            return True
        tail = chunk[-3:]
    return False


#: The parts by which calamine takes a package for another format: its content detection
#: (``from_filelike``, which the reader uses on the checked bytes) tries .xls, .xlsx, .xlsb,
#: .ods in turn.  An .ods is checked as one (content.xml, :class:`_OdsMeasure`) but read only
#: under its own name; an .xlsb (a workbook.bin anywhere) is never read.
_FOREIGN = {"mimetype": ".ods"}


def _check_parts(zf: zipfile.ZipFile, shape: WorkbookShape, err: ErrorFactory,
                 sheets: dict[str, zipfile.ZipInfo], suffix: str = "") -> None:
    """Sizes of every part; every part but the worksheets scanned now, the worksheets put
    into ``sheets`` (part → entry) for :class:`SheetGate`."""
    infos = zf.infolist()
    declared_total = 0
    for info in infos:
        if _unicode_path(info.extra):
            # calamine's zip reader names the part from this field, zipfile does not: the
            # gate would check one part under a name and calamine read it under another
            raise err(f"压缩包中的部件 {info.filename} 带有另一个名称（Info-ZIP Unicode Path 扩展字段），"
                      "可能是恶意构造的文件，不予读取")
        base = info.filename.replace("\\", "/").rpartition("/")[2].lower()
        if base == "workbook.bin":
            # Excel binary workbook (.xlsb): its cell positions are not measured by this gate
            raise err("是 Excel 二进制工作簿（.xlsb），gxxl 不读取这种格式；请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）")
        if base in _FOREIGN and _FOREIGN[base] != suffix:
            raise err(f"文件内容是 {_FOREIGN[base]} 格式（含 {info.filename}），与文件扩展名不符，不予读取")
        if info.file_size > MAX_PART_BYTES:
            raise _limit(err, "MAX_PART_BYTES", f"其中 {info.filename} 解压后 {human(info.file_size)}")
        declared_total += info.file_size
    if declared_total > MAX_TOTAL_BYTES:
        raise _limit(err, "MAX_TOTAL_BYTES", f"解压后共 {human(declared_total)}")
    for info in infos:
        name = info.filename
        low = name.lower()
        if low.startswith("xl/worksheets/") and low.endswith(".xml"):
            sheets[name] = info
            continue
        xml = low.endswith((".xml", ".rels", ".vml"))
        is_text = low in ("xl/sharedstrings.xml", "content.xml")
        try:
            key = _passed_key(zf, info)
            passed = _passed(key)
            if passed is None:
                passed = _scan_other(zf, info, xml, is_text, err)
                _remember_passed(key, passed)
            size, has_cells = passed
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError):
            raise err("文件已损坏（压缩包中的 " + name + " 无法解压），请重新保存或重新发送") from None
        shape.total += size
        if low.replace("\\", "/") == "content.xml" and xml:  # an OpenDocument spreadsheet: calamine reads every table on opening
            try:
                _check_ods(zf, info, shape, err)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError):
                raise err("文件已损坏（压缩包中的 " + name + " 无法解压），请重新保存或重新发送") from None
        if has_cells:
            # a worksheet elsewhere than xl/worksheets/, or under another extension (calamine
            # follows the workbook's relationships wherever they point): checked as a sheet
            sheets[name] = info


def _unicode_path(extra: bytes) -> bool:
    """The extra fields of a zip entry hold an Info-ZIP Unicode Path field (0x7075)."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = int.from_bytes(extra[at:at + 2], "little"), int.from_bytes(extra[at + 2:at + 4], "little")
        if kind == 0x7075:
            return True
        at += 4 + size
    return False


#: Parts already passed, by content.  The verdict on a part is a function of its name, its
#: compression and its compressed bytes alone, and the parts around the sheets (theme,
#: styles, workbook, relationships) are the same bytes in most workbooks of one template:
#: in a roll-up of many such workbooks they are checked once.  Only passes are kept, only
#: for parts of at most ``_PASSED_RAW`` compressed bytes, at most ``_PASSED_MAX`` of them
#: (the least recently used forgotten first): a few MB at most, in a long-lived process too.
_PASSED: dict[tuple, object] = {}
_PASSED_MAX = 64
_PASSED_RAW = 64 << 10


def _passed_key(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple | None:
    if info.compress_size > _PASSED_RAW:
        return None
    raw = _raw_part(zf, info)
    if raw is None:
        return None
    return info.filename, info.compress_type, info.file_size, bytes(raw)


def _passed(key: tuple | None) -> object:
    """The remembered verdict (None: not known), kept as the most recently used."""
    if key is None:
        return None
    verdict = _PASSED.pop(key, None)
    if verdict is not None:
        _PASSED[key] = verdict
    return verdict


def _remember_passed(key: tuple | None, verdict: object) -> None:
    if key is None:
        return
    if len(_PASSED) >= _PASSED_MAX:
        del _PASSED[next(iter(_PASSED))]
    _PASSED[key] = verdict


# --------------------------------------------------------------------------------------
# OpenDocument spreadsheets (.ods): the tables of content.xml
# --------------------------------------------------------------------------------------
#: calamine's own caps on an .ods table (rows and columns a repeat may reach)
_ODS_MAX_ROWS = 1_048_576
_ODS_MAX_COLS = 16_384
#: attributes that give a table cell a value (or a formula) for calamine
_ODS_VALUE = ("value", "string-value", "date-value", "time-value", "boolean-value", "value-type", "formula")


class _ExpatMeasure:
    """What both exact measurements share: expat (C, streaming, linear whatever the markup)
    with a DOCTYPE or an entity declaration refused, malformed XML refused, and the sheet
    limits checked at the end (subclasses check them on the way too)."""

    def __init__(self, err: ErrorFactory, part: str):
        import xml.parsers.expat

        self.err, self.part = err, part
        self.checked = 0
        p = self.parser = xml.parsers.expat.ParserCreate()
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.StartDoctypeDeclHandler = self.doctype
        p.EntityDeclHandler = self.doctype
        p.buffer_text = True
        self.error = xml.parsers.expat.ExpatError

    def doctype(self, *args) -> None:
        raise self.err(f"{self.part} 含有 DOCTYPE 或实体声明（正常的工作簿没有），可能是恶意构造的文件，不予读取")

    def feed(self, body: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(body, final)
        except self.error as e:
            raise self.err(f"{self.part} 不是格式正确的 XML（{e}），不予读取") from None
        if final:
            self.limits()

    def limits(self) -> None:
        raise NotImplementedError


class _OdsMeasure(_ExpatMeasure):
    """The extent calamine gives each table of content.xml, measured as it builds it: rows
    and cells repeated by ``number-rows-repeated`` / ``number-columns-repeated`` (capped as
    calamine caps them), every value cell pushed once per repeat into the row (the empty
    cells before it too), and the range the smallest box around the value cells with the
    rows between counted with their repeats.  Any prefix is accepted for the elements and
    attributes (calamine wants ``table:``; counting more is on the safe side), a cell with
    any value attribute or any content counts as a value."""

    def __init__(self, shape: WorkbookShape, err: ErrorFactory):
        super().__init__(err, "content.xml")
        self.shape = shape
        self.parser.CharacterDataHandler = self.text
        self.sheet: SheetShape | None = None
        self.depth = 0  # inside a table:table (nested tables count into the outer one)
        self.cell = None  # [repeats, has value] of the open cell
        self.inner = 0  # elements open inside that cell (text, notes, a nested table: all content)

    @staticmethod
    def _repeat(attrs: dict, local: str) -> int:
        for k, v in attrs.items():
            if k.rpartition(":")[2] == local:
                try:
                    return max(0, int(v))
                except ValueError:
                    return 1  # calamine refuses the file
        return 1

    def start(self, name: str, attrs: dict) -> None:
        if self.cell is not None:  # inside a cell: content (calamine reads it as the cell's value)
            self.cell[1] = True
            self.inner += 1
            return
        local = name.rpartition(":")[2]
        if local == "table":
            if self.depth == 0:
                name = next((v for k, v in attrs.items() if k.rpartition(":")[2] == "name"), "")
                self.sheet = SheetShape(part="content.xml", name=name, measured=True)
                self.shape.sheets.append(self.sheet)
                self.total_rows = 0
                self.first = self.last = None  # rows (repeats counted) from the first value row to past the last
                self.rows_before = 0  # rows (repeats counted) before the current row element
                self.col_min, self.col_max = None, -1
            self.depth += 1
            return
        if self.depth == 0:
            return
        if local == "table-row":
            repeats = self._repeat(attrs, "number-rows-repeated")
            repeats = min(repeats, max(0, _ODS_MAX_ROWS - self.total_rows))
            self.total_rows += repeats
            self.row_repeats = repeats
            self.row_len = 0  # cells pushed so far in this row
            self.pending = 0  # empty cells waiting for a value cell
            self.row_first = self.row_last = None
        elif local in ("table-cell", "covered-table-cell"):
            value = any(k.rpartition(":")[2] in _ODS_VALUE for k in attrs)
            self.cell = [self._repeat(attrs, "number-columns-repeated"), value]

    def text(self, data: str) -> None:
        if self.cell is not None and data.strip():
            self.cell[1] = True

    def end(self, name: str) -> None:
        if self.inner:
            self.inner -= 1
            return
        local = name.rpartition(":")[2]
        if self.depth == 0:
            return
        if self.cell is not None:  # the cell's own end tag
            repeats, value = self.cell
            self.cell = None
            if not value:
                self.pending += repeats
                return
            pending = min(self.pending, max(0, _ODS_MAX_COLS - self.row_len))
            self.row_len += pending
            self.pending = 0
            pushed = min(repeats, max(0, _ODS_MAX_COLS - self.row_len))
            if pushed:
                if self.row_first is None:
                    self.row_first = self.row_len
                self.row_last = self.row_len + pushed - 1
            self.row_len += pushed
            self.sheet.cells += pending + pushed
            self.checked += 1
            if self.checked & 1023 == 0:
                self.limits()
        elif local == "table-row":
            if self.row_first is not None:
                if self.first is None:
                    self.first = self.rows_before
                self.last = self.rows_before + self.row_repeats
                self.col_min = self.row_first if self.col_min is None else min(self.col_min, self.row_first)
                self.col_max = max(self.col_max, self.row_last)
                self.sheet.rows = self.last - self.first
                self.sheet.cols = self.col_max - self.col_min + 1
            self.rows_before += self.row_repeats
        elif local == "table":
            self.depth -= 1
            if self.depth == 0:
                self.limits()

    def limits(self) -> None:
        if self.sheet is not None:
            _sheet_limits(self.sheet, self.err)


def _check_ods(zf: zipfile.ZipFile, info: zipfile.ZipInfo, shape: WorkbookShape, err: ErrorFactory) -> None:
    measure = _OdsMeasure(shape, err)
    for body in _bodies(zf, info, err):
        measure.feed(body)
    measure.feed(b"", final=True)


# --------------------------------------------------------------------------------------
# Excel 97-2003 workbooks (.xls): the BIFF records of every sheet
# --------------------------------------------------------------------------------------
#: BIFF records that put a cell into calamine's sheet (row and column in their first 4 bytes):
#: Number, Label, RString, BoolErr, Rk, LabelSst, Formula, and (on the safe side: calamine
#: skips them today) Blank; MulRk and MulBlank hold a run of columns
_XLS_CELLS = frozenset((0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006, 0x0201))
_XLS_RUNS = frozenset((0x00BD, 0x00BE))
_U32 = 1 << 32


def _xls_records(stream: bytes, at: int) -> Iterator[tuple[int, bytes]]:
    """(type, data) of each record from offset ``at`` as calamine reads them (a truncated
    record ends the stream: calamine refuses the file there)."""
    end = len(stream)
    while at + 4 <= end:
        typ = int.from_bytes(stream[at:at + 2], "little")
        n = int.from_bytes(stream[at + 2:at + 4], "little")
        if at + 4 + n > end:
            return
        yield typ, stream[at + 4:at + 4 + n]
        at += 4 + n


def _check_xls(data: bytes, shape: WorkbookShape, err: ErrorFactory) -> None:
    """Every sheet of an .xls, measured before calamine parses them all on opening: the
    reserve its DIMENSIONS record asks for and the box around its cell records (calamine
    allocates rows × columns of it; a 2-byte column reaches 65,536), and the number of
    cells.  Sheets are found as calamine finds them: BoundSheet offsets into the Workbook
    stream, records to the sheet's EOF, embedded substreams included (on the safe side).
    An encrypted or damaged file is left to the reader, which says what it is."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # olefile's errors for a damaged compound file are of several kinds
        raise err("文件已损坏（.xls 文件的内部结构无法读取），请重新保存或重新发送") from None
    with ole:
        # calamine reads the stream called exactly Workbook, Book, WORKBOOK or BOOK; olefile
        # finds names whatever their case: every such stream is measured, and two whose names
        # differ only in case (olefile could not tell them apart) are refused
        names = [e[0] for e in ole.listdir(streams=True, storages=False) if len(e) == 1
                 and e[0].lower() in ("workbook", "book")]
        if len({n.lower() for n in names}) != len(names):
            raise err("文件的内部结构异常（有两个仅大小写不同的工作簿数据流），可能是恶意构造的文件，不予读取")
        streams = []
        for name in names:
            size = ole.get_size(name)
            if size > MAX_PART_BYTES:
                raise _limit(err, "MAX_PART_BYTES", f"其中的 {name} 数据 {human(size)}")
            try:
                streams.append((name, ole.openstream(name).read()))
            except Exception:
                raise err("文件已损坏（.xls 文件的内部结构无法读取），请重新保存或重新发送") from None
    for name, stream in streams:
        _check_xls_stream(name, stream, shape, err)


def _check_xls_stream(name: str, stream: bytes, shape: WorkbookShape, err: ErrorFactory) -> None:
    shape.total += len(stream)
    offsets = {int.from_bytes(d[:4], "little"): _xls_sheet_name(d)
               for t, d in _xls_records(stream, 0) if t == 0x0085 and len(d) >= 4}
    if any(at > len(stream) for at in offsets):  # calamine would slice past the stream's end (a panic)
        raise err(f"文件已损坏（{name} 中的工作表位置超出数据范围），请重新保存或重新发送")
    for n, (at, title) in enumerate(offsets.items(), start=1):
        sheet = SheetShape(part=f"{name}#{n}", name=title, measured=True)
        shape.sheets.append(sheet)
        rows = cols = None
        r0 = c0 = 1 << 32
        r1 = c1 = -1
        depth = 0
        for typ, d in _xls_records(stream, at):
            if typ == 0x0809:
                depth += 1
            elif typ == 0x000A:
                depth -= 1
                if depth <= 0:
                    break
            elif typ == 0x0200 and len(d) in (10, 14):  # Dimensions: calamine reserves rows × cols
                if len(d) == 10:
                    rf, rl, cf, cl = (int.from_bytes(d[i:i + 2], "little") for i in (0, 2, 4, 6))
                else:
                    rf, rl = int.from_bytes(d[0:4], "little"), int.from_bytes(d[4:8], "little")
                    cf, cl = int.from_bytes(d[8:10], "little"), int.from_bytes(d[10:12], "little")
                if cf > 0xFF or cl < cf:
                    cf = 0
                end_r, end_c = (rl - 1, cl - 1) if rl >= 1 and cl >= 1 else (rf, cf)
                # calamine's u32 arithmetic: an end before the start wraps round to ~4 billion
                dim_rows, dim_cols = (end_r - rf + 1) % _U32, (end_c - cf + 1) % _U32
                rows, cols = max(rows or 0, dim_rows), max(cols or 0, dim_cols)
                _xls_limit(sheet, rows, cols, err)
            elif len(d) >= 4 and (typ in _XLS_CELLS or typ in _XLS_RUNS):
                row, col = int.from_bytes(d[0:2], "little"), int.from_bytes(d[2:4], "little")
                last = col
                if typ in _XLS_RUNS and len(d) >= 6:  # MulRk/MulBlank: columns col … the last one
                    last = max(int.from_bytes(d[-2:], "little"), col + max(0, (len(d) - 6) // (6 if typ == 0x00BD else 2) - 1))
                sheet.cells += last - col + 1
                r0, r1, c0, c1 = min(r0, row), max(r1, row), min(c0, col), max(c1, last)
                sheet.rows, sheet.cols = r1 - r0 + 1, c1 - c0 + 1
                if sheet.cells & 1023 == 0 or sheet.area > MAX_SHEET_AREA:
                    _xls_limit(sheet, rows, cols, err)
        _xls_limit(sheet, rows, cols, err)


def _xls_sheet_name(d: bytes) -> str:
    """The name in a BoundSheet8 record (BIFF8: length, flags, UTF-16 or 8-bit characters),
    for messages only; "" when it cannot be read."""
    if len(d) < 8:
        return ""
    n, wide = d[6], d[7] & 1
    raw = d[8:8 + n * (2 if wide else 1)]
    if len(raw) != n * (2 if wide else 1):
        return ""
    text = raw.decode("utf-16-le" if wide else "latin-1", "replace")
    return "".join(ch for ch in text if ch.isprintable())[:31]


def _xls_limit(sheet: SheetShape, rows: int | None, cols: int | None, err: ErrorFactory) -> None:
    """The sheet limits, and the DIMENSIONS reserve (``rows`` × ``cols``, None before one)."""
    _sheet_limits(sheet, err)
    if rows is not None and rows * cols > MAX_SHEET_AREA:
        raise _limit(err, "MAX_SHEET_AREA", f"{_sheet_label(sheet)} 声明的使用范围达到 {rows:,} 行 × {cols:,} 列")

#: An optional namespace prefix as calamine's XML parser (quick-xml) reads an element name:
#: the name is every byte up to the first space, tab, CR or LF (quotes, "/", "=", ">", a form
#: feed are name bytes to it), its local part what follows the *first* colon, and the prefix
#: may be empty (``<:c>`` is a cell).  Not ``</``, ``<!``, ``<?`` (other constructs); no
#: ``<`` (a later "<" starts a match of its own).
_PREFIX = rb'(?:[^ \t\r\n<:/!?][^ \t\r\n<:]*+:|:)?'

#: a part with a sheet's cells, wherever it is in the package
_SHEET_DATA = re.compile(rb"<" + _PREFIX + rb"sheetData[\s/>]")


def _scan_other(zf: zipfile.ZipFile, info: zipfile.ZipInfo, xml: bool, is_text: bool,
                err: ErrorFactory) -> tuple[int, bool]:
    """A part that is not under xl/worksheets/: its real size; for an XML part (``xml``) its
    encoding, DOCTYPE and (``is_text``) long text runs; and for any part whether it holds a
    ``<sheetData>`` (then it is checked as a sheet too, DOCTYPE included).  Another part
    (image, SVG, VBA project, embedded object) is not searched for DOCTYPE — an SVG picture
    often has one —, only refused when it is UTF-16 text."""
    size, has_cells = 0, False
    for body in _bodies(zf, info, err):
        if size == 0:
            if xml:
                _check_encoding(body, info.filename, err)
            elif body[:2] in (b"\xff\xfe", b"\xfe\xff"):
                # UTF-16 text under another extension: a relationship may name any part as a
                # sheet, and its cells would be invisible to the byte-level checks
                _check_encoding(body, info.filename, err)
        size += len(body)
        if xml and _DOCTYPE.search(body):
            raise err(f"{info.filename} 含有 DOCTYPE 或实体声明（正常的工作簿没有），可能是恶意构造的文件，不予读取")
        if is_text and _long_run(body):
            raise _limit(err, "MAX_CELL_TEXT", f"{info.filename} 中有一段文字过长")
        has_cells = has_cells or (b"sheetData" in body and _SHEET_DATA.search(body) is not None)
    return size, has_cells


#: The proof that spares measuring a sheet.  It is tried on sheet parts of at most
#: ``_SMALL_SHEET`` bytes (one piece of ``_bodies``: the table sheets; a roll-up's 明细 of
#: many megabytes is measured at once): such a part holds far fewer than MAX_SHEET_CELLS
#: cells (the shortest cell, ``<c/>``, is four bytes; zipfile never returns more than the
#: size the directory declares).  When no cell in it matches ``_FAR``, every cell (any
#: namespace prefix) is a plain start tag — single spaces, double quotes, no ``<``/``>`` in
#: values — whose first attribute is its reference, at most two letters and four digits,
#: and no other attribute is called ``r`` (calamine reads the last one): the extent is at
#: most ZZ9999 (702 × 9,999 cells), within MAX_SHEET_AREA, whatever the order of the cells
#: (calamine places a cell by its reference; rows without cells take no room).  Excel, WPS,
#: LibreOffice and openpyxl write every cell of a table-sized sheet this way, so the usual
#: workbook costs one regex pass per sheet; any other sheet is measured exactly (its pieces
#: read so far are measured then, in order, as if measured from the start).
#: (possessive quantifiers, Python 3.11: no backtracking could make a match here anyway — an
#: attribute name cannot hold "=", a value cannot hold '"', and after the last attribute only
#: "/" or ">" may follow — so none is tried; 10 % faster)
_GOOD_CELL = rb'(?! r="[A-Z]{1,2}[0-9]{1,4}"(?: (?!r=)[^\s=<>/"\']++="[^"<>]*+")*+/?>)'
_FAR = re.compile(rb'<' + _PREFIX + rb'c(?=[\s/>])' + _GOOD_CELL)
#: the same pass looks for a ``<!D…``/``<!E…`` (group 1: a possible DOCTYPE or ENTITY);
#: one leading ``<`` keeps the regex engine's fast literal scan (an alternation of two
#: patterns is five times slower)
_FAR_OR_DTD = re.compile(rb'<(?:' + _PREFIX + rb'c(?=[\s/>])' + _GOOD_CELL + rb'|(![DdEe]))')
#: the same proof for a sheet whose cells carry no namespace prefix (no ``:c`` before a space,
#: ``/`` or ``>`` anywhere in it): its cells are exactly the ``<c`` tags
_FAR_PLAIN = re.compile(rb'<c(?=[\s/>])' + _GOOD_CELL)
_PREFIXED_CELL = re.compile(rb':c[\s/>]')
_SMALL_SHEET = _CHUNK
assert _SMALL_SHEET // 4 <= MAX_SHEET_CELLS
assert 702 * 9_999 <= MAX_SHEET_AREA


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: SheetShape, err: ErrorFactory) -> int:
    """Stream one sheet part: real decompressed size, encoding, DOCTYPE, long text runs; its
    extent proven small (``_FAR``) or, failing that, measured exactly (:class:`_Measure`).
    The pieces proven so far are kept (at most ``_SMALL_SHEET`` bytes) so that a sheet found
    to need measuring is measured from its start without decompressing it twice."""
    size = 0
    near = info.file_size <= _SMALL_SHEET
    measure = None if near else _Measure(sheet, err, info.filename)
    if measure is not None:
        sheet.measured = True
    kept: list[bytes] = []
    for body in _bodies(zf, info, err):
        if size == 0:
            _check_encoding(body, info.filename, err)
        size += len(body)
        if near and body.find(b"!") < 0 and _PREFIXED_CELL.search(body) is None:
            # no "<!" (so no DOCTYPE) and no cell with a namespace prefix: only "<c" needs
            # looking at, which the regex engine finds by its fast literal scan (twice as fast)
            far, dtd = _FAR_PLAIN.search(body) is not None, False
        elif near:  # one pass finds a far cell or a DOCTYPE, whichever comes first
            m = _FAR_OR_DTD.search(body)
            if m is None:
                far = dtd = False
            elif m.group(1) is None:  # a far cell first: the rest is measured, DOCTYPE searched
                far, dtd = True, _DOCTYPE.search(body, m.start()) is not None
            else:  # <!D… or <!E…: both searched exactly
                far, dtd = _FAR.search(body) is not None, _DOCTYPE.search(body) is not None
        else:
            far, dtd = True, _DOCTYPE.search(body) is not None
        if dtd:
            raise err(f"{info.filename} 含有 DOCTYPE 或实体声明（正常的工作簿没有），可能是恶意构造的文件，不予读取")
        if _long_run(body):
            raise _limit(err, "MAX_CELL_TEXT", f"{info.filename} 中有一段文字过长")
        if near:
            if not far:
                kept.append(body)
                continue
            near, sheet.measured = False, True
            measure = _Measure(sheet, err, info.filename)
            for earlier in kept:
                measure.feed(earlier)
            kept.clear()
        measure.feed(body)
    if measure is not None:
        measure.feed(b"", final=True)
    return size


#: an XML part in another encoding than UTF-8 (a byte-order mark of UTF-16/32, NUL bytes, or
#: a declared encoding): calamine reads such a sheet as empty, openpyxl decodes it — and the
#: gate's byte-level checks would not see its markup.  Excel, WPS, LibreOffice write UTF-8.
_ENCODING = re.compile(rb'\s*<\?xml[^>]{0,300}?encoding\s*=\s*["\']([^"\']{0,40})["\']')


def _check_encoding(head: bytes, part: str, err: ErrorFactory) -> None:
    start = head[:512]
    if start.startswith(b"\xef\xbb\xbf"):
        start = start[3:]
    bad = start[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in start[:64]
    m = None if bad else _ENCODING.match(start)
    if bad or (m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8")):
        raise err(f"{part} 不是 UTF-8 编码（正常的工作簿都是 UTF-8），可能是恶意构造的文件，不予读取")


def _bodies(zf: zipfile.ZipFile, info: zipfile.ZipInfo, err: ErrorFactory) -> Iterator[bytes]:
    """The part's bytes in pieces of about ``_CHUNK``, each cut just before a ``<`` (no tag
    is split); the size limit is enforced on the real decompressed bytes."""
    whole = _small_part(zf, info)
    if whole is not None:
        if whole:
            yield whole
        return
    size = 0
    tail = b""
    with zf.open(info) as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            size += len(block)
            if size > MAX_PART_BYTES:  # the directory may lie about the size
                raise _limit(err, "MAX_PART_BYTES", f"其中 {info.filename} 解压后超过 {human(MAX_PART_BYTES)}")
            data = tail + block
            cut = data.rfind(b"<")
            if cut <= 0:
                body, tail = b"", data
            else:
                body, tail = data[:cut], data[cut:]
            if len(tail) > _RUN_BYTES * 4:  # a tag or text that never ends
                raise err(f"{info.filename} 的内容格式异常（一个元素超过 {human(_RUN_BYTES * 4)}），不予读取")
            if body:
                yield body
    if tail:
        yield tail


#: a workbook file up to this size is read into memory once, and its small parts are
#: inflated straight from it (no per-part ``ZipFile.open``: a third of the gate's time on a
#: unit's workbook of fourteen parts)
_IN_MEMORY = 8 << 20


def _raw_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> memoryview | None:
    """The part's compressed bytes, when the package is in memory and the part small, stored
    or deflated and not encrypted; None otherwise."""
    data = getattr(zf, "_gxxl_bytes", None)
    if (data is None or info.file_size > _CHUNK or info.compress_size > _CHUNK or info.flag_bits & 1
            or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)):
        return None
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04" or len(data) < at + 30:
        raise zipfile.BadZipFile(f"bad local header: {info.filename}")
    n, m = int.from_bytes(data[at + 26:at + 28], "little"), int.from_bytes(data[at + 28:at + 30], "little")
    start = at + 30 + n + m
    raw = data[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated: {info.filename}")
    return raw


def _small_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw: memoryview | None = None) -> bytes | None:
    """The whole part, when the package is in memory and the part small, stored or deflated
    and not encrypted (``_raw_part``); None otherwise (``zipfile`` streams it).  Never more
    bytes than the directory declares: a part that inflates to more, or whose data end
    early, is damaged (as ``zipfile`` says when it streams the part).  The CRC is left to
    the parser."""
    if raw is None:
        raw = _raw_part(zf, info)
        if raw is None:
            return None
    if info.compress_type == zipfile.ZIP_STORED:
        return bytes(raw)
    d = zlib.decompressobj(-15)
    body = d.decompress(raw, info.file_size + 1)
    if len(body) > info.file_size:  # more than declared: as zipfile, which stops there (CRC error)
        raise zipfile.BadZipFile(f"larger than the directory says: {info.filename}")
    if not d.eof:  # the compressed data ends before the stream does: as zipfile's EOFError
        raise zipfile.BadZipFile(f"truncated: {info.filename}")
    return body  # fewer bytes than declared is what zipfile accepts too (the CRC decides)


#: a run of more than MAX_CELL_TEXT bytes after a ``<`` (linear: the literal ``<`` is found
#: by the fast scan and each run is matched once)
_LONG_RUN = re.compile(rb"<[^<]{%d}" % (MAX_CELL_TEXT + 1))


#: a run longer than MAX_CELL_TEXT bytes contains a whole aligned block of this many bytes
_RUN_BLOCK = (MAX_CELL_TEXT + 1) // 2
assert 2 * _RUN_BLOCK - 1 <= MAX_CELL_TEXT + 1


def _long_run(body: bytes) -> bool:
    """True when a text between two tags has more than MAX_CELL_TEXT characters."""
    if len(body) <= MAX_CELL_TEXT:
        return False
    # the usual case, by memchr alone: every aligned block of _RUN_BLOCK bytes holds a "<",
    # so no run of bytes without one reaches 2 × _RUN_BLOCK - 1 = MAX_CELL_TEXT bytes
    if all(body.find(b"<", i, i + _RUN_BLOCK) >= 0 for i in range(0, len(body) - _RUN_BLOCK + 1, _RUN_BLOCK)):
        return False
    first = body.find(b"<")
    if 0 <= first <= MAX_CELL_TEXT and _LONG_RUN.search(body) is None:
        return False  # no run of bytes could hold that many characters
    import html

    for run in body.split(b"<"):
        if len(run) > MAX_CELL_TEXT and len(html.unescape(run.decode("utf-8", "replace"))) > MAX_CELL_TEXT:
            return True
    return False


class _Measure(_ExpatMeasure):
    """The exact extent of a sheet, measured as calamine places cells (``XlsxCellReader``):
    a cell (an element whose local name — after the *first* colon, as quick-xml reads it —
    is ``c``) at its ``r`` reference (letters, then digits), or without one at the current
    row and the column after the previous cell; a row's ``r`` (letters allowed before the
    digits, as calamine's ``get_row``) sets the current row, the end of a row moves to the
    next row and column 1.  Calamine's column and row numbers are 32-bit and wrap (eight
    letters can come back to column XFD): a reference beyond seven letters or thirty
    digits counts as infinitely far.  The XML is parsed by expat (C, streaming, linear
    whatever the markup); a DOCTYPE or an entity declaration, a duplicated attribute or any
    other malformed XML is refused, and so is a row or a cell inside a cell (calamine's
    view of such nesting is not the XML's: it skips what a cell's value holds and ends a
    cell at the first end tag named c) — a sheet that gets here failed the ordinary-sheet
    proof, and Excel, WPS, LibreOffice and openpyxl write none of that."""

    def __init__(self, sheet: SheetShape, err: ErrorFactory, part: str):
        super().__init__(err, part)
        self.sheet = sheet
        #: calamine's current row and column (1-based here), and how deep inside a cell
        self.row_now = 1
        self.in_cell = 0

    def start(self, name: str, attrs: dict) -> None:
        local = name.partition(":")[2] if ":" in name else name
        sheet = self.sheet
        if self.in_cell:
            self.in_cell += 1
            if local in ("c", "row"):
                raise self.err(f"{self.part} 的单元格中嵌套了单元格或行（正常的工作簿没有），可能是恶意构造的文件，不予读取")
            return
        if local == "row":
            sheet.row_elems += 1
            m = _ROW_REF.fullmatch(attrs.get("r", ""))
            if m:
                self.row_now = _ref_number(m.group(1))
            sheet.rows = max(sheet.rows, self.row_now)
        elif local == "c":
            sheet.cells += 1
            self.in_cell = 1
            m = _A1.fullmatch(attrs.get("r", ""))
            if m:
                col = _letters_number(m.group(1))
                sheet.rows = max(sheet.rows, _ref_number(m.group(2)))
            else:
                col = sheet.col_now + 1
                sheet.rows = max(sheet.rows, self.row_now)
            sheet.col_now = col  # the cell's column: the next cell without a reference is one further
            sheet.cols = max(sheet.cols, col)
        else:
            return
        self.checked += 1
        if self.checked & 1023 == 0:
            self.limits()

    def end(self, name: str) -> None:
        if self.in_cell:
            self.in_cell -= 1
        elif (name.partition(":")[2] if ":" in name else name) == "row":
            self.row_now += 1  # calamine: the row after, from column 1
            self.sheet.col_now = 0

    def limits(self) -> None:
        _sheet_limits(self.sheet, self.err)


def _sheet_limits(sheet: SheetShape, err: ErrorFactory) -> None:
    """MAX_SHEET_CELLS and MAX_SHEET_AREA for a sheet measured so far (any format)."""
    if sheet.cells > MAX_SHEET_CELLS:
        raise _limit(err, "MAX_SHEET_CELLS", f"{_sheet_label(sheet)} 有超过 {MAX_SHEET_CELLS:,} 个单元格")
    if sheet.area > MAX_SHEET_AREA:
        raise _limit(err, "MAX_SHEET_AREA",
                     f"{_sheet_label(sheet)} 的使用范围达到 {sheet.rows:,} 行 × {sheet.cols:,} 列"
                     f"（用到了 {_a1(sheet.rows, sheet.cols)} 这样远的单元格，可能是误填的）")


#: a cell reference as calamine reads it: ASCII letters, then ASCII digits (any number of
#: either; calamine's numbers wrap at 2**32, so a long one may land anywhere)
_A1 = re.compile(r"([A-Za-z]+)([0-9]+)", re.ASCII)
#: a row's reference as calamine's get_row reads it: letters (ignored), then digits
_ROW_REF = re.compile(r"[A-Za-z]*([0-9]+)", re.ASCII)
#: a column or row number calamine may wrap anywhere: counted as beyond every limit
_FAR_AWAY = 1 << 40


def _letters_number(letters: str) -> int:
    return _col_number(letters.encode()) if len(letters) <= 7 else _FAR_AWAY


def _ref_number(digits: str) -> int:
    return int(digits) if len(digits) <= 30 else _FAR_AWAY


def _sheet_label(sheet: SheetShape) -> str:
    if not sheet.name and sheet.zf is not None:  # looked up only for a message
        names = {part: n for n, part in (_sheet_parts(sheet.zf, for_message=True) or {}).items()}
        sheet.name = names.get(sheet.part, "")
    return f"工作表「{sheet.name}」" if sheet.name else f"工作表部件 {sheet.part}"


def _a1(row: int, col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _sheet_parts(zf: zipfile.ZipFile, *, for_message: bool = False) -> dict[str, str] | None:
    """Sheet name → its part, as calamine resolves it (workbook.xml's ``<sheet name r:id>``,
    the relationship of that id, its target under xl/) — or None when the workbook is not
    unambiguous: the reader then checks every sheet.  Unambiguous means: both parts well-
    formed XML without DOCTYPE, every sheet with exactly one ``name`` and one ``r:id`` and no
    other attribute called name or id, names unique, relationship ids unique and with no
    other attributes than Id/Type/Target/TargetMode, every target a plain path to an existing
    part, no two parts whose names differ only in case.  ``for_message``: best effort, the
    names for a message even when the workbook is not unambiguous."""
    import xml.parsers.expat

    def parse(name: str, local: str) -> list[dict] | None:
        try:
            info = zf.getinfo(name)
        except KeyError:
            return None
        if info.file_size >= (4 << 20):
            return None
        try:
            body = _small_part(zf, info)
            body = zf.read(info) if body is None else body
        except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError, EOFError):
            return None
        found: list[dict] = []
        p = xml.parsers.expat.ParserCreate()

        def refuse(*args):
            raise ValueError("DTD")

        p.StartDoctypeDeclHandler = refuse
        p.EntityDeclHandler = refuse
        p.StartElementHandler = lambda tag, attrs: found.append(attrs) if tag.rpartition(":")[2] == local else None
        try:
            p.Parse(bytes(body), True)
        except (xml.parsers.expat.ExpatError, ValueError):
            return None
        return found

    key = None
    # the map is a function of the three parts and the part names alone (and of for_message)
    try:
        keys = [_passed_key(zf, zf.getinfo(n)) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels")]
    except (KeyError, zipfile.BadZipFile):
        keys = [None]
    if None not in keys:
        key = ("sheet map", for_message, *keys, tuple(zf.namelist()))
        known = _passed(key)
        if known is not None:
            return known
    out = _sheet_map(zf, parse, for_message)
    if out is not None:
        _remember_passed(key, out)
    return out


def _sheet_map(zf: zipfile.ZipFile, parse, for_message: bool) -> dict[str, str] | None:
    if not for_message and not _workbook_in_xl(parse("_rels/.rels", "Relationship")):
        return None
    sheets = parse("xl/workbook.xml", "sheet")
    rels = parse("xl/_rels/workbook.xml.rels", "Relationship")
    if sheets is None or rels is None:
        return None
    names = zf.namelist()
    # calamine finds a part by its name lower-cased and with "\\" read as "/" (the last entry wins)
    clean = len({n.replace("\\", "/").lower() for n in names}) == len(names)
    targets: dict[str, str] = {}
    for rel in rels:
        rid, target = rel.get("Id"), rel.get("Target", "")
        if set(rel) - {"Id", "Type", "Target", "TargetMode"} or rid is None or rid in targets:
            clean = False
        if rid is not None and rid not in targets:
            targets[rid] = target
    out: dict[str, str] = {}
    existing = set(names)
    for sheet in sheets:
        name, rid = sheet.get("name"), sheet.get("r:id")
        others = [a for a in sheet if a not in ("name", "r:id") and a.rpartition(":")[2] in ("name", "id")]
        if name is None or rid is None or others or name in out:
            clean = False
            if name is None or rid is None or name in out:
                continue
        part = _resolve(targets.get(rid, ""))
        if part is None or part not in existing:
            clean = False
            continue
        out[name] = part
    return out if clean or for_message else None


def _workbook_in_xl(package_rels: list[dict] | None) -> bool:
    """Calamine reads the workbook, its relationships and its sheets from the folder of the
    package's officeDocument relationship (the last one; ``_rels/.rels``), not from xl/ as
    such: the map is only calamine's when every such relationship points into xl/."""
    if not package_rels:
        return False
    folders = []
    for rel in package_rels:
        if rel.get("Type", "").endswith("/relationships/officeDocument"):
            target = rel.get("Target", "")
            folder = target[:target.rfind("/") + 1]
            folders.append(folder[1:] if folder.startswith("/") else folder)
    return bool(folders) and all(f == "xl/" for f in folders)


#: a relationship target calamine and the gate resolve alike: worksheets/x.xml, /xl/…
#: (calamine 0.37 puts a relative target after the workbook's folder: xl/xl/… for "xl/…")
_PLAIN_TARGET = re.compile(r"(?:/?xl/)?[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.[A-Za-z0-9]+")


def _resolve(target: str) -> str | None:
    if not _PLAIN_TARGET.fullmatch(target):
        return None
    return target[1:] if target.startswith("/") else "xl/" + target


_XML_REF = re.compile(r"&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));")
_XML_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _xml_unescape(s: str) -> str:
    """An attribute value's character and entity references (XML has five named ones),
    without importing ``html`` at every start of ``gxxl validate``."""
    if "&" not in s:
        return s

    def one(m: re.Match) -> str:
        if m.group(3):
            return _XML_NAMED[m.group(3)]
        n = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        return chr(n) if 0 < n <= 0x10FFFF and not 0xD800 <= n <= 0xDFFF else "\ufffd"

    return _XML_REF.sub(one, s)


# --------------------------------------------------------------------------------------
# folders: walked, unreadable parts reported by name
# --------------------------------------------------------------------------------------
@dataclass
class Walked:
    #: (path, shown): files to read, in a stable order
    files: list[tuple[str, str]]
    #: (shown path, reason): unreadable folders, special files
    problems: list[tuple[str, str]]
    #: files with another extension
    other: int = 0

    @property
    def messages(self) -> list[str]:
        return [f"{shown}：{reason}" for shown, reason in self.problems]


def walk(root: str | os.PathLike, exts: tuple[str, ...]) -> Walked:
    """Files under ``root`` with one of ``exts`` (lower-case), recursively.

    Hidden entries and Office lock files (``~$name.xlsx``) are skipped; symbolic links to
    folders are not followed (no loops); an unreadable folder, a dangling link or a special
    file (FIFO, device, socket) with a wanted extension is reported by name.
    """
    base = str(root)
    shown_root = Path(base).name or base
    out = Walked([], [])

    def onerror(e: OSError) -> None:
        where = e.filename or base
        rel = os.path.relpath(where, base)
        shown = shown_root if rel == "." else os.path.join(shown_root, rel)
        out.problems.append((shown, f"文件夹无法读取（{_reason(e)}），其中的文件没有处理"))

    for dirpath, dirnames, filenames in os.walk(base, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = dirpath[len(base):].lstrip(os.sep)
        prefix = os.path.join(shown_root, rel) if rel else shown_root
        for fn in sorted(filenames):
            if fn.startswith(("~$", ".")):
                continue
            if not fn.lower().endswith(exts):
                out.other += 1
                continue
            full = os.path.join(dirpath, fn)
            shown = os.path.join(prefix, fn)
            try:
                st = os.stat(full)
            except OSError as e:
                out.problems.append((shown, f"无法访问（{_reason(e)}），没有处理"))
                continue
            kind = kind_of(st.st_mode)
            if kind == "文件夹":
                continue  # a link to a folder: not followed
            if kind:
                out.problems.append((shown, f"不是普通文件（{kind}），没有处理"))
                continue
            out.files.append((full, shown))
    return out


def _reason(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "没有读取权限"
    if isinstance(e, FileNotFoundError):
        return "不存在或是失效的快捷方式（符号链接）"
    return e.strerror or str(e)
