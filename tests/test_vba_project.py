"""Tests for the pure-Python VBA project writer (gxxl.excel.vba).

Everything is checked against independent readers: oletools' MS-OVBA
decompressor and VBA parser (strict mode) and olefile's MS-CFB reader, and
against the VBA projects Excel saved inside the installed xlwings package.
"""

from __future__ import annotations

import os
import random
import re
import struct
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from gxxl.excel.vba import VBAModule, build_vba_project, compress, decompress, module_source
from gxxl.excel.vba.cfb import write_compound_file
from gxxl.excel.vba.ovba import decrypt_project_data, encrypt_project_data

XLWINGS_DIR = Path(os.path.dirname(xlwings.__file__))
CUSTOM_ADDIN_BAS = XLWINGS_DIR / "xlwings_custom_addin.bas"
XLWINGS_XLAM = XLWINGS_DIR / "addin" / "xlwings.xlam"
RIBBON_XLAM = XLWINGS_DIR / "quickstart_addin_ribbon.xlam"

RIBBON_MODULE = (
    'Attribute VB_Name = "RibbonGxxl"\r\n'
    "Option Explicit\r\n"
    "\r\n"
    "Sub RunAction(control As IRibbonControl)\r\n"
    '    RunPython "import gxxl.excel.actions as a; a.run(\'" & control.Tag & "\')"\r\n'
    "End Sub\r\n"
)


def read_bas(path: Path) -> str:
    """Read an exported VBA file exactly, keeping its \\r\\n line endings."""
    with open(path, encoding="ascii", newline="") as handle:
        return handle.read()


def vba_bin(xlam: Path) -> bytes:
    with zipfile.ZipFile(xlam) as archive:
        return archive.read("xl/vbaProject.bin")


def parse_strict(data: bytes) -> VBA_Project:
    """Parse a vbaProject.bin with oletools, raising on any deviation from MS-OVBA.

    ``VBA_Parser.extract_macros`` logs and swallows parse errors, so the
    project is also parsed directly with ``VBA_Project(relaxed=False)``.
    """
    parser = VBA_Parser("vbaProject.bin", data=data, relaxed=False)
    (vba_root, project_path, dir_path), = parser.find_vba_projects()
    project = VBA_Project(parser.ole_file, vba_root, project_path, dir_path, relaxed=False)
    project.parse_project_stream()
    list(project.parse_modules())
    return project


# --------------------------------------------------------------------------
# MS-OVBA 2.4.1 compression
# --------------------------------------------------------------------------


def _random_text(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 10))) for _ in range(800)]
    out = []
    length = 0
    while length < size:
        word = rng.choice(words) + rng.choice(" \r\n,.()=\"'")
        out.append(word)
        length += len(word)
    return "".join(out).encode("ascii")[:size]


ROUND_TRIP_CASES = {
    "empty": b"",
    "one byte": b"x",
    "4095 bytes": _random_text(4095, 1),
    "4096 bytes": _random_text(4096, 2),
    "4097 bytes": _random_text(4097, 3),
    "repetitive 100 kB": (b"Dim i As Long\r\n" * 7000)[:100_000],
    "single byte run 100 kB": b"a" * 100_000,
    "random-ish text 60 kB": _random_text(60_000, 4),
    "random bytes, whole chunks": random.Random(5).randbytes(3 * 4096),
    "random bytes, short tail": random.Random(6).randbytes(2 * 4096 + 1000),
    "xlwings_custom_addin.bas": CUSTOM_ADDIN_BAS.read_bytes(),
}


@pytest.mark.parametrize("data", ROUND_TRIP_CASES.values(), ids=ROUND_TRIP_CASES.keys())
def test_compress_round_trip(data: bytes) -> None:
    container = compress(data)
    assert decompress(container) == data
    # An independent decoder reads the same bytes back.
    assert bytes(decompress_stream(bytearray(container))) == data


def test_compression_actually_compresses() -> None:
    source = CUSTOM_ADDIN_BAS.read_bytes()
    assert len(source) > 40_000
    assert len(compress(source)) < len(source) / 2
    assert len(compress(b"a" * 100_000)) < 1_000


def test_chunk_layout() -> None:
    """Every chunk covers 4096 decompressed bytes (MS-OVBA 2.4.1.1.1)."""
    data = _random_text(3 * 4096 + 10, 7)
    container = compress(data)
    assert container[0] == 0x01
    position, chunks = 1, 0
    while position < len(container):
        (header,) = struct.unpack_from("<H", container, position)
        assert header & 0x7000 == 0x3000  # CompressedChunkSignature
        assert header & 0x8000  # compressed (text always compresses)
        size = (header & 0x0FFF) + 3
        chunks += 1
        assert bytes(decompress_stream(bytearray(b"\x01" + container[position:position + size]))) == data[
            (chunks - 1) * 4096:chunks * 4096
        ]
        position += size
    assert chunks == 4


