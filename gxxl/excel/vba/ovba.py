"""MS-OVBA compression (section 2.4.1) and data encryption (section 2.4.3).

Everything in a VBA project that is not a plain text stream is stored as a
*CompressedContainer* (MS-OVBA 2.4.1.1.1): the ``VBA/dir`` stream and the
source-code part of every module stream.  The format is a simple LZ77 variant:

* a signature byte ``0x01``;
* a sequence of chunks, each encoding at most 4096 bytes of decompressed data
  (a *DecompressedChunk*, 2.4.1.1.3) and starting with a two-byte header
  (2.4.1.1.5): bits 0-11 hold the chunk size minus 3, bits 12-14 the
  signature ``0b011`` and bit 15 the flag "compressed";
* a compressed chunk is a series of *TokenSequences* (2.4.1.1.7): one flag
  byte followed by up to eight tokens, where flag bit *i* (least significant
  first) tells whether token *i* is a one-byte *LiteralToken* (0) or a
  two-byte *CopyToken* (1, 2.4.1.1.8) that repeats earlier bytes of the same
  chunk;
* a raw chunk (flag 0) stores exactly 4096 bytes verbatim.

The split of a CopyToken into offset and length bits depends on the position
inside the current chunk (``CopyToken Help``, 2.4.1.3.19.1), and the maximum
copy length is ``(0xFFFF >> bit_count) + 3`` (2.4.1.3.19.3).

Compression here finds matches with a hash chain over 3-byte prefixes inside
the current chunk, visiting at most ``_MAX_CANDIDATES`` earlier positions per
byte, so its running time is linear in the input size.  Any valid encoding is
accepted by readers; the output need not match the exact bytes Office writes.

The module also implements the "Data Encryption" used for the ``CMG``,
``DPB`` and ``GC`` values of the ``PROJECT`` stream (2.4.3.2 and 2.4.3.3).
"""

from __future__ import annotations

import struct

__all__ = ["compress", "decompress", "encrypt_project_data", "decrypt_project_data"]

#: Bytes of decompressed data per chunk (MS-OVBA 2.4.1.1.3).
CHUNK_SIZE = 4096
#: Largest CompressedChunkData that fits the 12-bit size field (2.4.1.1.5).
_MAX_COMPRESSED_DATA = 4096
_SIGNATURE_BYTE = 0x01
_CHUNK_SIGNATURE = 0b011 << 12
_CHUNK_FLAG_COMPRESSED = 0x8000
#: Header of a raw chunk: size field 4098 - 3, signature, flag 0 (2.4.1.3.10).
_RAW_CHUNK_HEADER = (CHUNK_SIZE + 2 - 3) | _CHUNK_SIGNATURE
_MIN_MATCH = 3
#: How many earlier occurrences of a 3-byte prefix are tried per position.
_MAX_CANDIDATES = 64


def _copy_token_help(difference: int) -> tuple[int, int]:
    """Return ``(bit_count, maximum_length)`` for a CopyToken (MS-OVBA 2.4.1.3.19.1).

    ``difference`` is the number of bytes already decompressed in the
    current chunk; the offset field is made just wide enough for it, with at
    least 4 bits, and the remaining bits of the 16-bit token hold the length.
    """
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + _MIN_MATCH


