"""nbgrader, run in-process for ``mlpcourse release`` and ``mlpcourse grade``.

Loads the course's ``nbgrader_config.py`` and runs nbgrader's converters
(GenerateAssignment, Autograde, GenerateFeedback) as its own ``NbGraderAPI``
does, without the exchange: one call per assignment or per student, each with
its log captured, so one failure is reported and never stops the others.

Imports nbgrader, so the command modules import this inside ``run`` only.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from . import paths

CONFIG_FILE = "nbgrader_config.py"


# ---------------------------------------------------------------- the course's configuration


def load_config(root: Path) -> Config:
    """The course's ``nbgrader_config.py``, with the root pinned to ``root``."""
    path = Path(root) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the course's nbgrader configuration must sit in the "
            "course folder (it maps solutions/ to exercises/)"
        )
    cfg = Config()
    cfg.merge(PyFileConfigLoader(CONFIG_FILE, path=str(path.parent)).load_config())
    cfg.CourseDirectory.root = str(Path(root).resolve())
    return cfg


def copy_config(cfg: Config) -> Config:
    """An independent copy (``Config.copy`` shares the nested sections)."""
    return copy.deepcopy(cfg)


def folders(cfg: Config) -> dict[str, str]:
    """The course's nbgrader step folders (names relative to the root)."""
    cd = cfg.CourseDirectory
    return {
        "source": cd.get("source_directory", paths.SOLUTIONS),
        "release": cd.get("release_directory", "exercises"),
        "submitted": cd.get("submitted_directory", "submitted"),
        "autograded": cd.get("autograded_directory", "autograded"),
        "feedback": cd.get("feedback_directory", "feedback"),
    }


def select_units(root: Path, cfg: Config, unit: str | None) -> list[str]:
    """``paths.select_units`` in the source folder ``cfg`` names (``solutions`` here)."""
    return paths.select_units(root, unit, folders(cfg)["source"])


REPAIR = "mlpcourse.preprocessors.RepairSubmission"


def ensure_repair(cfg: Config) -> None:
    """Make ``RepairSubmission`` the first of ``Autograde.sanitize_preprocessors``.

    Every submission is then graded as rebuilt from the release with the
    student's answers (``mlpcourse.grading.repair``), before nbgrader's own
    sanitizing (ClearOutput, DeduplicateIds, OverwriteKernelspec,
    OverwriteCells, CheckCellMetadata), whatever the course's config lists.
    """
    from nbgrader.converters import Autograde
    from traitlets.utils.importstring import import_item

    from .preprocessors import RepairSubmission

    steps = list(Autograde(config=cfg).sanitize_preprocessors)
    steps = [p for p in steps if (import_item(p) if isinstance(p, str) else p)
             is not RepairSubmission]
    cfg.Autograde.sanitize_preprocessors = [REPAIR, *steps]


# ---------------------------------------------------------------- running nbgrader


@dataclass
class AppResult:
    success: bool
    log: str
    error: str = ""

    def reason(self) -> str:
        """One line saying why it failed (the last line of the traceback, else of the log)."""
        for text in (self.error, self.log):
            lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
            for line in reversed(lines):
                if not line.startswith(("File ", "^", "~")):
                    return line[:300]
        return "unknown error"


@contextlib.contextmanager
def _stderr_captured():
    """Send file descriptor 2 to a temporary file (yields a function reading it).

    Kernels started by nbgrader inherit it, so their start-up chatter (e.g.
    ipykernel's "running over TCP without encryption") and SQLAlchemy's
    warnings land in the captured log instead of between the progress lines.
    """
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded, some IDEs)
        yield lambda: ""
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield lambda: (tmp.seek(0), tmp.read().decode("utf-8", "replace"))[1]
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)


def run_converter(converter_cls, cfg: Config, **coursedir_attrs) -> AppResult:
    """Run one nbgrader converter (GenerateAssignment, Autograde, GenerateFeedback).

    Errors are caught and returned with the captured log (and stderr), never raised.
    """
    with _stderr_captured() as read_stderr:
        result = _run_converter(converter_cls, cfg, **coursedir_attrs)
        captured = read_stderr()
    if captured.strip():
        result.log += "\n[stderr]\n" + captured
    return result


def _run_converter(converter_cls, cfg: Config, **coursedir_attrs) -> AppResult:
    buffer = io.StringIO()
    logger = logging.getLogger(f"mlpcourse.nbgrader.{converter_cls.__name__}.{id(buffer)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    logger.addHandler(handler)
    try:
        coursedir = CourseDirectory(config=cfg, log=logger)
        for key, value in coursedir_attrs.items():
            setattr(coursedir, key, value)
        app = converter_cls(coursedir=coursedir, config=cfg, log=logger)
        app.force = True
        # nbgrader 0.9 triggers SQLAlchemy 2 "not in session" warnings (harmless):
        # they go to the log with the rest, not to the teacher's terminal
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                app.start()
            finally:
                for w in caught:
                    logger.debug("%s: %s", w.category.__name__, w.message)
    except BaseException as exc:  # nbgrader raises anything, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        import traceback

        return AppResult(False, buffer.getvalue(), traceback.format_exc())
    finally:
        logger.removeHandler(handler)
    return AppResult(True, buffer.getvalue())