def test_incompressible_chunk_is_stored_raw() -> None:
    """A full chunk that does not compress becomes a raw chunk (MS-OVBA 2.4.1.3.10)."""
    data = random.Random(8).randbytes(4096)
    container = compress(data)
    assert container[:3] == b"\x01\xff\x3f"  # size 4098 - 3, signature 0b011, flag 0
    assert len(container) == 1 + 2 + 4096
    assert decompress(container) == data


def test_incompressible_short_last_chunk_is_padded_as_the_spec_says() -> None:
    """MS-OVBA 2.4.1.3.10 pads a raw last chunk to 4096 bytes with 0x00.

    Only a last chunk of more than 3640 nearly random bytes needs a raw
    chunk; VBA source text never does.  The padding comes back from any
    decompressor, ours and oletools' alike.
    """
    data = random.Random(9).randbytes(4000)
    container = compress(data)
    assert decompress(container) == data + b"\x00" * 96
    assert bytes(decompress_stream(bytearray(container))) == data + b"\x00" * 96


def test_spec_examples() -> None:
    """The worked examples of MS-OVBA 3.2.1 (no compression) and 3.2.2 (normal compression)."""
    plain = b"abcdefghijklmnopqrstuv."
    assert compress(plain) == bytes.fromhex("0119B000 6162636465666768 00 696A6B6C6D6E6F70 00 7172737475762E")
    assert decompress(compress(plain)) == plain
    uncompressed = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
    compressed = bytes.fromhex(
        "012FB000236161616263646582660070616768696A013808616B6C00306D6E6F"
        "70067102700410727374757610777879"
        "7A003C"
    )
    assert decompress(compressed) == uncompressed
    assert decompress(compress(uncompressed)) == uncompressed


@pytest.mark.parametrize(
    "container",
    [b"", b"\x00\x00\x00", b"\x01\x00\x00", b"\x01\x05\x30abc", b"\x01\x03\xb0\x01\x00\x00"],
    ids=["empty", "bad signature byte", "bad chunk signature", "raw chunk of wrong size", "copy before start"],
)
def test_decompress_rejects_malformed_input(container: bytes) -> None:
    with pytest.raises(ValueError):
        decompress(container)


@pytest.mark.parametrize("xlam", [RIBBON_XLAM, XLWINGS_XLAM], ids=["quickstart_addin_ribbon", "xlwings"])
def test_decompress_streams_written_by_office(xlam: Path) -> None:
    """Our decompressor reads every stream of xlwings' Excel-made add-ins as oletools does."""
    data = vba_bin(xlam)
    ole = olefile.OleFileIO(data)
    project = parse_strict(data)
    dir_stream = ole.openstream("VBA/dir").read()
    assert decompress(dir_stream) == bytes(decompress_stream(bytearray(dir_stream)))
    assert project.modules
    for module in project.modules:
        raw = ole.openstream(module.code_path).read()
        assert decompress(raw[module.textoffset:]) == module.code_raw


# --------------------------------------------------------------------------
# MS-OVBA 2.4.3 data encryption (CMG, DPB, GC)
# --------------------------------------------------------------------------


def _project_properties(data: bytes) -> dict[str, str]:
    text = olefile.OleFileIO(data).openstream("PROJECT").read().decode("cp1252")
    properties = {}
    for line in text.split("\r\n"):
        if line.startswith("["):
            break
        if "=" in line:
            key, value = line.split("=", 1)
            properties[key] = value.strip('"')
    return properties


def test_encryption_reproduces_excel() -> None:
    """Excel's own CMG/DPB/GC values come out again given Excel's seed and filler bytes."""
    properties = _project_properties(vba_bin(RIBBON_XLAM))
    project_id = properties["ID"]
    assert encrypt_project_data(b"\x00\x00\x00\x00", project_id, 0x5D, b"\x9b\xff") == properties["CMG"]
    assert encrypt_project_data(b"\x00", project_id, 0x5D, b"\x9b\xff") == properties["DPB"]
    assert encrypt_project_data(b"\xff", project_id, 0x5D, b"\x9b\xff") == properties["GC"]


