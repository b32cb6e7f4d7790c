"""mlpcourse: the instructor's tooling for mlp-course (the ``mlpcourse`` command).

Students import :mod:`mlpkit`; instructors and maintainers use this package:
release student notebooks, autograde them with nbgrader, build offline slides
and open the course in JupyterLab. Each subcommand lives in its own module
with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``, and keeps
heavy imports (Jupyter, nbgrader, nbconvert) inside ``run`` so that
``mlpcourse --help`` is fast.
"""
__version__ = "0.2.0"
