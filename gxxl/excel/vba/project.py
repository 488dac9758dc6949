"""Build a source-only VBA project (``xl/vbaProject.bin``) per MS-OVBA.

The project is a compound file (MS-CFB) laid out as MS-OVBA 2.2.1 requires::

    PROJECT             project properties as text (MS-OVBA 2.3.1)
    PROJECTwm           module name map (MS-OVBA 2.3.3)
    VBA/_VBA_PROJECT    7 bytes, no performance cache (MS-OVBA 2.3.4.1)
    VBA/dir             compressed project information (MS-OVBA 2.3.4.2)
    VBA/<module>        compressed module source (MS-OVBA 2.3.4.3)

With ``_VBA_PROJECT`` reduced to its version-independent 7 bytes (version
``0xFFFF``) and every module's source at offset 0 of its stream, Office
finds no compiled code and compiles the source when it opens the file.  The
records, references and attribute headers follow the projects Excel saved
in xlwings 0.37.8 (``addin/xlwings.xlam``, ``quickstart_addin_ribbon.xlam``).
The project code page is 1252 and the LCID 0x409; module source must be
ASCII, so the code page never matters for its bytes.
"""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
from dataclasses import dataclass

from .cfb import write_compound_file
from .ovba import compress, encrypt_project_data

__all__ = ["VBAModule", "build_vba_project", "module_source"]

CODE_PAGE = 1252
_ENCODING = "cp1252"
_LCID = 0x0409
#: PROJECTSYSKIND value 0x00000003, "64-bit Windows", as in xlwings.xlam.
_SYS_KIND = 0x00000003
#: PROJECTVERSION values copied from xlwings.xlam; they carry no meaning
#: for a project without compiled code.
_VERSION_MAJOR = 0x6B4FEF4C
_VERSION_MINOR = 0x0008
#: The 7-byte _VBA_PROJECT stream of a source-only project (MS-OVBA 2.3.4.1).
VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")

#: Registered type library references (MS-OVBA 2.3.4.2.2.5), as in xlwings.xlam.
_REFERENCES = (
    (
        "stdole",
        "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0"
        "#C:\\Windows\\System32\\stdole2.tlb#OLE Automation",
    ),
    (
        "Office",
        "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0"
        "#C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL"
        "#Microsoft Office 16.0 Object Library",
    ),
)

_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"

_MODULE_TYPE_RECORD = {"standard": 0x0021, "class": 0x0022, "document": 0x0022}
_PROJECT_KEYWORD = {"standard": "Module", "class": "Class", "document": "Document"}

#: VB_Base of the Excel Workbook object, for the ThisWorkbook module.
_WORKBOOK_BASE = '"0{00020819-0000-0000-C000-000000000046}"'
#: VB_Base of the Excel Worksheet object, for other document modules.
_WORKSHEET_BASE = '"0{00020820-0000-0000-C000-000000000046}"'
#: VB_Base Excel writes for every class module.
_CLASS_BASE = '"0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"'

#: Attribute headers Excel writes after ``VB_Name``, in Excel's order, with
#: the default values of a new module of each kind.
_HEADER_DEFAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "standard": (),
    "class": (
        ("VB_Base", _CLASS_BASE),
        ("VB_GlobalNameSpace", "False"),
        ("VB_Creatable", "False"),
        ("VB_PredeclaredId", "False"),
        ("VB_Exposed", "False"),
        ("VB_TemplateDerived", "False"),
        ("VB_Customizable", "False"),
    ),
    "document": (
        ("VB_Base", _WORKSHEET_BASE),
        ("VB_GlobalNameSpace", "False"),
        ("VB_Creatable", "False"),
        ("VB_PredeclaredId", "True"),
        ("VB_Exposed", "True"),
        ("VB_TemplateDerived", "False"),
        ("VB_Customizable", "True"),
    ),
}

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_ATTRIBUTE_LINE = re.compile(r"Attribute\s+(VB_\w+)\s*=\s*(.*?)\s*\Z", re.IGNORECASE)
_CLASS_VERSION_LINE = re.compile(r"VERSION\s+\d+\.\d+\s+CLASS\s*\Z", re.IGNORECASE)
_MAX_MODULE_NAME = 31  # MS-CFB stream names (the module stream) hold 31 characters.
_MAX_PROJECT_NAME = 128  # PROJECTNAME, MS-OVBA 2.3.4.2.1.6.


