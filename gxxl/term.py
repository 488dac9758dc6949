"""Terminal output with control characters made visible: one helper for every print of user text.

A unit name, a cell text or a file name may carry escape sequences (ESC, also stored as
``_x001B_`` in a workbook's XML) that set the terminal title, clear the screen or hide
text, or bidirectional overrides that reorder what is shown.  The CLI wraps stdout and
stderr in :class:`VisibleStream`, so whatever is printed goes through :func:`visible`;
the progress bar, the only writer of gxxl's own escape sequences, writes to ``.raw``.

Replacements are printable and JSON-safe (``--json`` output is printed through the same
stream): C0 controls and DEL become the Unicode control pictures (ESC → ␛), C1 controls
and bidirectional/invisible format characters become ``<U+009B>``.  Newline and tab stay.
"""

from __future__ import annotations

import re

_C0 = {i: chr(0x2400 + i) for i in range(0x20) if i not in (0x0A, 0x09)}
_C0[0x7F] = "\u2421"
_OTHER = re.compile("[\u0080-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ANY = re.compile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with every control or invisible formatting character shown as a visible mark."""
    if not _ANY.search(text):
        return text
    text = text.translate(_C0)
    return _OTHER.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


class VisibleStream:
    """A text stream that passes everything written through :func:`visible`."""

    def __init__(self, raw):
        self.raw = raw

    def write(self, s: str) -> int:
        if not s.isascii():  # a non-UTF-8 file name: its GBK bytes shown as Chinese, not 「??」
            from .textio import unsurrogate

            s = unsurrogate(s)
        self.raw.write(visible(s))
        return len(s)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self.raw, name)
