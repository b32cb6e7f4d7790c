"""How long does a slider move take in mlpkit.widgets? (slider change -> finished redraw)

Builds each widget outside a browser, sets slider values programmatically (which
runs the same observers a browser would trigger), and times the whole update:
rerunning mlpkit's optimiser or training, updating the figure, rendering it and
encoding the PNG that goes to the ``ipywidgets.Image``. The target is <= 100 ms
per move at the default settings, and for ``network_lab`` (which retrains a real
MLP on every change) <= 1 s per retrain; its controls get a quarter of the moves.

    .venv/bin/python benchmarks/widget_redraw.py            # N = 40 moves per slider
    .venv/bin/python benchmarks/widget_redraw.py --moves 100
    .venv/bin/python benchmarks/widget_redraw.py --only optimizer_lab network_lab

Reported per widget and slider: median and max wall-clock milliseconds, the
median CPU milliseconds of this process (less sensitive to other programs on a
shared machine), and how many moves needed a full redraw (axes limits changed;
the others only redraw the changing lines over a cached background). The load
average is printed too: on a busy machine wall times are inflated.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np


def _sweep(lo, hi, n, log=False):
    """n values going from lo to hi and back (a slider dragged to and fro)."""
    half = (n + 1) // 2
    up = np.geomspace(lo, hi, half) if log else np.linspace(lo, hi, half)
    values = np.concatenate([up, up[::-1][1:]])[:n]
    return list(values)


def _time_moves(widget, slider, values, cast=float):
    wall, cpu = [], []
    draws_before = widget.plot.full_draws
    for value in values:
        value = cast(value)
        if value == slider.value:          # an unchanged value triggers nothing
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        slider.value = value               # runs the observer: recompute + redraw
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return wall, cpu, widget.plot.full_draws - draws_before


def _restore(widget, slider, value):
    slider.value = value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="slider moves per slider")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="only the widgets whose name contains one of these")
    args = parser.parse_args(argv)
    os.environ.pop("NBGRADER_EXECUTION", None)

    from mlpkit import widgets

    n = args.moves
    rows = []

    def bench(name, build, moves=None, controls=None):
        """Time ``moves`` changes (default N) of each control; ``controls``: only these labels."""
        if args.only and not any(part in name for part in args.only):
            return None
        n = moves or args.moves
        t0 = time.perf_counter()
        w = build()
        build_ms = (time.perf_counter() - t0) * 1e3
        plans = [("lr", w.lr_slider, _sweep(w.lr_slider.value / 4, w.lr_slider.value * 4, n,
                                             log=True), float)]
        if hasattr(w, "momentum_slider"):
            plans.append(("momentum", w.momentum_slider, _sweep(0.0, 0.95, n),
                          lambda v: round(v, 2)))
        if hasattr(w, "steps_slider"):
            s = w.steps_slider
            plans.append(("steps", s, _sweep(s.min, s.max, n), lambda v: int(round(v / s.step)
                                                                              * s.step)))
        if hasattr(w, "condition_slider"):
            c = w.condition_slider
            plans.append(("condition number", c, _sweep(c.value / 4, c.value * 4, n, log=True),
                          float))
        menus = getattr(w, "optimizer_menus", None) or (
            [w.optimizer_menu] if hasattr(w, "optimizer_menu") else [])
        if menus:                              # the last menu cycles through every optimiser
            keys = [value for _, value in menus[-1].options if value != menus[-1].value]
            plans.append(("optimiser menu", menus[-1], [keys[i % len(keys)] for i in range(n)],
                          str))
        for label, attr in (("batch size", "batch_slider"), ("hidden width", "width_slider")):
            if hasattr(w, attr):
                opts = list(getattr(w, attr).options)
                plans.append((label, getattr(w, attr), [opts[i % len(opts)] for i in range(n)],
                              int))
        for label, attr in (("epoch shown (replay)", "epoch_slider"),
                            ("step shown (replay)", "step_slider"),
                            ("snapshot shown (replay)", "frame_slider")):
            if hasattr(w, attr):
                e = getattr(w, attr)
                plans.append((label, e, _sweep(e.min, e.max, n), lambda v: int(round(v))))
        for label, slider, values, cast in plans:
            if controls is not None and label not in controls:
                continue
            start_value = slider.value
            wall, cpu, full = _time_moves(w, slider, values, cast)
            _restore(w, slider, start_value)
            rows.append((name, label, len(wall), statistics.median(wall), max(wall),
                         statistics.median(cpu), full))
        return build_ms

    builds = {}
    builds["quadratic_1d()"] = bench("quadratic_1d()", widgets.quadratic_1d)
    builds["valley_2d()"] = bench("valley_2d()", widgets.valley_2d)
    builds["valley_2d(rosenbrock, adam)"] = bench(
        "valley_2d(rosenbrock, adam)",
        lambda: widgets.valley_2d(surface="rosenbrock", optimizer="adam", optimizer_menu=True))
    builds["regression_training()"] = bench("regression_training()", widgets.regression_training)
    builds["logistic_regression()"] = bench("logistic_regression()", widgets.logistic_regression)
    builds["mlp_playground()"] = bench("mlp_playground()", widgets.mlp_playground)
    builds["optimizer_lab()"] = bench("optimizer_lab()", widgets.optimizer_lab)
    builds["optimizer_lab(saddle)"] = bench(
        "optimizer_lab(saddle)", lambda: widgets.optimizer_lab(surface="saddle"),
        controls=("lr", "momentum"))
    builds["optimizer_lab(rosenbrock)"] = bench(
        "optimizer_lab(rosenbrock)", lambda: widgets.optimizer_lab(surface="rosenbrock"),
        controls=("lr", "momentum"))
    builds["network_lab(momentum)"] = bench(
        "network_lab(momentum)", lambda: widgets.network_lab("momentum"),
        moves=max(4, n // 4), controls=("lr", "momentum", "optimiser menu"))

    load = os.getloadavg()
    print(f"mlpkit.widgets redraw times: slider change -> finished redraw "
          f"({n} moves per slider; {os.cpu_count()} CPUs, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f})\n")
    header = (f"{'widget':<30} {'slider':<24} {'moves':>5} {'median ms':>10} {'max ms':>8} "
              f"{'CPU median':>11} {'full redraws':>13}")
    print(header)
    print("-" * len(header))
    for name, label, count, med, mx, cpu, full in rows:
        print(f"{name:<30} {label:<24} {count:>5} {med:>10.1f} {mx:>8.1f} {cpu:>11.1f} "
              f"{full:>13}")
    print()
    for name, ms in builds.items():
        if ms is None:
            continue
        print(f"build {name:<30} {ms:8.0f} ms (first figure, once per widget)")
    toy = [r for r in rows if not r[0].startswith("network_lab")]
    if toy:
        worst = max(r[3] for r in toy)
        print(f"\nslowest median: {worst:.1f} ms ({'within' if worst <= 100 else 'OVER'} the "
              "100 ms budget)")
    retrain = [r for r in rows if r[0].startswith("network_lab")]
    if retrain:
        slowest = max(r[3] for r in retrain) / 1e3
        print(f"network_lab: slowest median retrain {slowest:.2f} s "
              f"({'within' if slowest <= 1 else 'OVER'} the 1 s budget)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
