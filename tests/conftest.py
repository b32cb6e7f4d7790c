"""pytest configuration for all of tests/ (pipeline helpers: tests/course/pipeline_support.py)."""
import os
import warnings

import numpy as np
import pytest

# tests/course/fixtures/ holds a small course (notebooks, a figure, the script that makes them):
# nothing there is a test, and its notebooks must never be collected (e.g. by --nbval).
collect_ignore = ["course/fixtures"]

# Lectures read MLPCOURSE_QUICK: a cell that trains for minutes (lecture 06's long MNIST
# runs) trains briefly on a subset instead and says so. Every kernel the tests start
# inherits it; the committed outputs come from full runs.
os.environ.setdefault("MLPCOURSE_QUICK", "1")


@pytest.fixture
def strict_fp():
    """Turn overflow, invalid operations, division by zero and any warning into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield
