"""Interactive widgets: learning rate and momentum (03, 08), classifiers (04, 05), MNIST
digits (06), initialisation through depth (07), the optimiser laboratory (08).

Nine explorers, each a panel of controls over a figure that is redrawn on every
change. They rerun mlpkit's *real* optimisers (``mlpkit.optim``) and, for the
training explorers, mlpkit's real layers, losses, data and ``train_step``:

=========================  ====================================================
``quadratic_1d()``         gradient descent with momentum on
                           L(w) = (k/2)(w - w*)^2: the path of the iterates on
                           the curve, the loss per step, and whether (and why)
                           the run diverges
``valley_2d()``            an ill-conditioned quadratic valley (or Rosenbrock)
                           as a contour plot with the optimiser's path; an
                           optional menu of every optimiser in
                           ``mlpkit.optim.OPTIMIZERS`` (plus Nesterov) for unit 08
``regression_training()``  unit 02's line fit trained by mini-batch SGD with
                           momentum: learning curve and fitted line
``logistic_regression()``  unit 04: one sigmoid neuron trained by gradient
                           descent on two blobs or two moons: the decision
                           boundary over sigmoid(z), loss and accuracy, and the
                           rate 8/lambda_max below which every step helps
``mlp_playground()``       unit 05: a one-hidden-layer MLP on moons or spirals
                           (width, eta, activation): decision regions and loss
``digit_explorer()``       unit 06: a test digit, shifted, thinned, noised or
                           partly erased, and the network's ten probabilities
``init_explorer()``        unit 07: the spread of activations and gradients
                           per layer through a deep network (depth, width,
                           activation, initialisation): vanishing and exploding
``optimizer_lab()``        unit 08: up to three optimisers on a quadratic (with
                           a condition-number control), Rosenbrock or a saddle:
                           paths on the contours and loss curves
``network_lab()``          unit 08: a real MLP trained with the same controls,
                           its training curve beside the previous run's
=========================  ====================================================

Each explorer is built on a pure function that does the computing and can be
used (and tested) without a browser: ``run_1d``, ``run_2d``,
``run_regression``, ``run_logistic``, ``run_mlp``, ``digit_probabilities``,
``run_init_stats``, ``run_lab`` and ``run_network`` return a small result
object (path, losses, verdict, threshold, steps to reach a tolerance, ...).
``divergence_threshold`` and ``convergence_rate`` give the theory they are
compared with.

In a notebook::

    from mlpkit.widgets import (quadratic_1d, valley_2d, regression_training,
                                logistic_regression, mlp_playground)
    quadratic_1d(curvature=2.0)                 # unit 03
    valley_2d(optimizer_menu=True)              # unit 08
    quadratic_1d(lr=1.2, static=True)           # one still figure, e.g. for slides
    logistic_regression()                       # unit 04
    mlp_playground(activation="relu")           # unit 05

Autograding: when the environment variable ``NBGRADER_EXECUTION`` is set (as
nbgrader does while grading), every builder prints one short line and returns
None, without creating widgets or computing anything.

Where things live::

    _base.py           the shared rules: autograding (@builder), log-scaled eta
                       slider, static fallback, the int-seed check, the Explorer
                       base class (with its replay slider and play button) and
                       SurfaceExplorer (the eta, mu and steps of a 2-D run)
    _canvas.py         fast figures: Agg canvas, cached background, PNG
    theory.py          divergence_threshold, convergence_rate (and the derivation)
    quadratic.py       run_1d, quadratic_1d
    surfaces.py        the 2-D loss surfaces (valley, Rosenbrock, quadratic, saddle)
    optimizers.py      the optimiser menu, read from mlpkit.optim's registries
    valley.py          run_2d, valley_2d
    regression.py      run_regression, regression_training
    classification.py  run_logistic, logistic_regression
    mlp.py             run_mlp, mlp_playground
    digits.py          digit_probabilities, digit_explorer
    initialization.py  run_init_stats, init_explorer
    laboratory.py      run_lab, optimizer_lab, run_network, network_lab
"""
from mlpkit.widgets._base import autograding
from mlpkit.widgets.classification import (LogisticExplorer, LogisticRun, logistic_regression,
                                           run_logistic)
from mlpkit.widgets.digits import DigitExplorer, DigitProbe, digit_explorer, digit_probabilities
from mlpkit.widgets.initialization import InitExplorer, InitStats, init_explorer, run_init_stats
from mlpkit.widgets.laboratory import network_lab, optimizer_lab, run_lab, run_network
from mlpkit.widgets.mlp import MLPExplorer, MLPRun, mlp_playground, run_mlp
from mlpkit.widgets.optimizers import optimizer_choices
from mlpkit.widgets.quadratic import Quadratic1DExplorer, Run1D, quadratic_1d, run_1d
from mlpkit.widgets.regression import (RegressionExplorer, RegressionRun, regression_training,
                                       run_regression)
from mlpkit.widgets.surfaces import SURFACES
from mlpkit.widgets.theory import convergence_rate, divergence_threshold
from mlpkit.widgets.valley import Run2D, Valley2DExplorer, run_2d, valley_2d

__all__ = [
    "divergence_threshold", "convergence_rate",
    "Run1D", "Run2D", "RegressionRun",
    "run_1d", "run_2d", "run_regression",
    "quadratic_1d", "valley_2d", "regression_training",
    "Quadratic1DExplorer", "Valley2DExplorer", "RegressionExplorer",
    "optimizer_choices", "SURFACES", "autograding",
    "LogisticRun", "run_logistic", "logistic_regression", "LogisticExplorer",
    "MLPRun", "run_mlp", "mlp_playground", "MLPExplorer",
    "DigitProbe", "digit_probabilities", "digit_explorer", "DigitExplorer",
    "InitStats", "run_init_stats", "init_explorer", "InitExplorer",
    "run_lab", "optimizer_lab", "run_network", "network_lab",
]
