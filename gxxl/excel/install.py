"""``gxxl addin install``: put gxxl.xlam into Excel's XLSTART folder (Windows).

XLSTART (``%APPDATA%\\Microsoft\\Excel\\XLSTART``) is a trusted location by default, and a
file copied there by a program carries no Mark-of-the-Web, so Excel loads the add-in and
its macros at every start.  The add-in is built on the spot with this Python's
``pythonw.exe`` as ``Interpreter_Win``, so it does not depend on PATH.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import PROJECT_NAME, XLWINGS_PIN

ADDIN_FILE = f"{PROJECT_NAME}.xlam"


@dataclass
class Check:
    ok: bool
    problems: list[str] = field(default_factory=list)  # stop the installation
    warnings: list[str] = field(default_factory=list)  # worth telling


def xlstart_dir() -> Path:
    appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def pythonw_path() -> Path:
    exe = Path(sys.executable)
    candidate = exe.with_name("pythonw.exe")
    return candidate if candidate.exists() else exe


def check_environment() -> Check:
    """Is this Python able to serve the add-in?  (xlwings pin, Python version, the xlwings DLL.)"""
    from importlib.metadata import PackageNotFoundError, version

    c = Check(ok=True)
    try:
        found = version("xlwings")
    except PackageNotFoundError:
        found = None
    if found is None:
        c.problems.append(f"没有安装 xlwings：请运行 pip install \"gxxl[excel]\"（或 pip install xlwings=={XLWINGS_PIN}）")
    elif found != XLWINGS_PIN:
        c.problems.append(f"已安装的 xlwings 是 {found} 版，加载项需要 {XLWINGS_PIN} 版（加载项中的 VBA 按版本调用 xlwings 的 DLL）："
                          f"请运行 pip install xlwings=={XLWINGS_PIN}")
    if sys.version_info < (3, 11):
        c.problems.append(f"Python 版本为 {sys.version.split()[0]}，需要 3.11 或更高版本")
    if sys.platform.startswith("win") and found == XLWINGS_PIN:
        bits = "64" if sys.maxsize > 2**32 else "32"
        dll = f"xlwings{bits}-{XLWINGS_PIN}.dll"
        places = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).parent]
        if not any((p / dll).exists() for p in places):
            c.warnings.append(f"没有在 Python 目录中找到 {dll}；如果 Excel 提示找不到该文件，请重新安装 xlwings：pip install --force-reinstall xlwings=={XLWINGS_PIN}")
        c.warnings.append(f"Excel 须为 {bits} 位版本（与 Python 相同）")
    c.ok = not c.problems
    return c


def install(target_dir: Path | None = None, *, source: Path | None = None, interpreter: str | None = None) -> Path:
    """Write gxxl.xlam into ``target_dir`` (default: XLSTART).

    ``source`` copies a ready-made add-in instead of building one.  Raises PermissionError
    when Excel has the add-in open.
    """
    from ..fileio import atomic_write_bytes
    from .build import addin_bytes

    target_dir = Path(target_dir) if target_dir else xlstart_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    data = Path(source).read_bytes() if source else addin_bytes(interpreter=interpreter or str(pythonw_path()))
    return atomic_write_bytes(target_dir / ADDIN_FILE, data)
