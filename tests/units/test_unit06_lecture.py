"""Unit 06 (MNIST): the lecture and its benchmark script.

* the lecture's skeleton and topics, its widget, the links to the exercise and the next unit;
* every figure carries alt text and hides its plotting code on slides;
* the worked numbers printed in checked cells, recomputed here from the raw IDX files
  with NumPy alone (shapes, pixel statistics, class counts, the validation split);
* the two tagged cells that the benchmark runs: ``RECIPES`` defines the three runs
  with their targets and budgets, ``run_recipe`` trains one;
* the stored outputs come from the full run (no quick-mode output is committed) and
  the runs that promise a test accuracy printed one that meets it;
* ``benchmarks/mnist_runs.py --quick`` runs every recipe and prints its table.
"""
from __future__ import annotations

import gzip
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import REPO, read_lecture  # noqa: E402

UNIT = "06_mnist"
BENCHMARK = REPO / "benchmarks" / "mnist_runs.py"
MNIST_DIR = REPO / "mlpkit" / "datasets" / "mnist"


def _idx(name: str, header: int) -> np.ndarray:
    """An IDX file of the shipped copy, parsed here without mlpkit (header bytes skipped)."""
    with gzip.open(MNIST_DIR / name) as f:
        return np.frombuffer(f.read()[header:], dtype=np.uint8)


@pytest.fixture(scope="module")
def raw():
    train = _idx("train-images-idx3-ubyte.gz", 16).reshape(60000, 28, 28)
    test = _idx("t10k-images-idx3-ubyte.gz", 16).reshape(10000, 28, 28)
    y_train = _idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    y_test = _idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return train, y_train, test, y_test


@pytest.fixture(scope="module")
def lecture():
    return read_lecture(UNIT)


@pytest.fixture(scope="module")
def tagged():
    """The namespace of the two tagged cells, read the way the benchmark reads them."""
    sys.path.insert(0, str(BENCHMARK.parent))
    try:
        import mnist_runs
    finally:
        sys.path.remove(str(BENCHMARK.parent))
    return mnist_runs.lecture_namespace()


def _printed_everywhere(nb) -> str:
    """The stored text output of every code cell (checked or not)."""
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))


# --------------------------------------------------------------------------- skeleton, topics

def test_lecture_skeleton_topics_links_and_widget(lecture):
    nb, markdown, code, _ = lecture
    assert markdown[0].startswith("# Unit 06")
    assert "## What you will learn" in markdown[1]
    assert any(m.startswith("## Summary") for m in markdown[-3:-1])   # one or two slides
    assert markdown[-1].startswith("## Exercises and next steps")
    assert "(../06_mnist/06_mnist.ipynb)" in markdown[-1]
    assert "(07_regularisation.ipynb)" in markdown[-1]
    headings = [line for m in markdown for line in m.splitlines() if line.startswith("## ")]
    numbered = [h for h in headings if re.match(r"## \d+ · ", h)]
    assert [int(h.split()[1]) for h in numbered] == list(range(1, 10))
    text = "\n".join(markdown).lower()
    for topic in ["28 × 28", "0 (paper) to 255", "60,000", "10,000", "class balance",
                  "(x - 127.5) / 127.5", "flatten", "one-hot", "validation set", "test set",
                  "**once**", "softmax", "cross-entropy", "depth", "width", "vanishing", "explodes",
                  "he initialisation", "xavier", "progress bar", "learning curves", "over-fitting",
                  "early stopping", "patience", "cosine", "warm-up", "dropout", "augmentation",
                  "confusion", "confident", "per-class", "batch size", "gradient noise",
                  "trade-off", "memory", "1/\\sqrt b"]:
        assert topic in text, topic
    for cell in nb.cells:          # no slide type continues the slide; never "-" (the live deck)
        assert cell.metadata.get("slideshow", {}).get("slide_type") in \
            {"slide", "subslide", "fragment", None, "skip", "notes"}, cell.source[:60]
    sources = [c.source for c in code]
    assert any("widgets.digit_explorer(" in s and "static=True" not in s for s in sources)
    assert any("widgets.digit_explorer(" in s and "static=True" in s for s in sources)
    assert any("train.fit(" in s and "progress=False" not in s for s in sources)  # a tqdm bar
    assert any("plot.confusion_matrix(" in s and 'normalize="true"' in s for s in sources)
    assert any("plot.image_grid(" in s for s in sources)
    assert any("plot.learning_curves(" in s for s in sources)


def test_figures_have_alt_text_and_hidden_code(lecture):
    figures = 0
    for cell in lecture.nb.cells:
        if any(o.get("data", {}).get("image/png") for o in cell.get("outputs", [])):
            figures += 1
            assert cell.metadata.get("alt"), cell.source[:60]
            assert "hide-input" in cell.metadata.get("tags", []), cell.source[:60]
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.source[:60]
    assert figures >= 9


# --------------------------------------------------------------------------- worked numbers

