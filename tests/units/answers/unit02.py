# Unit 02's answer fixtures: the data is unit02.toml, beside this file (format: __init__.py).
from . import load

UNIT, CELLS_USING, POINTS, PROPERTY_CELLS, ALTERNATIVES, WRONG_ANSWERS, __doc__ = load(__name__)

# Exercise 4's signature, for the wrong answers of test_unit02_exercises.py
_GAP = "optimality_gap(x, y, w, b)"
