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

Bad input exits with status 2 and one line naming the argument, what is allowed and
what was given; a failure that is not the input's fault exits with status 1.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.util
import io
import math
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__, scenarios

__all__ = [
    "COHORT_COLUMNS",
    "DEFAULT_LESSONS_DIR",
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

PROG = "cinlab"
#: Where ``cinlab lessons`` and ``cinlab lab`` put the lessons when no folder is given.
DEFAULT_LESSONS_DIR = "cinlab-lessons"
#: Only this computer can reach the servers the command starts.
LOCALHOST = "127.0.0.1"
#: First port tried for ``cinlab app`` (Voila's own default).
APP_PORT = 8866
LESSONS_HINT = "install the lesson tools with: pip install 'cinlab[lessons]'"

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
  cinlab scenarios                  the simulation presets
  cinlab run sotillo2010 --no-mad2 --runs 100 --seed 7 --out ti-k.csv
  cinlab run withdrawal --set growth.birth_rate=0.5 --out run.json

Run 'cinlab COMMAND --help' for the options of one command.
"""


RUN_DESCRIPTION = """\
Simulate a preset scenario (see 'cinlab scenarios') and print what happened. Times are
in days. Every result records its seed, and --seed repeats it exactly.

With --runs 1 (the default) one tumour is simulated. --out writes it as JSON (all of it;
reload it with cinlab.Run.from_json) or as CSV with the columns times, total, escaped and
addicted (cells).

With --runs N a cohort of N tumours is simulated and summarised. --out writes it as JSON
(reload it with cinlab.Cohort.from_json) or as CSV with one row per run and the columns
run, extinct, detected, relapsed, detection_time, relapse_time (days after therapy
started; empty if it did not happen), final_total, final_escaped, escape_route and
escape_chromosome.
"""


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit status 2."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"argument {argument}: {message}")


class CommandError(Exception):
    """The command cannot do its job (not the input's fault): exit status 1."""


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, without the usage block."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# --------------------------------------------------------------------------- lessons


def lessons_source() -> Path:
    """The folder holding the lessons that came with this cinlab.

    Returns
    -------
    Path
        ``cinlab/_lessons`` in an installed wheel; the repository's ``lessons/`` folder
        in an editable install or a source checkout.

    Raises
    ------
    CommandError
        If this installation has no lessons.
    """
    shipped = resources.files("cinlab") / "_lessons"
    if shipped.is_dir():
        return Path(str(shipped))
    checkout = Path(__file__).resolve().parent.parent / "lessons"
    if checkout.is_dir():
        return checkout
    raise CommandError("this cinlab installation has no lessons; reinstall it with: "
                       "pip install 'cinlab[lessons]'")


def _skipped(part: str) -> bool:
    # Hidden files, editor checkpoints and Python tooling are not lesson material (the
    # wheel leaves out the same files).
    return part.startswith(".") or part == "__pycache__" or part.endswith((".py", ".pyc"))


#: Files with the answers: copied only for teachers (``--instructor``).
TEACHER_ONLY = ("instructor", "teacher_guide.md")


def lesson_files(source: Path, instructor: bool = False) -> list[Path]:
    """The lesson files under ``source``, as sorted relative paths.

    Parameters
    ----------
    source : Path
        A lessons folder (see :func:`lessons_source`).
    instructor : bool
        Include the teacher guide and the instructor versions (with solutions).

    Returns
    -------
    list of Path
        Notebooks, README and data (plus the teacher material if asked); hidden files,
        checkpoints and ``.py`` files are left out.
    """
    found = []
    for path in source.rglob("*"):
        rel = path.relative_to(source)
        if not path.is_file() or any(_skipped(p) for p in rel.parts):
            continue
        if not instructor and rel.parts[0] in TEACHER_ONLY:
            continue
        found.append(rel)
    return sorted(found)


@dataclass
class CopyReport:
    """What :func:`copy_lessons` did with each file.

    Attributes
    ----------
    dest : Path
        The lessons folder.
    copied : list of Path
        Files that were not there and were copied.
    kept : list of Path
        Files already there and different from the shipped ones (a student's edits, or
        an older version): left as they were.
    unchanged : list of Path
        Files already there and identical to the shipped ones.
    replaced : list of Path
        Files that differed and were replaced (``force=True``); the old copy is in
        ``backup``.
    backup : Path or None
        Folder holding the replaced copies, under ``dest``.
    """

    dest: Path
    copied: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    backup: Path | None = None

    def lines(self) -> list[str]:
        """The report as lines of text, one per file, then a total."""
        out = []
        for rel in self.copied:
            out.append(f"  copied     {rel.as_posix()}")
        for rel in self.replaced:
            saved = (self.backup / rel).relative_to(self.dest) if self.backup else rel
            out.append(f"  replaced   {rel.as_posix()}  (your copy is saved as "
                       f"{saved.as_posix()})")
        for rel in self.kept:
            out.append(f"  kept       {rel.as_posix()}  (your copy differs from the "
                       "shipped lesson; --force replaces it and keeps a backup)")
        for rel in self.unchanged:
            out.append(f"  kept       {rel.as_posix()}  (already up to date)")
        out.append(f"{len(self.copied)} copied, {len(self.replaced)} replaced, "
                   f"{len(self.kept) + len(self.unchanged)} kept.")
        return out


def copy_lessons(dest: str | Path, force: bool = False, source: Path | None = None,
                 instructor: bool = False) -> CopyReport:
    """Copy the lessons into ``dest`` without overwriting what is there.

    A file already in ``dest`` is kept as it is: it may hold a student's answers.
    With ``force=True`` a file that differs from the shipped one is replaced, and the
    old copy moved to ``dest/backup-<date>-<time>/`` first.

    Parameters
    ----------
    dest : str or Path
        The folder to copy into (created if missing).
    force : bool
        Replace files that differ from the shipped ones, keeping a backup.
    source : Path, optional
        The lessons to copy (default: :func:`lessons_source`).
    instructor : bool
        Also copy the teacher guide and the instructor versions (with solutions).

    Returns
    -------
    CopyReport

    Raises
    ------
    UsageError
        If ``dest`` is a file or cannot be written.
    CommandError
        If there are no lessons to copy.
    """
    source = lessons_source() if source is None else source
    dest = Path(dest).expanduser().absolute()
    files = lesson_files(source, instructor=instructor)
    if not files:
        raise CommandError(f"no lessons found in {source}")
    if dest.exists() and not dest.is_dir():
        raise UsageError("DIR", f"must be a folder. Got {str(dest)!r}, which is a file.")
    if dest.exists() and dest.resolve() == source.resolve():
        raise UsageError("DIR", f"must not be the shipped lessons folder. Got {str(dest)!r}.")
    report = CopyReport(dest)
    try:
        for rel in files:
            src, target = source / rel, dest / rel
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
                report.copied.append(rel)
            elif target.read_bytes() == src.read_bytes():
                report.unchanged.append(rel)
            elif force:
                if report.backup is None:
                    report.backup = _backup_dir(dest)
                saved = report.backup / rel
                saved.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(target, saved)
                shutil.copyfile(src, target)
                report.replaced.append(rel)
            else:
                report.kept.append(rel)
    except OSError as exc:
        raise UsageError("DIR", f"cannot write into {str(dest)!r}: "
                         f"{exc.strerror or exc}.") from exc
    return report


def _backup_dir(dest: Path) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        candidate = dest / (f"backup-{stamp}" + (f"-{n}" if n else ""))
        if not candidate.exists():
            return candidate
    raise CommandError(f"could not choose a backup folder name in {dest}")


def _notebook_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def find_lesson(spec: str, folder: Path) -> Path:
    """Find a lesson notebook by number (``"04"``, ``"4"``) or file name.

    Parameters
    ----------
    spec : str
        A number, a file name with or without ``.ipynb``
        (``"04_cin_and_relapse"``), a name relative to ``folder``
        (``"instructor/04_cin_and_relapse.ipynb"``), or the path of any notebook.
    folder : Path
        The lessons folder to look in.

    Returns
    -------
    Path

    Raises
    ------
    UsageError
        If no lesson matches; the message lists the lessons there are.
    """
    given = Path(spec).expanduser()
    if given.suffix == ".ipynb" and given.is_file():
        return given
    available = _notebook_names(folder)
    listing = ", ".join(Path(n).stem for n in available) or "none"
    if spec.isdigit():
        matches = [n for n in available if n.startswith(f"{int(spec):02d}_")]
        if len(matches) == 1:
            return folder / matches[0]
        raise UsageError("LESSON", f"must be a lesson number or name ({listing}). "
                         f"Got {spec!r}.")
    for candidate in (folder / spec, folder / f"{spec}.ipynb"):
        if candidate.suffix == ".ipynb" and candidate.is_file():
            return candidate
    raise UsageError("LESSON", f"must be a lesson number or name ({listing}), or the path "
                     f"of a notebook. Got {spec!r}.")


def _require(module: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise CommandError(f"{what} is not installed; {LESSONS_HINT}")


# ----------------------------------------------------------------- JupyterLab, Voila


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(directory: str | Path, *, port: int | None = None,
                open_browser: bool = True, as_root: bool | None = None) -> list[str]:
    """The command line that opens ``directory`` in JupyterLab.

    JupyterLab listens on 127.0.0.1 only and keeps its token authentication: it prints
    (and opens) a link that carries the token.

    Parameters
    ----------
    directory : str or Path
        The folder JupyterLab shows.
    port : int, optional
        Port to listen on (default: JupyterLab's, 8888 or the next free one).
    open_browser : bool
        Open a browser tab.
    as_root : bool, optional
        Add ``--allow-root`` (JupyterLab refuses to start as root without it); default:
        whether this process runs as root.

    Returns
    -------
    list of str
        The argv, starting with this Python interpreter.
    """
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.ip={LOCALHOST}",
           f"--ServerApp.root_dir={Path(directory).absolute()}"]
    if port is not None:
        cmd.append(f"--ServerApp.port={port}")
    if not open_browser:
        cmd.append("--no-browser")
    if _running_as_root() if as_root is None else as_root:
        cmd.append("--allow-root")
    return cmd


def app_command(notebook: str | Path, *, port: int) -> list[str]:
    """The command line that serves one notebook as a Voila app.

    Voila (0.5) serves without a login unless told otherwise; ``--Voila.auto_token``
    turns token authentication on. The token itself is passed in the environment (see
    :func:`app_environment`), not on the command line where other users could read it.
    cinlab opens the browser itself, with the token, once the server is up. A kernel
    whose page was closed without notice (a laptop lid shut, a browser killed) is shut
    down after 10 idle minutes, so a projector left on all day does not collect kernels.

    Parameters
    ----------
    notebook : str or Path
        The notebook to serve.
    port : int
        Port to listen on; Voila must not move to another one.

    Returns
    -------
    list of str
        The argv, starting with this Python interpreter.
    """
    return [sys.executable, "-m", "voila", str(Path(notebook).absolute()), "--no-browser",
            f"--port={port}", f"--Voila.ip={LOCALHOST}", "--Voila.port_retries=0",
            "--Voila.auto_token=True", "--MappingKernelManager.cull_idle_timeout=600",
            "--MappingKernelManager.cull_interval=60"]


def app_environment(token: str) -> dict[str, str]:
    """The environment for :func:`app_command`: this one plus ``JUPYTER_TOKEN``.

    Parameters
    ----------
    token : str
        The login token; must not be empty.

    Returns
    -------
    dict
    """
    if not token:
        raise ValueError("the Voila token must not be empty.")
    return {**os.environ, "JUPYTER_TOKEN": token}


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((LOCALHOST, port))
        except OSError:
            return False
    return True


def _free_port(start: int = APP_PORT) -> int:
    for port in range(start, start + 100):
        if _port_is_free(port):
            return port
    raise CommandError(f"no free port between {start} and {start + 99} on {LOCALHOST}")


def _exec(cmd: list[str]) -> int:
    """Replace this process by ``cmd`` (POSIX), so that Ctrl-C goes to it alone."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(cmd[0], cmd)
    while True:  # pragma: no cover - Windows
        proc = subprocess.Popen(cmd)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def _open_in_browser(url: str) -> str:
    """Open ``url`` through a private redirect file, so the token stays off argv."""
    fd, name = tempfile.mkstemp(prefix="cinlab-open-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f'<!DOCTYPE html><meta http-equiv="refresh" content="0;url={url}">'
                 f'<p><a href="{url}">Open the cinlab lesson</a></p>\n')
    webbrowser.open(Path(name).as_uri())
    return name


class _TerminatedError(Exception):
    """SIGTERM arrived."""


def _terminate(signum: int, frame: Any) -> None:
    raise _TerminatedError


def _serve_app(cmd: list[str], env: dict[str, str], port: int, url: str,
               open_browser: bool) -> int:
    """Run Voila until it stops; open the browser when it answers.

    Ctrl-C reaches Voila too (same terminal), and it stops by itself; a SIGTERM sent to
    cinlab alone is passed on. Voila never outlives this function.
    """
    redirect = None
    proc = subprocess.Popen(cmd, env=env)
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave SIGTERM alone
        previous = None
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                if s.connect_ex((LOCALHOST, port)) == 0:
                    print(f"\nThe lesson app is at:\n    {url}\nStop it with Ctrl-C.\n",
                          flush=True)
                    if open_browser:
                        redirect = _open_in_browser(url)
                    break
            time.sleep(0.2)
        return proc.wait()
    except KeyboardInterrupt:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        return 0
    except _TerminatedError:
        return 128 + signal.SIGTERM
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if redirect is not None:
            Path(redirect).unlink(missing_ok=True)


# ---------------------------------------------------------------------- headless runs


def parse_value(text: str) -> Any:
    """Turn the VALUE of ``--set NAME=VALUE`` into a Python value.

    Parameters
    ----------
    text : str
        ``none`` -> None, ``true``/``false`` -> bool, integers, floats (``1e5``),
        comma-separated lists -> tuple (``4,6,15``; one item: ``4,``; brackets
        optional), anything else stays a string (``until_therapy``).

    Returns
    -------
    object
    """
    stripped = text.strip()
    low = stripped.lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for convert in (int, float):
        try:
            return convert(stripped)
        except ValueError:
            pass
    if "," in stripped or stripped.startswith(("(", "[")):
        inner = stripped.strip("()[]")
        return tuple(parse_value(p) for p in inner.split(",") if p.strip())
    return stripped


def _scenario_from_args(args: argparse.Namespace) -> Any:
    try:
        scenarios.describe(args.scenario)
    except ValueError as exc:
        raise UsageError("SCENARIO", str(exc)) from exc
    overrides: dict[str, Any] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError("--set", f"must be NAME=VALUE, e.g. growth.birth_rate=0.5. "
                             f"Got {item!r}.")
        overrides[name.strip()] = parse_value(value)
    if args.mad2 is not None:
        if args.scenario != "sotillo2010":
            raise UsageError("--mad2/--no-mad2", "applies to scenario sotillo2010 only. "
                             f"Got scenario {args.scenario!r}.")
        overrides["mad2"] = args.mad2
    try:
        return scenarios.get(args.scenario, **overrides)
    except (ValueError, TypeError) as exc:
        raise UsageError("--set", str(exc)) from exc


def _out_path(text: str | None, suffixes: tuple[str, ...], argument: str = "--out"
              ) -> Path | None:
    if text is None:
        return None
    path = Path(text).expanduser()
    if path.suffix.lower() not in suffixes:
        raise UsageError(argument, f"must be a file name ending in {' or '.join(suffixes)}. "
                         f"Got {text!r}.")
    if not path.absolute().parent.is_dir():
        raise UsageError(argument, f"must be in an existing folder. Got {text!r}.")
    if path.is_dir():
        raise UsageError(argument, f"must be a file, not a folder. Got {text!r}.")
    return path


def _day(t: float) -> str:
    return f"day {t:.1f}".removesuffix(".0")


def _describe_run(run: Any) -> str:
    parts = []
    detected, started = run.detection_time, run.therapy_start_time
    if not math.isnan(detected) and detected == started:
        parts.append(f"The tumour was detected, and therapy started, on {_day(detected)}.")
    else:
        if not math.isnan(detected):
            parts.append(f"The tumour was detected on {_day(detected)}.")
        if not math.isnan(started):
            parts.append(f"Therapy started on {_day(started)}.")
    if run.relapsed:
        parts.append(f"It relapsed {run.relapse_time:.0f} days after therapy started.")
    final = int(run.total[-1])
    if run.status == "extinct":
        parts.append(f"Every cell had died by {_day(run.end_time)}.")
    elif run.status == "max_cells":
        parts.append(f"The run stopped on {_day(run.end_time)}, when the tumour reached "
                     f"{final} cells (the stop size).")
    else:
        parts.append(f"The run ended on {_day(run.end_time)} with {final} cells, "
                     f"{int(run.escaped[-1])} of them oncogene-independent.")
    return " ".join(parts)


def run_csv(run: Any) -> str:
    """CSV text of one run: columns times, total, escaped, addicted.

    Parameters
    ----------
    run : Run

    Returns
    -------
    str
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["times", "total", "escaped", "addicted"])
    for t, n, e, a in zip(run.times, run.total, run.escaped, run.addicted, strict=True):
        writer.writerow([repr(float(t)), int(n), int(e), int(a)])
    return buf.getvalue()


#: Columns of the cohort CSV, one row per replicate run.
COHORT_COLUMNS = ("run", "extinct", "detected", "relapsed", "detection_time",
                  "relapse_time", "final_total", "final_escaped", "escape_route",
                  "escape_chromosome")


def cohort_csv(cohort: Any) -> str:
    """CSV text of a cohort, one row per run (columns :data:`COHORT_COLUMNS`).

    Booleans are ``true``/``false``; a time is empty where it did not happen.

    Parameters
    ----------
    cohort : Cohort

    Returns
    -------
    str
    """
    def flag(x: Any) -> str:
        return "true" if bool(x) else "false"

    def time_(x: float) -> str:
        return "" if math.isnan(x) else repr(float(x))

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COHORT_COLUMNS)
    for k in range(cohort.n_runs):
        writer.writerow([k, flag(cohort.extinct[k]), flag(cohort.detected[k]),
                         flag(cohort.relapsed[k]), time_(cohort.detection_time[k]),
                         time_(cohort.relapse_time[k]), int(cohort.final_total[k]),
                         int(cohort.final_escaped[k]), str(cohort.escape_route[k]),
                         int(cohort.escape_chromosome[k])])
    return buf.getvalue()


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError("--out", f"cannot write {str(path)!r}: {exc.strerror or exc}."
                         ) from exc


