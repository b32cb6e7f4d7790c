"""Teaching checks for the exercises' visible (and hidden) tests.

Every unit's tests speak the same way: on success a short confirmation line
on stdout (green in Jupyter, nothing on stderr); on failure a ``CheckFailed``
(an ``AssertionError``) whose message says what was checked, what was
expected, what the student's code returned, and a hint, naming the common
mistake when the answer matches one::

    from mlpkit import check
    check.close(neuron_output(x, w, b), 5.5, name="neuron_output(x, w, b)",
                mistakes={"the bias b was left out": 5.0})
    check.done("neuron_output")      # prints: ✓ neuron_output: all visible tests passed

The functions compare behaviour (values, shapes, invariants), never source
code, so every correct implementation passes.

In Jupyter (IPython), a failed check shows its message first and in full: a
red ✗ line, expected / got / difference / hint, and one line saying where
the check is, instead of a traceback with the hint at the bottom. Importing
this module in a notebook also explains an unsolved exercise: calling a
function whose body is still nbgrader's ``raise NotImplementedError()`` says
which function is not written yet, instead of printing a traceback.
"""
from __future__ import annotations

import contextlib
import importlib
import linecache
import os
import sys

import numpy as np

__all__ = ["CheckFailed", "close", "done", "forbidden", "ok", "raises", "record_predictions", "shape",
           "true", "unchanged"]

#: The MIME type of a prediction record (see record_predictions); the grader reads it.
RECORD_MIME = "application/vnd.mlpcourse.record+json"

# Default tolerances of close(), by the precision of the values compared:
# (rtol, atol per unit of the expected values' size). See close().
_TOLERANCES = {
    np.dtype(np.float16): (1e-2, 1e-3),
    np.dtype(np.float32): (1e-5, 1e-6),
    np.dtype(np.float64): (1e-7, 1e-12),
}

_RED, _GREEN, _DIM, _RESET = "\x1b[1;31m", "\x1b[32m", "\x1b[2m", "\x1b[0m"
_LABEL = 12      # width of "expected:   ", "got:        ", ...


class CheckFailed(AssertionError):
    """A visible or hidden test failed; the message teaches what to fix.

    ``str(error)`` is the plain message. In IPython, ``_render_traceback_``
    shows it in place of the traceback, with the ✗ line in red and one line
    saying where the failing check is.
    """

    def _render_traceback_(self) -> list[str]:
        return _render(str(self), _where(self.__traceback__))


# --------------------------------------------------------------------------- the checks

