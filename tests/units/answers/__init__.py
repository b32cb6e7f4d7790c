"""Answer fixtures for the exercise notebooks: one data file ``unitNN.toml`` per unit.

``tests/units/test_exercises.py`` loads every unit here (``harness.answer_modules``) and
runs the generic exercise tests on it; a unit in ``solutions/`` with no fixtures here fails
``test_every_unit_has_answer_fixtures``. The fixtures are data: edit ``unitNN.toml``.
Its module ``unitNN.py`` is two lines that read it with :func:`load` (and, for unit 01,
the helpers its own tests use to write answers), so that tests can import the names below.

A ``unitNN.toml`` file holds, in this order:

the header comment
    what the unit's exercises are, and the wrong answers listed by exercise (every
    ``id`` below must appear there): it is the module's docstring.
``unit``
    the unit's folder name, e.g. ``"01_neuron"`` (``solutions/01_neuron/01_neuron.ipynb``,
    ``lectures/01_neuron.ipynb``). Python: ``UNIT``.
``property_cells`` (optional, default empty)
    graded cells that guard hidden behaviour (shapes, invariants) and have no
    wrong answer with a hint of their own; ``tests/units/test_unitNN_exercises.py``
    must show that each catches a mistake. Python: ``PROPERTY_CELLS``, a set.
``[cells_using]``
    ``function = [grade_id, ...]``: for every function the answer cells define,
    the graded test cells that call it (directly or, in the solution, through
    another answer). A wrong answer may fail these cells and no others.
    Python: ``CELLS_USING``, ``{function: {grade_id, ...}}``.
``[points]``
    ``grade_id = points`` for every graded test cell; they add up to 10. Python: ``POINTS``.
``[alternatives.NAME]``
    ``function = '''source'''`` for each answer it replaces: a correct answer written
    differently from the solution, which must earn full marks. Python: ``ALTERNATIVES``,
    ``{name: {function: source}}``.
``[[wrong]]``
    one common wrong answer: ``id`` (short, in the pytest id ``<unit>-<id>``),
    ``function`` (the answer cell it replaces), ``cell`` (the graded cell that must fail),
    ``keyword`` (a phrase its failure message must contain: the teaching hint) and
    ``source``. Every answer cell has some, every test cell catches some (except the
    property cells). Python: ``WRONG_ANSWERS``, a list of ``harness.WrongAnswer``.

Every ``source`` is a complete cell, as it would stand in a student's notebook (its
imports included), written as a multi-line literal string: TOML drops the newline
right after the opening ``'''`` and keeps every other character as it is, backslashes
included::

    [[wrong]]
    id = "bias_left_out"
    function = "predict"
    cell = "test_predict"
    keyword = "bias b was left out"
    source = '''
    def predict(x, w, b):
        return x @ w
    '''
"""
from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib
from pathlib import Path
from typing import NamedTuple

from harness import WrongAnswer

HERE = Path(__file__).resolve().parent
KEYS = {"unit", "property_cells", "cells_using", "points", "alternatives", "wrong"}


class Fixtures(NamedTuple):
    """One unit's answer fixtures, as its module ``answers.unitNN`` exposes them."""

    UNIT: str
    CELLS_USING: dict[str, set[str]]
    POINTS: dict[str, int]
    PROPERTY_CELLS: set[str]
    ALTERNATIVES: dict[str, dict[str, str]]
    WRONG_ANSWERS: list[WrongAnswer]
    doc: str                                 # the file's header comment


def load(module_name: str) -> Fixtures:
    """The fixtures in ``unitNN.toml`` for the module ``answers.unitNN`` (``module_name``)."""
    path = HERE / f"{module_name.rpartition('.')[2]}.toml"
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    if set(data) - KEYS:
        raise ValueError(f"{path.name}: unknown keys {sorted(set(data) - KEYS)}; "
                         f"the keys are {sorted(KEYS)} (see {__file__})")
    wrong = []
    for entry in data["wrong"]:
        try:
            wrong.append(WrongAnswer(**entry))
        except TypeError as exc:   # a key missing, misspelt or extra
            raise ValueError(f"{path.name}: [[wrong]] {entry.get('id', '?')!r}: {exc}") from None
    return Fixtures(
        UNIT=data["unit"],
        CELLS_USING={function: set(cells) for function, cells in data["cells_using"].items()},
        POINTS=data["points"],
        PROPERTY_CELLS=set(data.get("property_cells", [])),
        ALTERNATIVES=data["alternatives"],
        WRONG_ANSWERS=wrong,
        doc=_header(text),
    )


def _header(text: str) -> str:
    """The comment lines that open a TOML file, without their ``#``."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(lines) + "\n"
