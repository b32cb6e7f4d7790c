"""Plain data across the sandbox's wall: what a student's function is given and returns.

The referee (``mlpcourse.grading.referee``) runs a graded cell's tests on the
host and calls the student's functions inside the sandboxed kernel. Values
cross as JSON made only of plain data, never pickles (unpickling what a
submission sends would run its code on the host):

- ``None``, booleans, integers, floats (NaN and infinities included), strings;
- NumPy arrays of numbers or booleans and NumPy scalars, as ``.npy`` bytes read
  back with ``allow_pickle=False``;
- tuples, lists and dicts with string keys, of the above; sets of numbers and strings;
- a ``numpy.random.Generator``, as its bit generator's state (so a function
  that draws from it advances the caller's generator, as it would in one process).

Anything else (a model object, a function) does not cross: the encoder marks it
``opaque`` and the referee leaves that cell to the sandbox. The same source runs
on both sides: the kernel gets this module's text (``KERNEL_SIDE``), which
needs nothing but NumPy.
"""
from __future__ import annotations

import base64
import collections.abc
import functools
import io
import json
import types

import numpy as np

#: The MIME type of the kernel's answer to a call.
MIME = "application/vnd.mlpcourse.call+json"
MAX_DEPTH = 16
#: How the kernel asks the grader to run one of the test's functions (through ``input()``).
CALLBACK_PROMPT = "mlpcourse-callback:"
#: What may be passed to a student's function as a callback: plain functions, not objects.
CALLBACK_TYPES = (types.FunctionType, types.BuiltinFunctionType, np.ufunc, functools.partial)


class Opaque:
    """A value that could not cross (its type's name is kept, for the message)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return f"<{self.kind} that cannot leave the sandbox>"


def _array(a: np.ndarray) -> dict:
    buffer = io.BytesIO()
    np.save(buffer, a, allow_pickle=False)
    return {"nd": base64.b64encode(buffer.getvalue()).decode("ascii")}


def encode(value, depth: int = 0, callbacks: list | None = None):
    """``value`` as JSON-ready plain data (see the module docstring).

    With a ``callbacks`` list, a function is kept there and sent as its index:
    the kernel gets a stand-in that asks the grader to run it (``serve``).
    """
    if depth > MAX_DEPTH:
        return {"opaque": "deeply nested value"}
    if callbacks is not None and isinstance(value, CALLBACK_TYPES):
        callbacks.append(value)
        return {"callback": len(callbacks) - 1}
    if callbacks is not None and isinstance(value, collections.abc.Iterator) \
            and not isinstance(value, np.ndarray):
        callbacks.append(value)          # a stream (a generator, zip(...)): read item by item
        return {"iterator": len(callbacks) - 1}
    if callbacks is not None:
        return _encode(value, depth, functools.partial(encode, callbacks=callbacks))
    return _encode(value, depth, encode)


def _encode(value, depth: int, inner):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            return {"opaque": f"array of {value.dtype}"}
        return _array(value)
    if isinstance(value, np.generic):
        if np.asarray(value).dtype.kind not in "biufc":
            return {"opaque": type(value).__name__}
        return {**_array(np.asarray(value)), "scalar": True}
    if isinstance(value, np.random.Generator):
        return {"rng": value.bit_generator.state}
    if isinstance(value, tuple):
        return {"tuple": [inner(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [inner(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [inner(v, depth + 1) for v in value]
        if any(isinstance(i, (dict, list)) for i in items):   # only numbers and strings
            return {"opaque": "set of unhashable values"}
        return {"set": items, "frozen": isinstance(value, frozenset)}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": [[k, inner(v, depth + 1)] for k, v in value.items()]}
    return {"opaque": type(value).__name__}


def decode(data, depth: int = 0, call_back=None):
    """The value ``encode`` made ``data`` from (``Opaque`` for what could not cross).

    ``call_back(index)`` makes the stand-in of a callback (the kernel's side
    only); without it a callback is ``Opaque``.
    """
    if depth > MAX_DEPTH:
        raise ValueError("nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if call_back is not None:
        inner = functools.partial(decode, call_back=call_back)
    else:
        inner = decode
    if isinstance(data, list):
        return [inner(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        raise ValueError(f"not plain data: {type(data).__name__}")
    if "nd" in data:
        a = np.load(io.BytesIO(base64.b64decode(data["nd"])), allow_pickle=False)
        return a[()] if data.get("scalar") else a
    if "rng" in data:
        state = data["rng"]
        generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
        generator.bit_generator.state = state
        return generator
    if "tuple" in data:
        return tuple(inner(v, depth + 1) for v in data["tuple"])
    if "dict" in data:
        return {str(k): inner(v, depth + 1) for k, v in data["dict"]}
    if "set" in data:
        items = [inner(v, depth + 1) for v in data["set"]]
        if not all(isinstance(i, (bool, int, float, str)) for i in items):
            raise ValueError("a set of values that are not numbers or strings")
        return frozenset(items) if data.get("frozen") else set(items)
    if "callback" in data:
        if call_back is None:
            return Opaque("function")
        return call_back(int(data["callback"]))
    if "iterator" in data:
        if call_back is None:
            return Opaque("iterator")
        return _RemoteIterator(int(data["iterator"]))
    if "opaque" in data:
        return Opaque(str(data["opaque"])[:80])
    raise ValueError(f"not plain data: keys {sorted(data)[:5]}")


def has_opaque(value, depth: int = 0) -> bool:
    """Does the decoded ``value`` hold something that could not cross?"""
    if isinstance(value, Opaque) or depth > MAX_DEPTH:
        return True
    if isinstance(value, (list, tuple)):
        return any(has_opaque(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(has_opaque(v, depth + 1) for v in value.values())
    return False


_MUTABLE = (np.ndarray, list, dict, np.random.Generator)


def write_back(original, returned) -> None:
    """Give the caller's arguments what the function did to them in the kernel (in place)."""
    if isinstance(original, np.ndarray) and isinstance(returned, np.ndarray):
        if original.shape == returned.shape and original.flags.writeable:
            original[...] = returned
    elif isinstance(original, np.random.Generator) and isinstance(returned, np.random.Generator):
        original.bit_generator.state = returned.bit_generator.state
    elif isinstance(original, list) and isinstance(returned, list):
        if len(original) != len(returned):
            original[:] = returned
            return
        for i, (o, r) in enumerate(zip(original, returned)):
            if isinstance(o, _MUTABLE):
                write_back(o, r)
            else:
                original[i] = r
    elif isinstance(original, tuple) and isinstance(returned, tuple):
        for o, r in zip(original, returned):
            write_back(o, r)
    elif isinstance(original, dict) and isinstance(returned, dict):
        for key, r in returned.items():
            if key in original and isinstance(original[key], _MUTABLE):
                write_back(original[key], r)
            else:
                original[key] = r


