"""A minimal MS-CFB (Compound File Binary) writer.

Writes version 3 compound files (MS-CFB 2.2: 512-byte sectors, 64-byte mini
sectors, mini stream cutoff 4096 bytes), which is what Office writes for
``vbaProject.bin``.  Only what a VBA project needs is supported: a tree of
storages and streams built from ``"Storage/Stream"`` paths, all timestamps
and CLSIDs zero (so the output is deterministic), and at most 109 FAT
sectors (no DIFAT sectors, MS-CFB 2.5), i.e. files up to about 6.8 MB.

File layout written here, after the 512-byte header (MS-CFB 2.2)::

    regular stream sectors | mini stream | mini FAT | directory | FAT

Streams shorter than 4096 bytes live in the mini stream (MS-CFB 2.6.3 and
2.7), whose sectors belong to the root entry; all others get their own
sector chains in the FAT (MS-CFB 2.3).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["write_compound_file"]

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
_DIR_ENTRY_SIZE = 128
_IDS_PER_SECTOR = SECTOR_SIZE // 4
_HEADER_DIFAT_ENTRIES = 109

# Special sector numbers (MS-CFB 2.1).
_FATSECT = 0xFFFFFFFD
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF

# Object types and colours of directory entries (MS-CFB 2.6.1).
_TYPE_STORAGE = 0x01
_TYPE_STREAM = 0x02
_TYPE_ROOT = 0x05
_RED = 0x00
_BLACK = 0x01

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_MAX_NAME_LENGTH = 31
_FORBIDDEN_NAME_CHARACTERS = set("/\\:!")


@dataclass
class _Entry:
    """One directory entry (MS-CFB 2.6.1) while the file is being laid out."""

    name: str
    object_type: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    color: int = _BLACK
    start: int = _ENDOFCHAIN
    index: int = -1


def _sort_key(name: str) -> tuple[int, str]:
    """Order of sibling names in the red-black tree (MS-CFB 2.6.4).

    Shorter names sort first; names of equal length compare by their
    upper-cased UTF-16 code units.
    """
    return len(name.encode("utf-16-le")), name.upper()


def _check_name(name: str) -> None:
    if not name or len(name) > _MAX_NAME_LENGTH:
        raise ValueError(f"compound file entry name must have 1 to {_MAX_NAME_LENGTH} characters: {name!r}")
    if any(ch in _FORBIDDEN_NAME_CHARACTERS or ord(ch) < 0x20 for ch in name):
        raise ValueError(f"compound file entry name contains a forbidden character: {name!r}")


def _build_tree(streams: Mapping[str, bytes]) -> _Entry:
    """Turn ``{"A/B": data}`` paths into a tree of storage and stream entries."""
    root = _Entry("Root Entry", _TYPE_ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for depth, part in enumerate(parts):
            _check_name(part)
            is_stream = depth == len(parts) - 1
            existing = next((c for c in node.children if c.name.upper() == part.upper()), None)
            if existing is None:
                existing = _Entry(part, _TYPE_STREAM if is_stream else _TYPE_STORAGE)
                node.children.append(existing)
            elif is_stream or existing.object_type != _TYPE_STORAGE:
                raise ValueError(f"duplicate or conflicting compound file path: {path!r}")
            node = existing
        node.data = bytes(data)
    return root


def _link_siblings(entries: list[_Entry]) -> tuple[int, int]:
    """Link sorted ``entries`` into a balanced red-black tree (MS-CFB 2.6.4).

    The tree is built by splitting at the median, so all empty child links
    lie on the two deepest levels.  Nodes on the deepest level of a tree
    whose lowest level is incomplete are red and all others black, which
    gives every root-to-leaf path the same number of black nodes and never
    puts a red node under a red node.  Returns ``(root index, height)``.
    """
    if not entries:
        return _NOSTREAM, 0
    middle = len(entries) // 2
    node = entries[middle]
    node.left, left_height = _link_siblings(entries[:middle])
    node.right, right_height = _link_siblings(entries[middle + 1:])
    return node.index, 1 + max(left_height, right_height)


def _color_tree(entries: list[_Entry], depth: int, deepest: int, complete: bool) -> None:
    if not entries:
        return
    middle = len(entries) // 2
    entries[middle].color = _RED if depth == deepest and not complete and depth > 0 else _BLACK
    _color_tree(entries[:middle], depth + 1, deepest, complete)
    _color_tree(entries[middle + 1:], depth + 1, deepest, complete)


def _arrange_children(storage: _Entry) -> None:
    ordered = sorted(storage.children, key=lambda entry: _sort_key(entry.name))
    storage.child, height = _link_siblings(ordered)
    complete = len(ordered) == 2 ** height - 1
    _color_tree(ordered, 0, height - 1, complete)
    for entry in ordered:
        if entry.object_type == _TYPE_STORAGE:
            _arrange_children(entry)


def _flatten(root: _Entry) -> list[_Entry]:
    """Number the entries breadth first, root entry first (stream ID 0)."""
    order = [root]
    position = 0
    while position < len(order):
        order.extend(order[position].children)
        position += 1
    for index, entry in enumerate(order):
        entry.index = index
    return order


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\x00" * (-len(data) % size)


def _chain(table: list[int], first: int, count: int) -> None:
    """Write a chain of ``count`` consecutive sectors starting at ``first``."""
    for sector in range(first, first + count - 1):
        table[sector] = sector + 1
    table[first + count - 1] = _ENDOFCHAIN


def _directory_entry(entry: _Entry) -> bytes:
    """Serialize one 128-byte directory entry (MS-CFB 2.6.1)."""
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    size = len(entry.data) if entry.object_type != _TYPE_STORAGE else 0
    start = entry.start if entry.object_type != _TYPE_STORAGE else 0
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.object_type,
        entry.color,
        entry.left,
        entry.right,
        entry.child,
        b"\x00" * 16,  # CLSID
        0,  # state bits
        0,  # creation time
        0,  # modified time
        start,
        size,
    )


_UNUSED_DIRECTORY_ENTRY = struct.pack(
    "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"\x00" * 16, 0, 0, 0, 0, 0
)


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """Return a version 3 compound file holding ``streams``.

    Keys are paths of streams, with ``/`` between storage names
    (``"VBA/dir"``); storages are created as needed.  Each name may have at
    most 31 characters (MS-CFB 2.6.1).  Directory entries are numbered in
    breadth-first order of the given paths; siblings are linked into a
    red-black tree ordered as MS-CFB 2.6.4 requires.
    """
    root = _build_tree(streams)
    entries = _flatten(root)
    _arrange_children(root)
    stream_entries = [e for e in entries if e.object_type == _TYPE_STREAM]

    # Mini stream (MS-CFB 2.6.3): small streams packed in 64-byte mini sectors.
    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in stream_entries:
        if 0 < len(entry.data) < MINI_STREAM_CUTOFF:
            count = -(-len(entry.data) // MINI_SECTOR_SIZE)
            entry.start = len(mini_fat)
            mini_fat.extend([0] * count)
            _chain(mini_fat, entry.start, count)
            mini_stream += _pad(entry.data, MINI_SECTOR_SIZE)
    root.data = bytes(mini_stream)

    # Regular sectors: large streams, then the mini stream, mini FAT and directory.
    sectors: list[bytes] = []
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        if not data:
            return _ENDOFCHAIN
        padded = _pad(data, SECTOR_SIZE)
        first = len(sectors)
        count = len(padded) // SECTOR_SIZE
        sectors.extend(padded[i:i + SECTOR_SIZE] for i in range(0, len(padded), SECTOR_SIZE))
        fat.extend([0] * count)
        _chain(fat, first, count)
        return first

    for entry in stream_entries:
        if len(entry.data) >= MINI_STREAM_CUTOFF:
            entry.start = allocate(entry.data)
    root.start = allocate(root.data)
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes += struct.pack("<I", _FREESECT) * (-len(mini_fat) % _IDS_PER_SECTOR)
    mini_fat_start = allocate(mini_fat_bytes)
    mini_fat_sector_count = len(mini_fat_bytes) // SECTOR_SIZE
    directory = b"".join(_directory_entry(entry) for entry in entries)
    directory += _UNUSED_DIRECTORY_ENTRY * (-len(entries) % (SECTOR_SIZE // _DIR_ENTRY_SIZE))
    directory_start = allocate(directory)

    # FAT sectors (MS-CFB 2.3) must also describe themselves.
    fat_sector_count = 1
    while fat_sector_count * _IDS_PER_SECTOR < len(fat) + fat_sector_count:
        fat_sector_count += 1
    if fat_sector_count > _HEADER_DIFAT_ENTRIES:
        raise ValueError("compound file too large for a writer without DIFAT sectors")
    fat_start = len(fat)
    fat.extend([_FATSECT] * fat_sector_count)
    fat.extend([_FREESECT] * (fat_sector_count * _IDS_PER_SECTOR - len(fat)))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors.extend(fat_bytes[i:i + SECTOR_SIZE] for i in range(0, len(fat_bytes), SECTOR_SIZE))

    difat = list(range(fat_start, fat_start + fat_sector_count))
    difat += [_FREESECT] * (_HEADER_DIFAT_ENTRIES - len(difat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        _SIGNATURE,
        b"\x00" * 16,  # header CLSID
        0x003E,  # minor version
        0x0003,  # major version 3
        0xFFFE,  # byte order: little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        b"\x00" * 6,  # reserved
        0,  # number of directory sectors (MUST be 0 for version 3)
        fat_sector_count,
        directory_start,
        0,  # transaction signature
        MINI_STREAM_CUTOFF,
        mini_fat_start,
        mini_fat_sector_count,
        _ENDOFCHAIN,  # first DIFAT sector: none
        0,  # number of DIFAT sectors
        *difat,
    )
    assert len(header) == SECTOR_SIZE
    return header + b"".join(sectors)
