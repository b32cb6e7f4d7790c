"""mlpkit: the NumPy library behind mlp-course.

From one artificial neuron to a multilayer perceptron trained on MNIST, with
every formula written once, in the course's notation (see the README's
notation table):

====================  ==========================================================
``mlpkit.functional`` activations phi(z) and their derivatives, softmax, the
                      losses as plain functions returning ``(loss, grad)``
``mlpkit.nn``         layers with ``forward(x)``/``backward(grad_out)``:
                      Linear, activations, Dropout, BatchNorm1d, Sequential
``mlpkit.losses``     MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss
``mlpkit.optim``      the optimisers of ``optim.OPTIMIZERS`` and their pure update
                      rules ``(w, dw, state) -> (new_w, state)``
``mlpkit.schedules``  learning-rate schedules eta(t): constant, step decay,
                      cosine with warm-up
``mlpkit.init``       zeros/constant, normal, uniform, LeCun, Xavier, He, ...
``mlpkit.gradcheck``  central finite differences and relative error
``mlpkit.data``       toy data sets, batching, one-hot, ``load_mnist()``, shifts
``mlpkit.train``      ``train_step``, ``fit``, ``evaluate``, ``predict``
``mlpkit.plot``       learning curves, decision boundaries, digits, ...
``mlpkit.check``      the teaching checks used by the exercises' visible tests
``mlpkit.widgets``    the interactive learning-rate and momentum widgets
====================  ==========================================================

Arrays are batch-first, shape (B, features), float32 unless you ask for
float64. Randomness always comes from an explicit ``rng`` argument (a seed or
a ``numpy.random.Generator``); mlpkit never seeds NumPy's global generator.

Submodules are imported on first use, so ``import mlpkit`` is quick.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "functional", "nn", "losses", "optim", "schedules", "init", "gradcheck",
    "data", "train", "plot", "check", "widgets",
)

__all__ = list(_SUBMODULES) + ["__version__"]


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'mlpkit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
