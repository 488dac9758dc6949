"""Headless LibreOffice helpers (stdlib only).

Every soffice start gets its own freshly created user profile
(``-env:UserInstallation``), so concurrent calls never talk to each other's
running instance and never trip over a profile lock.

Formula recalculation
---------------------
LibreOffice does not recalculate .xlsx formulas on load by default: the
setting ``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` ships as
``1`` (never recalculate; LO just keeps the cached ``<v>`` values, even for
openpyxl files flagged ``fullCalcOnLoad="1"``).  Its values are ``0`` =
always recalculate, ``1`` = never, ``2`` = prompt (which a headless run
turns into "source file could not be loaded").  Every profile created here
is seeded with a ``registrymodifications.xcu`` that sets both
``OOXMLRecalcMode`` and ``ODFRecalcMode`` to ``0``, so each spreadsheet
loaded through this module is hard-recalculated before it is exported.

Converting many files in one soffice start is far cheaper than one start per
file (about 0.9 s of start-up per process on a 2-core box versus roughly
0.05 s per small workbook inside one process), so ``recalculate_many`` batches
files into a small number of parallel processes.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import GxxlError

__all__ = [
    "LibreOfficeError",
    "find_soffice",
    "require_soffice",
    "convert",
    "recalculate_xlsx",
    "recalculate_many",
    "to_pdf",
    "pdf_to_pngs",
    "XLSX_FILTER",
]

#: Export filter for .xlsx; the default filter chosen for "xlsx" is
#: "Calc Office Open XML", which is less Excel-compatible.
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"

_INSTALL_HINT = (
    "sudo apt-get install -y --no-install-recommends "
    "libreoffice-calc-nogui libreoffice-writer-nogui fonts-noto-cjk"
)

_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

# stderr lines that soffice prints on every healthy run.
_NOISE = ("failed to launch javaldx", "java may not function correctly")


class LibreOfficeError(GxxlError, RuntimeError):
    """LibreOffice is missing, failed, timed out or produced no output (exit 2)."""

    def __init__(self, message: str, stderr: str = "", failed: Sequence[Path] = ()):
        self.stderr = stderr
        self.failed = list(failed)
        detail = _clean_stderr(stderr)
        super().__init__(f"{message}\n{detail}" if detail else message)


def _clean_stderr(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and not any(n in ln for n in _NOISE)]
    return "\n".join(lines[-40:])


def find_soffice() -> str | None:
    """Return the path of a usable ``soffice`` executable, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = [
        "/usr/bin/soffice",
        "/usr/bin/libreoffice",
        "/usr/lib/libreoffice/program/soffice",
        *sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True),
    ]
    for cand in candidates:
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def require_soffice() -> str:
    """Like :func:`find_soffice` but raise :class:`LibreOfficeError` if missing."""
    exe = find_soffice()
    if exe is None:
        raise LibreOfficeError(f"未找到 LibreOffice（soffice），请先安装：{_INSTALL_HINT}")
    return exe


def _new_profile() -> Path:
    """Create a fresh, private LibreOffice user profile with recalc forced on."""
    root = Path(tempfile.mkdtemp(prefix="gxxl-lo-profile-"))
    user = root / "user"
    user.mkdir()
    (user / "registrymodifications.xcu").write_text(_RECALC_XCU, encoding="utf-8")
    return root


def _run_soffice(args: list[str], timeout: float) -> tuple[int, str, str]:
    """Run soffice with a fresh profile; return (returncode, stdout, stderr).

    On timeout the whole process group (soffice wrapper, oosplash and
    soffice.bin) is killed and :class:`LibreOfficeError` is raised.
    """
    exe = require_soffice()
    profile = _new_profile()
    cmd = [
        exe,
        "--headless",
        "--invisible",
        "--norestore",
        "--nolockcheck",
        "--nodefault",
        "--nologo",
        f"-env:UserInstallation={profile.as_uri()}",
        *args,
    ]
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # never try to reach an X server
    tmp = profile / "tmp"  # soffice's own temporary files (lu*.tmp) go with the profile
    tmp.mkdir()
    env["TMPDIR"] = env["TMP"] = env["TEMP"] = str(tmp)
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = proc.communicate()
            raise LibreOfficeError(
                f"LibreOffice 转换超时（超过 {timeout:g} 秒），已终止进程",
                stderr=err.decode("utf-8", "replace"),
            ) from None
        except BaseException:
            # Ctrl-C or SIGTERM (gxxl.errors.Interrupted): soffice runs in its own session and
            # never sees them; stop it before its profile is removed, or it outlives gxxl and
            # leaves the profile (and its lu*.tmp files) behind in the temporary folder
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            raise
        return (
            proc.returncode,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _out_ext(fmt: str) -> str:
    """'pdf' -> 'pdf'; 'xlsx:Calc MS Excel 2007 XML' -> 'xlsx'."""
    return fmt.split(":", 1)[0].strip().lower()


def _check_inputs(srcs: Iterable[Path]) -> list[Path]:
    paths = [Path(s).resolve() for s in srcs]
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"输入文件不存在：{p}")
    return paths