@dataclass(frozen=True)
class VBAModule:
    """One VBA module of a project.

    ``name`` is the module's VBA identifier (ASCII, at most 31 characters).
    ``code`` is its source as found in an exported ``.bas``/``.cls`` file,
    with or without the ``Attribute VB_...`` header; it must be ASCII.
    ``kind`` is ``"standard"`` (a ``.bas`` module, MODULETYPE 0x0021),
    ``"class"`` (a class module, 0x0022) or ``"document"`` (a workbook or
    worksheet module such as ``ThisWorkbook``, 0x0022).
    """

    name: str
    code: str
    kind: str = "standard"

    def __post_init__(self) -> None:
        if self.kind not in _MODULE_TYPE_RECORD:
            raise ValueError(f"unknown module kind {self.kind!r}; use 'standard', 'class' or 'document'")
        if not (_IDENTIFIER.match(self.name) and len(self.name) <= _MAX_MODULE_NAME):
            raise ValueError(f"module name must be an ASCII identifier of at most 31 characters: {self.name!r}")
        if not self.code.isascii():
            position = next(i for i, ch in enumerate(self.code) if not ch.isascii())
            line = self.code.count("\n", 0, position) + 1
            raise ValueError(
                f"module {self.name}: VBA source must be ASCII (found {self.code[position]!r} on line {line}); "
                "use ChrW(...) for other characters"
            )


def _source_lines(code: str) -> list[str]:
    """Split source at any line ending; a final line ending adds no empty line."""
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _strip_class_header(lines: list[str]) -> list[str]:
    """Drop the ``VERSION 1.0 CLASS`` / ``BEGIN`` ... ``END`` block of an exported ``.cls`` file.

    That block belongs to the export format only; Excel's module streams
    start directly with the ``Attribute`` lines.
    """
    if not lines or not _CLASS_VERSION_LINE.match(lines[0].strip()):
        return lines
    for index, line in enumerate(lines[1:], start=1):
        if line.strip().upper() == "END":
            return lines[index + 1:]
    raise ValueError("class module header 'VERSION ... CLASS' has no matching END line")


def module_source(module: VBAModule) -> bytes:
    """Return the exact text stored (before compression) in ``module``'s stream.

    The text is what Excel itself stores (MS-OVBA 2.3.4.3): the source in
    code page 1252 with ``\\r\\n`` line endings, ending in ``\\r\\n``, and
    starting with the module's ``Attribute VB_...`` header:

    * any ``VERSION 1.0 CLASS``/``BEGIN``/``END`` block of an exported
      ``.cls`` file is removed (class and document modules);
    * ``Attribute VB_Name`` comes first; if the code has one, it must name
      this module;
    * class and document modules get Excel's standard attributes
      (``VB_Base``, ``VB_GlobalNameSpace``, ``VB_Creatable``,
      ``VB_PredeclaredId``, ``VB_Exposed``, ``VB_TemplateDerived``,
      ``VB_Customizable``) in Excel's order; values given in the code win
      over the defaults, and other attributes given in the code follow.
      A document module named ``ThisWorkbook`` gets the Workbook base class,
      any other document module the Worksheet base class.

    A standard module whose code already starts with its own
    ``Attribute VB_Name`` line (every exported ``.bas``) comes out unchanged
    apart from line endings.
    """
    lines = _source_lines(module.code)
    if module.kind != "standard":
        lines = _strip_class_header(lines)

    given: dict[str, tuple[str, str]] = {}  # lower-case name -> (name, value)
    body_start = 0
    for line in lines:
        match = _ATTRIBUTE_LINE.match(line.strip())
        if not match:
            break
        given[match.group(1).lower()] = (match.group(1), match.group(2))
        body_start += 1

    name_value = f'"{module.name}"'
    if "vb_name" in given and given["vb_name"][1] != name_value:
        raise ValueError(f"module {module.name}: code says Attribute VB_Name = {given['vb_name'][1]}")
    given.pop("vb_name", None)

    header = [("VB_Name", name_value)]
    defaults = _HEADER_DEFAULTS[module.kind]
    if module.kind == "document" and module.name == "ThisWorkbook":
        defaults = (("VB_Base", _WORKBOOK_BASE),) + defaults[1:]
    for key, default in defaults:
        header.append((key, given.pop(key.lower(), (key, default))[1]))
    header.extend(given.values())

    text_lines = [f"Attribute {key} = {value}" for key, value in header] + lines[body_start:]
    return ("\r\n".join(text_lines) + "\r\n").encode(_ENCODING)


