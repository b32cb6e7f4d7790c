"""mlpkit.check: the teaching checks say what is wrong, accept every correct answer, and read well in Jupyter.

A check that passes everything teaches nothing, so each behaviour is shown
both ways: the right answer passes and a realistic wrong one fails with the
message a student needs (enough digits to see the difference, the index and
the tolerance, the mutated input, the function still to write). The last
section runs a real kernel (nbclient) to see what JupyterLab and nbgrader get.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from mlpkit import check
from mlpkit.check import CheckFailed

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failure(func, *args, **kwargs) -> str:
    """The message of the CheckFailed that ``func(*args, **kwargs)`` raises."""
    with pytest.raises(CheckFailed) as info:
        func(*args, **kwargs)
    assert isinstance(info.value, AssertionError)       # pytest and nbgrader see a failed test
    return str(info.value)


def field(message: str, label: str) -> str:
    """The text after ``label`` (e.g. "got:") on its line of ``message``."""
    match = re.search(rf"^  {re.escape(label)}\s+(.*)$", message, flags=re.MULTILINE)
    assert match, f"no {label!r} line in:\n{message}"
    return match.group(1)


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# ------------------------------------------------------------------ passing, failing, mistakes

def test_a_passing_check_is_silent_and_done_prints_one_plain_line(capsys):
    check.close(np.array([0.5, 3.0]), [0.5, 3.0], name="relu(z)")
    check.shape(np.zeros((2, 3)), (2, 3))
    check.true(True, "never shown")
    check.done("relu")
    out, err = capsys.readouterr()
    assert out == "✓ relu: all visible tests passed\n"     # no colour codes outside Jupyter
    assert err == ""


def test_a_failure_says_what_was_expected_what_came_back_and_the_hint():
    message = failure(check.close, 5.0, 5.5, name="neuron_output(x, w, b)", hint="add the bias")
    assert message.splitlines()[0] == "✗ neuron_output(x, w, b) is not right yet."
    assert field(message, "expected:") == "5.5"
    assert field(message, "got:") == "5.0"
    assert field(message, "hint:") == "add the bias"


def test_a_known_mistake_is_named_instead_of_the_generic_hint():
    message = failure(check.close, [5.0], [5.5], name="neuron_output", hint="generic",
                      mistakes={"the bias b was subtracted": [4.5], "the bias b was left out": [5.0]})
    assert field(message, "hint:") == "it looks like the bias b was left out."


def test_none_and_non_numbers_get_their_own_hint():
    assert "forget the `return`" in failure(check.close, None, 1.0)
    assert "forget the `return`" in failure(check.shape, None, (2,))
    assert "a number or an array of numbers" in failure(check.close, "abc", 1.0)


def test_wrong_shape_and_nan_are_explained():
    assert "the shape should be (3,) but is (3, 1)" in failure(check.close, np.zeros((3, 1)), np.zeros(3))
    assert "nan or inf" in failure(check.close, [np.nan, 1.0], [0.5, 1.0])


# ------------------------------------------------------------------ enough digits, the difference, the tolerance

@pytest.mark.parametrize("got, expected", [
    (0.12345671, 0.12345679),          # equal to 6 digits: 0.123457
    (1.0 + 3e-7, 1.0),                 # equal to 6 digits: 1
    (0.1 + 0.2, 0.3),                  # differ only in the 17th digit
    (-2.5e-9 * (1 + 1e-12), -2.5e-9),
])
def test_a_near_miss_prints_enough_digits_to_see_the_difference(got, expected):
    message = failure(check.close, got, expected, rtol=0.0, atol=0.0, name="value")
    shown_got, shown_expected = field(message, "got:"), field(message, "expected:")
    assert shown_got != shown_expected, message
    # each printed number is nearer its own value than the other one
    assert abs(float(shown_got) - got) < abs(float(shown_got) - expected)
    assert abs(float(shown_expected) - expected) < abs(float(shown_expected) - got)
    assert field(message, "difference:").startswith(f"got - expected = {got - expected:.2g};")


def test_an_array_near_miss_names_the_worst_entry_its_index_and_the_tolerance():
    want = np.array([[0.5, 0.25, 0.125], [2.0, -1.0, 1.0]])
    got = want.copy()
    got[1, 1] += 2e-6       # relative error 2e-6: off
    got[0, 2] += 1e-8       # relative error 8e-8: within rtol 1e-7
    message = failure(check.close, got, want, name="sigmoid(z)")
    difference = field(message, "difference:")
    assert difference.startswith("at index [1, 1]: got -0.999998, expected -1.0, got - expected = 2e-06")
    # tolerance there: atol + rtol |expected| = 1e-12 * max|expected| + 1e-7 * 1 (float64 rule)
    assert f"the tolerance there is {1e-12 * 2.0 + 1e-7 * 1.0:.2g} (rtol 1e-07, atol 2e-12, " \
           "for float64 values); 1 of 6 entries is off" in message


def test_equal_looking_entries_are_printed_with_more_digits():
    want = np.array([0.1234567891, 0.5])
    message = failure(check.close, want * (1 + 1e-6), want, name="a")
    assert field(message, "expected:").startswith("[0.1234568, 0.5]")
    assert field(message, "got:").startswith("[0.1234569, 0.5000005]")


# ------------------------------------------------------------------ the tolerance follows the dtype

def test_a_correct_float32_sigmoid_passes_where_float64_tolerances_would_fail_it():
    z = np.linspace(-20.0, 20.0, 81, dtype=np.float32)
    a = stable_sigmoid(z)
    assert a.dtype == np.float32
    check.close(a, stable_sigmoid(z.astype(np.float64)), name="sigmoid(z) in float32")
    check.close(stable_sigmoid(-z), 1 - a, name="sigmoid(-z) against 1 - sigmoid(z)")
    # the same checks with float64 tolerances (the old rule) reject a correct answer
    failure(check.close, a, stable_sigmoid(z.astype(np.float64)), rtol=1e-7, atol=1e-12)
    failure(check.close, stable_sigmoid(-z), 1 - a, rtol=1e-5, atol=1e-8)


def test_float64_answers_get_the_tighter_tolerance():
    z = np.linspace(-5.0, 5.0, 11)
    check.close(0.5 * (1 + np.tanh(z / 2)), stable_sigmoid(z), name="another correct formula")
    message = failure(check.close, stable_sigmoid(z) * (1 + 1e-6), stable_sigmoid(z))
    assert "rtol 1e-07" in message and "for float64 values" in message
    # a float32 answer that is wrong by 1e-3 still fails
    message = failure(check.close, (stable_sigmoid(z) * (1 + 1e-3)).astype(np.float32), stable_sigmoid(z))
    assert "rtol 1e-05" in message and "for float32 values" in message


def test_the_absolute_tolerance_scales_with_the_expected_values():
    check.close([1e6, 1e-7], [1e6, 0.0])            # atol = 1e-12 * 1e6 = 1e-6
    failure(check.close, [1.0, 1e-7], [1.0, 0.0])    # atol = 1e-12 * 1
    check.close(1e-13, 0.0)                          # all zero: atol = 1e-12
    failure(check.close, 1e-11, 0.0)


def test_given_tolerances_are_used_as_given():
    check.close(1.0 + 1e-6, 1.0, rtol=1e-5)
    message = failure(check.close, 1.0 + 1e-6, 1.0, rtol=1e-7, atol=0.0)
    assert "(rtol 1e-07, atol 0, as given)" in message


# ------------------------------------------------------------------ any container of the right values

def test_lists_tuples_and_arrays_are_all_accepted():
    check.close([1.0, 2.0], (1.0, 2.0))
    check.close((1.0, 2.0), np.array([1.0, 2.0]))
    check.close(np.float32(0.5), 0.5)
    check.close([1, 0, 1], np.array([1.0, 0.0, 1.0]))
    check.shape([[1.0, 2.0]], (1, 2))
    check.shape((1.0, 2.0), (2,))


def test_a_pair_of_parts_is_compared_part_by_part_whatever_the_container():
    w, b = np.array([2.0]), 1.0
    check.close([w, b], (w, b), name="least_squares(x, y)")
    check.close((w.tolist(), b), [w, b], name="least_squares(x, y)")
    message = failure(check.close, [w, 1.5], (w, b), name="least_squares(x, y)")
    assert message.startswith("✗ least_squares(x, y)[1] is not right yet.")
    assert field(message, "got:") == "1.5"
    message = failure(check.close, 3.0, (w, b), name="least_squares(x, y)")
    assert "return 2 values" in message and "got a float" in message
    message = failure(check.close, [np.array([1.0]), 2.0], (w, b), name="least_squares(x, y)",
                      mistakes={"w and b are swapped": ([1.0], 2.0)})
    assert field(message, "expected:") == "([2.0], 1.0)"
    assert field(message, "hint:") == "it looks like w and b are swapped."


def test_shape_reports_the_type_only_when_asked():
    check.shape([1.0, 2.0], (2,), name="y_hat")
    message = failure(check.shape, [1.0, 2.0], (2,), name="y_hat", instance_of=np.ndarray)
    assert message.splitlines()[0] == "✗ y_hat has the wrong type."
    assert field(message, "expected:") == "numpy.ndarray" and field(message, "got:") == "list"
    check.shape(np.zeros(2), (2,), instance_of=np.ndarray)


def test_shape_of_parts_with_different_shapes_is_a_clear_failure():
    message = failure(check.shape, (np.zeros(2), 1.0), (2,), name="w")
    assert message.splitlines()[0] == "✗ w is not an array: its parts have different shapes, ([0.0, 0.0], 1.0)."


# ------------------------------------------------------------------ inputs changed in place

def test_unchanged_says_the_input_was_modified_in_place():
    z = np.array([-3.0, -0.5, 0.5, 3.0])
    before = z.copy()
    z[z < 0] = 0                                     # what a wrong relu does to the caller's array
    message = failure(check.unchanged, z, before, name="z", function="relu")
    assert message.splitlines()[0] == ("✗ `relu` modified its input `z` in place: 2 of 4 entries changed "
                                       "(at index [0] it was -3.0, now it is 0.0).")
    assert field(message, "hint:").startswith("make a copy or use out-of-place operations: ")


def test_unchanged_without_a_function_name_and_with_a_custom_hint():
    x = np.ones((2, 2))
    message = failure(check.unchanged, x * 2, x, hint="use np.maximum(x, 0)")
    assert message.startswith("✗ your function modified its input `x` in place: 4 of 4 entries changed")
    assert field(message, "hint:") == "make a copy or use out-of-place operations: use np.maximum(x, 0)"
    message = failure(check.unchanged, [0.5, 0.25], [0.5], name="history")
    assert "modified its input `history` in place: its length changed from 1 to 2" in message


def test_unchanged_passes_for_an_untouched_input_including_nan():
    x = np.array([1.0, np.nan, 3.0])
    check.unchanged(x, x.copy(), name="x")
    check.unchanged([1, 2], [1, 2], name="history")


# ------------------------------------------------------------------ raises

def test_raises_passes_the_right_exception_and_explains_the_wrong_one():
    def bad_lr():
        raise ValueError("lr must be > 0")

    check.raises(bad_lr, ValueError)
    assert "raised ValueError: lr must be > 0, expected TypeError" in failure(check.raises, bad_lr, TypeError)
    assert "did not raise ValueError" in failure(check.raises, lambda: None, ValueError)


def test_raises_lets_an_unsolved_stub_through():
    def stub():
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        check.raises(stub, ValueError)


# ------------------------------------------------------------------ the rendering IPython uses

def test_render_traceback_shows_the_message_first_then_one_line_saying_where():
    with pytest.raises(CheckFailed) as info:
        check.close(5.0, 5.5, name="neuron_output", hint="add b")
    lines = info.value._render_traceback_()
    plain = [ANSI.sub("", line) for line in lines]
    assert lines[0] == "\x1b[1;31m✗ neuron_output is not right yet.\x1b[0m"     # red headline
    assert plain[:-1] == str(info.value).splitlines()                           # the message in full
    assert len(plain) == len(str(info.value).splitlines()) + 1                  # plus one line
    assert re.fullmatch(r"  where:      test_check\.py, line \d+, in test_render_traceback_\w+: "
                        r"check\.close\(5\.0, 5\.5, name=\"neuron_output\", hint=\"add b\"\)",
                        plain[-1]), plain[-1]


class FakeShell:
    """Just enough of IPython's shell for registering a custom exception handler."""

    def __init__(self, custom_exceptions=()):
        self.custom_exceptions = custom_exceptions
        self.registered = None

    def set_custom_exc(self, exc_tuple, handler):
        self.registered = (exc_tuple, handler)


