"""Run lecture 06's MNIST recipes, exactly as the lecture runs them; report accuracy and wall time.

    .venv/bin/python benchmarks/mnist_runs.py                       # every recipe, 3 repeats each
    .venv/bin/python benchmarks/mnist_runs.py --only headline --repeats 5
    .venv/bin/python benchmarks/mnist_runs.py --quick --repeats 1   # CI: the shortened runs

The configurations are not copied here: the script reads
``lectures/06_mnist.ipynb`` and executes its two tagged code cells,
``mnist-recipes`` (the dict ``RECIPES``) and ``mnist-train-recipe`` (the
function ``run_recipe(recipe, data, *, quick=False)``), so it runs what the
lecture runs.

Each repeat runs in a fresh Python process, so the clock includes reading
MNIST from disk as the lecture's first run does: wall seconds are from just
before ``mlpkit.data.load_mnist()`` to the test accuracy (loading, the
validation split, training, the test evaluation; not the Python start-up and
imports). ``--quick`` passes ``quick=True``: each recipe trains 1 epoch on a
few thousand images (what CI checks: that the recipes run, not their
accuracy).

Printed: one row per recipe with the test accuracy (mean, min, max over the
repeats), the wall seconds (median, min, max) and the median seconds per
epoch (``history.time``), next to the recipe's target and budget; above the
table the CPU model (``/proc/cpuinfo``), the cores this process may use and
the load average before and after (on a shared machine a run is only as
fast as the machine is quiet: compare the seconds per epoch then).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HELP = "run lecture 06's MNIST recipes N times: test accuracy and wall time"
LECTURE = Path(__file__).resolve().parent.parent / "lectures" / "06_mnist.ipynb"
TAGS = ("mnist-recipes", "mnist-train-recipe")


def lecture_namespace(path: Path = LECTURE) -> dict:
    """Execute the lecture's cells tagged ``mnist-recipes`` and ``mnist-train-recipe``.

    Returns the namespace they define (``RECIPES``, ``run_recipe``, ...). Each
    tag must be on exactly one code cell.
    """
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace: dict = {"__name__": "mnist_lecture"}
    for tag in TAGS:
        tagged = [c for c in cells
                  if c["cell_type"] == "code" and tag in c.get("metadata", {}).get("tags", [])]
        if len(tagged) != 1:
            raise ValueError(f"{path.name} must have exactly one code cell tagged {tag!r}, "
                             f"found {len(tagged)}")
        source = "".join(tagged[0]["source"])
        exec(compile(source, f"{path.name}[{tag}]", "exec"), namespace)
    return namespace


def run_once(name: str, quick: bool) -> dict:
    """One run of recipe ``name`` in this process: accuracy, wall seconds, seconds per epoch."""
    namespace = lecture_namespace()
    from mlpkit import data
    started = time.perf_counter()
    mnist = data.load_mnist()
    result = namespace["run_recipe"](namespace["RECIPES"][name], mnist, quick=quick, progress=False)
    wall = time.perf_counter() - started
    return {"accuracy": result["accuracy"], "seconds": wall,
            "epoch_seconds": statistics.median(result["history"].time),
            "epochs": result["epochs"]}


def run_in_fresh_process(name: str, quick: bool) -> dict:
    """:func:`run_once` in a new Python process (MNIST read from disk, as in a fresh kernel)."""
    command = [sys.executable, __file__, "--worker", name] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"recipe {name!r} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])   # run_recipe may print above it


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def threads() -> int:
    """The number of cores this process may run on (what NumPy's BLAS uses by default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def table(rows: list, recipes: dict) -> str:
    """The results as aligned text, one line per recipe."""
    head = (f"{'recipe':10s} {'runs':>4s} | {'test accuracy: mean':>19s} {'min':>7s} {'max':>7s} | "
            f"{'wall s: median':>14s} {'min':>6s} {'max':>6s} | {'s/epoch':>7s} | "
            f"{'target':>6s} {'budget':>6s}")
    lines = [head, "-" * len(head)]
    for name, runs in rows:
        acc = [r["accuracy"] for r in runs]
        sec = [r["seconds"] for r in runs]
        per_epoch = statistics.median(r["epoch_seconds"] for r in runs)
        recipe = recipes[name]
        lines.append(
            f"{name:10s} {len(runs):>4d} | {statistics.mean(acc):>19.2%} {min(acc):>7.2%} "
            f"{max(acc):>7.2%} | {statistics.median(sec):>14.1f} {min(sec):>6.1f} {max(sec):>6.1f} | "
            f"{per_epoch:>7.2f} | {recipe['target']:>6.1%} {recipe['budget_seconds']:>5d}s")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=HELP)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each recipe (default 3)")
    parser.add_argument("--only", help="run only this recipe (e.g. headline)")
    parser.add_argument("--quick", action="store_true",
                        help="the shortened runs (1 epoch on a few thousand images), for CI")
    parser.add_argument("--worker", help=argparse.SUPPRESS)   # one run, in a fresh process
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(run_once(args.worker, args.quick)))
        return 0
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    recipes = lecture_namespace()["RECIPES"]
    names = list(recipes)
    if args.only is not None:
        if args.only not in recipes:
            parser.error(f"--only must be one of {', '.join(names)}, got {args.only!r}")
        names = [args.only]

    print(f"lecture: {LECTURE.name}, recipes {', '.join(names)}, {args.repeats} run(s) each"
          + (" (quick mode: 1 epoch on a few thousand images)" if args.quick else ""))
    print(f"CPU: {cpu_model()}; threads: {threads()}; Python {platform.python_version()}")
    print(f"load average before: {load_average()}")
    rows = []
    for name in names:
        runs = []
        for i in range(args.repeats):
            runs.append(run_in_fresh_process(name, args.quick))
            print(f"  {name} run {i + 1}: test accuracy {runs[-1]['accuracy']:.2%}, "
                  f"{runs[-1]['seconds']:.1f} s", flush=True)
        rows.append((name, runs))
    print(f"load average after:  {load_average()}\n")
    print(table(rows, recipes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
