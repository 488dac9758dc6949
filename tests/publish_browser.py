"""Headless Chromium for the publication tests and docs/report pictures (no DevTools client).

The page under test is put into an ``<iframe srcdoc>`` of an exact width inside a harness
page; a script in the harness (never in the report) measures the framed document after
load and writes the figures into the harness DOM, which ``--dump-dom`` prints.  An iframe
gives a true 360 px viewport, which a headless window (minimum width 500) does not.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

PROBE = """
<script>
document.getElementById("f").addEventListener("load", function () {
  var w = this.contentWindow, doc = w.document, d = doc.documentElement;
  var wraps = Array.prototype.map.call(doc.querySelectorAll(".gxxl-table-wrap"), function (e) {
    return {scroll: e.scrollWidth, client: e.clientWidth, right: e.getBoundingClientRect().right};
  });
  var figs = Array.prototype.map.call(doc.querySelectorAll("svg"), function (e) {
    return e.getBoundingClientRect().right;
  });
  var out = {scrollWidth: d.scrollWidth, innerWidth: w.innerWidth, height: d.scrollHeight, wraps: wraps, svgs: figs};
  var m = document.createElement("pre"); m.id = "gxxl-probe"; m.textContent = JSON.stringify(out);
  document.body.appendChild(m);
});
</script>
"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def _harness(page: str, width: int, height: int, probe: bool) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}'
        'iframe{border:0;display:block}</style></head><body>'
        f'<iframe id="f" style="width:{width}px;height:{height}px" srcdoc="{html.escape(page, quote=True)}"></iframe>'
        + (PROBE if probe else "") + "</body></html>"
    )


def _run(args: list[str], timeout: float = 120) -> str:
    exe = find_chromium()
    assert exe, "chromium not installed"
    with tempfile.TemporaryDirectory(prefix="gxxl-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
               "--disable-extensions", "--disable-background-networking", "--disable-sync",
               "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return res.stdout


def measure(page: str, width: int, height: int = 900) -> dict:
    """Layout figures of ``page`` (HTML text) in a ``width`` px wide viewport."""
    with tempfile.TemporaryDirectory(prefix="gxxl-probe-") as d:
        f = Path(d) / "harness.html"
        f.write_text(_harness(page, width, height, True), encoding="utf-8")
        dom = _run([f"--window-size={max(width + 20, 800)},{height + 20}", "--virtual-time-budget=5000",
                    "--dump-dom", f.as_uri()])
    m = re.search(r'<pre id="gxxl-probe">(.*?)</pre>', dom, re.S)
    assert m, "the probe did not run:\n" + dom[-2000:]
    return json.loads(html.unescape(m.group(1)))


def screenshot(page: str, width: int, out: Path, height: int | None = None) -> Path:
    """A PNG of the whole page at ``width`` px (height measured first unless given)."""
    if height is None:
        height = int(measure(page, width)["height"]) + 20
    with tempfile.TemporaryDirectory(prefix="gxxl-shot-") as d:
        f = Path(d) / "harness.html"
        f.write_text(_harness(page, width, height, False), encoding="utf-8")
        shot = Path(d) / "shot.png"
        _run([f"--window-size={max(width, 500)},{height}", "--virtual-time-budget=5000",
              f"--screenshot={shot}", f.as_uri()])
        assert shot.exists(), "no screenshot"
        from PIL import Image

        img = Image.open(shot)
        img.crop((0, 0, width, min(height, img.height))).save(out, optimize=True)
    return out