def _convert_batch(
    srcs: list[Path], fmt: str, outdir: Path, timeout: float
) -> tuple[dict[Path, Path], dict[Path, str]]:
    """Convert ``srcs`` (unique stems) in as few soffice starts as possible.

    Files are converted into a private staging directory and moved into
    ``outdir`` only when complete.  soffice processes its arguments in order
    and a single bad file may crash it (taking the rest of the batch with
    it), so after a crash the first file without output is recorded as failed
    and the remaining files are retried in a new process.

    Returns (done: src -> output path, failed: src -> reason).
    """
    ext = _out_ext(fmt)
    outdir.mkdir(parents=True, exist_ok=True)
    done: dict[Path, Path] = {}
    failed: dict[Path, str] = {}
    stage = Path(tempfile.mkdtemp(prefix=".gxxl-lo-", dir=outdir))
    try:
        pending = list(srcs)
        deadline = time.monotonic() + timeout
        silent_runs = 0  # consecutive starts that produced nothing, not even a log line
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LibreOfficeError(f"LibreOffice 转换超时（超过 {timeout:g} 秒）")
            rc, out, err = _run_soffice(
                ["--convert-to", fmt, "--outdir", str(stage), *map(str, pending)],
                timeout=remaining,
            )
            still: list[Path] = []
            for src in pending:
                produced = stage / f"{src.stem}.{ext}"
                if produced.is_file() and produced.stat().st_size > 0:
                    final = outdir / produced.name
                    os.replace(produced, final)
                    done[src] = final
                else:
                    still.append(src)
            if not still:
                break
            silent = len(still) == len(pending) and not out.strip()
            silent_runs = silent_runs + 1 if silent else 0
            if rc == 0:
                # Clean exit: the missing ones could not be loaded or exported.
                errors = [ln for ln in out.splitlines() if ln.startswith("Error")]
                reason = (
                    f"LibreOffice 无法打开或导出该文件（{errors[-1]}）"
                    if errors
                    else "LibreOffice 未生成输出文件"
                )
                for src in still:
                    failed[src] = reason
                break
            if rc == 81 and silent_runs == 1:
                # First start with a new profile may ask for a restart.
                continue
            if silent_runs >= 3:
                raise LibreOfficeError(
                    f"LibreOffice 无法启动或反复崩溃（退出码 {rc}）", stderr=out + "\n" + err
                )
            # Crash part-way: soffice works through its arguments in order,
            # so the first file without output is the culprit; retry the rest.
            failed[still[0]] = f"LibreOffice 处理该文件时异常退出（退出码 {rc}）"
            pending = still[1:]
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return done, failed


def convert(src: Path, fmt: str, outdir: Path, *, timeout: float = 180) -> Path:
    """Convert one file with headless LibreOffice and return the output path.

    ``fmt`` is anything ``soffice --convert-to`` accepts, e.g. ``"pdf"`` or
    ``"xlsx:Calc MS Excel 2007 XML"``.  The output is ``outdir/<stem>.<ext>``
    (overwritten if it exists).  Spreadsheets are hard-recalculated on load.
    """
    (src_path,) = _check_inputs([src])
    outdir = Path(outdir).resolve()
    done, failed = _convert_batch([src_path], fmt, outdir, timeout)
    if src_path in done:
        return done[src_path]
    raise LibreOfficeError(
        f"LibreOffice 无法将 {src_path.name} 转换为 {_out_ext(fmt)}：{failed.get(src_path, '')}",
        failed=[src_path],
    )


