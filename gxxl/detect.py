"""Which format a workbook or document is in, from the labels it prints.

One detector for the reader and the importer.  A format's *signature* is the set of its
printed table labels (header, caption and row labels of at least three characters) that
no other registered format prints, compared in the locator's normal form
(:func:`gxxl.locate.match.key`: traditional → simplified, full-width → half-width, no
white space, uniform numbering).  The *share* of a format is the part of its signature
found among the texts of the source.

The threshold rule (one for every caller): the format with the largest share is taken
when its share is at least :data:`MIN_SHARE` **and** it leads the runner-up by at least
:data:`MIN_LEAD`; otherwise the format is undecided (``spec is None``).  The reader then
reports F-2 (not the official tables); the importer falls back to the report year, then
to the current format, and says so (I-9).  A gxxl workbook names its format in the hidden
``_gxxl`` sheet and is never detected by labels.
"""

from __future__ import annotations

from collections.abc import Iterable

from .records import Frozen
from .spec import FormatSpec, all_specs

#: the least share of a format's signature that must be present
MIN_SHARE = 0.2
#: how far the best format must lead the runner-up
MIN_LEAD = 0.05


def signature_of(spec: FormatSpec) -> frozenset[str]:
    """The label keys that identify ``spec`` among the registered formats (see the module
    docstring).  Cached as ``FormatSpec.signature``; call that instead."""
    from .locate.match import key

    mine = {key(s.text) for t in spec.tables for s in t.layout.spans if s.kind != "label" or len(s.text) > 2}
    others = {key(s.text) for o in all_specs().values() if o.id != spec.id for t in o.tables for s in t.layout.spans}
    return frozenset(mine - others) or frozenset(mine)


class Detection(Frozen):
    spec: FormatSpec | None  # None: undecided
    share: float  # the best format's share
    shares: dict[str, float]  # spec id → share


def detect_format(texts: Iterable[object]) -> Detection:
    """Detect the format from the texts found in a source (cell texts, any order)."""
    from .locate.match import key

    present = {key(t) for t in texts if isinstance(t, str) and t.strip()}
    specs = all_specs()
    shares = {sid: len(s.signature & present) / max(1, len(s.signature)) for sid, s in specs.items()}
    ranked = sorted(shares.values(), reverse=True)
    best = max(shares, key=lambda sid: shares[sid])
    runner_up = ranked[1] if len(ranked) > 1 else 0.0
    ok = shares[best] >= MIN_SHARE and shares[best] - runner_up >= MIN_LEAD
    return Detection(spec=specs[best] if ok else None, share=shares[best], shares=shares)