def _match_length(data: bytes, candidate: int, current: int, limit: int) -> int:
    """Length (at most ``limit``) of the common prefix of ``data[candidate:]`` and ``data[current:]``.

    The first 3 bytes are known to match.  Compares 16-byte slices first and
    finishes byte by byte; an overlapping match (``current - candidate <
    length``) is fine because the input, not the output, is compared.
    """
    length = _MIN_MATCH
    while length + 16 <= limit and (
        data[candidate + length:candidate + length + 16] == data[current + length:current + length + 16]
    ):
        length += 16
    while length < limit and data[candidate + length] == data[current + length]:
        length += 1
    return length


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """Compress ``data[start:end]`` (at most 4096 bytes) into one chunk.

    Returns the whole CompressedChunk including its header: a compressed
    chunk (MS-OVBA 2.4.1.3.7) when it fits in 4096 bytes of chunk data,
    otherwise a raw chunk (2.4.1.3.10).
    """
    out = bytearray()
    chains: dict[bytes, list[int]] = {}
    current = start
    while current < end:
        # One TokenSequence (2.4.1.3.8): reserve the flag byte, emit <= 8 tokens.
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if current >= end:
                break
            best_length = 0
            best_offset = 0
            if current + _MIN_MATCH <= end:
                key = data[current:current + _MIN_MATCH]
                candidates = chains.get(key)
                if candidates:
                    bit_count, maximum_length = _copy_token_help(current - start)
                    limit = min(maximum_length, end - current)
                    # Matching (2.4.1.3.19.4): longest match, nearest first on ties.
                    for candidate in reversed(candidates[-_MAX_CANDIDATES:]):
                        # A candidate can only win if it also matches at best_length.
                        if best_length and data[candidate + best_length] != data[current + best_length]:
                            continue
                        length = _match_length(data, candidate, current, limit)
                        if length > best_length:
                            best_length = length
                            best_offset = current - candidate
                            if length >= limit:
                                break
            if best_length >= _MIN_MATCH:
                # CopyToken (2.4.1.3.19.3): offset - 1 in the high bits, length - 3 in the low bits.
                token = ((best_offset - 1) << (16 - bit_count)) | (best_length - _MIN_MATCH)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_length
            else:
                out.append(data[current])
                step = 1
            # Index every position consumed, so later bytes can refer back to it.
            for position in range(current, min(current + step, end - _MIN_MATCH + 1)):
                chains.setdefault(data[position:position + _MIN_MATCH], []).append(position)
            current += step
        out[flag_index] = flags
    if len(out) <= _MAX_COMPRESSED_DATA:
        header = (len(out) + 2 - 3) | _CHUNK_SIGNATURE | _CHUNK_FLAG_COMPRESSED
        return struct.pack("<H", header) + bytes(out)
    # Raw chunk (2.4.1.3.10): always 4096 bytes; a short last chunk is padded
    # with 0x00, which then also comes back from decompression.
    raw = data[start:end].ljust(CHUNK_SIZE, b"\x00")
    return struct.pack("<H", _RAW_CHUNK_HEADER) + raw


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer (MS-OVBA 2.4.1.3.6).

    The input is cut into 4096-byte chunks, each compressed on its own.  A
    chunk whose compressed form would exceed 4096 bytes is stored raw; per
    MS-OVBA 2.4.1.3.10 a raw *last* chunk shorter than 4096 bytes is padded
    with zero bytes.  That can only happen for a last chunk of more than 3640
    nearly incompressible bytes, never for VBA source text in practice.
    """
    data = bytes(data)
    out = bytearray([_SIGNATURE_BYTE])
    for start in range(0, len(data), CHUNK_SIZE):
        out += _compress_chunk(data, start, min(start + CHUNK_SIZE, len(data)))
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (MS-OVBA 2.4.1.3.1).

    Raises :class:`ValueError` on a malformed container (wrong signature
    byte or chunk signature, a raw chunk whose size is not 4098, a truncated
    token or a CopyToken pointing before the start of its chunk).
    """
    container = bytes(container)
    if not container or container[0] != _SIGNATURE_BYTE:
        raise ValueError("not an MS-OVBA compressed container (signature byte must be 0x01)")
    out = bytearray()
    position = 1
    while position < len(container):
        if position + 2 > len(container):
            raise ValueError(f"truncated chunk header at offset {position}")
        (header,) = struct.unpack_from("<H", container, position)
        chunk_size = (header & 0x0FFF) + 3
        if header & 0x7000 != _CHUNK_SIGNATURE:
            raise ValueError(f"bad CompressedChunkSignature at offset {position}")
        chunk_end = min(position + chunk_size, len(container))
        position += 2
        if not header & _CHUNK_FLAG_COMPRESSED:
            # Decompressing a RawChunk (2.4.1.3.3).
            if chunk_size != CHUNK_SIZE + 2:
                raise ValueError(f"raw chunk with size {chunk_size}, expected 4098")
            out += container[position:position + CHUNK_SIZE]
            position += CHUNK_SIZE
            continue
        # Decompressing a CompressedChunk (2.4.1.3.2) and its TokenSequences (2.4.1.3.4).
        chunk_start = len(out)
        while position < chunk_end:
            flags = container[position]
            position += 1
            for bit in range(8):
                if position >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(container[position])
                    position += 1
                    continue
                if position + 2 > chunk_end:
                    raise ValueError(f"truncated CopyToken at offset {position}")
                (token,) = struct.unpack_from("<H", container, position)
                position += 2
                # Unpack CopyToken (2.4.1.3.19.2).
                difference = len(out) - chunk_start
                bit_count, _ = _copy_token_help(difference)
                length = (token & (0xFFFF >> bit_count)) + _MIN_MATCH
                offset = (token >> (16 - bit_count)) + 1
                if offset > difference:
                    raise ValueError(f"CopyToken offset {offset} points before its chunk")
                source = len(out) - offset
                if offset >= length:
                    out += out[source:source + length]
                else:
                    # Overlapping copy: repeats the last `offset` bytes.
                    for index in range(length):
                        out.append(out[source + index])
    return bytes(out)


