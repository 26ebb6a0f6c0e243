"""``cinlab export``: a lesson, run top to bottom, as one static web page."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .common import (
    AddCommand,
    CommandError,
    int_in,
    out_path,
    replace_atomic,
    require,
    write_atomic,
)
from .lessons import copy_lessons, find_lesson, lessons_source

__all__ = ["add_export"]


def _cmd_worksheet(args: argparse.Namespace) -> int:
    require("nbconvert", "nbconvert")
    out = out_path(args.out, (".html", ".htm"))
    given = Path(args.lesson).expanduser()
    notebook = given if given.suffix == ".ipynb" and given.is_file() else \
        find_lesson(args.lesson, lessons_source())
    target = out if out is not None else Path(f"{notebook.stem}-worksheet.html")
    from ..worksheet import worksheet_html

    write_atomic(target, worksheet_html(notebook))
    print(f"Wrote {target}: print it from any browser (goals, prediction boxes, questions "
          "without answers).")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    if args.worksheet:
        return _cmd_worksheet(args)
    for module in ("nbclient", "nbconvert", "ipykernel"):
        require(module, module)
    out = out_path(args.out, (".html", ".htm"))
    given = Path(args.lesson).expanduser()
    with tempfile.TemporaryDirectory(prefix="cinlab-export-") as tmp:
        if given.suffix == ".ipynb" and given.is_file():
            notebook, cwd = given, None
        else:
            # Run a private copy of the lessons, so nothing is written next to the
            # installed ones.
            copy_lessons(tmp)
            notebook = find_lesson(args.lesson, Path(tmp))
            cwd = notebook.parent
        target = out if out is not None else Path(notebook.stem + ".html")
        print(f"Running {notebook.name} from top to bottom (this can take a minute)...",
              file=sys.stderr, flush=True)
        from ..export import export_html

        def write(tmp: Path) -> None:
            try:
                export_html(notebook, tmp, cwd=cwd, timeout=args.timeout,
                            hide_code=args.hide_code)
            except Exception as exc:
                raise CommandError(_execution_failure(notebook.name, exc)) from exc

        replace_atomic(target, write)
    size = target.stat().st_size / 1e6
    print(f"Wrote {target} ({size:.1f} MB): open it in any browser, no Python needed.")
    return 0


def _execution_failure(name: str, exc: Exception) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        return f"{name} stopped with an error in a cell: {ename}: {getattr(exc, 'evalue', '')}"
    if isinstance(exc, OSError):
        return f"could not export {name}: {exc}"
    return f"could not run {name}: {type(exc).__name__}: {exc}"



def add_export(command: AddCommand) -> None:
    """Register ``cinlab export``."""
    p = command(
        "export", "save a lesson, run top to bottom, as one static web page",
        "Run a lesson from top to bottom and save it as one HTML file that opens in any "
        "browser, offline,\nwithout Python. Figures stay interactive (zoom, pan, hover: "
        "Bokeh is inside the file); the\ncontrols show their starting values but cannot "
        "change anything without Python.",
        "examples:\n  cinlab export 04\n  cinlab export 04 --out lesson04.html --hide-code\n"
        "  cinlab export my_notes.ipynb\n  cinlab export 06 --worksheet")
    p.add_argument("lesson", metavar="LESSON",
                   help="lesson number (04) or file name, or the path of a notebook")
    p.add_argument("--out", metavar="FILE.html",
                   help="the page to write (default: the lesson's name with .html, here)")
    p.add_argument("--hide-code", action="store_true", help="leave the code out, as the "
                   "app does")
    p.add_argument("--timeout", type=int_in(1, 86_400), default=600, metavar="SECONDS",
                   help="time allowed for one cell (default: 600)")
    p.add_argument("--worksheet", action="store_true", help="write a printable worksheet "
                   "instead (goals, boxes to write in, questions without answers); the "
                   "lesson is not run")
    p.set_defaults(func=_cmd_export)
