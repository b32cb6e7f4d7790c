"""What the widget tests (tests/lib/test_widgets*.py) share.

* ``not_grading``: an autouse fixture; a test module that imports it runs as in
  a normal notebook unless a test sets ``NBGRADER_EXECUTION`` itself.
* ``spy`` and ``spy_rule``: replace a function by a wrapper that records every
  call and then calls the original, to prove that a widget runs mlpkit's real
  code (and how often).
"""
from __future__ import annotations

import functools

import pytest

import mlpkit.optim as optim


@pytest.fixture(autouse=True)
def not_grading(monkeypatch):
    """Tests run as in a normal notebook unless a test sets NBGRADER_EXECUTION itself."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def counting(original, calls):
    """``original``, wrapped to append ``(args, kwargs)`` to ``calls`` before each call."""
    @functools.wraps(original)          # keeps the signature the widgets read
    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)
    return spy


def spy(monkeypatch, owner, name):
    """Replace ``owner.name`` (a module's function or a class's method) by a counting wrapper.

    Returns the list of ``(args, kwargs)`` of its calls, filled as they happen.
    """
    calls = []
    monkeypatch.setattr(owner, name, counting(getattr(owner, name), calls))
    return calls


def spy_rule(monkeypatch, name):
    """The same for the update rule registered as ``optim.UPDATE_RULES[name]``."""
    calls = []
    monkeypatch.setitem(optim.UPDATE_RULES, name, counting(optim.UPDATE_RULES[name], calls))
    return calls
