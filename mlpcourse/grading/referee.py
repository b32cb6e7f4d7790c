"""Verdicts decided outside the student's process: graded cells run on the host.

Anything inside the grading kernel is the submission's to change: it can
replace ``mlpkit.check``'s comparisons, the reference functions the tests
compare with, or the code of the next cell. So the grader does not take a
graded cell's verdict from the kernel. The kernel runs the cell as released,
its hidden block taken out (so the student's later cells see what the visible
part defined, and the hidden tests' code never enters the sandbox); then the
``Referee`` runs the whole cell, taken from the instructor's source notebook
(hidden tests included), here on the host, in a namespace of its own:

- the notebook's setup cells (the locked code cells that are neither answers
  nor tests) run here first, from the source notebook;
- every name an answer cell of the source defines (``def sigmoid``) is a
  ``StudentFunction``: calling it sends the arguments, as plain data
  (``mlpcourse.grading.wire``), into the kernel, where the student's function
  runs, and brings back its result (or its exception), the arguments as it
  left them (so a change in place is seen) and whether it drew from NumPy's
  global generator. A function the test passes in (``phi=np.tanh``, a loss
  for a gradient check) stays here: the kernel gets a stand-in that asks the
  grader to run it. Functions the test has switched off with
  ``mlpkit.check.forbidden`` are switched off for the call too;
- expected values, tolerances and comparisons never enter the sandbox: the
  kernel sees only the inputs of each call.

The cell's outputs are then the host's: its ✓ lines, or the error that failed
it, which nbgrader scores as it would have scored the kernel's. A cell that
needs more than plain data (a model object, reading a function's code) cannot
be refereed this way: ``judge`` raises ``NotJudgeable``, the kernel runs the
whole cell, hidden tests included, and its verdict stands (recorded as an
event ``sandbox_verdict``). A hidden block must therefore define nothing that
a later cell uses: the kernel never runs it.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import io
import json

import numpy as np
from nbformat.v4 import new_output

from . import wire

#: Arguments or results larger than this (as JSON text) are not sent: the cell is
#: left to the sandbox.
MAX_PAYLOAD = 16 * 2 ** 20
#: Where a source cell says it is left to the sandbox: ``metadata["mlpcourse"]["referee"]``.
REFEREE_KEY = ("mlpcourse", "referee")


class NotJudgeable(Exception):  # noqa: N818 - a reason, not an error of the grader
    """The cell needs something that cannot cross the sandbox's wall."""


class StudentError(Exception):
    """An exception of a type that exists only in the kernel, re-raised on the host."""


class StudentFunction:
    """Stands, on the host, for a function of the student's; calling it calls theirs."""

    def __init__(self, name: str, referee: Referee):
        self.__name__ = self.__qualname__ = name
        self._referee = referee

    def __call__(self, *args, **kwargs):
        return self._referee.call(self.__name__, args, kwargs)

    def __getattr__(self, attribute):
        # the test reads something of the function itself (its code, its module):
        # only the kernel has it
        raise NotJudgeable(f"the test reads {self.__name__}.{attribute}")

    @property
    def __module__(self):
        raise NotJudgeable(f"the test reads {self.__dict__.get('__name__', '?')}.__module__")

    def __repr__(self) -> str:
        return f"<function {self.__name__} (the student's)>"


def answer_names(cells) -> list[str]:
    """The names the answer (solution) cells define at top level: functions, classes, variables."""
    names: dict[str, None] = {}
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("solution"):
            continue
        try:
            tree = ast.parse(_without_magics(cell.get("source", "")))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names[node.name] = None
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for leaf in ast.walk(target):
                        if isinstance(leaf, ast.Name):
                            names[leaf.id] = None
    return list(names)


