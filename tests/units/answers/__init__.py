"""Answer fixtures for the exercise notebooks: one module ``unitNN.py`` per unit.

``tests/units/test_exercises.py`` imports every module here (``harness.answer_modules``)
and runs the generic exercise tests on its unit; a unit in ``solutions/`` with no
module here fails ``test_every_unit_has_answer_fixtures``. A module defines:

``UNIT``
    the unit's folder name, e.g. ``"01_neuron"`` (``solutions/01_neuron/01_neuron.ipynb``,
    ``lectures/01_neuron.ipynb``).
``CELLS_USING``
    ``{function: {grade_id, ...}}``: for every function the answer cells define,
    the graded test cells that call it (directly or, in the solution, through
    another answer). A wrong answer may fail these cells and no others.
``POINTS``
    ``{grade_id: points}`` for every graded test cell; they add up to 10.
``ALTERNATIVES``
    ``{name: {function: source}}``: correct answers written differently from
    the solution; each must earn full marks.
``WRONG_ANSWERS``
    a list of ``harness.WrongAnswer``: every answer cell has some, every test
    cell catches some (except ``PROPERTY_CELLS``), each with the phrase of its
    teaching hint. The module docstring lists them by exercise.
``PROPERTY_CELLS`` (optional, default empty)
    graded cells that guard hidden behaviour (shapes, invariants) and have no
    wrong answer with a hint of their own; ``tests/units/test_unitNN_exercises.py``
    must show that each catches a mistake.

Sources are complete cells, as they would stand in a student's notebook;
``harness.function_source(signature, *body)`` writes one.
"""
