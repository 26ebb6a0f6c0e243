"""``cinlab lab`` and ``cinlab app``: the lessons in JupyterLab, or one lesson in Voila.

Both listen on 127.0.0.1 only and keep their login token.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from pathlib import Path
from typing import Any

from ..app_page import VOILA_OPTIONS, voila_environment
from .common import (
    DEFAULT_LESSONS_DIR,
    DIR_HELP,
    LOCALHOST,
    AddCommand,
    CommandError,
    UsageError,
    int_in,
    require,
)
from .lessons import copy_lessons, find_lesson

__all__ = ["APP_PORT", "add_app", "add_lab", "app_command", "app_environment",
           "lab_command"]

#: Environment variable that asks a lesson's ``widgets.setup()`` for large text
#: (``cinlab.plots.LARGE_ENV``; not imported here: the CLI loads no Bokeh).
LARGE_ENV = "CINLAB_LARGE"
#: First port tried for ``cinlab app`` (Voila's own default).
APP_PORT = 8866
PORT = int_in(1, 65535)


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


#: JupyterLab options: without the notebook_shim server extension (compatibility with
#: classic-notebook configuration, which cinlab does not use), whose start-up reads every
#: server option and so prints "ServerApp.token config is deprecated" at every start.
QUIET_LAB = ("--ServerApp.jpserver_extensions=notebook_shim=False",)


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
           f"--ServerApp.root_dir={Path(directory).absolute()}", *QUIET_LAB]
    if port is not None:
        # a port that is taken is an error, not a reason to move silently to the next
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
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
            "--MappingKernelManager.cull_interval=60", *VOILA_OPTIONS]


def app_environment(token: str, large: bool = False) -> dict[str, str]:
    """The environment for :func:`app_command`: this one plus ``JUPYTER_TOKEN``.

    Parameters
    ----------
    token : str
        The login token; must not be empty.
    large : bool, optional
        Projector mode: sets ``CINLAB_LARGE=1``, which the lesson's
        ``widgets.setup()`` reads in the app's kernel.

    Returns
    -------
    dict
    """
    if not token:
        raise ValueError("the Voila token must not be empty.")
    env = voila_environment({**os.environ, "JUPYTER_TOKEN": token})
    if large:
        env[LARGE_ENV] = "1"
    return env


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


def _check_port(port: int) -> int:
    """``port`` if it is free; else a usage error, before anything starts."""
    if not _port_is_free(port):
        raise UsageError("--port", f"must be a free port on {LOCALHOST}; {port} is in "
                         "use. Leave --port out to pick a free one.")
    return port


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


def _cmd_lab(args: argparse.Namespace) -> int:
    require("jupyterlab", "JupyterLab")
    if args.port is not None:
        _check_port(args.port)
    report = copy_lessons(args.dir)
    print(f"Lessons in {report.dest}: {report.lines()[-1]}")
    if report.kept:
        print("  Your own copies were kept: " + ", ".join(p.as_posix() for p in report.kept))
    print("Starting JupyterLab on this computer only (127.0.0.1). If no browser tab opens,"
          " open the link with the token that it prints. Stop it with Ctrl-C.", flush=True)
    return _exec(lab_command(report.dest, port=args.port, open_browser=not args.no_browser))


def _cmd_app(args: argparse.Namespace) -> int:
    require("voila", "Voila")
    given = Path(args.lesson).expanduser()
    if given.suffix == ".ipynb" and given.is_file():
        notebook = given
    else:
        report = copy_lessons(args.dir)
        notebook = find_lesson(args.lesson, report.dest)
    port = _free_port() if args.port is None else _check_port(args.port)
    token = secrets.token_hex(24)
    url = f"http://{LOCALHOST}:{port}/?token={token}"
    print(f"Starting the app for {notebook.name} on this computer only ({LOCALHOST}).",
          flush=True)
    return _serve_app(app_command(notebook, port=port), app_environment(token, args.large),
                      port, url, open_browser=not args.no_browser)



def add_lab(command: AddCommand) -> None:
    """Register ``cinlab lab``."""
    p = command(
        "lab", "open the lessons in JupyterLab",
        "Copy the lessons into DIR if they are not there yet (your copies are kept), "
        "then open DIR in JupyterLab.\nJupyterLab listens on 127.0.0.1 (this computer "
        "only) and asks for its login token: the link it prints and opens carries it.",
        "examples:\n  cinlab lab\n  cinlab lab ~/biology/cinlab --port 8899 --no-browser")
    p.add_argument("dir", metavar="DIR", nargs="?", default=DEFAULT_LESSONS_DIR,
                   help=DIR_HELP)
    p.add_argument("--port", type=PORT, help="port to listen on (default: 8888 or the next "
                   "free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.set_defaults(func=_cmd_lab)


def add_app(command: AddCommand) -> None:
    """Register ``cinlab app``."""
    p = command(
        "app", "show one lesson as an app, without code (for projecting)",
        "Open one lesson in Voila: the lesson's text, figures and controls without its "
        "code, for projecting in class.\nThe app listens on 127.0.0.1 (this computer "
        "only) and needs a login token: the link cinlab prints and opens carries it.",
        "examples:\n  cinlab app 04\n  cinlab app 04 --large\n"
        "  cinlab app 04_cin_and_relapse --no-browser\n  cinlab app my_notes.ipynb")
    p.add_argument("lesson", metavar="LESSON",
                   help="lesson number (04) or file name, or the path of a notebook")
    p.add_argument("dir", metavar="DIR", nargs="?", default=DEFAULT_LESSONS_DIR,
                   help=DIR_HELP)
    p.add_argument("--port", type=PORT, help=f"port to listen on (default: {APP_PORT} or "
                   "the next free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.add_argument("--large", action="store_true",
                   help="projector mode: larger text, figures as wide as the screen")
    p.set_defaults(func=_cmd_app)
