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


class _Package(__import__("types").ModuleType):
    """``gxxl.validate``, ``gxxl.rollup`` and ``gxxl.report`` are the API's functions even
    after the engine modules of the same names were imported (importing a submodule sets
    the package attribute).  The modules themselves: ``from gxxl.validate import …``."""

    def __getattribute__(self, name: str):
        if name in _SHADOWED:
            import importlib

            return getattr(importlib.import_module("gxxl.api"), name)
        return super().__getattribute__(name)


#: API names that are also names of engine modules
_SHADOWED = frozenset(("validate", "rollup", "report"))
__import__("sys").modules[__name__].__class__ = _Package
