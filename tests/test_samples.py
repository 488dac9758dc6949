"""workbooks/: every planted error is reported at its cell, and nothing else."""

from __future__ import annotations

import json

import pytest

from gxxl.reader import read_filing
from gxxl.validate import validate
from conftest import WORKBOOKS

MANIFEST = json.loads((WORKBOOKS / "planted.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [n for n in MANIFEST if n.endswith(".xlsx")])
def test_sample_reports_exactly_what_was_planted(name):
    findings = validate(read_filing(WORKBOOKS / name))
    assert sorted(f.flat() for f in findings) == sorted(tuple(e) for e in MANIFEST[name]["expect"])


def test_every_sample_is_in_the_manifest():
    assert {p.name for p in WORKBOOKS.glob("*.xlsx")} == {n for n in MANIFEST if n.endswith(".xlsx")}


def test_samples_are_reproducible(tmp_path):
    """scripts/make_samples.py regenerates the committed workbooks byte for byte."""
    import hashlib
    import subprocess
    import sys
    import shutil
    from conftest import ROOT

    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "gxxl", copy / "gxxl")
    shutil.copytree(ROOT / "scripts", copy / "scripts")
    (copy / "workbooks").mkdir()
    r = subprocess.run([sys.executable, str(copy / "scripts" / "make_samples.py")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for p in WORKBOOKS.glob("*.xlsx"):
        assert hashlib.sha256((copy / "workbooks" / p.name).read_bytes()).hexdigest() == hashlib.sha256(p.read_bytes()).hexdigest(), p.name