# ------------------------------------------------------------------------- commands


def _cmd_lessons(args: argparse.Namespace) -> int:
    report = copy_lessons(args.dir, force=args.force, instructor=args.instructor)
    print(f"Lessons from cinlab {__version__} in {report.dest}:")
    print("\n".join(report.lines()))
    print(f"Open them with: cinlab lab {_shell_path(args.dir)}")
    return 0


def _shell_path(text: str) -> str:
    return shlex.quote(text)


def _cmd_lab(args: argparse.Namespace) -> int:
    _require("jupyterlab", "JupyterLab")
    report = copy_lessons(args.dir)
    print(f"Lessons in {report.dest}: {report.lines()[-1]}")
    if report.kept:
        print("  Your own copies were kept: " + ", ".join(p.as_posix() for p in report.kept))
    print("Starting JupyterLab on this computer only (127.0.0.1). If no browser tab opens,"
          " open the link with the token that it prints. Stop it with Ctrl-C.", flush=True)
    return _exec(lab_command(report.dest, port=args.port, open_browser=not args.no_browser))


def _cmd_app(args: argparse.Namespace) -> int:
    _require("voila", "Voila")
    given = Path(args.lesson).expanduser()
    if given.suffix == ".ipynb" and given.is_file():
        notebook = given
    else:
        report = copy_lessons(args.dir)
        notebook = find_lesson(args.lesson, report.dest)
    if args.port is None:
        port = _free_port()
    elif _port_is_free(args.port):
        port = args.port
    else:
        raise UsageError("--port", f"must be a free port on {LOCALHOST}; {args.port} is in "
                         "use. Leave --port out to pick a free one.")
    token = secrets.token_hex(24)
    url = f"http://{LOCALHOST}:{port}/?token={token}"
    print(f"Starting the app for {notebook.name} on this computer only ({LOCALHOST}).",
          flush=True)
    return _serve_app(app_command(notebook, port=port), app_environment(token), port, url,
                      open_browser=not args.no_browser)