def test_importing_check_in_ipython_registers_the_stub_handler_unless_another_is_set(monkeypatch):
    free, taken = FakeShell(), FakeShell(custom_exceptions=(KeyError,))
    monkeypatch.setattr(check, "_ipython", lambda: free)
    check._install_stub_handler()
    assert free.registered == ((NotImplementedError,), check._explain_stub)
    monkeypatch.setattr(check, "_ipython", lambda: taken)
    check._install_stub_handler()
    assert taken.registered is None                  # someone else's handler is left alone
    monkeypatch.setattr(check, "_ipython", lambda: None)
    check._install_stub_handler()                    # plain Python: nothing to do


# ------------------------------------------------------------------ a real kernel (what JupyterLab and nbgrader get)

KERNEL_CELLS = {
    "setup": "import numpy as np\nfrom mlpkit import check",
    "stub": 'def neuron_output(x, w, b, phi):\n    """The released skeleton."""\n'
            "    # YOUR CODE HERE\n    raise NotImplementedError()",
    "test_stub": "a = neuron_output(np.ones((1, 3)), np.ones(3), 0.5, lambda z: z)\n"
                 "check.close(a, [3.5], name='neuron_output')\ncheck.done('neuron_output')",
    "test_wrong": "check.close(np.array([5.0]), [5.5], name='neuron_output(x, w, b, phi)',\n"
                  "            mistakes={'the bias b was left out': [5.0]})\ncheck.done('neuron_output')",
    "test_right": "check.close(np.array([5.5]), [5.5], name='neuron_output(x, w, b, phi)')\n"
                  "check.done('neuron_output')",
    "library": "exec(compile(\"raise NotImplementedError('abstract')\", 'library.py', 'exec'))",
}


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory):
    """The notebook of KERNEL_CELLS executed by a python3 kernel: {cell name: cell}."""
    import nbformat
    from nbclient import NotebookClient

    cells = []
    for name, source in KERNEL_CELLS.items():
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade": name.startswith("test_"), "solution": False,
                                     "grade_id": name, "points": 1, "locked": True}
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path_factory.mktemp("kernel")
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120,
                   resources={"metadata": {"path": str(path)}}).execute()
    return nb, dict(zip(KERNEL_CELLS, nb.cells))


