"""gxxl collect on a big mailbox: wall time and peak memory (a real Dovecot on 127.0.0.1).

Fills a throwaway Dovecot Maildir with N messages (default 5,000; every 10th carries a
workbook), runs ``gxxl collect`` in a fresh process and prints the seconds, the peak
resident memory (VmHWM) and what was saved; then a second run (nothing new).  Needs
dovecot-imapd (``.ci/install-system``) and the test extras (``cryptography``).

    PYTHONPATH=$PWD python3 bench/bench_mail.py [--messages 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from mailservers import PASSWORD, Dovecot, find_dovecot, utf8_mail  # noqa: E402

CODE = ("import sys\nfrom gxxl.cli import main\nrc = main(sys.argv[1:])\n"
        "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print('VmHWM', hwm, file=sys.stderr)\nsys.exit(rc)\n")


def collect(server: Dovecot, out: Path) -> tuple[float, int, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GXXL_IMAP_PASSWORD": PASSWORD, "PYTHONIOENCODING": "utf-8"}
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", CODE, "collect", "--imap", server.url(), "--cafile", str(server.cert),
                        "-o", str(out)], capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    hwm = int(r.stderr.rsplit("VmHWM", 1)[1].split()[0]) if "VmHWM" in r.stderr else -1
    return dt, hwm, r.stdout.splitlines()[1].strip() if r.returncode == 0 else r.stderr


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=5000)
    args = ap.parse_args()
    binary = find_dovecot()
    if binary is None:
        print("dovecot not installed (bash .ci/install-system)")
        return 2
    from gxxl.samples import random_filing
    from gxxl.writer import write_filing

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = write_filing(random_filing(random.Random(1), unit_name="示例县教育局", level="县级政府部门"),
                            tmp / "b.xlsx").read_bytes()
        server = Dovecot(binary)
        try:
            plain = utf8_mail("通知 <tz@example.gov.cn>", "会议通知", [], body="请按时参会。" * 20)
            with_book = utf8_mail("教育局 <jyj@example.gov.cn>", "年报", [("教育局.xlsx", book)])
            server.write_maildir((with_book if k % 10 == 0 else plain).replace(
                b"Message-ID: <", f"Message-ID: <{k}.".encode(), 1) for k in range(args.messages))
            for label in ("first run ", "second run"):
                dt, hwm, line = collect(server, tmp / "out")
                print(f"collect {args.messages} messages, {label}: {dt:6.1f} s, peak memory {hwm / 1024:5.0f} MB  | {line}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
