"""The input gate's cost: milliseconds per workbook for gxxl.gate.check_workbook, next to
the reader itself, on a filled unit workbook and on a roll-up output.  Prints figures.

    PYTHONPATH=. python3 bench/bench_gate.py
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gxxl import gate  # noqa: E402
from gxxl.reader import read_filing  # noqa: E402
from gxxl.samples import random_filing  # noqa: E402
from gxxl.writer import write_filing  # noqa: E402


def per_call(fn, arg, n: int) -> float:
    fn(arg)
    t = time.perf_counter()
    for _ in range(n):
        fn(arg)
    return (time.perf_counter() - t) / n * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        unit = write_filing(random_filing(random.Random(1), unit_name="单位", level="县级政府部门", year=2024),
                            Path(d) / "unit.xlsx")
        inbox = Path(d) / "in"
        inbox.mkdir()
        for i in range(200):
            write_filing(random_filing(random.Random(i), unit_name=f"单位{i}", level="县级政府部门", year=2024),
                         inbox / f"u{i}.xlsx")
        from gxxl.rollup import Options, run

        agg = Path(d) / "agg.xlsx"
        run(Options(inputs=[str(inbox)], output=agg, unit="县", jobs=1))
        def cold(path):  # the first workbook of a process: nothing remembered yet
            gate._PASSED.clear()
            return gate.check_workbook(path)

        print("gate: every sheet checked (check_workbook), warm = the theme, styles and workbook parts already\n"
              "remembered from an identical earlier part (as in a roll-up), cold = none remembered")
        for name, path, n in (("unit workbook", unit, 300), ("roll-up of 200 units", agg, 30)):
            g = per_call(gate.check_workbook, path, n)
            c = per_call(cold, path, n)
            r = per_call(read_filing, path, n)
            size = path.stat().st_size / 1024
            print(f"{name:22s} {size:8.0f} KB  gate warm {g:6.2f} ms  cold {c:6.2f} ms  "
                  f"reader (its own gate included) {r:7.2f} ms")
        scan_share(sorted(inbox.glob("*.xlsx")))


def scan_share(files: list[Path]) -> None:
    """A roll-up worker's work per unit workbook (read, validate, summarise), CPU time, best
    of three passes, with the reader's gate and with it replaced by a no-op: the gate's share
    of the roll-up.  (Measurement only: the product has no way to switch the gate off.)"""
    import contextlib

    from gxxl import reader
    from gxxl.rollup.scan import scan_path

    class NoCheck:
        data = None

        def check(self, name):
            pass

        def check_all(self):
            pass

    @contextlib.contextmanager
    def no_gate(*args, **kwargs):
        yield NoCheck()

    def best() -> float:
        out = []
        for _ in range(3):
            t = time.process_time()
            for f in files:
                scan_path(str(f))
            out.append((time.process_time() - t) / len(files) * 1000)
        return min(out)

    for f in files[:20]:
        scan_path(str(f))
    with_gate = best()
    real = reader.gate.sheets_checked_on_use
    reader.gate.sheets_checked_on_use = no_gate
    try:
        without = best()
    finally:
        reader.gate.sheets_checked_on_use = real
    print(f"roll-up worker, per unit workbook ({len(files)} files, CPU): {with_gate:.2f} ms with the gate, "
          f"{without:.2f} ms with the gate replaced by a no-op (the gate's share {1 - without / with_gate:.0%})")


if __name__ == "__main__":
    main()
