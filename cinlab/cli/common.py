"""What the ``cinlab`` subcommands share: errors, argument checks, safe file writing."""

from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROG = "cinlab"
#: Where ``cinlab lessons`` and ``cinlab lab`` put the lessons when no folder is given.
DEFAULT_LESSONS_DIR = "cinlab-lessons"
#: Only this computer can reach the servers the command starts.
LOCALHOST = "127.0.0.1"
#: cinlab is not on a package index: it installs from its git repository or a wheel.
INSTALL_LESSONS = ("pip install 'cinlab[lessons] @ git+<cinlab's git URL>' (or a wheel "
                   "built from a checkout: see the README)")
LESSONS_HINT = f"install the lesson tools with: {INSTALL_LESSONS}"
DIR_HELP = f"folder for your copy of the lessons (default: ./{DEFAULT_LESSONS_DIR})"

#: ``command(name, summary, description, epilog)`` adds a subcommand's parser.
AddCommand = Callable[[str, str, str, str], argparse.ArgumentParser]


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit status 2."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"argument {argument}: {message}")


class CommandError(Exception):
    """The command cannot do its job (not the input's fault): exit status 1."""


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, without the usage block."""

    def error(self, message: str) -> Any:
        """Exit with status 2 and the message on one line."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def require(module: str, what: str) -> None:
    """Fail clearly when an optional part of the lesson stack is missing."""
    if importlib.util.find_spec(module) is None:
        raise CommandError(f"{what} is not installed; {LESSONS_HINT}")


def out_path(text: str | None, suffixes: tuple[str, ...], argument: str = "--out", *,
             force: bool = True) -> Path | None:
    """The output file named by ``argument``, checked before any work is done.

    Parameters
    ----------
    text : str or None
        The argument's value (None: no output file).
    suffixes : tuple of str
        Allowed file name endings.
    argument : str
        The option, for messages.
    force : bool
        Whether an existing file may be replaced.

    Returns
    -------
    Path or None

    Raises
    ------
    UsageError
        If the name, its folder or an existing file forbid writing there.
    """
    if text is None:
        return None
    path = Path(text).expanduser()
    if path.suffix.lower() not in suffixes:
        raise UsageError(argument, f"must be a file name ending in {' or '.join(suffixes)}. "
                         f"Got {text!r}.")
    try:
        folder_ok = path.absolute().parent.is_dir()
        is_dir, exists = path.is_dir(), path.exists()
    except OSError as exc:  # e.g. a file name longer than the system allows
        raise UsageError(argument, f"cannot be used: {exc.strerror or exc}. "
                         f"Got {text!r}.") from None
    if not folder_ok:
        raise UsageError(argument, f"must be in an existing folder. Got {text!r}.")
    if is_dir:
        raise UsageError(argument, f"must be a file, not a folder. Got {text!r}.")
    if exists and not force:
        raise UsageError(argument, f"names a file that already exists; add --force to "
                         f"replace it. Got {text!r}.")
    return path


def write_atomic(path: Path, text: str, argument: str = "--out") -> None:
    """Write ``text`` to ``path`` all at once: a temporary file, then a rename.

    An interruption (Ctrl-C, a full disk) leaves the old file, if any, as it was and no
    partial file behind.
    """
    replace_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), argument)


def replace_atomic(path: Path, write: Callable[[Path], Any], argument: str = "--out"
                   ) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    Raises
    ------
    UsageError
        If the file cannot be written (the message is the system's reason).
    """
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                    dir=path.absolute().parent)
        os.close(fd)
        tmp = Path(name)
        write(tmp)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise UsageError(argument, f"cannot write {str(path)!r}: {exc.strerror or exc}."
                         ) from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse type: an integer in [lo, hi], else a one-line error."""
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


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keep the text's own line breaks; align help one column right of "scenarios"."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=92)
        # argparse measures the subcommand names without their extra indent.
        self._action_max_length = len("    scenarios")


