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


def write_bytes(path, data: bytes):
    """Write a file atomically (temporary file in the same folder, then a rename).

    The add-in's own writer: ``gxxl.fileio.atomic_write_bytes`` calls ``os.fchmod``,
    which Python on Windows has only from 3.13, and these files are written on Windows.
    """
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
