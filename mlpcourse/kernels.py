"""The environment of the Jupyter kernels that the course commands (and tests) start.

- ``kernel_env`` / ``kernel_environment``: the instructor's own kernels (slides,
  the lab, tests): the instructor's environment, with matplotlib inline and
  this Python first;
- ``grading_env``: a student's grading kernel, built from nothing (no variable
  of the instructor's environment reaches a submission).
"""

from __future__ import annotations

import contextlib
import os
import sys

# Inline matplotlib in every kernel we start, whatever the shell says
# (a desktop MPLBACKEND such as TkAgg would open windows and block on plt.show()).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def kernel_env(base: dict | None = None) -> dict:
    """A copy of ``base`` (default: ``os.environ``) fit for starting kernels.

    - matplotlib draws inline;
    - a ``python3`` kernel resolves to this environment's Python first (a kernel
      spec in the user's home pointing at another Python would otherwise win);
    - this environment's scripts are on PATH (nbgrader runs ``alembic`` by name
      when it creates a gradebook, and ``.venv/bin/mlpcourse`` may run unactivated).
    """
    env = dict(os.environ if base is None else base)
    env["MPLBACKEND"] = INLINE_BACKEND
    share = os.path.join(sys.prefix, "share", "jupyter")
    rest = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p and p != share]
    env["JUPYTER_PATH"] = os.pathsep.join([share, *rest])
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = os.pathsep.join([bindir, env.get("PATH", "")])
    return env


@contextlib.contextmanager
def kernel_environment(extra: dict | None = None):
    """Apply ``kernel_env()`` (plus ``extra``) to ``os.environ`` for the block."""
    saved = dict(os.environ)
    try:
        os.environ.update(kernel_env())
        os.environ.update(extra or {})
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def grading_env(home: str, tmp: str) -> dict:
    """The whole environment of a grading kernel (``mlpcourse.sandbox``).

    Only what Python, numpy and matplotlib need: ``PATH`` (this environment's
    scripts first), ``HOME`` and ``TMPDIR`` (``home``, ``tmp``), ``LANG``, an
    inline matplotlib with its cache in ``tmp``, IPython's folder in ``tmp``
    (never beside the submission), one thread per numerical library (grading
    runs notebooks side by side), and ``NBGRADER_EXECUTION`` /
    ``NBGRADER_VALIDATING`` when nbgrader set them. No token, no ``JUPYTER*``,
    nothing else of the instructor's shell.
    """
    env = {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "USER": "student",
        "LOGNAME": "student",
        "MPLBACKEND": INLINE_BACKEND,
        "MPLCONFIGDIR": f"{tmp}/matplotlib",
        "IPYTHONDIR": f"{tmp}/ipython",
        "PYTHONNOUSERSITE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    }
    for name in ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env
