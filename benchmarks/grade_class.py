"""Grade a synthetic class of unit 01 with ``mlpcourse grade --jobs J``; check every row, time it.

    .venv/bin/python benchmarks/grade_class.py                      # 200 students, all cores
    .venv/bin/python benchmarks/grade_class.py --students 20 --jobs 2
    .venv/bin/python benchmarks/grade_class.py --students 200 --slow 4 --timeout 5

The class is built in a temporary copy of the course (``tests/course/
pipeline_support.make_course``: nbgrader_config.py and solutions/01_neuron,
released as students get it), one submission per student, by kind in turn:

    correct      the instructor's solution                      10 / 10, graded
    no_relu      leaky_relu left as the released stub            9 / 10, graded
    no_classify  classify left as the released stub              8 / 10, graded
    raises       neuron_output raises RuntimeError               8 / 10, graded
    untouched    the released notebook as it is                  0 / 10, graded
    not_json     a notebook that is not JSON                     no score, invalid
    slow         leaky_relu loops forever (``--slow K`` students) 9 / 10, timed out

The expected scores are computed from the unit's answer fixtures
(``tests/units/answers/unit01.toml``: the cells that call each function and their
points), not copied from a grading run. The run is the teacher's command in a
subprocess; its wall time includes start-up and recording the unit in the
gradebook. Printed: the CPU model, the cores this process may use, the jobs,
the load average before and after (on a shared machine a run is only as fast
as the machine is quiet), seconds in total and per student, and every row
that is not what its submission deserves (exit status 1 if any).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "course"), str(REPO / "tests" / "units")]

from answers import unit01  # (the fixtures' folders are put on the path above)
from pipeline_support import (
    make_course,
    make_submission,
    read_grades,
    run_cli,
    run_mlpcourse,
)

UNIT = unit01.UNIT
HELP = "grade a synthetic class of unit 01 with --jobs J: exact rows, seconds per student"
RAISES = 'def neuron_output(x, w, b, phi):\n    raise RuntimeError("not done yet")'
FOREVER = "def leaky_relu(z, alpha=0.01):\n    while True:\n        pass"
# kind: (answers given to make_submission, the functions left wrong, the status)
KINDS = {
    "correct": ({}, (), "graded"),
    "no_relu": ({"leaky_relu": None}, ("leaky_relu",), "graded"),
    "no_classify": ({"classify": None}, ("classify",), "graded"),
    "raises": ({"neuron_output": RAISES}, ("neuron_output",), "graded"),
    "untouched": ({"*": None}, tuple(unit01.CELLS_USING), "graded"),
    "not_json": (None, None, "invalid"),
}
SLOW = ({"leaky_relu": FOREVER}, ("leaky_relu",), "timed out")
ROTATION = ["correct", "no_relu", "correct", "no_classify", "raises", "correct", "untouched",
            "correct", "not_json", "no_relu"]


def expected_score(broken: tuple | None) -> str:
    """The score a submission with the functions ``broken`` deserves ("" for no score)."""
    if broken is None:
        return ""
    lost = set().union(*(unit01.CELLS_USING[f] for f in broken)) if broken else set()
    return f"{sum(p for cell, p in unit01.POINTS.items() if cell not in lost):g}"


def build_class(course: Path, students: int, slow: int) -> dict[str, tuple[str, str, str]]:
    """Write the submissions; {student: (kind, expected score, expected status)}."""
    expected = {}
    for i in range(students):
        kind = "slow" if i < slow else ROTATION[i % len(ROTATION)]
        student = f"s{i:03d}_{kind}"
        answers, broken, status = SLOW if kind == "slow" else KINDS[kind]
        if answers is None:
            folder = course / "submitted" / student / UNIT
            folder.mkdir(parents=True)
            (folder / f"{UNIT}.ipynb").write_text('{"cells": [', encoding="utf-8")
        else:
            make_submission(course, UNIT, student, answers)
        expected[student] = (kind, expected_score(broken), status)
    return expected


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=HELP)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=None,
                        help="students at a time (default: mlpcourse grade's, the cores)")
    parser.add_argument("--slow", type=int, default=2,
                        help="students whose leaky_relu never ends")
    parser.add_argument("--timeout", type=int, default=5, help="seconds per cell")
    parser.add_argument("--notebook-timeout", type=int, default=30, help="seconds per notebook")
    parser.add_argument("--keep", action="store_true", help="keep the class folder")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="mlpcourse-grade-class-"))
    try:
        course = make_course(tmp / "course", [UNIT])
        if run_cli("release", UNIT, "--course", course).returncode != 0:
            print("could not release the unit", file=sys.stderr)
            return 1
        expected = build_class(course, args.students, min(args.slow, args.students))
        jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
        load_before = os.getloadavg()
        start = time.perf_counter()
        result = run_mlpcourse("grade", UNIT, "--course", course, "--timeout", args.timeout,
                               "--notebook-timeout", args.notebook_timeout, *jobs, timeout=7200)
        seconds = time.perf_counter() - start
        load_after = os.getloadavg()
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
            return 1
        grades = read_grades(course, UNIT)
        wrong = [f"  {s}: {kind} deserves {score or '-'} {status}, got "
                 f"{grades.get(s, {}).get('score') or '-'} {grades.get(s, {}).get('status')} "
                 f"({grades.get(s, {}).get('reason', 'no row')})"
                 for s, (kind, score, status) in expected.items()
                 if (grades.get(s, {}).get("score"), grades.get(s, {}).get("status"))
                 != (score, status)]
        header = result.stdout.splitlines()[:2]
        print(f"CPU: {cpu_model()}; cores available: {len(os.sched_getaffinity(0))}; "
              f"jobs: {args.jobs or 'default (the cores)'}")
        print("\n".join(header))
        print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}; after: "
              f"{' '.join(f'{x:.2f}' for x in load_after)}")
        kinds = {k: sum(v[0] == k for v in expected.values()) for k in [*KINDS, "slow"]}
        print(f"class: {args.students} students ({', '.join(f'{n} {k}' for k, n in kinds.items())})"
              f"; {args.timeout} s per cell, {args.notebook_timeout} s per notebook")
        print(f"total: {seconds:.1f} s; per student: {seconds / args.students:.2f} s")
        print(f"rows: {len(expected) - len(wrong)} / {len(expected)} exact")
        print("\n".join(wrong))
        return 1 if wrong else 0
    finally:
        if args.keep:
            print(f"class kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