def test_data_facts_against_the_raw_files(lecture, raw):
    train, y_train, test, y_test = raw
    printed = lecture.printed
    assert "training images: (60000, 28, 28) uint8 labels: (60000,) int64" in printed
    assert "test images:     (10000, 28, 28) uint8" in printed
    assert "pixel values from 0 to 255 ; digits: [0 1 2 3 4 5 6 7 8 9]" in printed
    pixels = train.ravel()
    assert (f"pixels that are exactly 0 (paper): {np.mean(pixels == 0):.1%}; "
            f"above 127 (ink): {np.mean(pixels > 127):.1%}") in printed
    counts = np.bincount(y_train, minlength=10)
    assert (f"training images per digit: from {counts.min()} (digit {counts.argmin()}) "
            f"to {counts.max()} (digit {counts.argmax()})") in printed
    majority = np.bincount(y_test, minlength=10).max() / 10000
    assert f"always answers the most common digit: {majority:.1%} test accuracy" in printed


def test_preprocessing_and_the_validation_split(lecture, raw):
    train, y_train, _, _ = raw
    printed = lecture.printed
    assert "x_all: (60000, 784) float32 from -1.0 to 1.0" in printed
    assert "same as data.load_mnist(): True" in printed
    assert f"labels {y_train[:3]} -> one-hot rows:" in printed
    assert "same loss from labels and from one-hot rows: True" in printed
    assert "training:   (55000, 784)  validation: (5000, 784)  test: (10000, 784)" in printed
    assert "every image in exactly one of training and validation: True" in printed
    # train_val_split holds out the first val_size entries of rng.permutation(N)
    val = np.random.default_rng(0).permutation(60000)[:5000]
    assert f"validation digits per class: {np.bincount(y_train[val], minlength=10)}" in printed


# --------------------------------------------------------------------------- recipes

def test_the_recipes_cell_defines_the_three_runs(tagged):
    recipes = tagged["RECIPES"]
    assert list(recipes) == ["headline", "minutes", "stretch"]
    assert json.loads(json.dumps(recipes)) == recipes            # plain values only
    expected = {"headline": (0.980, 15), "minutes": (0.985, 120), "stretch": (0.988, 300)}
    for name, (target, budget) in expected.items():
        assert recipes[name]["target"] == target and recipes[name]["budget_seconds"] == budget
        assert recipes[name]["val_size"] > 0                      # decisions on validation data
    head = recipes["headline"]
    assert (head["hidden"], head["activation"], head["init"]) == ([256, 128], "relu", "he_normal")
    assert head["schedule"] == "cosine" and head["momentum"] == 0.9
    assert head["dropout"] == 0 and head["shift"] <= 1          # plain and fast
    assert any(recipes[n]["dropout"] > 0 for n in ("minutes", "stretch"))
    assert any(recipes[n]["shift"] > head["shift"] for n in ("minutes", "stretch"))
    parameters = inspect.signature(tagged["run_recipe"]).parameters
    assert list(parameters)[:2] == ["recipe", "data"]
    assert parameters["quick"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["quick"].default is False


def test_run_recipe_quick_trains_one_epoch_on_a_subset(tagged, capsys):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(700, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=700)
    recipe = {**tagged["RECIPES"]["stretch"], "hidden": [16], "val_size": 100}
    result = tagged["run_recipe"](recipe, ((x, y), (x[:50], y[:50])), quick=True, progress=False)
    assert result["epochs"] == 1 and result["history"].epochs == 1
    assert 0.0 <= result["accuracy"] <= 1.0 and result["seconds"] > 0
    assert "quick mode: 1 epoch on 600 training images" in capsys.readouterr().out


def test_stored_outputs_come_from_the_full_run(lecture):
    out = _printed_everywhere(lecture.nb)
    assert "quick mode" not in out          # MLPCOURSE_QUICK=1 output must not be committed
    for name, target in [("headline", 0.980), ("minutes", 0.985)]:
        # the row of the runs table: name, network, parameters, epochs, test accuracy, ...
        row = re.search(rf"^{name} +784-[\d-]+ +[\d,]+ +\d+ +(\d+\.\d+)% ", out, re.M)
        assert row, name
        assert float(row.group(1)) / 100 >= target, row.group(0)


# --------------------------------------------------------------------------- the benchmark

def test_the_benchmark_runs_the_recipes_in_quick_mode_and_prints_its_table():
    done = subprocess.run([sys.executable, str(BENCHMARK), "--quick", "--repeats", "1"],
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "quick mode" in out
    assert re.search(r"^CPU: .+; threads: \d+", out, re.M)
    assert "test accuracy: mean" in out and "wall s: median" in out
    for name in ["headline", "minutes", "stretch"]:
        row = re.search(rf"^{name} +1 \| +(\d+\.\d+)% +(\d+\.\d+)% +(\d+\.\d+)% \| +(\d+\.\d+) ", out, re.M)
        assert row, (name, out)
        mean, low, high, seconds = map(float, row.groups())
        assert low <= mean <= high and 0 < mean <= 100 and seconds > 0


def test_the_benchmark_refuses_an_unknown_recipe():
    done = subprocess.run([sys.executable, str(BENCHMARK), "--only", "nonsense"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode != 0
    assert "--only must be one of headline, minutes, stretch" in done.stderr