# ------------------------------------------------------------------ the kernel's side

def serve(name: str, payload: str, namespace: dict, display) -> None:
    """Call ``namespace[name]`` with the arguments in ``payload`` and display the answer.

    Runs inside the sandboxed kernel, as code the referee executes (the path for
    calls whose arguments include the test's own functions: they call back
    through ``input()``, which IPython forwards only while it executes code).
    """
    display({MIME: answer(name, payload, namespace)}, raw=True)


def answer(name: str, payload: str, namespace: dict) -> str:
    """The answer to one call, as JSON text: the result or the exception's type and
    message, the arguments as the call left them, and whether the call drew from
    NumPy's global random generator."""
    request = json.loads(payload)
    args = decode(request["args"], call_back=_callback)
    kwargs = decode(request["kwargs"], call_back=_callback)
    forbidden = request.get("forbidden") or []
    before = np.random.get_state()
    reply: dict = {}
    try:
        function = namespace[name]
    except KeyError:
        reply["raise"] = ["NameError", f"name '{name}' is not defined"]
    else:
        try:
            _forbid(forbidden)
            result = function(*args, **kwargs)
            reply["ok"] = encode(result)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the referee
            reply["raise"] = [type(exc).__name__, str(exc)[:4000]]
    after = np.random.get_state()
    reply["global_rng"] = not (before[0] == after[0] and np.array_equal(before[1], after[1])
                               and before[2:] == after[2:])
    reply["args"] = encode([list(args), kwargs])
    return json.dumps(reply, allow_nan=True)


#: The kernel message a call without callbacks travels in, and its reply (``install``).
CALL_REQUEST, CALL_REPLY = "mlpcourse_call_request", "mlpcourse_call_reply"