def error_of(cell):
    errors = [out for out in cell.outputs if out.output_type == "error"]
    assert len(errors) == 1, cell.outputs
    return errors[0]


@pytest.mark.slow
def test_kernel_a_failing_check_shows_its_message_first_and_in_full(kernel_run):
    _, cells = kernel_run
    error = error_of(cells["test_wrong"])
    assert error.ename == "CheckFailed"
    assert error.evalue.startswith("✗ neuron_output(x, w, b, phi) is not right yet.\n")
    lines = [ANSI.sub("", line) for line in error.traceback]
    assert lines[:-1] == error.evalue.splitlines()          # no traceback: the message, then where
    assert "  hint:       it looks like the bias b was left out." in lines
    assert lines[-1] == ("  where:      Cell In[4], line 1: check.close(np.array([5.0]), [5.5], "
                         "name='neuron_output(x, w, b, phi)',")
    assert error.traceback[0].startswith("\x1b[1;31m✗")      # the headline is red


@pytest.mark.slow
def test_kernel_an_unsolved_stub_names_the_function_to_write(kernel_run):
    _, cells = kernel_run
    error = error_of(cells["test_stub"])
    assert error.ename == "NotImplementedError"
    lines = [ANSI.sub("", line) for line in error.traceback]
    assert lines[0] == ("✗ `neuron_output` is not written yet: replace `raise NotImplementedError()` "
                        "with your code.")
    assert lines[-1] == "  where:      Cell In[2], line 4, in neuron_output"
    assert len(lines) == 3


