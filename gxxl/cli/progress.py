"""The CLI's one-line progress bar on stderr and its numeric option parsing, shared by the verbs."""

from __future__ import annotations

import time

from ..errors import UserError


class ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal.

    A verb subclasses it and maps its phases to :meth:`bar` (a counted step) or
    :meth:`line` (a plain message).  The escape sequences go to the stream's ``.raw``
    (:class:`gxxl.term.VisibleStream` would show them as visible marks).
    """

    WIDTH = 30

    def __init__(self, stream):
        self.stream = getattr(stream, "raw", stream)  # our own escape sequences bypass gxxl.term
        try:
            self.enabled = stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def bar(self, what: str, done: int, total: int, *, eta: bool = False) -> None:
        """``what [#####.....] done/total（p%），已用 s 秒``, at most ten times a second."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if done not in (0, total) and now - self.last < 0.1:
            return
        self.last = now
        elapsed = now - self.start
        frac = done / total if total else 1.0
        filled = int(self.WIDTH * frac)
        rest = f"，预计还需 {elapsed / frac - elapsed:.0f} 秒" if eta and 0 < frac < 1 and elapsed > 1 else ""
        self.line(f"{what} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}（{frac:.0%}），"
                  f"已用 {elapsed:.1f} 秒{rest}")

    def line(self, text: str) -> None:
        if not self.enabled:
            return
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def number(text: str, name: str, *, lo: float, hi: float, integer: bool = False):
    """The value of a numeric option, or a UserError naming the option and the text."""
    try:
        v = int(str(text).strip()) if integer else float(str(text).strip())
    except ValueError:
        raise UserError(f"{name} 应为{'整数' if integer else '数字'}：「{text}」") from None
    if not lo <= v <= hi:
        raise UserError(f"{name} 应在 {lo:g} 到 {hi:g} 之间：「{text}」")
    return v
