# Unit 08's answer fixtures: the data is unit08.toml, beside this file (format: __init__.py).
from . import load

UNIT, CELLS_USING, POINTS, PROPERTY_CELLS, ALTERNATIVES, WRONG_ANSWERS, __doc__ = load(__name__)
