"""Grade cells scored outside the sandbox: the answers never enter the kernel.

Some hidden tests cannot keep their answers inside the notebook: unit 06 scores
a student's MNIST model on the test set, and anything the kernel can read the
student's code can read too. Such a test only *records* what the submission
produced (``mlpkit.check.record_predictions``: the predicted labels), and the
grader, here, on the host, decides the points:

- the settings come from the instructor's source notebook (``solutions/``),
  never from the submission, whose metadata the student controls. A grade cell
  of the source carries::

      "mlpcourse": {"host_check": {"record": "mnist-test", "labels": "mnist-test",
                                   "seconds": 30, "levels": [[0.95, 2], [0.97, 2]]}}

  ``record``: the name the cell records under; ``labels``: which true labels
  (a key of ``LABELS``); ``seconds``: the wall time the whole cell may take,
  measured by the grader; ``levels``: accuracy thresholds and the points each
  one adds (their sum is the cell's points);
- the true labels are loaded here, on the host; in the sandbox their files are
  not there at all (``hidden_files``);
- the cell's outputs are replaced by the verdict: a line saying what was
  measured and, for nbgrader, nothing (full points), a number (partial credit)
  or an error (no points). Whatever else the cell printed is dropped, so a
  forged record or a forged score in it counts for nothing.

A submission could still carry the public MNIST test labels inside it; a model
that is right on more than ``SUSPICIOUS`` of the test set is reported as such
in the verdict, for the instructor to look at.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nbformat.v4 import new_output

#: The MIME type mlpkit.check.record_predictions writes (kept in step by a test).
RECORD_MIME = "application/vnd.mlpcourse.record+json"

#: Accuracy no plain MLP reaches on MNIST's test set; above it the verdict says so.
SUSPICIOUS = 0.995


def _mnist_test_labels():
    from mlpkit.data import load_mnist

    return load_mnist(split="test", download=False)[1]


def _mnist_label_files() -> list[Path]:
    from mlpkit.data import MNIST_SHIPPED_DIR

    name = "t10k-labels-idx1-ubyte"
    return [MNIST_SHIPPED_DIR / name, MNIST_SHIPPED_DIR / f"{name}.gz"]


#: True labels a host check can score against: name -> (loader, files to hide).
LABELS = {"mnist-test": (_mnist_test_labels, _mnist_label_files)}


def hidden_files() -> list[Path]:
    """Every file of true labels, to be kept out of the sandbox (existing ones)."""
    return [path for _, files in LABELS.values() for path in files() if path.exists()]


@dataclass(frozen=True)
class HostCheck:
    """One grade cell's settings (see the module docstring)."""

    grade_id: str
    record: str
    labels: str
    seconds: float
    levels: tuple[tuple[float, float], ...]

    @classmethod
    def from_metadata(cls, grade_id: str, settings: dict) -> HostCheck:
        where = f"host_check of grade cell {grade_id!r}"
        if not isinstance(settings, dict):
            raise ValueError(f"{where} must be a dict, got {settings!r}")
        unknown = set(settings) - {"record", "labels", "seconds", "levels"}
        if unknown:
            raise ValueError(f"{where} has unknown keys {sorted(unknown)}")
        if settings.get("labels") not in LABELS:
            raise ValueError(f"{where}: `labels` must be one of {sorted(LABELS)}, "
                             f"got {settings.get('labels')!r}")
        record = settings.get("record")
        if not isinstance(record, str) or not record:
            raise ValueError(f"{where}: `record` must be the recorded name, got {record!r}")
        seconds = settings.get("seconds")
        if not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(f"{where}: `seconds` must be a positive number, got {seconds!r}")
        levels = settings.get("levels")
        try:
            levels = tuple(sorted((float(a), float(p)) for a, p in levels))
        except (TypeError, ValueError):
            raise ValueError(f"{where}: `levels` must be a list of [accuracy, points] pairs, "
                             f"got {levels!r}") from None
        if not levels or any(not 0 < a <= 1 or p <= 0 for a, p in levels):
            raise ValueError(f"{where}: each level needs an accuracy in (0, 1] and positive "
                             f"points, got {levels!r}")
        return cls(grade_id, record, settings["labels"], float(seconds), levels)

    @property
    def points(self) -> float:
        return sum(p for _, p in self.levels)


