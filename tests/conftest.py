"""pytest configuration for all of tests/ (pipeline helpers: tests/course/pipeline_support.py)."""
import warnings

import numpy as np
import pytest

# tests/course/fixtures/ holds a small course (notebooks, a figure, the script that makes them):
# nothing there is a test, and its notebooks must never be collected (e.g. by --nbval).
collect_ignore = ["course/fixtures"]


@pytest.fixture
def strict_fp():
    """Turn overflow, invalid operations, division by zero and any warning into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            yield