def close(actual, expected, *, name: str = "your answer", rtol: float | None = None,
          atol: float | None = None, hint: str | None = None, mistakes: dict | None = None) -> None:
    """Check that ``actual`` equals ``expected`` up to floating-point tolerance.

    Passes when ``|actual - expected| <= atol + rtol * |expected|`` for every
    entry. Unless given, the tolerance follows the precision of the values:
    the lower of the two dtypes (Python numbers, integers and booleans count
    as float64) sets

    =========  ======  ===========================================
    precision  rtol    atol
    =========  ======  ===========================================
    float64    1e-7    1e-12 * max|expected|  (1e-12 if all zero)
    float32    1e-5    1e-6  * max|expected|  (1e-6 if all zero)
    float16    1e-2    1e-3  * max|expected|  (1e-3 if all zero)
    =========  ======  ===========================================

    so a correct float32 answer passes against a float64 reference. Given
    values of ``rtol`` and ``atol`` are used as they are.

    Any array-like is accepted (a list, a tuple, an array, a number): only
    the values and the shape matter, never the container type. An expected
    value made of parts of different shapes, such as a pair ``(w, b)``, is
    compared part by part with any sequence of as many parts.

    Parameters
    ----------
    actual, expected : float or array_like
        The student's value and the reference value; shapes must match exactly
        (no broadcasting).
    name : str
        How to refer to the checked expression, e.g. ``"sigmoid(z)"``.
    rtol, atol : float, optional
        Relative and absolute tolerance; by default from the precision (above).
    hint : str, optional
        What to look at when the answer is wrong and matches no known mistake.
    mistakes : dict, optional
        ``{description: wrong_value}`` for common mistakes; when ``actual``
        matches one, the message names it (e.g. "the factor 2 is missing").

    Raises
    ------
    CheckFailed
        With expected and got shown with enough digits to tell them apart,
        the largest difference (and where, for arrays), the tolerance used,
        and the hint.
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    if actual is None:
        _fail(name, expected, actual, hint=_NONE_HINT)
    want = _as_floats(expected)
    if want is None and isinstance(expected, (tuple, list)):
        _close_parts(actual, expected, name=name, rtol=rtol, atol=atol, hint=hint,
                     mistakes=mistakes)
        return
    if want is None:
        raise TypeError(f"`expected` must be a number or an array of numbers, got {expected!r}")
    got = _as_floats(actual)
    if got is None:
        _fail(name, expected, actual, hint="expected a number or an array of numbers")
    if got.shape != want.shape:
        _fail(name, expected, actual,
              hint=f"the shape should be {want.shape} but is {got.shape}; check which axis you "
                   "sum or average over, and reshape where needed")
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        _fail(name, expected, actual,
              hint="your answer contains nan or inf: look for an overflow in exp() or a log(0)")
    tolerance = _tolerance(actual, expected, want, rtol, atol)
    if _approx(got, want, *tolerance[:2]):
        return
    for description, wrong in (mistakes or {}).items():
        if _matches(actual, wrong, rtol, atol):
            hint = f"it looks like {description}."
            break
    _fail(name, expected, actual, hint=hint, difference=_difference(got, want, *tolerance))


def shape(actual, expected_shape: tuple, *, name: str = "your answer", hint: str | None = None,
          instance_of: type | tuple | None = None) -> None:
    """Check that ``actual`` is an array-like of exactly ``expected_shape``.

    Lists and tuples pass like arrays of the same shape; give ``instance_of``
    (e.g. ``np.ndarray``) only when the exercise asks for a specific type.
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    if actual is None:
        raise CheckFailed(f"✗ {name} is None, not an array of shape {tuple(expected_shape)}."
                          + _hint(_NONE_HINT))
    if instance_of is not None and not isinstance(actual, instance_of):
        raise CheckFailed(f"✗ {name} has the wrong type.\n"
                          + _line("expected:", _type_names(instance_of))
                          + "\n" + _line("got:", type(actual).__name__) + _hint(hint))
    try:
        got = tuple(np.shape(actual))
    except ValueError:  # a list or tuple of parts of different shapes
        raise CheckFailed(
            f"✗ {name} is not an array: its parts have different shapes, {_fmt(actual)}."
            + _hint(hint or f"return one array of shape {tuple(expected_shape)}")) from None
    if got != tuple(expected_shape):
        raise CheckFailed(
            f"✗ {name} has the wrong shape.\n  expected shape: {tuple(expected_shape)}\n"
            f"  got shape:      {got}" + _hint(hint))


def true(condition, message: str, *, hint: str | None = None) -> None:
    """Check an invariant (e.g. "probabilities sum to 1"); ``message`` says what failed."""
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    if not bool(condition):
        raise CheckFailed(f"✗ {message}" + _hint(hint))


