"""mlpcourse: the instructor's tooling for mlp-course (the ``mlpcourse`` command).

Students import :mod:`mlpkit`; instructors and maintainers use this package:
release student notebooks, autograde them with nbgrader, build offline slides
and open the course in JupyterLab. Each subcommand lives in its own module
with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``, and keeps
heavy imports (Jupyter, nbgrader, nbconvert) inside ``run`` so that
``mlpcourse --help`` is fast.

    cli.py             the ``mlpcourse`` command: dispatches to the four below
    lab.py release.py grade.py slides.py     one module per subcommand
    paths.py           where the course is; its units and lectures (the one discovery)
    status.py          how grading a submission ended (graded / failed / missing)
    nbgrader_setup.py  nbgrader run in-process: the course's config, its converters
    preprocessors.py   nbgrader preprocessors named in nbgrader_config.py
    leaks.py           the release's check that no solution or hidden test leaks
    kernels.py         the environment of the Jupyter kernels the commands start
    static/            vendored reveal.js and MathJax (static/ASSETS.json lists them)
    templates/         the nbconvert template of the offline slides
"""
__version__ = "0.2.0"