def recalculate_xlsx(src: Path, dst: Path, *, timeout: float = 180) -> Path:
    """Hard-recalculate every formula of ``src`` in LibreOffice; save to ``dst``.

    Cached values in ``dst`` are LibreOffice's results, whether ``src`` had no
    cached values (openpyxl) or stale ones.  ``dst`` may equal ``src``.
    """
    (src_path,) = _check_inputs([src])
    dst = Path(dst).resolve()
    dst.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".gxxl-lo-recalc-", dir=dst.parent))
    try:
        out = convert(src_path, XLSX_FILTER, work, timeout=timeout)
        os.replace(out, dst)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dst


def recalculate_many(
    srcs: Iterable[Path],
    outdir: Path,
    *,
    processes: int | None = None,
    timeout: float | None = None,
) -> list[Path]:
    """Hard-recalculate many .xlsx files; return outputs in input order.

    Output for ``a/b/name.xlsx`` is ``outdir/name.xlsx``, so input file names
    must be unique.  The files are split into ``processes`` chunks (default:
    ``min(cpu_count, 4)``), each converted by ONE soffice start running in
    parallel.  If some files fail, all others are still converted and a
    :class:`LibreOfficeError` listing the failures (``.failed``) is raised.
    """
    paths = _check_inputs(srcs)
    if not paths:
        return []
    names = [p.stem.casefold() for p in paths]
    if len(set(names)) != len(names):
        dups = sorted({p.name for p, n in zip(paths, names) if names.count(n) > 1})
        raise ValueError(f"输入文件名重复，输出会互相覆盖：{', '.join(dups)}")
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    if processes is None:
        processes = min(os.cpu_count() or 1, 4)
    # Each soffice start costs ~1 s, so don't split tiny batches.
    nproc = max(1, min(processes, len(paths) // 8 or 1))
    if timeout is None:
        timeout = 120 + 3.0 * len(paths) / nproc
    chunks = [paths[i::nproc] for i in range(nproc)]

    done: dict[Path, Path] = {}
    failed: dict[Path, str] = {}
    if nproc == 1:
        d, f = _convert_batch(chunks[0], XLSX_FILTER, outdir, timeout)
        done.update(d)
        failed.update(f)
    else:
        with ThreadPoolExecutor(max_workers=nproc) as pool:
            futures = [
                pool.submit(_convert_batch, chunk, XLSX_FILTER, outdir, timeout)
                for chunk in chunks
            ]
            for fut in futures:
                d, f = fut.result()
                done.update(d)
                failed.update(f)
    if failed:
        listing = "\n".join(f"  {p.name}：{msg}" for p, msg in failed.items())
        raise LibreOfficeError(
            f"LibreOffice 重新计算失败 {len(failed)} 个文件（其余 {len(done)} 个已完成）：\n{listing}",
            failed=list(failed),
        )
    return [done[p] for p in paths]


def to_pdf(src: Path, outdir: Path, *, timeout: float = 180) -> Path:
    """Render a .docx/.xlsx (or anything LibreOffice opens) to PDF."""
    return convert(src, "pdf", outdir, timeout=timeout)


def pdf_to_pngs(pdf: Path, outdir: Path, dpi: int = 80, *, timeout: float = 180) -> list[Path]:
    """Rasterise every page of ``pdf`` to ``outdir/<stem>-<page>.png`` (pdftoppm)."""
    pdf = Path(pdf).resolve()
    if not pdf.is_file():
        raise FileNotFoundError(f"PDF 文件不存在：{pdf}")
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise LibreOfficeError(
            "未找到 pdftoppm，请先安装：sudo apt-get install -y poppler-utils"
        )
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    prefix = outdir / pdf.stem
    for old in outdir.glob(f"{glob.escape(pdf.stem)}-*.png"):
        old.unlink()
    try:
        proc = subprocess.run(
            [exe, "-png", "-r", str(int(dpi)), str(pdf), str(prefix)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise LibreOfficeError(f"pdftoppm 转换超时（超过 {timeout:g} 秒）") from None
    pages = sorted(
        outdir.glob(f"{glob.escape(pdf.stem)}-*.png"),
        key=lambda p: int(p.stem.rsplit("-", 1)[1]),
    )
    if proc.returncode != 0 or not pages:
        raise LibreOfficeError(
            f"pdftoppm 无法将 {pdf.name} 转换为 PNG（退出码 {proc.returncode}）",
            stderr=proc.stderr.decode("utf-8", "replace"),
        )
    return pages