def checks_in(notebook: dict) -> dict[str, HostCheck]:
    """``{grade_id: HostCheck}`` of a (source) notebook; raises ValueError on bad settings."""
    found = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {})
        settings = meta.get("mlpcourse", {}).get("host_check")
        if settings is None:
            continue
        grade_id = meta.get("nbgrader", {}).get("grade_id")
        if not grade_id or not meta.get("nbgrader", {}).get("grade"):
            raise ValueError("a host_check sits on a cell that is not an nbgrader grade cell")
        check = HostCheck.from_metadata(grade_id, settings)
        points = float(meta["nbgrader"].get("points", 0))
        if abs(points - check.points) > 1e-9:
            raise ValueError(f"grade cell {grade_id!r}: its levels add up to {check.points} "
                             f"points but the cell is worth {points}")
        found[grade_id] = check
    return found


def checks_of_source(path: Path) -> dict[str, HostCheck]:
    """The host checks of the source notebook at ``path`` (``{}`` if there is none)."""
    path = Path(path)
    if not path.is_file():
        return {}
    return checks_in(json.loads(path.read_text(encoding="utf-8")))


def _records(outputs: list, name: str) -> list:
    return [o["data"][RECORD_MIME] for o in outputs
            if o.get("output_type") in ("display_data", "execute_result")
            and isinstance(o.get("data", {}).get(RECORD_MIME), dict)
            and o["data"][RECORD_MIME].get("name") == name]


def _error(message: str):
    return new_output("error", ename="HostCheckFailed", evalue=message,
                      traceback=[f"\x1b[0;31mHostCheckFailed\x1b[0m: {message}"])


def _line(text: str):
    return new_output("stream", name="stdout", text=text + "\n")


def judge(check: HostCheck, outputs: list, seconds: float, truth) -> tuple[list, float]:
    """The verdict on one cell: its new outputs and the points earned.

    ``outputs`` are the cell's outputs from the sandbox, ``seconds`` the wall
    time the grader measured for the cell, ``truth`` the true labels.
    """
    import numpy as np

    errors = [o for o in outputs if o.get("output_type") == "error"]
    records = _records(outputs, check.record)
    if errors:
        first = errors[0]
        return [_error(f"the test cell failed before the grader could score it: "
                       f"{first.get('ename')}: {first.get('evalue')}")], 0.0
    if len(records) != 1:
        what = "no" if not records else f"{len(records)}"
        return [_error(f"{what} prediction records named {check.record!r} in this cell: "
                       "the test records exactly one (the predictions of your model)")], 0.0
    labels = records[0].get("labels")
    try:
        predicted = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        predicted = None
    if predicted is None or predicted.shape != truth.shape:
        return [_error(f"the predictions must be {truth.shape[0]} class labels, one per test "
                       "image")], 0.0
    accuracy = float(np.mean(predicted == truth))
    summary = (f"test accuracy {accuracy:.2%} ({np.sum(predicted == truth)} of {truth.size} "
               f"test images), measured by the grader; the cell took {seconds:.1f} s "
               f"(budget {check.seconds:g} s)")
    if seconds > check.seconds:
        return [_error(f"{summary}: over the time budget, so no accuracy level counts. Make "
                       "train() faster: fewer epochs, a smaller network or larger batches")], 0.0
    earned = sum(p for a, p in check.levels if accuracy >= a)
    reached = [f"{a:.0%} ({p:g} points): {'reached' if accuracy >= a else 'not reached'}"
               for a, p in check.levels]
    lines = [summary] + [f"  level {r}" for r in reached]
    if accuracy > SUSPICIOUS:
        lines.append(f"  note for the instructor: above {SUSPICIOUS:.1%}, more than a plain MLP "
                     "reaches; check that the submission trains rather than carries answers")
    outputs = [_line("\n".join(lines))]
    if earned == 0:
        return outputs + [_error(f"no accuracy level reached: {accuracy:.2%} is below "
                                 f"{check.levels[0][0]:.0%}")], 0.0
    if earned < check.points:  # nbgrader reads a number as partial credit
        outputs.append(new_output("execute_result", data={"text/plain": repr(float(earned))},
                                  execution_count=None))
    return outputs, float(earned)


def true_labels(name: str):
    """The true labels ``name`` (a key of ``LABELS``), loaded on the host."""
    return LABELS[name][0]()
