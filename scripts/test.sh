#!/usr/bin/env bash
# The whole test suite from a fresh checkout: system packages (LibreOffice, poppler,
# CJK fonts), the package with its test extras, then pytest.  CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-system
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
# pytest exits 5 when it collects no test: that is a failure here too
python3 -m pytest -q "$@"
