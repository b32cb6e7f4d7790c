"""Graded cells judged on the host (``mlpcourse.grading.referee``) and the plain data they exchange.

The referee runs a graded cell's tests in the grader and calls the student's
functions in the kernel through ``wire``. Here the "kernel" is a namespace in
this process, served by the same ``wire.serve`` a grading kernel runs, so the
rules can be checked quickly: what crosses (and what never does), that the
student's function behaves as if it ran beside the test (changes in place,
NumPy's global generator, exceptions), and that a cell whose answers cannot
cross is left to the sandbox. ``test_grading_attacks.py`` checks the whole
path with real sandboxed kernels and submissions that cheat inside them.
"""
from __future__ import annotations

import ast
import io
import json
import textwrap

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlpcourse.grading import referee, wire
from mlpcourse.grading.feedback import split_hidden
from mlpkit import check
from pipeline_support import REPO, real_units

# --------------------------------------------------------------------------- the wire


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, float("inf"), "text",
    np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], dtype=np.int64),
    np.array([True, False]), np.float32(1.5), np.int64(7), np.array(2.0),
    (1, np.zeros(2)), [1, [2, (3,)]], {"w": np.ones(3), "b": 0.5}, {1, 2}, frozenset({"a"}),
])
def test_plain_data_crosses_unchanged(value):
    back = wire.decode(json.loads(json.dumps(wire.encode(value), allow_nan=True)))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, (np.generic, tuple, dict)):
        assert repr(back) == repr(value)
    else:
        assert back == value


def test_a_generator_crosses_as_its_state():
    rng = np.random.default_rng(5)
    back = wire.decode(wire.encode(rng))
    assert back.random() == rng.random()


@pytest.mark.parametrize("value", [object(), np.array([object()]), lambda x: x, {1: "int key"},
                                   {np.zeros(1).tobytes()}])
def test_anything_else_stays_behind_as_opaque(value):
    assert wire.has_opaque(wire.decode(wire.encode(value)))