@pytest.mark.parametrize("xlam", [RIBBON_XLAM, XLWINGS_XLAM], ids=["quickstart_addin_ribbon", "xlwings"])
def test_decryption_of_excel_values(xlam: Path) -> None:
    properties = _project_properties(vba_bin(xlam))
    project_id = properties["ID"]
    assert len(decrypt_project_data(properties["CMG"], project_id)) == 4
    assert len(decrypt_project_data(properties["DPB"], project_id)) >= 1
    assert len(decrypt_project_data(properties["GC"], project_id)) == 1
    with pytest.raises(ValueError):
        decrypt_project_data(properties["GC"], "{11111111-1111-1111-1111-111111111111}")


# --------------------------------------------------------------------------
# Module source as Excel stores it
# --------------------------------------------------------------------------


def test_bas_source_is_kept_byte_for_byte() -> None:
    source = read_bas(CUSTOM_ADDIN_BAS)
    assert source.startswith('Attribute VB_Name = "xlwings"\r\n')
    assert module_source(VBAModule("xlwings", source)) == CUSTOM_ADDIN_BAS.read_bytes()


def test_line_endings_are_normalised_and_name_attribute_added() -> None:
    module = VBAModule("Small", "Sub A()\n    x = 1\rEnd Sub")
    assert module_source(module) == b'Attribute VB_Name = "Small"\r\nSub A()\r\n    x = 1\r\nEnd Sub\r\n'


def test_document_and_class_headers_match_excel() -> None:
    """Our module text equals what Excel saved in xlwings' add-ins."""
    ribbon = {m.name: m.code_raw for m in parse_strict(vba_bin(RIBBON_XLAM)).modules}
    assert module_source(VBAModule("ThisWorkbook", "", "document")) == ribbon["ThisWorkbook"]
    assert module_source(VBAModule("Sheet2", "", "document")) == ribbon["Sheet2"]
    xlwings_modules = {m.name: m.code_raw for m in parse_strict(vba_bin(XLWINGS_XLAM)).modules}
    for name in ("Dictionary", "IWebAuthenticator", "WebRequest"):
        exported = read_bas(XLWINGS_DIR / "addin" / f"{name}.cls")
        assert exported.startswith("VERSION 1.0 CLASS\r\n")
        assert module_source(VBAModule(name, exported, "class")) == xlwings_modules[name]


def test_new_class_module_defaults() -> None:
    text = module_source(VBAModule("Counter", "Public Count As Long\r\n", "class")).decode("ascii")
    assert text.splitlines()[:8] == [
        'Attribute VB_Name = "Counter"',
        'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = False",
        "Attribute VB_Exposed = False",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = False",
    ]


def test_non_ascii_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        VBAModule("Greeting", 'Sub Hello()\r\n    MsgBox "\u4f60\u597d"\r\nEnd Sub\r\n')
    with pytest.raises(ValueError, match="ASCII"):
        build_vba_project([VBAModule("Greeting", "' caf\u00e9\r\n", "standard")])


@pytest.mark.parametrize(
    "make",
    [
        lambda: VBAModule("M\u00f6dule", "Sub A()\r\nEnd Sub\r\n"),
        lambda: VBAModule("1Module", ""),
        lambda: VBAModule("A" * 32, ""),
        lambda: VBAModule("Module1", "", kind="form"),
        lambda: module_source(VBAModule("Module1", 'Attribute VB_Name = "Other"\r\n')),
        lambda: build_vba_project([VBAModule("Module1", ""), VBAModule("MODULE1", "")]),
        lambda: build_vba_project([VBAModule("dir", "")]),
        lambda: build_vba_project([], project_name="my project"),
    ],
    ids=["non-ASCII name", "not an identifier", "name too long", "unknown kind", "VB_Name mismatch",
         "duplicate names", "reserved name", "bad project name"],
)
def test_invalid_input_is_rejected(make) -> None:
    with pytest.raises(ValueError):
        make()


# --------------------------------------------------------------------------
# The whole project
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def modules() -> list[VBAModule]:
    return [
        VBAModule("ThisWorkbook", "Option Explicit\r\n", kind="document"),
        VBAModule("xlwings", read_bas(CUSTOM_ADDIN_BAS)),
        VBAModule("RibbonGxxl", RIBBON_MODULE),
    ]


@pytest.fixture(scope="module")
def project_bin(modules: list[VBAModule]) -> bytes:
    return build_vba_project(modules)


