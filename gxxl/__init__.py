"""gxxl: 政府信息公开工作年度报告 — templates, validation, roll-up and report sections.

The public Python API (:mod:`gxxl.api`) is available from the package itself::

    import gxxl
    checked = gxxl.validate("本单位2024年统计表.xlsx")

The names are loaded on first use, so ``import gxxl`` (and ``gxxl --help``) stays cheap.
"""

__version__ = "0.1.0"

#: the public API, re-exported lazily from gxxl.api
_API = (
    "read", "read_grids", "validate", "annotate", "rollup", "report", "check_text", "import_source", "export", "template",
    "to_frame", "read_frame", "detail_frame", "Validation", "ReportResult", "ReportRefused", "TextCheck", "Imported",
)
#: the error hierarchy, re-exported lazily from gxxl.errors
_ERRORS = ("GxxlError", "UserError", "InputError", "LimitError", "OutputError", "OutputExistsError", "Interrupted")

__all__ = ["__version__", *_API, *_ERRORS]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in _ERRORS:
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'gxxl' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Both:
    """``gxxl.validate``, ``gxxl.rollup``, ``gxxl.report``: the API function when called,
    the engine module of the same name for attribute access.

    Importing a submodule sets the package attribute of its name, so a plain function
    would be replaced by the module the first time the engine loads it.  This object is
    returned instead, for both uses: ``gxxl.validate(path)`` is :func:`gxxl.api.validate`,
    ``import gxxl.rollup.output as output`` and ``gxxl.validate.validate`` still reach the
    modules (setting an attribute sets it on the module).
    """

    __slots__ = ("_name",)

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)

    @property
    def __wrapped__(self):  # inspect.signature / help() see the API function
        import importlib

        return getattr(importlib.import_module("gxxl.api"), object.__getattribute__(self, "_name"))

    @property
    def __doc__(self):  # noqa: D105
        return self.__wrapped__.__doc__

    def _module(self):
        import importlib

        return importlib.import_module(f"gxxl.{object.__getattribute__(self, '_name')}")

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __getattr__(self, attr: str):
        return getattr(self._module(), attr)

    def __setattr__(self, attr: str, value) -> None:
        setattr(self._module(), attr, value)

    def __delattr__(self, attr: str) -> None:
        delattr(self._module(), attr)

    def __repr__(self) -> str:
        return f"<gxxl.{object.__getattribute__(self, '_name')}: the API function and the engine module>"


class _Package(__import__("types").ModuleType):
    def __getattribute__(self, name: str):
        if name in _SHADOWED:
            return _SHADOWED[name]
        return super().__getattribute__(name)


#: API names that are also names of engine modules
_SHADOWED = {name: _Both(name) for name in ("validate", "rollup", "report")}
__import__("sys").modules[__name__].__class__ = _Package
