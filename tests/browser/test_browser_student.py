"""A student works on unit 01's exercise in JupyterLab, as the README tells them to.

Opens the student notebook (exercises/01_neuron/01_neuron.ipynb, as released
by `mlpcourse release`), runs the setup cell, types an answer over
``raise NotImplementedError()`` in the first solution cell, runs it and the
visible test cell below it with Shift+Enter, and reads what the student
reads: the green ✓ line for a right answer, the ✗ message with its hint for
a typical wrong one (the bias left out).
"""
from __future__ import annotations

import pytest

from browser_support import (STDERR_MIME, STDOUT_MIME, cell_index, cell_source, execution_count,
                             notebook, open_notebook, output_text, screenshot, shift_enter_in,
                             type_into_cell, wait_executed, wait_output)

pytestmark = pytest.mark.browser

SOLUTION_ID = "neuron_output"                     # nbgrader grade_id of the answer cell
TEST_ID = "test_neuron_output"                    # ... and of the visible test right below it
STUB = "raise NotImplementedError()"
RIGHT = "z = x @ w + b                  # (B, D) @ (D,) -> (B,)\n    return phi(z)"
WRONG = "return phi(x @ w)              # forgot the bias"
PASS_LINE = "✓ neuron_output: all visible tests passed"
TEACHING = "the bias b was left out"               # the hint for exactly this mistake


def _answer_and_test(page, path, cells, solution, test, released, body):
    """Type the released answer cell with ``body`` where the stub was, then press Shift+Enter
    twice: the answer cell runs, then the test cell below it."""
    typed = released.replace(STUB, body)
    type_into_cell(page, cells.nth(solution), typed)
    assert cell_source(page, path, solution) == typed, "typing into the answer cell went wrong"
    before = execution_count(page, path, test)
    page.keyboard.press("Shift+Enter")             # runs the answer cell, moves to the test cell
    page.keyboard.press("Shift+Enter")             # runs the test cell
    wait_executed(page, path, test, before)
    return cells.nth(test)


def _show_end(cell):
    """Scroll so that the end of the cell's output, where the message is, is on screen."""
    cell.locator(".jp-OutputArea").last.evaluate("e => e.scrollIntoView({block: 'end'})")


def test_student_answers_an_exercise_and_reads_the_feedback(page, lab, exercise_01):
    path = exercise_01
    open_notebook(page, lab, path, workspace="student")
    cells = notebook(page).locator(".jp-Cell")

    setup = cell_index(page, path, grade_id="setup")
    solution = cell_index(page, path, grade_id=SOLUTION_ID)
    test = cell_index(page, path, grade_id=TEST_ID)
    assert setup < solution < test, "the setup, answer and test cells are out of order"
    released = cell_source(page, path, solution)
    assert STUB in released and "YOUR CODE HERE" in released, (
        f"the released answer cell should hold the stub `{STUB}`:\n{released}")

    # 1. the setup cell, as the notebook's instructions say
    shift_enter_in(page, cells.nth(setup))
    wait_executed(page, path, setup, None)

    # 2. a right answer: the visible test prints the ✓ line, and nothing goes wrong
    test_cell = _answer_and_test(page, path, cells, solution, test, released, RIGHT)
    assert STUB not in cell_source(page, path, solution)
    wait_output(test_cell, STDOUT_MIME, PASS_LINE)
    assert not output_text(test_cell, STDERR_MIME).strip(), "a right answer must not show an error"
    _show_end(test_cell)
    screenshot(page, "student-1-right-answer-passes")

    # 3. a typical wrong answer: the ✗ message names the mistake and helps
    test_cell = _answer_and_test(page, path, cells, solution, test, released, WRONG)
    feedback = wait_output(test_cell, STDERR_MIME, TEACHING)
    assert "✗" in feedback and "hint" in feedback, (
        f"expected the teaching message ({TEACHING!r}) after a wrong answer, the test cell shows:\n"
        f"{test_cell.inner_text()}")
    assert "expected" in feedback and "5.5" in feedback, "the message shows the expected value"
    assert PASS_LINE not in output_text(test_cell, STDOUT_MIME), "the old ✓ line must be gone"
    _show_end(test_cell)
    screenshot(page, "student-2-wrong-answer-teaches")

    assert not page.context.recorder.external, (
        f"JupyterLab requested something from the network: {page.context.recorder.external}")
