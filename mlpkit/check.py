"""Teaching checks for the exercises' visible (and hidden) tests.

Every unit's tests speak the same way: on success a short confirmation line
on stdout (nothing on stderr); on failure an ``AssertionError`` whose message
says what was checked, what was expected, what the student's code returned,
and a hint, naming the common mistake when the answer matches one::

    from mlpkit import check
    check.close(neuron_output(x, w, b), 5.5, name="neuron_output(x, w, b)",
                mistakes={"the bias b was left out": 5.0})
    check.done("neuron_output")      # prints: ✓ neuron_output: all visible tests passed

The functions compare behaviour (values, shapes, invariants), never source
code, so every correct implementation passes.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CheckFailed", "close", "shape", "true", "raises", "done", "ok"]


class CheckFailed(AssertionError):
    """A visible or hidden test failed; the message teaches what to fix."""


def _fmt(value, limit: int = 6) -> str:
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, suppress=True, threshold=limit * 2, edgeitems=limit // 2):
            body = np.array2string(value, separator=", ")
        return f"{body}  (shape {value.shape}, dtype {value.dtype})"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return repr(value)


def _approx(a, b, rtol, atol) -> bool:
    try:
        a_arr = np.asarray(a, dtype=np.float64)
        b_arr = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a_arr.shape != b_arr.shape:
        return False
    return bool(np.allclose(a_arr, b_arr, rtol=rtol, atol=atol, equal_nan=False))


def _fail(what: str, expected, got, hint: str | None) -> None:
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    lines = [f"✗ {what} is not right yet.",
             f"  expected: {_fmt(expected)}",
             f"  got:      {_fmt(got)}"]
    if hint:
        lines.append(f"  hint:     {hint}")
    raise CheckFailed("\n".join(lines))


def close(actual, expected, *, name: str = "your answer", rtol: float = 1e-5,
          atol: float = 1e-8, hint: str | None = None, mistakes: dict | None = None) -> None:
    """Check that ``actual`` equals ``expected`` up to floating-point tolerance.

    Parameters
    ----------
    actual, expected : float or array_like
        The student's value and the reference value; shapes must match exactly
        (no broadcasting).
    name : str
        How to refer to the checked expression, e.g. ``"sigmoid(z)"``.
    hint : str, optional
        What to look at when the answer is wrong and matches no known mistake.
    mistakes : dict, optional
        ``{description: wrong_value}`` for common mistakes; when ``actual``
        matches one, the message names it (e.g. "the factor 2 is missing").
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    if actual is None:
        _fail(name, expected, actual,
              "your function returned None: did you forget the `return` statement?")
    try:
        got = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(name, expected, actual, "expected a number or an array of numbers")
    want = np.asarray(expected, dtype=np.float64)
    if got.shape != want.shape:
        shape_hint = (f"the shape should be {want.shape} but is {got.shape}; "
                      "check which axis you sum or average over, and reshape where needed")
        _fail(name, expected, actual, shape_hint)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        _fail(name, expected, actual,
              "your answer contains nan or inf: look for an overflow in exp() or a log(0)")
    if _approx(got, want, rtol, atol):
        return
    for description, wrong in (mistakes or {}).items():
        if _approx(got, wrong, rtol, atol):
            _fail(name, expected, actual, f"it looks like {description}.")
    _fail(name, expected, actual, hint)


def shape(actual, expected_shape: tuple, *, name: str = "your answer", hint: str | None = None) -> None:
    """Check that ``actual`` is an array of exactly ``expected_shape``."""
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    got = np.shape(actual)
    if tuple(got) != tuple(expected_shape):
        raise CheckFailed(
            f"✗ {name} has the wrong shape.\n  expected shape: {tuple(expected_shape)}\n"
            f"  got shape:      {tuple(got)}" + (f"\n  hint:     {hint}" if hint else ""))


def true(condition, message: str, *, hint: str | None = None) -> None:
    """Check an invariant (e.g. "probabilities sum to 1"); ``message`` says what failed."""
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    if not bool(condition):
        raise CheckFailed(f"✗ {message}" + (f"\n  hint:     {hint}" if hint else ""))


def raises(func, exception=Exception, *, name: str = "your function", hint: str | None = None):
    """Check that calling ``func()`` raises ``exception``."""
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    try:
        func()
    except exception:
        return
    except Exception as exc:  # raised, but the wrong kind
        raise CheckFailed(f"✗ {name} raised {type(exc).__name__}: {exc}, expected "
                          f"{exception.__name__}" + (f"\n  hint:     {hint}" if hint else "")) from None
    raise CheckFailed(f"✗ {name} did not raise {exception.__name__}"
                      + (f"\n  hint:     {hint}" if hint else ""))


def ok(message: str) -> None:
    """Print one confirmation line (stdout only)."""
    print(f"✓ {message}")


def done(what: str) -> None:
    """Print the standard confirmation after a test cell's checks passed."""
    ok(f"{what}: all visible tests passed")
