"""pytest configuration for tests/ (the pipeline tests' helpers are in pipeline_support.py)."""

# tests/fixtures/ holds a small course (notebooks, a figure, the script that makes them):
# nothing there is a test, and its notebooks must never be collected (e.g. by --nbval).
collect_ignore = ["fixtures"]