@pytest.mark.slow
def test_kernel_other_not_implemented_errors_keep_their_traceback(kernel_run):
    _, cells = kernel_run
    error = error_of(cells["library"])
    assert error.ename == "NotImplementedError" and error.evalue == "abstract"
    assert "Traceback" in ANSI.sub("", "\n".join(error.traceback))


@pytest.mark.slow
def test_kernel_a_pass_is_green_and_nothing_goes_to_stderr(kernel_run):
    _, cells = kernel_run
    assert [out.output_type for out in cells["test_right"].outputs] == ["stream"]
    out = cells["test_right"].outputs[0]
    assert out.name == "stdout"
    assert out.text == "\x1b[32m✓ neuron_output: all visible tests passed\x1b[0m\n"


@pytest.mark.slow
def test_kernel_nbgrader_scores_the_failures_zero_and_its_feedback_shows_the_message(kernel_run):
    nb, cells = kernel_run
    from nbconvert import HTMLExporter
    from nbgrader.utils import determine_grade

    assert determine_grade(cells["test_stub"]) == (0, 1)
    assert determine_grade(cells["test_wrong"]) == (0, 1)
    assert determine_grade(cells["test_right"]) == (1, 1)
    # nbgrader's feedback template extends nbconvert's classic one, which turns ANSI into spans
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    assert "\x1b" not in html
    assert '<span class="ansi-red-intense-fg ansi-bold">✗ neuron_output(x, w, b, phi) is not right yet.' in html
    assert '<span class="ansi-green-fg">✓ neuron_output: all visible tests passed</span>' in html



