"""The ``cinlab`` command: lessons for a class, JupyterLab, Voila, headless runs.

Subcommands:

- ``cinlab lessons [DIR]`` copies the lesson notebooks into a folder of your own, never
  overwriting a copy that is already there (``--force`` replaces it and keeps a backup).
- ``cinlab lab [DIR]`` copies them if needed and opens them in JupyterLab.
- ``cinlab app LESSON [DIR]`` opens one lesson in Voila: the page without the code,
  for projecting in class.
- ``cinlab run SCENARIO`` simulates a preset without a notebook and writes JSON or CSV.
- ``cinlab scenarios`` lists the presets.
- ``cinlab export LESSON`` writes a static HTML page of a lesson, run top to bottom.

JupyterLab and Voila listen on 127.0.0.1 only and keep their login token. The lesson
stack (JupyterLab, Voila, nbconvert, Bokeh) is imported or started only by the
subcommands that need it, so ``cinlab run`` works with the core install alone.

The package holds one module per job: ``lessons`` (copying), ``serve`` (lab, app),
``run`` (run, scenarios, CSV), ``export`` and ``common`` (errors, argument checks,
atomic writes). Each subcommand is added by one function listed in :data:`SUBCOMMANDS`.

Bad input exits with status 2 and one line naming the argument, what is allowed and
what was given; a failure that is not the input's fault exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from .common import (
    DEFAULT_LESSONS_DIR,
    PROG,
    AddCommand,
    CommandError,
    Formatter,
    Parser,
    UsageError,
)
from .export import add_export
from .lessons import (
    CopyReport,
    add_lessons,
    copy_lessons,
    find_lesson,
    lesson_files,
    lessons_source,
)
from .pool import add_pool
from .run import COHORT_COLUMNS, add_run, add_scenarios, cohort_csv, parse_value, run_csv
from .serve import add_app, add_lab, app_command, app_environment, lab_command

__all__ = [
    "COHORT_COLUMNS",
    "DEFAULT_LESSONS_DIR",
    "SUBCOMMANDS",
    "CommandError",
    "CopyReport",
    "UsageError",
    "app_command",
    "app_environment",
    "build_parser",
    "cohort_csv",
    "copy_lessons",
    "find_lesson",
    "lab_command",
    "lesson_files",
    "lessons_source",
    "main",
    "parse_value",
    "run_csv",
]

DESCRIPTION = """\
cinlab simulates tumour cells that divide, die and missegregate their chromosomes, to
show why cancers often come back after a targeted therapy that first made them shrink
(Sotillo et al., Nature 2010). This command prepares the lesson notebooks for a class
(a copy of your own that is never overwritten), opens them in JupyterLab or as a
code-free app for projecting, saves a lesson as a static web page, and runs the
simulation without a notebook, writing the results as JSON or CSV for a spreadsheet.
JupyterLab and the app run on this computer only (127.0.0.1) and print a link with a
login token: open that link in your browser.
"""

EPILOG = """\
examples:
  cinlab lessons                    copy the lessons into ./cinlab-lessons
  cinlab lab                        ...and open them in JupyterLab
  cinlab app 04                     lesson 04 as an app (no code) for the projector
  cinlab export 04 --out 04.html    lesson 04 as one web page (no Python needed to view)
  cinlab export 04 --worksheet      lesson 04 as a printable worksheet
  cinlab pool cards/*.json          the class's pooled result cards (lesson 06), one page
  cinlab scenarios                  the simulation presets
  cinlab run sotillo2010 --no-mad2 --runs 100 --seed 7 --out ti-k.csv
  cinlab run withdrawal --set growth.birth_rate=0.5 --out run.json

Run 'cinlab COMMAND --help' for the options of one command.
"""


#: The subcommands, in the order ``cinlab --help`` lists them: each function adds one
#: (its parser, options and ``func``). A new subcommand is one more function here.
SUBCOMMANDS: tuple[Callable[[AddCommand], None], ...] = (
    add_lessons, add_lab, add_app, add_run, add_scenarios, add_export, add_pool,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``cinlab`` argument parser, with every subcommand.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"cinlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, summary: str, description: str, epilog: str
                ) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description, epilog=epilog,
                              formatter_class=Formatter)

    for add in SUBCOMMANDS:
        add(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cinlab`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 failure, 2 bad input, 130 interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    prog = f"{PROG} {args.command}"
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"{prog}: error: {exc} (see '{prog} --help')", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