def raises(func, exception=Exception, *, name: str = "your function", hint: str | None = None):
    """Check that calling ``func()`` raises ``exception``.

    An unsolved stub's ``NotImplementedError`` is let through (unless it is
    the exception asked for), so the student reads which function to write.
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    try:
        func()
    except exception:
        return
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - raised, but the wrong kind
        raise CheckFailed(f"✗ {name} raised {type(exc).__name__}: {exc}, expected "
                          f"{exception.__name__}" + _hint(hint)) from None
    raise CheckFailed(f"✗ {name} did not raise {exception.__name__}" + _hint(hint))


def unchanged(actual, original, *, name: str = "x", function: str | None = None,
              hint: str | None = None) -> None:
    """Check that a function left its input as it was (no change in place).

    Parameters
    ----------
    actual : array_like or list
        The input after the call.
    original : array_like or list
        A copy taken before the call (``x.copy()``, ``list(history)``).
    name : str
        The input's name in the function's signature, e.g. ``"z"``.
    function : str, optional
        The function that was called, e.g. ``"relu"``; default "your function".
    hint : str, optional
        How to avoid the change for this exercise, e.g. "use np.maximum(z, 0)".

    Example::

        z_before = z.copy()
        a = relu(z)
        check.unchanged(z, z_before, name="z", function="relu")
    """
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    change = _what_changed(actual, original)
    if change is None:
        return
    who = f"`{function}`" if function else "your function"
    how = hint or (f"work on `{name}.copy()`, or compute a new array (`{name} = {name} * 2`) "
                   f"instead of writing into `{name}` (`{name} *= 2`, `{name}[...] = 0`)")
    raise CheckFailed(f"✗ {who} modified its input `{name}` in place: {change}."
                      + _hint(f"make a copy or use out-of-place operations: {how}"))


#: The ``forbidden`` blocks open now, innermost last: ``(targets, why, hint)`` each. The
#: autograder reads it to switch the same functions off where the student's code runs.
ACTIVE_FORBIDDEN: list = []


@contextlib.contextmanager
def forbidden(targets, why: str, *, hint: str | None = None):
    """Within the block, the library functions ``targets`` refuse to run.

    For hidden tests of an exercise that asks the student to write something
    a library already has (mlpkit's own sigmoid, ``np.linalg.inv`` where the
    text asks for a solve): calling any of them raises a ``CheckFailed`` that
    names the call and says why it is not allowed. Every reference to the
    function is switched off, whatever name it was imported under
    (``from mlpkit.functional import sigmoid as s``, ``f = np.linalg.inv``),
    and all are restored when the block ends. Compute the expected values
    before the block: inside it the reference refuses too.

    Parameters
    ----------
    targets : iterable of str
        Dotted names, e.g. ``["mlpkit.functional.sigmoid", "numpy.linalg.inv"]``.
        A name whose module is not installed (``scipy.special.expit``) is skipped.
    why : str
        What the exercise asks instead, in the student's terms.
    hint : str, optional
        What to write instead.

    Example::

        with check.forbidden(["mlpkit.functional.sigmoid"], "this exercise is to write the sigmoid"):
            a = sigmoid(z)
    """
    targets = [str(t) for t in targets]
    originals = []
    for target in targets:
        module_name, _, attr = str(target).rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, attr):
            originals.append((target, getattr(module, attr)))
    modules = (getattr(m, "__dict__", None) for m in list(sys.modules.values()))
    namespaces = {id(ns): ns for ns in modules if isinstance(ns, dict)}
    caller = sys._getframe(1)
    while caller is not None and caller.f_globals.get("__name__") in ("contextlib", __name__):
        caller = caller.f_back
    if caller is not None:          # the test's own globals (a notebook's namespace)
        namespaces[id(caller.f_globals)] = caller.f_globals
    replaced = []          # (namespace, key, original)
    ACTIVE_FORBIDDEN.append((targets, why, hint))
    try:
        refusals = {id(original): (original, _refusal(target, why, hint))
                    for target, original in originals}
        wanted = refusals.keys()
        for namespace in namespaces.values():          # one pass, whatever the number of targets
            if wanted.isdisjoint(map(id, namespace.values())):
                continue                               # (most hold none: a quick look first)
            for key, value in list(namespace.items()):
                found = refusals.get(id(value))
                if found is not None and found[0] is value:
                    namespace[key] = found[1]
                    replaced.append((namespace, key, value))
        yield
    finally:
        ACTIVE_FORBIDDEN.pop()
        for namespace, key, original in reversed(replaced):
            namespace[key] = original


def _refusal(target: str, why: str, hint: str | None):
    def refuse(*args, **kwargs):
        __tracebackhide__ = True
        raise CheckFailed(f"✗ your code called {target}: {why}." + _hint(hint))
    refuse.__name__ = target.rpartition(".")[2]
    return refuse


def ok(message: str) -> None:
    """Print one confirmation line (stdout only; green in Jupyter)."""
    line = f"✓ {message}"
    print(_GREEN + line + _RESET if _jupyter_stdout() else line)


def done(what: str) -> None:
    """Print the standard confirmation after a test cell's checks passed."""
    ok(f"{what}: all visible tests passed")


