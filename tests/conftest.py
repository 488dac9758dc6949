"""Shared fixtures: the spec, sample filings, and writing filings into real workbooks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from gxxl.samples import seed004_filing
from gxxl.spec import get_spec
from gxxl.writer import write_filing

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"


#: the real seed-004 workbook (a clean, complete 2021-format filing)
SEED004 = WORKBOOKS / "seed004_某区人民政府办公室_2024.xlsx"


def need(ok: bool, what: str) -> None:
    """A system tool the test needs: its absence fails in CI (install-system should have
    installed it) and skips elsewhere."""
    import os

    if not ok:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"未找到 {what}；CI 应先运行 .ci/install-system")
        pytest.skip(f"{what} not installed")


def run_gxxl(*args):
    """``python -m gxxl ARGS`` from this checkout (PYTHONPATH first), output as text."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def spec():
    return get_spec("gov2021")


@pytest.fixture
def seed_filing():
    """The real, consistent seed-004 filing (a fresh copy per test)."""
    return seed004_filing()


@pytest.fixture
def write(tmp_path):
    """write(filing, name="x.xlsx") → path of a real workbook in the official template."""

    def _write(filing, name: str = "filing.xlsx") -> Path:
        return write_filing(filing, tmp_path / name)

    return _write


@pytest.fixture(scope="session")
def soffice():
    """LibreOffice's soffice; in CI its absence is a failure, elsewhere a skip."""
    from gxxl.lo import find_soffice

    path = find_soffice()
    need(path is not None, "LibreOffice（soffice）")
    return path