def _project_id(project_name: str) -> str:
    """A stable project CLSID derived from the project name (MS-OVBA 2.3.1.2)."""
    value = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:gxxl:vba-project:{project_name}")
    return "{" + str(value).upper() + "}"


def _encrypt(data: bytes, project_id: str, salt: str) -> str:
    """Encrypt a PROJECT stream value with a deterministic seed (MS-OVBA 2.4.3.2)."""
    digest = hashlib.sha256(f"{project_id}:{salt}".encode("ascii")).digest()
    seed = digest[0]
    ignored = digest[1:1 + ((seed & 0x06) >> 1)]
    return encrypt_project_data(data, project_id, seed, ignored)


def _project_stream(modules: list[VBAModule], project_name: str) -> bytes:
    """The PROJECT stream text (MS-OVBA 2.3.1), as Excel writes it."""
    project_id = _project_id(project_name)
    # ProjectProtectionState 0: not protected (MS-OVBA 2.3.1.15).
    protection = _encrypt(struct.pack("<I", 0), project_id, "CMG")
    # ProjectPassword: a single 0x00 byte means no password (MS-OVBA 2.3.1.16).
    password = _encrypt(b"\x00", project_id, "DPB")
    # ProjectVisibilityState 0xFF: the project is visible (MS-OVBA 2.3.1.17).
    visibility = _encrypt(b"\xff", project_id, "GC")
    lines = [f'ID="{project_id}"']
    for module in modules:
        suffix = "/&H00000000" if module.kind == "document" else ""
        lines.append(f"{_PROJECT_KEYWORD[module.kind]}={module.name}{suffix}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{protection}"',
        f'DPB="{password}"',
        f'GC="{visibility}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    # Excel ends the stream with an empty line after the last window record.
    return ("\r\n".join(lines) + "\r\n\r\n").encode(_ENCODING)


def _projectwm_stream(modules: list[VBAModule]) -> bytes:
    """The PROJECTwm name map (MS-OVBA 2.3.3): MBCS and UTF-16 name of each module."""
    out = bytearray()
    for module in modules:
        out += module.name.encode(_ENCODING) + b"\x00"
        out += module.name.encode("utf-16-le") + b"\x00\x00"
    out += b"\x00\x00"
    return bytes(out)


def _record(record_id: int, payload: bytes) -> bytes:
    """A dir stream record: Id (2 bytes), Size (4 bytes), data (MS-OVBA 2.3.4.2)."""
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_records(record_id: int, unicode_id: int, text: str) -> bytes:
    """An MBCS record followed by its UTF-16 twin, as for names and doc strings."""
    return _record(record_id, text.encode(_ENCODING)) + _record(unicode_id, text.encode("utf-16-le"))


def _dir_stream(modules: list[VBAModule], project_name: str) -> bytes:
    """The decompressed dir stream (MS-OVBA 2.3.4.2)."""
    out = bytearray()
    # PROJECTINFORMATION (2.3.4.2.1).
    out += _record(0x0001, struct.pack("<I", _SYS_KIND))  # PROJECTSYSKIND
    out += _record(0x0002, struct.pack("<I", _LCID))  # PROJECTLCID
    out += _record(0x0014, struct.pack("<I", _LCID))  # PROJECTLCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))  # PROJECTCODEPAGE
    out += _record(0x0004, project_name.encode(_ENCODING))  # PROJECTNAME
    out += _text_records(0x0005, 0x0040, "")  # PROJECTDOCSTRING
    out += _text_records(0x0006, 0x003D, "")  # PROJECTHELPFILEPATH (both paths empty)
    out += _record(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    # PROJECTVERSION: its "Size" field is Reserved and MUST be 4, yet 6 bytes follow.
    out += struct.pack("<HIIH", 0x0009, 4, _VERSION_MAJOR, _VERSION_MINOR)
    out += _text_records(0x000C, 0x003C, "")  # PROJECTCONSTANTS
    # PROJECTREFERENCES (2.3.4.2.2): REFERENCENAME + REFERENCEREGISTERED each.
    for name, libid in _REFERENCES:
        out += _text_records(0x0016, 0x003E, name)
        encoded = libid.encode(_ENCODING)
        out += _record(0x000D, struct.pack("<I", len(encoded)) + encoded + struct.pack("<IH", 0, 0))
    # PROJECTMODULES (2.3.4.2.3).
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:
        out += _text_records(0x0019, 0x0047, module.name)  # MODULENAME + MODULENAMEUNICODE
        out += _text_records(0x001A, 0x0032, module.name)  # MODULESTREAMNAME
        out += _text_records(0x001C, 0x0048, "")  # MODULEDOCSTRING
        out += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source starts the stream
        out += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += struct.pack("<HI", _MODULE_TYPE_RECORD[module.kind], 0)  # MODULETYPE
        out += struct.pack("<HI", 0x002B, 0)  # MODULE terminator
    out += struct.pack("<HI", 0x0010, 0)  # dir stream terminator
    return bytes(out)


def build_vba_project(modules: list[VBAModule], project_name: str = "gxxl") -> bytes:
    """Return the bytes of ``xl/vbaProject.bin`` holding ``modules``.

    Modules appear in the project in the given order (Excel itself lists
    document modules first).  Module names must be unique ignoring case;
    ``project_name`` must be an ASCII identifier.  A document module must
    match a ``codeName`` of the workbook (``workbookPr``) or of one of its
    sheets (``sheetPr``), or Excel discards it.  The output is
    deterministic: the same input always gives the same bytes.
    """
    modules = list(modules)
    if not (_IDENTIFIER.match(project_name) and len(project_name) <= _MAX_PROJECT_NAME):
        raise ValueError(f"project name must be an ASCII identifier: {project_name!r}")
    seen: set[str] = set()
    for module in modules:
        if not isinstance(module, VBAModule):
            raise TypeError(f"expected VBAModule, got {type(module).__name__}")
        if module.name.upper() in seen:
            raise ValueError(f"duplicate module name {module.name!r}")
        seen.add(module.name.upper())
    if "DIR" in seen:
        raise ValueError("module name 'dir' is reserved for the VBA/dir stream")

    streams = {
        "PROJECT": _project_stream(modules, project_name),
        "PROJECTwm": _projectwm_stream(modules),
        "VBA/_VBA_PROJECT": VBA_PROJECT_STREAM,
        "VBA/dir": compress(_dir_stream(modules, project_name)),
    }
    for module in modules:
        streams[f"VBA/{module.name}"] = compress(module_source(module))
    return write_compound_file(streams)
