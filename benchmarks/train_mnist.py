"""Train the MNIST MLP with mlpkit, PyTorch and scikit-learn, and time it against the matmul floor.

The same as ``mlpkit bench`` (the code lives in ``mlpkit/course/bench.py`` so
that the command works from any install of mlpkit); see that module's
docstring for the workload and what is measured, and benchmarks/README.md for
results and a profile.

    .venv/bin/python benchmarks/train_mnist.py                      # all frameworks, 5 epochs
    .venv/bin/python benchmarks/train_mnist.py --threads 1 --rounds 3
    .venv/bin/python benchmarks/train_mnist.py --frameworks mlpkit,floor --quick
"""
from __future__ import annotations

import sys
from pathlib import Path

try:
    from mlpkit.course.bench import main
except ImportError:  # run from a checkout without installing mlpkit
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mlpkit.course.bench import main

if __name__ == "__main__":
    sys.exit(main())