def _without_magics(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def _is_setup(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and not meta.get("solution") and not meta.get("grade")


def _raise_from_kernel(name: str, ename: str, message: str):
    from mlpkit.check import CheckFailed

    if ename == "NotImplementedError" and not message:
        message = (f"{name} is not written yet: replace `raise NotImplementedError()` in its "
                   "cell with your code")
    if ename == "CheckFailed":
        raise CheckFailed(message)
    kind = getattr(builtins, ename, None)
    if isinstance(kind, type) and issubclass(kind, Exception) and kind is not NotJudgeable:
        try:
            error = kind(message)
        except Exception:  # noqa: BLE001 - an exception type with another signature
            error = StudentError(f"{ename}: {message}")
        raise error
    raise StudentError(f"{ename}: {message}" if message else ename)


class Referee:
    """Runs one notebook's graded cells on the host (see the module docstring).

    ``send(code, wait, on_input=None)`` runs ``code`` in the student's kernel
    and returns the payloads of the ``wire.MIME`` outputs it displayed (raising
    ``TimeoutError`` after ``wait`` seconds), answering each ``input()`` the
    code asks with ``on_input(prompt)`` (how a function the test passes in, a
    callback, runs here); ``left()`` is the time the notebook has left.
    ``message(name, payload, wait)``, if given, sends a call without callbacks
    as a message of its own (``wire.install``) and returns its answers as
    ``send`` does; calls with callbacks always go through ``send``.
    """

    def __init__(self, source_nb, send, left, message=None):
        self.cells = list(source_nb.cells)
        self.send, self.left, self.message = send, left, message
        self.fast = False          # the kernel takes calls as messages (``message``)
        self.by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): i
                      for i, c in enumerate(self.cells)
                      if c.metadata.get("nbgrader", {}).get("grade")
                      and not c.metadata.get("nbgrader", {}).get("solution") and refereed(c)}
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        for name in answer_names(self.cells):
            self.namespace[name] = StudentFunction(name, self)
        self.next_setup = 0        # the source cells up to here have been considered
        self.installed = False     # the kernel's side of the wire
        self.forbidding = False    # a call left check.forbidden blocks on in the kernel

    def judges(self, grade_id) -> bool:
        return grade_id in self.by_id

    # ------------------------------------------------------------ a cell

    def judge(self, grade_id: str):
        """The outputs of the graded cell ``grade_id`` as run here; None when it cannot be."""
        index = self.by_id[grade_id]
        self._setup_until(index)
        source = _without_magics(self.cells[index].source)
        printed = io.StringIO()
        failure = None
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                exec(compile(source, f"<grade cell {grade_id}>", "exec"), self.namespace)  # noqa: S102
        except NotJudgeable:
            raise
        except BaseException as exc:  # noqa: BLE001 - the test failed: that is the verdict
            if isinstance(exc, KeyboardInterrupt):
                raise
            failure = exc
        finally:
            _close_figures()
            unlifted = self._lift()
        if failure is None and unlifted is not None:
            failure = StudentError(f"the kernel did not finish the test's calls: {unlifted}")
        outputs = []
        if printed.getvalue():
            outputs.append(new_output("stream", name="stdout", text=printed.getvalue()))
        if failure is not None:
            ename, evalue = type(failure).__name__, str(failure)
            outputs.append(new_output("error", ename=ename, evalue=evalue,
                                      traceback=[f"{ename}: {evalue}" if ename != "CheckFailed"
                                                 else evalue]))
        return outputs

    def _lift(self) -> Exception | None:
        """Switch off the ``check.forbidden`` blocks the cell's calls left on in the kernel.

        Returns the error if the kernel did not (it hung, or the submission broke the
        wire): the cell then fails. Raising it would leave the cell to the kernel's own
        verdict, which a submission could choose that way.
        """
        if not self.forbidding:
            return None
        self.forbidding = False
        try:
            self.send("__mlpcourse_wire__['lift']()", max(1.0, min(30.0, self.left())))
        except Exception as exc:  # noqa: BLE001 - reported as the cell's failure
            return exc
        return None

    def _setup_until(self, index: int) -> None:
        """Run the source's setup cells above ``index`` that have not run yet."""
        for i in range(self.next_setup, index):
            cell = self.cells[i]
            if _is_setup(cell):
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(_without_magics(cell.source), f"<setup cell {i + 1}>", "exec"),  # noqa: S102
                         self.namespace)
        self.next_setup = max(self.next_setup, index + 1)

    # ------------------------------------------------------------ a call

    def call(self, name: str, args: tuple, kwargs: dict):
        """Call the student's ``name`` in the kernel; its result, as if it ran here."""
        from mlpkit import check

        callbacks: list = []
        request = {"args": wire.encode(list(args), callbacks=callbacks),
                   "kwargs": wire.encode(kwargs, callbacks=callbacks),
                   "forbidden": [[list(t), w, h] for t, w, h in check.ACTIVE_FORBIDDEN]}
        sent = [wire.decode(request[k], call_back=lambda i: None) for k in ("args", "kwargs")]
        if wire.has_opaque(sent):
            raise NotJudgeable(f"{name} is given a value that cannot enter the sandbox")
        payload = json.dumps(request, allow_nan=True)
        if len(payload) > MAX_PAYLOAD:
            raise NotJudgeable(f"the arguments of {name} are too large to send")
        self._install()
        self.forbidding = self.forbidding or bool(request["forbidden"])
        if self.fast and not callbacks:
            answers = self.message(name, payload, max(1.0, self.left()))
        else:
            code = (f"__mlpcourse_wire__['serve']({name!r}, {payload!r}, get_ipython().user_ns, "
                    "__import__('IPython.display', fromlist=['display']).display)")
            answers = self.send(code, max(1.0, self.left()),
                                lambda prompt: wire.answer_callback(prompt, callbacks))
        if not answers:
            raise StudentError(f"{name} gave no answer (the kernel did not report one back: was "
                               "IPython's display replaced, or did the kernel stop?)")
        answer = json.loads(answers[-1])
        returned_args, returned_kwargs = wire.decode(answer.get("args", [[], {}]))
        for original, returned in zip((*args, *kwargs.values()),
                                      (*returned_args, *(returned_kwargs or {}).values())):
            wire.write_back(original, returned)
        if answer.get("global_rng"):
            np.random.random()     # the call drew from NumPy's global generator: so does this side
        if "raise" in answer:
            ename, message = answer["raise"]
            _raise_from_kernel(name, str(ename), str(message))
        result = wire.decode(answer.get("ok"))
        if wire.has_opaque(result):
            # a cell that expects objects is marked to be left to the sandbox (REFEREE_KEY);
            # here the answer must be plain data, or a submission could hide from the referee
            raise StudentError(
                f"{name} returned {_opaque_kinds(result)}: the grader checks plain values "
                "(numbers, NumPy arrays, lists, tuples, dicts of them); return those")
        return result

    def _install(self) -> None:
        if self.installed:
            return
        source = inspect.getsource(wire)
        code = f"__mlpcourse_wire__ = {{'__name__': 'mlpcourse_wire'}}\nexec({source!r}, __mlpcourse_wire__)"
        self.send(code, max(1.0, min(30.0, self.left())))
        self.installed = True
        if self.message is not None:   # calls as messages of their own (wire.install)
            code = ("__mlpcourse_wire__['install'](get_ipython().kernel, get_ipython().user_ns, "
                    "__import__('IPython.display', fromlist=['display']).display)")
            shown = self.send(code, max(1.0, min(30.0, self.left())))
            self.fast = any(json.loads(text).get("installed") is True for text in shown)


def _opaque_kinds(value) -> str:
    found = []

    def walk(v):
        if isinstance(v, wire.Opaque):
            found.append(v.kind)
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)
    walk(value)
    return "a " + " and a ".join(dict.fromkeys(found)) if found else "a value it cannot read"


def refereed(cell) -> bool:
    """Is this graded cell of the source notebook judged on the host? (the default)

    An instructor leaves a cell to the sandbox with
    ``"mlpcourse": {"referee": false}`` in the cell's metadata, for tests whose
    answers are objects (a trained model) rather than plain data.
    """
    settings = cell.get("metadata", {}).get(REFEREE_KEY[0], {})
    return not (isinstance(settings, dict) and settings.get(REFEREE_KEY[1]) is False)


def _close_figures() -> None:
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