def test_a_pickle_is_never_read():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    import base64
    crafted = {"nd": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(ValueError):
        wire.decode(crafted)


# --------------------------------------------------------------------------- a referee and its kernel

class FakeKernel:
    """A kernel's namespace in this process, answering the referee as a grading kernel does."""

    def __init__(self, answers: str):
        self.ns: dict = {"__name__": "__main__"}
        exec(answers, self.ns)  # noqa: S102 - the test's own code
        self.calls = 0
        self.sent: list[str] = []
        self.handlers: dict = {}     # the kernel's shell_handlers (wire.install)
        self.replies: list = []      # what the handlers sent back
        self.messages = 0

    def send(self, code: str, wait: float, on_input=None) -> list[str]:
        shown = []
        fake = self
        import builtins
        asked = builtins.input
        builtins.input = lambda prompt="": on_input(prompt) if on_input else ""

        class Shell:
            user_ns = fake.ns

            class kernel:  # noqa: N801 - ipykernel's attribute name
                shell_handlers = fake.handlers

                class session:  # noqa: N801 - the kernel's Session: replies are kept
                    @staticmethod
                    def send(stream, msg_type, content, parent, ident=None):
                        fake.replies.append((msg_type, content))

        import IPython.display
        original = IPython.display.display
        IPython.display.display = lambda obj, raw=False: shown.append(obj[wire.MIME])
        self.ns["get_ipython"] = lambda: Shell
        self.sent.append(code)
        try:
            exec(code, self.ns)  # noqa: S102 - what the referee sends a kernel
        finally:
            IPython.display.display = original
            builtins.input = asked
            # check.forbidden patches modules, which the kernel and the grader share here
            # (one process): a kernel's block must end before the grader's, as it would
            # with a kernel of its own. test_the_kernel_keeps_... checks the kept block.
            if self.ns.get("__mlpcourse_wire__"):
                self.ns["__mlpcourse_wire__"]["lift"]()
        self.calls += bool(shown)
        return shown

    def message(self, name: str, payload: str, wait: float) -> list[str]:
        """A call sent as a message: the reply of the handler ``wire.install`` registered."""
        self.replies.clear()
        self.handlers[wire.CALL_REQUEST](None, [], {"content": {"name": name, "payload": payload}})
        self.ns["__mlpcourse_wire__"]["lift"]()     # (as in send)
        self.messages += 1
        return [content["answer"] for msg_type, content in self.replies
                if msg_type == wire.CALL_REPLY]


SETUP = "import numpy as np\nfrom mlpkit import check\n"


def _notebook(*cells) -> nbformat.NotebookNode:
    """A source notebook: a setup cell, an answer cell defining ``f``, then graded ``cells``."""
    made = [new_code_cell(SETUP, metadata={"nbgrader": {"grade_id": "setup", "grade": False,
                                                        "solution": False}}),
            new_code_cell("def f(x):\n    return x\n", metadata={
                "nbgrader": {"grade_id": "f", "grade": False, "solution": True}})]
    for i, (source, extra) in enumerate(cells):
        made.append(new_code_cell(source, metadata={
            "nbgrader": {"grade_id": f"test_{i}", "grade": True, "solution": False,
                         "points": 1}, **extra}))
    return new_notebook(cells=made)


def _judge(answer: str, test: str, extra: dict | None = None):
    kernel = FakeKernel(SETUP + answer)
    ref = referee.Referee(_notebook((test, extra or {})), kernel.send, lambda: 60.0)
    if not ref.judges("test_0"):
        return None, kernel
    outputs = ref.judge("test_0")
    return outputs, kernel


def _failure(outputs) -> str | None:
    errors = [o for o in outputs if o.output_type == "error"]
    return errors[0].evalue if errors else None


SQUARE_TEST = ("x = np.array([1.0, -2.0])\nbefore = x.copy()\n"
               "check.close(f(x), [1.0, 4.0], name='f([1, -2])')\n"
               "check.unchanged(x, before, name='x', function='f')\ncheck.done('f')\n")


def test_a_right_answer_passes_and_the_kernel_saw_only_the_inputs():
    outputs, kernel = _judge("def f(x):\n    return x ** 2\n", SQUARE_TEST)
    assert _failure(outputs) is None
    assert "✓ f: all visible tests passed" in outputs[0].text
    assert kernel.calls == 1


def test_a_wrong_answer_fails_with_the_checks_message():
    outputs, _ = _judge("def f(x):\n    return 2 * x\n", SQUARE_TEST)
    assert "f([1, -2])" in _failure(outputs)


def test_a_change_in_place_in_the_kernel_is_seen_by_the_test():
    outputs, _ = _judge("def f(x):\n    x **= 2\n    return x\n", SQUARE_TEST)
    assert "modified its input `x` in place" in _failure(outputs)


def test_drawing_from_numpys_global_generator_is_seen_by_the_test():
    test = ("state = np.random.get_state()\nf(np.zeros(2))\n"
            "check.true(np.array_equal(np.random.get_state()[1], state[1]), 'used np.random')\n")
    outputs, _ = _judge("def f(x):\n    return x + np.random.random()\n", test)
    assert _failure(outputs) == "✗ used np.random"
    outputs, _ = _judge("def f(x):\n    return x + 1\n", test)
    assert _failure(outputs) is None


def test_the_generator_passed_in_advances_as_if_the_function_ran_here():
    test = ("rng, ref = np.random.default_rng(0), np.random.default_rng(0)\n"
            "check.close(f(rng), ref.permutation(5), name='the draws')\n"
            "check.true(rng.bit_generator.state == ref.bit_generator.state, 'rng did not advance')\n")
    outputs, _ = _judge("def f(rng):\n    return rng.permutation(5)\n", test)
    assert _failure(outputs) is None


def test_exceptions_keep_their_type_and_an_unsolved_stub_says_what_to_write():
    test = "check.raises(lambda: f(-1), ValueError, name='f(-1)')\ncheck.done('f')\n"
    outputs, _ = _judge("def f(x):\n    if x < 0:\n        raise ValueError('negative')\n", test)
    assert _failure(outputs) is None
    outputs, _ = _judge("def f(x):\n    raise NotImplementedError()\n", "f(1)\n")
    assert "f is not written yet" in _failure(outputs)


def test_a_library_call_the_test_forbids_is_refused_in_the_kernel_too():
    test = ("with check.forbidden(['mlpkit.functional.relu'], 'write relu yourself'):\n"
            "    f(np.array([-1.0, 2.0]))\n")
    outputs, _ = _judge("import mlpkit\ndef f(x):\n    return mlpkit.functional.relu(x)\n", test)
    assert "your code called mlpkit.functional.relu" in _failure(outputs)
    outputs, _ = _judge("def f(x):\n    return np.maximum(x, 0)\n", test)
    assert _failure(outputs) is None


def test_calls_without_callbacks_travel_as_messages_once_the_kernel_takes_them():
    kernel = FakeKernel(SETUP + "def f(x):\n    return x ** 2\n")
    ref = referee.Referee(_notebook((SQUARE_TEST, {}), ("check.close(f(lambda: 2), 0.0)\n", {})),
                          kernel.send, lambda: 60.0, kernel.message)
    assert _failure(ref.judge("test_0")) is None
    assert ref.fast and kernel.messages == 1 and kernel.calls == 1   # the call; install
    ref.judge("test_1")                           # a function passed in: through send
    assert kernel.messages == 1 and kernel.calls == 2
    wrong = FakeKernel(SETUP + "def f(x):\n    return 2 * x\n")
    ref = referee.Referee(_notebook((SQUARE_TEST, {})), wrong.send, lambda: 60.0, wrong.message)
    assert "is not right yet" in _failure(ref.judge("test_0")) and wrong.messages == 1


def test_the_kernel_keeps_a_forbidden_block_on_for_its_calls_and_lifts_it_after():
    # Entering check.forbidden scans every module, so the kernel keeps a block on from one
    # call to the next while the referee sends the same list; another list, or lift(),
    # switches it off, and everything is restored.
    import mlpkit

    relu = [[["mlpkit.functional.relu"], "write relu yourself", None]]
    x = np.array([-1.0, 2.0])
    wire._forbid(relu)
    stack = wire._FORBIDDING["stack"]
    with pytest.raises(check.CheckFailed, match="write relu yourself"):
        mlpkit.functional.relu(x)
    wire._forbid(relu)
    assert wire._FORBIDDING["stack"] is stack             # the same block, not entered again
    wire._forbid([])
    np.testing.assert_array_equal(mlpkit.functional.relu(x), [0.0, 2.0])
    wire._forbid(relu)
    assert check.ACTIVE_FORBIDDEN != []
    wire.lift()
    assert wire._FORBIDDING["stack"] is None and check.ACTIVE_FORBIDDEN == []
    np.testing.assert_array_equal(mlpkit.functional.relu(x), [0.0, 2.0])


def test_the_referee_lifts_the_kernels_block_once_the_cell_is_judged():
    test = ("with check.forbidden(['mlpkit.functional.relu'], 'write relu yourself'):\n"
            "    f(np.array([1.0]))\n    f(np.array([2.0]))\n")
    kernel = FakeKernel(SETUP + "def f(x):\n    return np.maximum(x, 0)\n")
    source = _notebook((test, {}), ("f(np.array([3.0]))\n", {}))
    ref = referee.Referee(source, kernel.send, lambda: 60.0)
    assert _failure(ref.judge("test_0")) is None
    assert kernel.sent[-1] == "__mlpcourse_wire__['lift']()"
    assert _failure(ref.judge("test_1")) is None
    assert "lift" not in kernel.sent[-1]                 # nothing was forbidden: no lift


def test_a_kernel_that_does_not_lift_its_block_fails_the_cell_instead_of_escaping_it():
    # A submission that makes the lift hang must not make the referee give up (the cell
    # would then be left to the kernel's own verdict): the cell fails.
    test = ("with check.forbidden(['mlpkit.functional.relu'], 'write relu yourself'):\n"
            "    check.close(f(np.array([-1.0])), [0.0], name='f([-1])')\n")
    kernel = FakeKernel(SETUP + "def f(x):\n    return np.maximum(x, 0)\n")

    def send(code, wait, on_input=None):
        if code == "__mlpcourse_wire__['lift']()":
            raise TimeoutError("the student's function did not return within 60 s")
        return kernel.send(code, wait, on_input)

    ref = referee.Referee(_notebook((test, {})), send, lambda: 60.0)
    failure = _failure(ref.judge("test_0"))
    assert failure is not None and "did not finish the test's calls" in failure

def test_an_answer_that_is_not_plain_data_fails_unless_the_cell_is_left_to_the_sandbox():
    outputs, _ = _judge("def f(x):\n    return object()\n", "f(1)\n")
    assert "returned a object" in _failure(outputs) and "plain values" in _failure(outputs)
    outputs, _ = _judge("def f(x):\n    return object()\n", "f(1)\n",
                        {"mlpcourse": {"referee": False}})
    assert outputs is None       # judged in the kernel, by the instructor's choice


def test_a_test_that_needs_the_function_itself_is_left_to_the_sandbox():
    for test in ("f.__code__\n", "check.true(f.__module__ == '__main__', 'where?')\n",
                 "f(object())\n", "f(np.array([object()]))\n"):
        with pytest.raises(referee.NotJudgeable):
            _judge("def f(x):\n    return x\n", test)


def test_a_function_the_test_passes_in_runs_in_the_grader():
    test = ("seen = []\n"
            "def phi(z):\n    seen.append(z.copy())\n    return 2 * z\n"
            "check.close(f(np.array([1.0, 3.0]), phi), [2.0, 6.0], name='f(x, phi)')\n"
            "check.close(f(np.array([0.5]), np.tanh), np.tanh([0.5]), name='f(x, np.tanh)')\n"
            "check.true(len(seen) == 1, 'phi ran here')\n"
            "check.raises(lambda: f(np.zeros(1), lambda z: 1 / 0), RuntimeError, name='failing phi')\n")
    outputs, kernel = _judge("def f(x, phi):\n    return phi(x)\n", test)
    assert _failure(outputs) is None, _failure(outputs)


def test_a_stream_the_test_passes_in_is_read_item_by_item():
    test = ("def chunks():\n    for i in range(3):\n        yield np.full(2, float(i))\n"
            "check.close(f(chunks()), 6.0, name='f(a generator)')\n"
            "check.close(f(zip([1.0], [2.0])), 3.0, name='f(zip)')\n")
    outputs, _ = _judge("def f(stream):\n    return float(sum(np.sum(c) for c in stream))\n", test)
    assert _failure(outputs) is None, _failure(outputs)


def test_a_missing_answer_is_a_name_error():
    outputs, _ = _judge("", SQUARE_TEST)
    assert _failure(outputs) == "name 'f' is not defined"


def test_the_answer_names_come_from_the_source_notebooks_answer_cells():
    cells = [new_code_cell("def g(x):\n    pass\nK = 3\na, (b, c) = 1, (2, 3)\n%matplotlib inline\n",
                           metadata={"nbgrader": {"solution": True}}),
             new_code_cell("def setup_helper():\n    pass\n", metadata={"nbgrader": {}})]
    assert referee.answer_names(cells) == ["g", "K", "a", "b", "c"]


def test_check_forbidden_is_visible_to_the_grader_while_it_is_open():
    assert check.ACTIVE_FORBIDDEN == []
    with check.forbidden(["mlpkit.functional.relu"], "why", hint="how"):
        assert check.ACTIVE_FORBIDDEN == [(["mlpkit.functional.relu"], "why", "how")]
    assert check.ACTIVE_FORBIDDEN == []


# --------------------------------------------------------------------------- the course's notebooks

def _defined(source: str) -> set[str]:
    """Top-level names a piece of cell source binds (assignments, defs, imports, loops)."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _used(source: str) -> set[str]:
    try:
        tree = ast.parse(referee._without_magics(source))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _needs_hidden(nb) -> list[str]:
    """Cells whose part run in the kernel uses a name bound only in an earlier hidden block."""
    found, bound_visibly, hidden_only = [], set(), {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        refereed_cell = meta.get("grade") and not meta.get("solution") and referee.refereed(cell)
        visible, hidden = split_hidden(cell.source)
        in_kernel = visible if refereed_cell else cell.source     # what the kernel runs
        missing = (_used(in_kernel) - _defined(in_kernel) - bound_visibly) & set(hidden_only)
        found += [f"{meta.get('grade_id')} uses {name}, bound only in the hidden block of "
                  f"{hidden_only[name]}" for name in sorted(missing)]
        bound_visibly |= _defined(in_kernel)
        if refereed_cell:
            lines = cell.source.split("\n")
            secret = "\n".join(lines[n - 1] for n in sorted(hidden))
            for name in _defined(secret) - bound_visibly:
                hidden_only[name] = meta.get("grade_id")
    return found


@pytest.mark.parametrize("unit", real_units())
def test_no_later_cell_needs_what_a_hidden_block_defines(unit):
    # The kernel runs a refereed test cell without its hidden block: a name bound only
    # there would be missing for the cells after it.
    nb = nbformat.read(REPO / "solutions" / unit / f"{unit}.ipynb", as_version=4)
    assert _needs_hidden(nb) == []


def test_a_name_bound_only_in_a_hidden_block_is_found():
    hidden = "f(1)\n### BEGIN HIDDEN TESTS\n_cases = [1, 2]\n### END HIDDEN TESTS\n"
    nb = _notebook((hidden, {}), ("for c in _cases:\n    f(c)\n", {}))
    assert _needs_hidden(nb) == ["test_1 uses _cases, bound only in the hidden block of test_0"]
    nb = _notebook((hidden, {}), ("_cases = [3]\nfor c in _cases:\n    f(c)\n", {}))
    assert _needs_hidden(nb) == []