# --------------------------------------------------------------------------- forbidden

def test_forbidden_switches_off_every_reference_and_restores_them():
    import numpy.linalg
    import mlpkit.functional
    from mlpkit.functional import sigmoid as renamed
    original_sigmoid, original_inv = mlpkit.functional.sigmoid, np.linalg.inv
    aliases = {"s": renamed}
    globals()["_alias_under_test"] = renamed          # a module-level alias, as a notebook's would be
    try:
        with check.forbidden(["mlpkit.functional.sigmoid", "numpy.linalg.inv", "no_such_module.f"],
                             "this exercise is to write it with NumPy", hint="use np.exp") as _:
            for call in (lambda: mlpkit.functional.sigmoid(np.zeros(2)),
                         lambda: _alias_under_test(np.zeros(2)),
                         lambda: np.linalg.inv(np.eye(2))):
                with pytest.raises(check.CheckFailed) as info:
                    call()
                assert "your code called" in str(info.value)
                assert "write it with NumPy" in str(info.value) and "use np.exp" in str(info.value)
            assert "numpy.linalg.inv" in _message(lambda: np.linalg.inv(np.eye(2)))
            assert aliases["s"] is original_sigmoid           # only module namespaces are touched
            np.linalg.solve(np.eye(2), np.ones(2))            # what is not named keeps working
        assert mlpkit.functional.sigmoid is original_sigmoid and np.linalg.inv is original_inv
        assert _alias_under_test is original_sigmoid
        np.testing.assert_allclose(np.linalg.inv(2 * np.eye(2)), 0.5 * np.eye(2))
    finally:
        globals().pop("_alias_under_test", None)


def test_forbidden_restores_after_a_failure_inside_the_block():
    import mlpkit.functional
    original = mlpkit.functional.relu
    with pytest.raises(ZeroDivisionError):
        with check.forbidden(["mlpkit.functional.relu"], "write relu yourself"):
            1 / 0
    assert mlpkit.functional.relu is original


def _message(call):
    try:
        call()
    except check.CheckFailed as error:
        return str(error)
    raise AssertionError("no CheckFailed")
