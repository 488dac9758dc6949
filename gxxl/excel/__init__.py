"""The Excel layer: a 「政务公开年报」 ribbon tab and worksheet functions via xlwings.

Thin on purpose (docs/ARCHITECTURE.md): every action reads the workbook's values once,
calls the engine and writes once.  Only this package imports xlwings, and only these
modules do: ``actions``, ``book``, ``marks``, ``dispatch``, ``udfs`` (Excel-facing) and
``build`` (reads the pinned xlwings' VBA).  ``ribbon``, ``vba`` and this module import
neither xlwings nor the actions, so the CLI can use them anywhere.

Modules
    ribbon    the ribbon buttons parsed from ``addin/customUI.xml`` (tag → label)
    book      reading a workbook's values in bulk; engine-aware write helpers
    marks     gxxl's marks (fills and notes) recorded in hidden workbook names
    actions   one function per button, ``action(book)``; the registry of tags
    dispatch  ``run(tag)``: what the ribbon callback calls; messages and the log file
    udfs      worksheet functions (``@xw.func``)
    build     ``gxxl.xlam`` from the text sources in ``addin/``
    install   copying the add-in into Excel's XLSTART on Windows
    vba       MS-OVBA ``vbaProject.bin`` writer
"""

#: The xlwings version the add-in's VBA is built from; the VBA declares the xlwings DLL of
#: exactly this version, so the pip-installed xlwings must be the same (pyproject pins it).
XLWINGS_PIN = "0.37.8"

#: What the add-in calls itself: xlwings' PROJECT_NAME, the settings sheet "gxxl.conf",
#: the VBA project name and the default file name gxxl.xlam.
PROJECT_NAME = "gxxl"


def user_dir():
    """Where the add-in keeps its log and generated files: %LOCALAPPDATA%\\gxxl on Windows,
    ~/.gxxl elsewhere; the environment variable GXXL_USER_DIR overrides both."""
    import os
    from pathlib import Path

    if os.environ.get("GXXL_USER_DIR"):
        return Path(os.environ["GXXL_USER_DIR"])
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "gxxl"
    return Path.home() / ".gxxl"

