"""The environment of the Jupyter kernels that the course commands (and tests) start."""

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
