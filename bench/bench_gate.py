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
        for name, path, n in (("unit workbook", unit, 300), ("roll-up of 200 units", agg, 30)):
            g = per_call(gate.check_workbook, path, n)
            r = per_call(read_filing, path, n)
            size = path.stat().st_size / 1024
            print(f"{name:22s} {size:8.0f} KB  gate {g:6.2f} ms  reader (gate included) {r:7.2f} ms  gate share {g / r:5.1%}")


if __name__ == "__main__":
    main()
