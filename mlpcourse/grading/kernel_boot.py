"""Start a student's grading kernel: limits first, then ipykernel (run as a script, not imported).

The grader runs ``python -I -B kernel_boot.py -f <connection file> [ipykernel options]``,
inside the sandbox (``mlpcourse.sandbox``) or, unisolated, on the host. ``-I``
keeps the current folder and every ``PYTHON*`` variable out of ``sys.path``:
a ``numpy.py`` or ``ipykernel_launcher.py`` beside the notebook is never
imported (IPython, too, leaves the current folder out under ``-I``).

The settings come as JSON in the environment variable ``MLPCOURSE_KERNEL``
(removed before any student code runs)::

    memory_bytes   address-space limit of every process (RLIMIT_AS): a big
                   allocation raises MemoryError in the cell, the kernel lives on
    file_bytes     largest file a process may write (RLIMIT_FSIZE)
    copy_from      folder of read-only files to copy into ``workdir`` (the
                   files the assignment declares), or null
    workdir        the kernel's current folder (created), or null: stay
    output_chars   characters one cell may print (stdout and stderr); the
                   rest is dropped with one visible marker line

Then, before the kernel starts, two guards for the student's own sake (the
grader never relies on them: student code can undo them, and the grader
applies its own limits on what it receives):

- ``exit()`` / ``quit()`` raise an error naming why instead of stopping the
  kernel (which would end the notebook's grading);
- printing stops after ``output_chars`` per cell, so one runaway ``print``
  costs one marker line, not hundreds of megabytes on the wire.

Only the standard library and ipykernel are imported: this file runs inside
the sandbox, where the grading package is not installed.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys

SETTINGS_VARIABLE = "MLPCOURSE_KERNEL"
EXIT_MESSAGE = (
    "exit() and quit() do not stop a notebook under the autograder: the rest of this "
    "cell was skipped and grading goes on with the next cell"
)


class ExitIgnoredByGrader(RuntimeError):
    """Raised by ``exit()`` / ``quit()`` in a grading kernel."""


def _limit(which: int, value: int | None) -> None:
    """Set a hard limit (no process below can raise it); skipped where the system has none."""
    if value is not None:
        try:
            resource.setrlimit(which, (value, value))
        except (OSError, ValueError):  # e.g. RLIMIT_AS on macOS
            pass


def _copy_files(source: str, workdir: str) -> None:
    os.makedirs(workdir, exist_ok=True)
    if source and os.path.isdir(source):
        shutil.copytree(source, workdir, dirs_exist_ok=True, symlinks=True)


def _guard_exit() -> None:
    from ipykernel.zmqshell import ZMQInteractiveShell

    def ask_exit(self):
        raise ExitIgnoredByGrader(EXIT_MESSAGE)

    ZMQInteractiveShell.ask_exit = ask_exit


def _cap_printing(limit: int) -> None:
    """At most ``limit`` characters per cell and stream, then one marker line."""
    from ipykernel.iostream import OutStream

    write = OutStream.write
    used: dict[tuple[str, str], int] = {}

    def capped_write(self, string):
        if not isinstance(string, str):
            return write(self, string)  # the original raises the TypeError
        key = (self.name, (self.parent_header or {}).get("msg_id", ""))
        done = used.get(key, 0)
        used[key] = done + len(string)
        if done + len(string) <= limit:
            return write(self, string)
        if done <= limit:
            head = string[: limit - done]
            write(self, head + f"\n[output truncated: this cell printed more than {limit:,} "
                               "characters; the autograder keeps the first ones]\n")
        return len(string)

    OutStream.write = capped_write


def main(argv: list[str]) -> None:
    settings = json.loads(os.environ.pop(SETTINGS_VARIABLE, "{}"))
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, settings.get("file_bytes"))
    if settings.get("workdir"):
        _copy_files(settings.get("copy_from"), settings["workdir"])
        os.chdir(settings["workdir"])
    # after the copy: the limit holds for the kernel and all it starts, not for our setup
    _limit(resource.RLIMIT_AS, settings.get("memory_bytes"))
    _guard_exit()
    if settings.get("output_chars"):
        _cap_printing(int(settings["output_chars"]))
    from ipykernel.kernelapp import launch_new_instance

    sys.argv = ["ipykernel_launcher", *argv]
    launch_new_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