def _cmd_run(args: argparse.Namespace) -> int:
    from .cohort import simulate_many
    from .engine import simulate

    scenario = _scenario_from_args(args)
    out = _out_path(args.out, (".json", ".csv"))
    label = args.scenario
    if args.scenario == "sotillo2010":
        label += (" (TI-KM, Mad2 on)" if scenario.cin.window == "until_therapy" else
                  " (TI-K, Mad2 off)")
    if args.runs == 1:
        result = simulate(scenario, seed=args.seed, method=args.method)
        print(f"{label}: {_describe_run(result)}")
    else:
        result = simulate_many(scenario, n_runs=args.runs, seed=args.seed,
                               method=args.method, progress=args.progress)
        print(f"{label}, {args.runs} runs: {result.summary()}")
    seed = result.seed["entropy"]
    print(f"Seed {seed} (add --seed {seed} to repeat exactly this result).")
    if out is not None:
        if out.suffix.lower() == ".json":
            text = result.to_json()
        else:
            text = run_csv(result) if args.runs == 1 else cohort_csv(result)
        _write(out, text)
        print(f"Wrote {out}")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    import inspect

    for name in scenarios.names():
        func = getattr(scenarios, name, None)
        options = ""
        if callable(func):
            params = inspect.signature(func).parameters.values()
            options = ", ".join(f"{p.name}={p.default!r}" for p in params)
        print(name + (f"  (options: {options})" if options else ""))
        text = " ".join(scenarios.describe(name).replace("``", "").split())
        print(textwrap.fill(text, width=88, initial_indent="    ", subsequent_indent="    "))
    print("\nRun one with 'cinlab run NAME'. Change a parameter or an option with --set,\n"
          "e.g. --set growth.birth_rate=0.5 or --set on_days=7 ('cinlab run --help').")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    for module in ("nbclient", "nbconvert", "ipykernel"):
        _require(module, module)
    out = _out_path(args.out, (".html", ".htm"))
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
        from .export import export_html

        try:
            export_html(notebook, target, cwd=cwd, timeout=args.timeout,
                        hide_code=args.hide_code)
        except Exception as exc:
            raise CommandError(_execution_failure(notebook.name, exc)) from exc
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


