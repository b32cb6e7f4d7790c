"""The course's command layer: the subcommands of the ``mlpkit`` console command.

Each subcommand lives in its own module with two functions,
``add_arguments(parser)`` and ``run(args) -> int``, and keeps heavy imports
(Jupyter, nbgrader, nbconvert) inside ``run`` so that ``mlpkit --help`` is fast.
"""