def test_compound_file_streams(project_bin: bytes, modules: list[VBAModule]) -> None:
    ole = olefile.OleFileIO(project_bin, raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(path) for path in ole.listdir()) == sorted(
        ["PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"] + [f"VBA/{m.name}" for m in modules]
    )
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE
    # The big module lives in regular sectors, the others in the mini stream.
    assert ole.get_size("VBA/xlwings") >= 4096
    assert ole.get_size("VBA/RibbonGxxl") < 4096
    for module in modules:
        stream = ole.openstream(f"VBA/{module.name}").read()
        assert decompress(stream) == module_source(module)


def test_oletools_reads_every_module_strictly(project_bin: bytes, modules: list[VBAModule]) -> None:
    project = parse_strict(project_bin)
    assert project.projectname == "gxxl"
    assert project.codepage == 1252
    expected_types = {"ThisWorkbook": 0x0022, "xlwings": 0x0021, "RibbonGxxl": 0x0021}
    assert [m.name for m in project.modules] == [m.name for m in modules]
    for parsed, module in zip(project.modules, modules):
        assert parsed.type == expected_types[module.name]
        assert parsed.textoffset == 0
        assert parsed.code_raw == module_source(module)
    assert project.module_ext == {"thisworkbook": "cls", "xlwings": "bas", "ribbongxxl": "bas"}

    parser = VBA_Parser("vbaProject.bin", data=project_bin, relaxed=False)
    assert parser.detect_vba_macros()
    extracted = {vba_filename: code for _, _, vba_filename, code in parser.extract_macros()}
    assert extracted == {
        "ThisWorkbook.cls": module_source(modules[0]).decode("cp1252"),
        "xlwings.bas": read_bas(CUSTOM_ADDIN_BAS),
        "RibbonGxxl.bas": RIBBON_MODULE,
    }


def test_project_stream(project_bin: bytes) -> None:
    ole = olefile.OleFileIO(project_bin)
    text = ole.openstream("PROJECT").read().decode("ascii")
    lines = text.split("\r\n")
    assert lines[0].startswith('ID="{') and lines[0].endswith('}"')
    assert lines[1:7] == [
        "Document=ThisWorkbook/&H00000000",
        "Module=xlwings",
        "Module=RibbonGxxl",
        'Name="gxxl"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
    ]
    assert text.endswith(
        "\r\n\r\n[Host Extender Info]\r\n"
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n\r\n"
        "[Workspace]\r\nThisWorkbook=0, 0, 0, 0, C\r\nxlwings=0, 0, 0, 0, C\r\nRibbonGxxl=0, 0, 0, 0, C\r\n\r\n"
    )
    properties = _project_properties(project_bin)
    # Unprotected, no password, visible -- encrypted with this project's ID.
    assert decrypt_project_data(properties["CMG"], properties["ID"]) == b"\x00\x00\x00\x00"
    assert decrypt_project_data(properties["DPB"], properties["ID"]) == b"\x00"
    assert decrypt_project_data(properties["GC"], properties["ID"]) == b"\xff"

    assert ole.openstream("PROJECTwm").read() == (
        b"ThisWorkbook\x00" + "ThisWorkbook".encode("utf-16-le") + b"\x00\x00"
        + b"xlwings\x00" + "xlwings".encode("utf-16-le") + b"\x00\x00"
        + b"RibbonGxxl\x00" + "RibbonGxxl".encode("utf-16-le") + b"\x00\x00"
        + b"\x00\x00"
    )


def test_dir_stream_references(project_bin: bytes) -> None:
    ole = olefile.OleFileIO(project_bin)
    dir_stream = decompress(ole.openstream("VBA/dir").read())
    assert dir_stream.startswith(struct.pack("<HII", 0x0001, 4, 3))  # PROJECTSYSKIND
    assert struct.pack("<HIH", 0x0003, 2, 1252) in dir_stream  # PROJECTCODEPAGE
    assert b"*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#" in dir_stream  # stdole
    assert b"*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#" in dir_stream  # Office
    assert dir_stream.endswith(struct.pack("<HI", 0x0010, 0))


def test_output_is_deterministic(modules: list[VBAModule], project_bin: bytes) -> None:
    assert build_vba_project(modules) == project_bin
    assert build_vba_project(modules, project_name="Other") != project_bin


def test_class_module_in_project() -> None:
    exported = read_bas(XLWINGS_DIR / "addin" / "Dictionary.cls")
    data = build_vba_project([VBAModule("Dictionary", exported, "class"), VBAModule("Main", "Sub A()\r\nEnd Sub\r\n")])
    project = parse_strict(data)
    assert [(m.name, m.type) for m in project.modules] == [("Dictionary", 0x0022), ("Main", 0x0021)]
    assert project.module_ext == {"dictionary": "cls", "main": "bas"}