def encrypt_project_data(data: bytes, project_id: str, seed: int, ignored: bytes) -> str:
    """Encrypt ``data`` for the PROJECT stream's CMG/DPB/GC values (MS-OVBA 2.4.3.2).

    ``project_id`` is the ``ID=`` GUID string including its braces; its
    bytes, summed modulo 256, form the project key, and Office rejects the
    protection values (reports the project as unviewable) when they do not
    match the project's ID.  ``seed`` is the random seed byte and
    ``ignored`` the ``(seed & 6) >> 1`` filler bytes, both free choices of the
    writer.  Returns the upper-case hexadecimal text written between quotes.
    """
    if not 0 <= seed <= 0xFF:
        raise ValueError("seed must be a byte value")
    if len(ignored) != (seed & 0x06) >> 1:
        raise ValueError(f"seed {seed:#04x} needs {(seed & 0x06) >> 1} ignored bytes")
    version = 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    version_enc = seed ^ version
    project_key_enc = seed ^ project_key
    out = bytearray([seed, version_enc, project_key_enc])
    unencrypted_byte_1 = project_key
    encrypted_byte_1 = project_key_enc
    encrypted_byte_2 = version_enc
    plain = bytes(ignored) + struct.pack("<I", len(data)) + bytes(data)
    for byte in plain:
        byte_enc = byte ^ ((encrypted_byte_2 + unencrypted_byte_1) & 0xFF)
        out.append(byte_enc)
        encrypted_byte_2 = encrypted_byte_1
        encrypted_byte_1 = byte_enc
        unencrypted_byte_1 = byte
    return out.hex().upper()


def decrypt_project_data(text: str, project_id: str | None = None) -> bytes:
    """Decrypt a CMG/DPB/GC value of the PROJECT stream (MS-OVBA 2.4.3.3).

    When ``project_id`` is given, also check that the embedded project key
    matches it.  Raises :class:`ValueError` on malformed data.
    """
    encrypted = bytes.fromhex(text)
    if len(encrypted) < 3 + 4:
        raise ValueError("encrypted data too short")
    seed, version_enc, project_key_enc = encrypted[0], encrypted[1], encrypted[2]
    if seed ^ version_enc != 2:
        raise ValueError(f"unsupported encryption version {seed ^ version_enc}")
    project_key = seed ^ project_key_enc
    if project_id is not None and project_key != sum(project_id.encode("ascii")) & 0xFF:
        raise ValueError("project key does not match the project ID")
    unencrypted_byte_1 = project_key
    encrypted_byte_1 = project_key_enc
    encrypted_byte_2 = version_enc
    plain = bytearray()
    for byte_enc in encrypted[3:]:
        byte = byte_enc ^ ((encrypted_byte_2 + unencrypted_byte_1) & 0xFF)
        plain.append(byte)
        encrypted_byte_2 = encrypted_byte_1
        encrypted_byte_1 = byte_enc
        unencrypted_byte_1 = byte
    ignored_length = (seed & 0x06) >> 1
    (length,) = struct.unpack_from("<I", plain, ignored_length)
    data = bytes(plain[ignored_length + 4:])
    if len(data) != length:
        raise ValueError(f"encrypted data length {len(data)} does not match its header {length}")
    return data
