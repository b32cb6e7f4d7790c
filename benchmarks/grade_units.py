"""Seconds to grade one student, unit by unit: the figures behind deploy/CAPACITY.md.

For each unit, a scratch copy of the course gets two submissions (the solution,
which must score full marks, and the untouched exercise, which must score 0),
and ``mlpcourse grade UNIT --jobs 1`` grades them in the sandbox. Run from the
course folder:

    .venv/bin/python benchmarks/grade_units.py              # every unit
    .venv/bin/python benchmarks/grade_units.py 06_mnist     # one unit

It prints, per unit, the wall time per student and the two scores.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mlpcourse.paths import units  # noqa: E402


def grade_unit(unit: str, scratch: Path) -> tuple[float, dict]:
    course = scratch / unit
    (course / "lectures").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions" / unit, course / "solutions" / unit)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    mlpcourse = [sys.executable, "-m", "mlpcourse.cli"]
    subprocess.run([*mlpcourse, "release", unit, "--course", str(course)], check=True,
                   capture_output=True)
    for student, source in (("solution", course / "solutions" / unit),
                            ("untouched", course / "exercises" / unit)):
        shutil.copytree(source, course / "submitted" / student / unit)
    started = time.perf_counter()
    done = subprocess.run([*mlpcourse, "grade", unit, "--course", str(course), "--jobs", "1"],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"grading {unit} failed:\n{done.stdout}\n{done.stderr}")
    with open(course / f"grades_{unit}.csv", newline="", encoding="utf-8") as fh:
        scores = {row["student_id"]: row["score"] for row in csv.DictReader(fh)}
    return seconds / 2, scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("units", nargs="*", help="units to grade (default: all)")
    args = parser.parse_args(argv)
    print(f"load {os.getloadavg()[0]:.1f}, one job, the sandbox on")
    print(f"{'unit':<22} {'s/student':>9}  solution  untouched")
    with tempfile.TemporaryDirectory(prefix="grade-units-") as scratch:
        for unit in args.units or units(ROOT):
            seconds, scores = grade_unit(unit, Path(scratch))
            print(f"{unit:<22} {seconds:9.1f}  {scores.get('solution', '?'):>8}  "
                  f"{scores.get('untouched', '?'):>9}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
