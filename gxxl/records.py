"""The base of gxxl's typed records (the format spec, ``Finding``, ``Filing``): standard
library dataclasses with keyword-only fields.

They are plain dataclasses, not pydantic models, so that a command's start-up does not
pay for importing pydantic (+90 ms) and building its validators: nothing checks a value
against its annotation at run time.  The declarations are checked instead by a test
(``tests/test_spec_types.py``) that validates every object of every format spec with
pydantic in strict mode.  A declaration that needs a value converted (int column widths
stored as float …) says so in its ``__post_init__``.

What the records keep of the former pydantic API: ``model_copy(update=…, deep=…)`` and
``model_dump()``.  Derived data are ``functools.cached_property`` values (stored in the
instance ``__dict__``, no ``__slots__``): they are not fields, so equality, hashing and
dumps ignore them, and ``model_copy`` builds the copy anew so it never keeps the
original's (possibly stale) derived values.
"""

from __future__ import annotations

import dataclasses
from typing import dataclass_transform


def _clear_init(cls: type) -> None:
    """Wrap the generated ``__init__`` so that an unknown keyword names the record's fields
    (the dataclass error alone says only "unexpected keyword argument")."""
    init = cls.__init__

    def __init__(self, **kw):
        try:
            init(self, **kw)
        except TypeError:
            names = {f.name for f in dataclasses.fields(cls)}
            unknown = sorted(set(kw) - names)
            if unknown:
                raise TypeError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)} "
                                f"(fields: {', '.join(sorted(names))})") from None
            raise

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = init.__doc__
    __init__.__wrapped__ = init  # type: ignore[attr-defined]
    cls.__init__ = __init__


class _Record:
    """Methods shared by the records (not a dataclass itself)."""

    def model_copy(self, *, update: dict | None = None, deep: bool = False):
        """A copy with some fields replaced (``update``), the values deep-copied when ``deep``.

        The copy is built with the record's ``__init__`` (so ``__post_init__`` runs and an
        unknown field is an error) and has none of the original's cached derived values.
        """
        src = self
        if deep:
            import copy

            src = copy.deepcopy(self)
        return dataclasses.replace(src, **(update or {}))

    def model_dump(self) -> dict:
        """The fields as a dict, nested records as dicts (tuples, lists and dicts are
        rebuilt with their items dumped; other values as they are)."""
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _dump(v):
    if isinstance(v, _Record):
        return v.model_dump()
    if isinstance(v, tuple):
        return tuple(_dump(x) for x in v)
    if isinstance(v, list):
        return [_dump(x) for x in v]
    if isinstance(v, dict):
        return {k: _dump(x) for k, x in v.items()}
    return v


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(dataclasses.field,))
class Frozen(_Record):
    """A frozen record: every subclass is a ``dataclass(frozen=True, kw_only=True)``
    (equality and hashing by the field values, assignment raises
    ``dataclasses.FrozenInstanceError``)."""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        _clear_init(cls)


@dataclass_transform(kw_only_default=True, field_specifiers=(dataclasses.field,))
class Mutable(_Record):
    """A mutable record: every subclass is a ``dataclass(kw_only=True)`` (equality by the
    field values, not hashable)."""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        dataclasses.dataclass(kw_only=True)(cls)
        _clear_init(cls)