def record_predictions(name: str, labels) -> None:
    """Hand predicted class labels to the autograder, which scores them outside.

    Used by a hidden test whose answers must never be inside the notebook's
    kernel (MNIST's test labels): the test passes the student's predictions
    here, and the grader, outside the sandbox, compares them with the true
    labels and measures how long the cell took. Nothing is checked here.

    Parameters
    ----------
    name : str
        The record's name, as the grade cell's settings name it (e.g. "mnist-test").
    labels : array_like of int, shape (N,)
        One predicted class per example, in the order the examples were given.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"`name` must be a non-empty string, got {name!r}")
    labels = np.asarray(labels)
    if labels.ndim != 1 or not (np.issubdtype(labels.dtype, np.integer) or labels.size == 0):
        raise CheckFailed(f"✗ predictions must be a 1-D array of integer class labels (N,), got "
                          f"{_kind(labels)} of shape {labels.shape}"
                          + _hint("return class labels, e.g. predict_classes(model, x), not "
                                  "probabilities or scores"))
    record = {"name": name, "labels": labels.astype(np.int64).tolist()}
    text = f"predictions recorded for the grader: {labels.size} labels ({name})"
    shell = _ipython()
    if shell is None:
        print(text)
        return
    from IPython.display import display
    display({RECORD_MIME: record, "text/plain": text}, raw=True)


# --------------------------------------------------------------------------- comparing values

_NONE_HINT = "your function returned None: did you forget the `return` statement?"


def _as_floats(value) -> np.ndarray | None:
    """``value`` as a float64 array; None if it is not numbers or has parts of different shapes."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _precision(value) -> np.dtype:
    """The floating-point precision of ``value``: float16, float32 or float64."""
    dtype = value.dtype if isinstance(value, (np.ndarray, np.generic)) else np.asarray(value).dtype
    return dtype if dtype in _TOLERANCES else np.dtype(np.float64)


def _tolerance(actual, expected, want, rtol, atol):
    """``(rtol, atol, source)``: the given tolerances, or the defaults of the lower precision."""
    precision = min(_precision(actual), _precision(expected), key=lambda d: d.itemsize)
    default_rtol, atol_per_unit = _TOLERANCES[precision]
    source = "as given" if rtol is not None and atol is not None else f"for {precision.name} values"
    if atol is None:
        finite = np.abs(want[np.isfinite(want)])
        size = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        atol = atol_per_unit * size
    return (default_rtol if rtol is None else rtol), atol, source


def _approx(got: np.ndarray, want: np.ndarray, rtol, atol) -> bool:
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol))


def _matches(actual, wrong, rtol, atol) -> bool:
    """Whether ``actual`` equals the known wrong answer ``wrong`` (which may have parts)."""
    got, bad = _as_floats(actual), _as_floats(wrong)
    if got is not None and bad is not None:
        return _approx(got, bad, *_tolerance(actual, wrong, bad, rtol, atol)[:2])
    if isinstance(wrong, (tuple, list)) and _sized(actual) and len(actual) == len(wrong):
        return all(_matches(a, w, rtol, atol) for a, w in zip(actual, wrong))
    return False


def _sized(value) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict))


def _close_parts(actual, expected, *, name, rtol, atol, hint, mistakes) -> None:
    """close() for an expected value with parts of different shapes, such as ``(w, b)``."""
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    if not _sized(actual) or len(actual) != len(expected):
        _fail(name, expected, actual,
              hint=f"return {len(expected)} values separated by commas (`return first, second"
                   f"{', ...' if len(expected) > 2 else ''}`), got {_kind(actual)}")
    for description, wrong in (mistakes or {}).items():
        if _matches(actual, wrong, rtol, atol) and not _matches(actual, expected, rtol, atol):
            _fail(name, expected, actual, hint=f"it looks like {description}.")
    for index, (part, want) in enumerate(zip(actual, expected)):
        close(part, want, name=f"{name}[{index}]", rtol=rtol, atol=atol, hint=hint)