@pytest.mark.libreoffice
def test_libreoffice_imports_every_module(tmp_path: Path, modules: list[VBAModule], soffice) -> None:
    """LibreOffice imports each module with the right type from a workbook carrying our project.

    The workbook is xlwings' ribbon add-in with its vbaProject.bin replaced
    and relabelled as .xlsm (LibreOffice refuses the add-in content type).
    Its sheet has code name Sheet2, so the project gets that document module.
    """
    project = build_vba_project(
        modules + [VBAModule("Sheet2", "", kind="document"), VBAModule("Helper", "Public X As Long\r\n", "class")]
    )
    workbook = tmp_path / "book.xlsm"
    with zipfile.ZipFile(RIBBON_XLAM) as source, zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/vbaProject.bin":
                content = project
            elif item.filename == "[Content_Types].xml":
                content = content.replace(b"ms-excel.addin.macroEnabled", b"ms-excel.sheet.macroEnabled")
            target.writestr(item, content)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "ods", "--outdir", str(tmp_path / "out"), str(workbook)],
        check=True, capture_output=True, timeout=180,
    )
    with zipfile.ZipFile(tmp_path / "out" / "book.ods") as ods:
        basic = {
            name.rsplit("/", 1)[1][:-4]: ods.read(name).decode("utf-8")
            for name in ods.namelist()
            if name.startswith("Basic/gxxl/") and not name.endswith("script-lb.xml")
        }
    module_types = {name: re.search(r'script:moduleType="(\w+)"', text).group(1) for name, text in basic.items()}
    assert module_types == {
        "ThisWorkbook": "document",
        "Sheet2": "document",
        "xlwings": "normal",
        "RibbonGxxl": "normal",
        "Helper": "class",
    }
    assert "Sub RunAction(control As IRibbonControl)" in basic["RibbonGxxl"]
    assert "Function GetConfigFilePath() As String" in basic["xlwings"]
    assert "GetFullName = found_path" in basic["xlwings"]  # near the end of the 46 kB module


# --------------------------------------------------------------------------
# MS-CFB writer
# --------------------------------------------------------------------------


def _compare_names(a: str, b: str) -> int:
    """MS-CFB 2.6.4 order: length first, then upper-cased characters."""
    key_a, key_b = (len(a), a.upper()), (len(b), b.upper())
    return (key_a > key_b) - (key_a < key_b)


def _check_red_black_tree(ole: olefile.OleFileIO, sid: int) -> tuple[int, list[str]]:
    """Return (black height, names in order) of the sibling tree rooted at ``sid``."""
    if sid == olefile.NOSTREAM:
        return 1, []
    entry = ole.direntries[sid]
    left_height, left_names = _check_red_black_tree(ole, entry.sid_left)
    right_height, right_names = _check_red_black_tree(ole, entry.sid_right)
    assert left_height == right_height, "unequal black heights"
    if entry.color == 0:  # red: children must be black
        for child in (entry.sid_left, entry.sid_right):
            assert child == olefile.NOSTREAM or ole.direntries[child].color == 1
    assert all(_compare_names(name, entry.name) < 0 for name in left_names)
    assert all(_compare_names(name, entry.name) > 0 for name in right_names)
    return left_height + (entry.color == 1), left_names + [entry.name] + right_names


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, 8, 40])
def test_compound_file_directory_tree(count: int) -> None:
    rng = random.Random(count)
    streams = {"Top": b"t" * 10, "Large": rng.randbytes(70_000), "Edge": rng.randbytes(4096)}
    for index in range(count):
        name = "".join(rng.choice("abcdefgXYZ_") for _ in range(rng.randint(1, 31)))
        streams.setdefault(f"Store/{name}", rng.randbytes(rng.randint(0, 5000)))
    data = write_compound_file(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
    for entry in ole.direntries:
        if entry is not None and entry.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            if entry.sid_child != olefile.NOSTREAM:
                assert ole.direntries[entry.sid_child].color == 1  # tree root is black
            _, names = _check_red_black_tree(ole, entry.sid_child)
            assert sorted(names, key=lambda n: (len(n), n.upper())) == names


def test_compound_file_rejects_bad_names() -> None:
    with pytest.raises(ValueError):
        write_compound_file({"A" * 32: b""})
    with pytest.raises(ValueError):
        write_compound_file({"Same": b"1", "SAME": b"2"})
