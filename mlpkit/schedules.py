"""Learning-rate schedules: the learning rate eta as a function of the epoch.

A schedule is a function of t, the *fractional* epoch: the step on mini-batch
i (counted from 0) of epoch e (counted from 0), in an epoch of n_batches
mini-batches, is taken at

    t = e + i / n_batches

so t runs from 0 at the first step to just under ``epochs`` at the last.
:func:`mlpkit.train.fit` takes one (``fit(..., schedule=...)``) and sets
``optimizer.lr = schedule(t)`` before every step.

=============================================  ==========================================
``constant(lr)``                               eta(t) = lr
``step_decay(lr, every=5, factor=0.1)``        eta(t) = lr * factor ** floor(t / every)
``cosine(lr, epochs=15, warmup=1, final=0)``   linear warm-up from 0 to lr over
                                               ``warmup`` epochs, then half a cosine
                                               wave from lr down to ``final`` at
                                               t = ``epochs``
=============================================  ==========================================

Each factory returns a :class:`Schedule`, a small callable that prints what
it is::

    >>> eta = cosine(0.1, epochs=10)
    >>> eta
    cosine(lr=0.1, epochs=10, warmup=0, final=0)
    >>> eta(0), eta(5), eta(10)
    (0.1, 0.05, 0.0)

``schedule(t)`` also takes an array of t (for a plot of the schedule) and
returns an array. The registry :data:`SCHEDULES` (name -> factory) lists
them; :func:`get` looks one up by name.
"""
from __future__ import annotations

import numbers

import numpy as np

from mlpkit._validation import check_choice, check_positive, check_probability

__all__ = ["SCHEDULES", "Schedule", "constant", "cosine", "get", "step_decay"]


class Schedule:
    """A learning rate eta(t) >= 0 of the fractional epoch t >= 0, with a readable repr.

    Parameters
    ----------
    name : str
        The factory that built it, e.g. ``"cosine"``.
    formula : callable
        ``formula(t) -> eta`` on a float array t (elementwise).
    **hyperparameters
        The factory's arguments, shown by ``repr`` and kept as attributes
        (``schedule.lr``, ``schedule.epochs``, ...).
    """

    def __init__(self, name: str, formula, **hyperparameters):
        self.name, self.formula, self.hyperparameters = name, formula, hyperparameters
        for key, value in hyperparameters.items():
            setattr(self, key, value)

    def __call__(self, t):
        """eta(t): a float for a number t, an array of the same shape for an array of t."""
        is_number = isinstance(t, numbers.Real) and not isinstance(t, bool)
        if not is_number and not isinstance(t, np.ndarray):
            raise TypeError(f"t must be a number or an array of numbers (the fractional "
                            f"epoch), got {t!r}")
        t_arr = np.asarray(t, dtype=np.float64)
        if not (np.all(np.isfinite(t_arr)) and np.all(t_arr >= 0)):
            raise ValueError(f"t must be >= 0 (the fractional epoch, from 0), got {t}")
        eta = self.formula(t_arr)
        return float(eta) if is_number else eta

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value:.12g}" for key, value in self.hyperparameters.items())
        return f"{self.name}({arguments})"


def constant(lr) -> Schedule:
    """The same learning rate all the time: eta(t) = lr.

    Parameters
    ----------
    lr : float
        eta, > 0.
    """
    lr = check_positive("lr", lr)
    return Schedule("constant", lambda t: np.full(t.shape, lr), lr=lr)


def step_decay(lr, *, every, factor=0.1) -> Schedule:
    """Multiply the learning rate by ``factor`` every ``every`` epochs.

        eta(t) = lr * factor ** floor(t / every)

    E.g. ``step_decay(0.1, every=5)``: 0.1 for t in [0, 5), 0.01 for [5, 10), ...

    Parameters
    ----------
    lr : float
        eta at the start, > 0.
    every : float
        Epochs between two decays, > 0.
    factor : float
        The multiplier at each decay, in (0, 1].
    """
    lr = check_positive("lr", lr)
    every = check_positive("every", every)
    factor = check_probability("factor", factor, low_inclusive=False, high_inclusive=True)
    return Schedule("step_decay", lambda t: lr * factor ** np.floor(t / every),
                    lr=lr, every=every, factor=factor)


def cosine(lr, *, epochs, warmup=0.0, final=0.0) -> Schedule:
    """Linear warm-up, then cosine decay from ``lr`` to ``final`` at t = ``epochs``.

        eta(t) = lr * t / warmup                                      for t < warmup
        eta(t) = final + (lr - final) * (1 + cos(pi * progress)) / 2  for t >= warmup

    with progress = (t - warmup) / (epochs - warmup), which runs from 0 to 1
    over the decay (and stays 1 after ``epochs``: eta = ``final``). Without
    warm-up it starts at eta(0) = lr; the decay is slow at both ends and
    fastest in the middle, where eta = (lr + final) / 2.

    Parameters
    ----------
    lr : float
        The peak learning rate, > 0.
    epochs : float
        When the decay reaches ``final`` (usually the number of epochs of
        training), > 0.
    warmup : float
        Epochs of linear warm-up from 0 to ``lr``, in [0, epochs).
    final : float
        The learning rate at the end, in [0, lr].

    Notes
    -----
    With warm-up, eta(0) = 0: :func:`mlpkit.train.fit` skips the update of a
    step whose learning rate is 0 (it would change nothing).
    """
    lr = check_positive("lr", lr)
    epochs = check_positive("epochs", epochs)
    warmup = check_positive("warmup", warmup, allow_zero=True)
    final = check_positive("final", final, allow_zero=True)
    if warmup >= epochs:
        raise ValueError(f"warmup must be < epochs ({epochs:g}), got {warmup:g}")
    if final > lr:
        raise ValueError(f"final must be <= lr ({lr:g}), got {final:g}")

    def formula(t):
        progress = np.clip((t - warmup) / (epochs - warmup), 0.0, 1.0)   # 0 -> 1 in the decay
        eta = final + (lr - final) * (1 + np.cos(np.pi * progress)) / 2
        if warmup > 0:
            eta = np.where(t < warmup, lr * t / warmup, eta)             # the linear warm-up
        return eta

    return Schedule("cosine", formula, lr=lr, epochs=epochs, warmup=warmup, final=final)


SCHEDULES = {
    "constant": constant,
    "step_decay": step_decay,
    "cosine": cosine,
}


def get(name: str):
    """Return the schedule factory called ``name`` (a key of :data:`SCHEDULES`).

    >>> get("step_decay")(0.1, every=5)
    step_decay(lr=0.1, every=5, factor=0.1)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the name of a schedule (a str), got {name!r}")
    return SCHEDULES[check_choice("name", name, tuple(SCHEDULES))]