def _difference(got: np.ndarray, want: np.ndarray, rtol, atol, source) -> tuple[list[str], int]:
    """Lines saying where ``got`` misses ``want`` the most, and the digits needed to see it."""
    allowed = atol + rtol * np.abs(want)
    with np.errstate(invalid="ignore"):
        excess = np.abs(got - want) - allowed          # > 0 where an entry is off
    excess = np.where(got == want, -np.inf, np.where(np.isnan(excess), np.inf, excess))
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), got.shape))
    g, w = float(got[worst]), float(want[worst])
    digits = _digits_to_tell_apart(g, w)
    tolerance = f"{allowed[worst]:.2g} (rtol {rtol:.2g}, atol {atol:.2g}, {source})"
    if got.size == 1:
        return [_line("difference:", f"got - expected = {g - w:.2g}; "
                                     f"the tolerance is {tolerance}")], digits
    off = int(np.count_nonzero(excess > 0))
    return [_line("difference:", f"at index {_index(worst)}: got {_number(g, digits)}, "
                                 f"expected {_number(w, digits)}, got - expected = {g - w:.2g}"),
            _line("", f"the tolerance there is {tolerance}; "
                      f"{off} of {got.size} entries {'is' if off == 1 else 'are'} off")], digits


def _digits_to_tell_apart(a: float, b: float, least: int = 6) -> int:
    """The fewest significant digits (``least`` to 17) that print ``a`` and ``b`` differently."""
    for digits in range(least, 18):
        if f"{a:.{digits}g}" != f"{b:.{digits}g}":
            return digits
    return 17


# --------------------------------------------------------------------------- the message

def _line(label: str, text) -> str:
    return f"  {label:<{_LABEL}}{text}"


def _hint(hint: str | None) -> str:
    """The message's hint line (with its newline), or nothing."""
    return "\n" + _line("hint:", hint) if hint else ""


