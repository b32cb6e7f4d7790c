# Unit 01's answer fixtures: the data is unit01.toml, beside this file (format: __init__.py).
# Below, the two helpers test_unit01_exercises.py uses to write its own answers.
from harness import function_source

from . import load

UNIT, CELLS_USING, POINTS, PROPERTY_CELLS, ALTERNATIVES, WRONG_ANSWERS, __doc__ = load(__name__)


def gate_source(and_, or_, nand) -> str:
    """A ``gate`` answer cell returning the given ``(w, b)`` for AND, OR and NAND."""
    return function_source("gate(name)",
                           f"params = {{'AND': {and_!r}, 'OR': {or_!r}, 'NAND': {nand!r}}}",
                           "return params[name]")


def xor_source(W1, b1, w2, b2) -> str:
    """An ``xor_network`` answer cell returning the given numbers as arrays (b2 a number)."""
    return function_source("xor_network()",
                           f"return np.array({W1!r}), np.array({b1!r}), np.array({w2!r}), {b2!r}")
