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
    import os

    from gxxl.lo import find_soffice

    path = find_soffice()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI 环境中未安装 LibreOffice（.ci/install-system 应已安装）")
        pytest.skip("LibreOffice (soffice) not installed")
    return path