# --------------------------------------------------------------------------- parser


def _int_in(lo: int, hi: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"must be an integer in [{lo}, {hi}]. Got {text!r}.")
        return value

    convert.__name__ = "integer"
    return convert


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keep the text's own line breaks; align help one column right of "scenarios"."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=92)
        # argparse measures the subcommand names without their extra indent.
        self._action_max_length = len("    scenarios")


def build_parser() -> argparse.ArgumentParser:
    """The ``cinlab`` argument parser, with every subcommand.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"cinlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, summary: str, description: str, epilog: str
                ) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description, epilog=epilog,
                              formatter_class=_Formatter)

    dir_help = f"folder for your copy of the lessons (default: ./{DEFAULT_LESSONS_DIR})"
    port = _int_in(1, 65535)

    p = command(
        "lessons", "copy the lesson notebooks into a folder of your own",
        "Copy the lesson notebooks and their README into DIR (with --instructor, also the "
        "teacher guide and the instructor versions with solutions).\nA file that is "
        "already there is never overwritten: it may "
        "hold a student's answers.\n--force replaces the files that differ and first "
        "moves your copies to DIR/backup-<date>-<time>/.",
        "examples:\n  cinlab lessons\n  cinlab lessons ~/biology/cinlab\n"
        "  cinlab lessons --force       fresh copies; yours go to a backup folder")
    p.add_argument("dir", metavar="DIR", nargs="?", default=DEFAULT_LESSONS_DIR,
                   help=dir_help)
    p.add_argument("--force", action="store_true",
                   help="replace files that differ from the shipped lessons (backup kept)")
    p.add_argument("--instructor", action="store_true",
                   help="also copy the teacher guide and the lessons with solutions shown")
    p.set_defaults(func=_cmd_lessons)

    p = command(
        "lab", "open the lessons in JupyterLab",
        "Copy the lessons into DIR if they are not there yet (your copies are kept), "
        "then open DIR in JupyterLab.\nJupyterLab listens on 127.0.0.1 (this computer "
        "only) and asks for its login token: the link it prints and opens carries it.",
        "examples:\n  cinlab lab\n  cinlab lab ~/biology/cinlab --port 8899 --no-browser")
    p.add_argument("dir", metavar="DIR", nargs="?", default=DEFAULT_LESSONS_DIR,
                   help=dir_help)
    p.add_argument("--port", type=port, help="port to listen on (default: 8888 or the next "
                   "free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.set_defaults(func=_cmd_lab)

    p = command(
        "app", "show one lesson as an app, without code (for projecting)",
        "Open one lesson in Voila: the lesson's text, figures and controls without its "
        "code, for projecting in class.\nThe app listens on 127.0.0.1 (this computer "
        "only) and needs a login token: the link cinlab prints and opens carries it.",
        "examples:\n  cinlab app 04\n  cinlab app 04_cin_and_relapse --no-browser\n"
        "  cinlab app my_notes.ipynb")
    p.add_argument("lesson", metavar="LESSON",
                   help="lesson number (04) or file name, or the path of a notebook")
    p.add_argument("dir", metavar="DIR", nargs="?", default=DEFAULT_LESSONS_DIR,
                   help=dir_help)
    p.add_argument("--port", type=port, help=f"port to listen on (default: {APP_PORT} or "
                   "the next free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.set_defaults(func=_cmd_app)

    p = command(
        "run", "simulate a scenario without a notebook; write JSON or CSV",
        RUN_DESCRIPTION,
        "examples:\n  cinlab run sotillo2010 --seed 7\n"
        "  cinlab run sotillo2010 --no-mad2 --runs 100 --seed 7 --out ti-k.csv\n"
        "  cinlab run withdrawal --set growth.birth_rate=0.5 --set cin.window=always "
        "--out run.json\n  cinlab run intermittent --set on_days=7 --runs 50 --progress\n\n"
        "--set values: numbers (0.5, 1e5), true/false, none, words (until_therapy) and "
        "comma-separated\nlists (escape.bypass_chromosomes=4,6; one item: 4,).")
    p.add_argument("scenario", metavar="SCENARIO",
                   help="preset name: " + ", ".join(scenarios.names()))
    p.add_argument("--mad2", action=argparse.BooleanOptionalAction, default=None,
                   help="sotillo2010 only: Mad2 overexpressed (TI-KM, the default) or not "
                   "(--no-mad2: TI-K)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="change a parameter (dotted name, e.g. growth.birth_rate=0.5) or a "
                   "preset option; repeat for more")
    p.add_argument("--runs", type=_int_in(1, 1_000_000), default=1, metavar="N",
                   help="number of tumours: 1 (default) for one run, more for a cohort")
    p.add_argument("--seed", type=_int_in(0, 2**128 - 1), default=None, metavar="S",
                   help="random seed, to repeat a result (default: a new one, printed)")
    p.add_argument("--method", choices=("auto", "exact", "tau"), default="auto",
                   help="exact event-by-event simulation, tau-leaping, or auto (exact "
                   "while small; default)")
    p.add_argument("--out", metavar="FILE", help="write the result to FILE.json or FILE.csv")
    p.add_argument("--progress", action="store_true", help="show a progress bar (cohorts)")
    p.set_defaults(func=_cmd_run)

    p = command("scenarios", "list the simulation presets",
                "List the preset scenarios, their options and what each one shows.",
                "example:\n  cinlab scenarios")
    p.set_defaults(func=_cmd_scenarios)

    p = command(
        "export", "save a lesson, run top to bottom, as one static web page",
        "Run a lesson from top to bottom and save it as one HTML file that opens in any "
        "browser, offline,\nwithout Python. Figures stay interactive (zoom, pan, hover: "
        "Bokeh is inside the file); the\ncontrols show their starting values but cannot "
        "change anything without Python.",
        "examples:\n  cinlab export 04\n  cinlab export 04 --out lesson04.html --hide-code\n"
        "  cinlab export my_notes.ipynb")
    p.add_argument("lesson", metavar="LESSON",
                   help="lesson number (04) or file name, or the path of a notebook")
    p.add_argument("--out", metavar="FILE.html",
                   help="the page to write (default: the lesson's name with .html, here)")
    p.add_argument("--hide-code", action="store_true", help="leave the code out, as the "
                   "app does")
    p.add_argument("--timeout", type=_int_in(1, 86_400), default=600, metavar="SECONDS",
                   help="time allowed for one cell (default: 600)")
    p.set_defaults(func=_cmd_export)
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