def _fmt(value, digits: int = 6, limit: int = 6, *, shape: bool = True) -> str:
    """``value`` for a message: ``digits`` significant digits, arrays with their shape."""
    if isinstance(value, (float, np.floating)):
        return _number(value, digits)
    if isinstance(value, (int, np.integer, np.bool_)):
        return str(value)
    array = _as_floats(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    if array is None and isinstance(value, (list, tuple)):     # parts, such as (w, b)
        parts = ", ".join(_fmt(part, digits, limit, shape=False) for part in value)
        return f"({parts})" if isinstance(value, tuple) else f"[{parts}]"
    if array is None:
        return repr(value)
    if np.asarray(value).dtype.kind in "biuf":   # keep integers and booleans as they are
        array = np.asarray(value)
    with np.printoptions(threshold=limit * 2, edgeitems=limit // 2 if array.ndim == 1 else 2,
                         linewidth=100, formatter={"float_kind": lambda v: _number(v, digits)}):
        body = np.array2string(array, separator=", ", prefix=" " * (_LABEL + 2))
    if not shape:
        return body
    if isinstance(value, np.ndarray):
        return f"{body}  (shape {value.shape}, dtype {value.dtype})"
    return f"{body}  (shape {array.shape})"


def _number(value, digits: int = 6) -> str:
    """A float with ``digits`` significant digits that still reads as a float (5.0, not 5)."""
    text = f"{float(value):.{digits}g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


def _index(index: tuple) -> str:
    """An array index as a student writes it: [3] or [2, 0]."""
    return "[" + ", ".join(map(str, index)) + "]"


def _fail(what: str, expected, got, *, hint: str | None, difference=None) -> None:
    __tracebackhide__ = True  # IPython and pytest hide this frame: the hint is what matters
    lines, digits = difference or ([], 6)
    message = [f"✗ {what} is not right yet.",
               _line("expected:", _fmt(expected, digits)),
               _line("got:", _fmt(got, digits)),
               *lines]
    raise CheckFailed("\n".join(message) + _hint(hint))


def _kind(value) -> str:
    if _sized(value):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"


def _type_names(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join(f"{t.__module__}.{t.__name__}".replace("builtins.", "") for t in types)


def _what_changed(actual, original) -> str | None:
    """How ``actual`` differs from ``original`` (None when it does not)."""
    if isinstance(original, list) and isinstance(actual, list) and len(actual) != len(original):
        return f"its length changed from {len(original)} to {len(actual)}"
    a, o = _as_floats(actual), _as_floats(original)
    if a is None or o is None:
        return None if actual == original else "it differs from the copy taken before the call"
    if a.shape != o.shape:
        return f"its shape changed from {o.shape} to {a.shape}"
    changed = ~((a == o) | (np.isnan(a) & np.isnan(o)))
    if not changed.any():
        return None
    if a.ndim == 0:
        return f"it was {_number(o)}, now it is {_number(a)}"
    first = tuple(int(i) for i in np.unravel_index(int(np.argmax(changed)), a.shape))
    return (f"{int(changed.sum())} of {a.size} entries changed (at index {_index(first)} "
            f"it was {_number(o[first])}, now it is {_number(a[first])})")


# --------------------------------------------------------------------------- IPython and Jupyter

def _ipython():
    """The running IPython shell, or None (this module never imports IPython itself)."""
    module = sys.modules.get("IPython")
    return module.get_ipython() if module is not None else None


def _jupyter_stdout() -> bool:
    """Whether stdout goes to a Jupyter front end (which shows ANSI colours)."""
    return type(sys.stdout).__module__.startswith("ipykernel") and "NO_COLOR" not in os.environ


def _frames(tb):
    """(code, line number) of every frame of the traceback ``tb``, outermost first."""
    while tb is not None:
        yield tb.tb_frame.f_code, tb.tb_lineno
        tb = tb.tb_next


def _where(tb) -> str | None:
    """'Cell In[4], line 12: <source>' for the innermost frame outside this module."""
    here = os.path.abspath(__file__)
    outside = [(code, line) for code, line in _frames(tb)
               if os.path.abspath(code.co_filename) != here]
    return _location(*outside[-1], with_source=True) if outside else None


def _location(code, lineno: int, *, with_source: bool = False) -> str:
    """'Cell In[4], line 12, in f' (IPython's name for a cell), or 'file.py, line 12, in f'."""
    compiler = getattr(_ipython(), "compile", None)
    cell = compiler.format_code_name(code.co_filename) if compiler else None
    place = f"{cell[0]} {cell[1]}" if cell else os.path.basename(code.co_filename)
    text = f"{place}, line {lineno}"
    if code.co_name != "<module>":
        text += f", in {getattr(code, 'co_qualname', code.co_name)}"
    source = linecache.getline(code.co_filename, lineno).strip() if with_source else ""
    if source:
        text += f": {source[:77] + '...' if len(source) > 80 else source}"
    return text


def _render(message: str, where: str | None) -> list[str]:
    """The lines IPython shows for a failed check: the ✗ line in red, the message, where."""
    headline, *rest = message.splitlines() or [""]
    lines = [_RED + headline + _RESET, *rest]
    if where:
        lines.append(_DIM + _line("where:", where) + _RESET)
    return lines


def _explain_stub(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for NotImplementedError: name the function that is not written yet.

    A NotImplementedError raised inside a function defined in a notebook cell
    is an unsolved exercise (nbgrader's stub is ``raise NotImplementedError()``);
    any other one (from a library, or a cell's own top level) keeps the usual
    traceback.
    """
    try:
        code, lineno = list(_frames(tb))[-1]
        in_cell = shell.compile.format_code_name(code.co_filename) is not None
    except Exception:  # noqa: BLE001 - never let the handler fail: IPython would unregister it
        in_cell = False
    if not in_cell or code.co_name == "<module>":
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    function = getattr(code, "co_qualname", code.co_name)
    message = (f"✗ `{function}` is not written yet: "
               "replace `raise NotImplementedError()` with your code."
               + (f"\n  (NotImplementedError: {value})" if str(value) else "")
               + _hint(f"write the body of {function} in its cell, run that cell (Shift+Enter), "
                       "then run this test cell again"))
    stb = _render(message, _location(code, lineno))
    shell._showtraceback(etype, value, stb)
    return stb


def _install_stub_handler() -> None:
    """In IPython, explain NotImplementedError with :func:`_explain_stub`.

    IPython keeps one custom handler: one set by someone else is left alone.
    """
    shell = _ipython()
    free_or_ours = ((), (NotImplementedError,))
    if shell is None or getattr(shell, "custom_exceptions", None) not in free_or_ours:
        return
    shell.set_custom_exc((NotImplementedError,), _explain_stub)


_install_stub_handler()