def install(kernel, namespace: dict, display) -> None:
    """Let the kernel take calls as messages of their own (``CALL_REQUEST``), answered on
    the shell channel (``CALL_REPLY``): a few milliseconds less per call than code for
    IPython to run, which counts when a hidden test calls a function thousands of times.
    Displays ``{"installed": true}`` when the kernel took the handler."""
    def handle(stream, ident, parent):
        content = parent.get("content", {})
        text = answer(str(content.get("name")), str(content.get("payload")), namespace)
        kernel.session.send(stream, CALL_REPLY, {"answer": text}, parent, ident=ident)

    kernel.shell_handlers[CALL_REQUEST] = handle
    display({MIME: json.dumps({"installed": True})}, raw=True)


def _callback(index: int):
    """The kernel's stand-in for the test's function number ``index``: runs it in the grader."""
    def call(*args, **kwargs):
        request = json.dumps({"k": index, "args": encode(list(args)), "kwargs": encode(kwargs)},
                             allow_nan=True)
        reply = json.loads(input(CALLBACK_PROMPT + request))
        if "raise" in reply:
            raise RuntimeError(f"the test's function raised {reply['raise'][0]}: "
                               f"{reply['raise'][1]}")
        return decode(reply.get("ok"))
    return call


class _RemoteIterator:
    """The kernel's stand-in for an iterator of the test's: each item is asked for in turn."""

    def __init__(self, index: int):
        self.index = index

    def __iter__(self):
        return self

    def __next__(self):
        reply = json.loads(input(CALLBACK_PROMPT + json.dumps({"k": self.index, "next": True})))
        if reply.get("stop"):
            raise StopIteration
        if "raise" in reply:
            raise RuntimeError(f"the test's iterator raised {reply['raise'][0]}: "
                               f"{reply['raise'][1]}")
        return decode(reply.get("ok"))


def answer_callback(prompt: str, callbacks: list) -> str:
    """The grader's side: run the callback the kernel asked for; the reply ``input()`` gets."""
    if not prompt.startswith(CALLBACK_PROMPT):
        return ""                        # the student's own input(): an empty answer
    try:
        request = json.loads(prompt[len(CALLBACK_PROMPT):])
        function = callbacks[int(request["k"])]
        if request.get("next"):
            try:
                return json.dumps({"ok": encode(next(function))}, allow_nan=True)
            except StopIteration:
                return json.dumps({"stop": True})
        args, kwargs = decode(request["args"]), decode(request["kwargs"])
        if has_opaque(args) or has_opaque(kwargs):
            raise TypeError("the student's function passed it a value that cannot cross")
        result = function(*args, **kwargs)
        return json.dumps({"ok": encode(result)}, allow_nan=True)
    except Exception as exc:  # noqa: BLE001 - reported to the kernel, where it is raised
        return json.dumps({"raise": [type(exc).__name__, str(exc)[:2000]]})


#: The kernel's ``check.forbidden`` blocks of the test block being judged: ``{"key", "stack"}``.
_FORBIDDING: dict = {"key": None, "stack": None}


def _forbid(forbidden) -> None:
    """Switch on ``mlpkit.check.forbidden`` for what the referee's test has switched off.

    Entering a block scans every module's namespace (milliseconds), and one test
    block calls the student's functions many times: so the block stays on from
    one call to the next while the referee sends the same list, and is lifted
    when the list changes or the referee says the cell is done (``lift``). No
    student code runs in between: the kernel only serves the referee's calls.
    """
    import contextlib

    key = json.dumps(forbidden)
    if key == _FORBIDDING["key"]:
        return
    lift()
    if not forbidden:
        return
    from mlpkit import check

    stack = contextlib.ExitStack()
    try:
        for targets, why, hint in forbidden:
            stack.enter_context(check.forbidden(targets, why, hint=hint))
    except BaseException:
        stack.close()
        raise
    _FORBIDDING.update(key=key, stack=stack)


def lift() -> None:
    """Switch off the ``check.forbidden`` blocks ``_forbid`` left on (before the notebook goes on)."""
    stack = _FORBIDDING["stack"]
    _FORBIDDING.update(key=None, stack=None)
    if stack is not None:
        stack.close()
