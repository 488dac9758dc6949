"""The base of gxxl's typed records (the format spec, ``Finding``, ``Filing``): standard
library dataclasses with keyword-only fields.

They are plain dataclasses, not pydantic models, so that a command's start-up does not
pay for importing pydantic (+90 ms) and building its validators: nothing checks a value
against its annotation at run time.  The declarations are checked instead by a test
(``tests/test_spec_types.py``) that validates every object of every format spec with
pydantic in strict mode.  A declaration that needs a value converted (int column widths
stored as float …) says so in its ``__post_init__``.

Each subclass is made a dataclass (``dataclasses.fields``, ``replace``, ``is_dataclass``
and pydantic see its fields), but its methods are the bases' generic ones, not code that
``dataclass`` generates and compiles for each class: compiling ``__init__``, ``__eq__``,
``__hash__``, ``__repr__`` and the frozen ``__setattr__`` for the spec's 24 classes cost
≈ 13 ms at every start of ``gxxl validate``.  The generic methods behave as the generated
ones: keyword-only ``__init__`` (an unknown or a missing field is a ``TypeError`` naming
it, then ``__post_init__``), equality by the field values between objects of the same
class, hashing by the field values (frozen records), ``FrozenInstanceError`` on assignment.

What the records keep of the former pydantic API: ``model_copy(update=…, deep=…)`` and
``model_dump()``.  Derived data are ``functools.cached_property`` values (stored in the
instance ``__dict__``, no ``__slots__``): they are not fields, so equality, hashing and
dumps ignore them, ``model_copy`` builds the copy anew so it never keeps the original's
(possibly stale) derived values, and pickles and copies carry the fields only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, field
from typing import dataclass_transform

__all__ = ["Frozen", "Mutable", "field"]


class _Record:
    """What the records share (not a dataclass itself)."""

    #: field names in declaration order, and as a set
    _names: tuple[str, ...] = ()
    _name_set: frozenset[str] = frozenset()
    #: field name → default value (fields with a plain default)
    _defaults: dict = {}
    #: (field name, factory) of the fields with a ``default_factory``
    _factories: tuple = ()
    _post_init = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "_base" in cls.__dict__:  # Frozen, Mutable
            return
        if cls.__doc__ is None:  # dataclass() would build one with inspect.signature
            cls.__doc__ = cls.__name__
        dataclasses.dataclass(init=False, repr=False, eq=False, kw_only=True)(cls)
        fs = dataclasses.fields(cls)
        cls._names = tuple(f.name for f in fs)
        cls._name_set = frozenset(cls._names)
        cls._defaults = {f.name: f.default for f in fs if f.default is not dataclasses.MISSING}
        cls._factories = tuple((f.name, f.default_factory) for f in fs
                               if f.default_factory is not dataclasses.MISSING)
        cls._post_init = getattr(cls, "__post_init__", None)

    def __init__(self, **kw):
        cls = type(self)
        values = dict(cls._defaults)
        values.update(kw)
        for name, factory in cls._factories:
            if name not in values:
                values[name] = factory()
        # every key is a field name (defaults, factories, kw ⊆ fields): as many as fields → all
        if len(values) != len(cls._names) or not kw.keys() <= cls._name_set:
            _refuse(cls, kw, values)
        self.__dict__.update(values)
        if cls._post_init is not None:
            self.__post_init__()

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        d, o = self.__dict__, other.__dict__
        return all(d[n] == o[n] for n in self._names)

    def __repr__(self) -> str:
        d = self.__dict__
        return f"{type(self).__qualname__}({', '.join(f'{n}={d[n]!r}' for n in self._names)})"

    def __getstate__(self) -> dict:
        """Pickles and ``copy.copy``/``deepcopy`` carry the fields only: cached derived
        values are recomputed on demand (some, like ``FormatSpec.compiled_checks``, hold
        closures that cannot be pickled)."""
        d = self.__dict__
        return {n: d[n] for n in self._names}

    def model_copy(self, *, update: dict | None = None, deep: bool = False):
        """A copy with some fields replaced (``update``), the values deep-copied when ``deep``.

        The copy is built with ``__init__`` (so ``__post_init__`` runs and an unknown field
        is an error) and has none of the original's cached derived values.
        """
        d = self.__dict__
        values = {n: d[n] for n in self._names}
        if deep:
            import copy

            values = copy.deepcopy(values)
        if update:
            values.update(update)
        return type(self)(**values)

    def model_dump(self) -> dict:
        """The fields as a dict, nested records as dicts (tuples, lists and dicts are
        rebuilt with their items dumped; other values as they are)."""
        d = self.__dict__
        return {n: _dump(d[n]) for n in self._names}


def _refuse(cls, kw: dict, values: dict) -> None:
    """The error for an unknown or a missing field."""
    unknown = [k for k in kw if k not in cls._name_set]
    if unknown:
        raise TypeError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)} "
                        f"(fields: {', '.join(sorted(cls._names))})")
    missing = [n for n in cls._names if n not in values]
    raise TypeError(f"{cls.__name__}: missing required field(s) {', '.join(missing)}")


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


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class Frozen(_Record):
    """A frozen record: equal and hashable by its field values; assigning a field raises
    ``dataclasses.FrozenInstanceError`` (cached properties write ``__dict__`` directly)."""

    _base = True

    def __hash__(self) -> int:
        d = self.__dict__
        return hash(tuple(d[n] for n in self._names))

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
class Mutable(_Record):
    """A mutable record: equal by its field values, not hashable."""

    _base = True

    __hash__ = None  # type: ignore[assignment]
