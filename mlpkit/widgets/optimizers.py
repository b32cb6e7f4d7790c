"""The optimiser menu of ``valley_2d``, read from ``mlpkit.optim``'s registries.

One entry for each optimiser in ``mlpkit.optim.OPTIMIZERS`` (in its order),
running its pure rule from ``mlpkit.optim.UPDATE_RULES``, plus "nesterov" (SGD
with ``nesterov=True``) right after SGD. What the widget's μ slider sets is read
from the rule's signature, so an optimiser added to the registries appears in
the menu without any change here.
"""
from __future__ import annotations

import dataclasses
import inspect

from mlpkit import optim
from mlpkit.widgets._base import fmt

__all__ = ["Choice", "optimizer_choices"]

#: The rule keywords the μ slider can set, and how the widgets write them.
KNOBS = {"momentum": "mu", "beta1": "beta1"}


@dataclasses.dataclass(frozen=True)
class Choice:
    """One optimiser of the menu: which pure rule runs, and what the μ slider sets.

    ``knob`` is the rule's keyword the slider feeds: ``"momentum"`` (mu, SGD),
    ``"beta1"`` (Adam's decay of the mean gradient) or None (no such knob; the
    slider is disabled). Every other hyperparameter keeps the rule's default.
    Only SGD's rule (``"sgd"``, with or without Nesterov) has the divergence
    threshold 2(1+mu)/lambda_max.
    """

    rule: str                  # key of mlpkit.optim.UPDATE_RULES
    title: str                 # "SGD", "Nesterov", "Adam", ...
    knob: str | None
    default_momentum: float    # the slider's value when none is given
    nesterov: bool = False

    @property
    def label(self) -> str:
        """The menu entry, e.g. 'SGD (momentum mu)' or 'Adam (beta1 = mu)'."""
        return self.title + {"momentum": " (momentum mu)", "beta1": " (beta1 = mu)",
                             None: ""}[self.knob]

    def hyperparameters(self, lr, momentum) -> dict:
        """The rule's keywords: eta, the knob, and ``nesterov=True`` when mu > 0
        (Nesterov with mu = 0 is plain descent; ``sgd_update`` refuses it)."""
        hyper = {"lr": lr}
        if self.knob is not None:
            hyper[self.knob] = momentum
        if self.nesterov and momentum > 0:
            hyper["nesterov"] = True
        return hyper

    def describe(self, momentum, lr=None) -> str:
        """E.g. 'Adam, beta1 = 0.9', or with ``lr`` 'Adam, eta = 0.1, beta1 = 0.9'."""
        eta = "" if lr is None else f", eta = {lr:.3g}"
        return self.title + eta + (f", {KNOBS[self.knob]} = {fmt(momentum)}" if self.knob else "")


def optimizer_choices() -> dict:
    """The optimiser menu: name -> ``Choice``, built from the registries on every call."""
    choices = {}
    for name, cls in optim.OPTIMIZERS.items():
        params = inspect.signature(optim.UPDATE_RULES[name]).parameters
        knob = next((key for key in KNOBS if key in params), None)
        default = 0.0 if knob is None else float(params[knob].default)
        choices[name] = Choice(name, cls.__name__, knob, default)
        if "nesterov" in params:
            choices["nesterov"] = Choice(name, "Nesterov", knob, 0.9, nesterov=True)
    return choices
