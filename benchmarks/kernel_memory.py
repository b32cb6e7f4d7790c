"""Memory of a student's kernel, unit by unit: the figures behind deploy/CAPACITY.md.

For each unit, the lecture and the solution notebook each run top to bottom in
a fresh Python kernel (JupyterLab gives every open notebook its own kernel),
which then reports its peak resident memory (``ru_maxrss``); "both" is what a
student holds with the two notebooks open. Run from the course folder:

    .venv/bin/python benchmarks/kernel_memory.py            # every unit
    .venv/bin/python benchmarks/kernel_memory.py 06_mnist   # one unit

Set MLPCOURSE_QUICK=1 to shorten the lectures' long training runs (the memory
hardly changes: the data and the network are the same size).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mlpcourse.paths import units  # noqa: E402

PEAK = ("import resource, json\n"
        "print(json.dumps({'peak_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))")


def peak_mb(path: Path, timeout: int = 900) -> tuple[float, float]:
    """(peak MB of a fresh kernel after running the notebook at ``path``, seconds)."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.source) for c in cells] + [
        nbformat.v4.new_code_cell(PEAK)]
    started = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - started
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return json.loads(text.strip().splitlines()[-1])["peak_kb"] / 1024, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("units", nargs="*", help="units to measure (default: all)")
    args = parser.parse_args(argv)
    chosen = args.units or units(ROOT)
    print(f"python {sys.version.split()[0]}, MLPCOURSE_QUICK={os.environ.get('MLPCOURSE_QUICK', '')}, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{'unit':<22} {'lecture MB':>10} {'exercise MB':>11} {'both MB':>8} {'seconds':>8}")
    for unit in chosen:
        lecture, s1 = peak_mb(ROOT / "lectures" / f"{unit}.ipynb")
        exercise, s2 = peak_mb(ROOT / "solutions" / unit / f"{unit}.ipynb")
        print(f"{unit:<22} {lecture:10.0f} {exercise:11.0f} {lecture + exercise:8.0f} "
              f"{s1 + s2:8.1f}", flush=True)
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
