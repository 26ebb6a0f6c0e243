"""``cinlab lessons``: copy the lesson notebooks into a folder of the user's own."""

from __future__ import annotations

import argparse
import datetime
import shlex
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .. import __version__
from ..lesson_files import prepared
from .common import (
    DEFAULT_LESSONS_DIR,
    DIR_HELP,
    INSTALL_LESSONS,
    AddCommand,
    CommandError,
    UsageError,
)

__all__ = ["TEACHER_ONLY", "CopyReport", "add_lessons", "copy_lessons", "find_lesson",
           "lesson_files", "lessons_source"]


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
    checkout = Path(__file__).resolve().parents[2] / "lessons"
    if checkout.is_dir():
        return checkout
    raise CommandError("this cinlab installation has no lessons; reinstall it with: "
                       + INSTALL_LESSONS)


def _skipped(part: str) -> bool:
    # Hidden files, editor checkpoints and Python tooling are not lesson material (the
    # wheel leaves out the same files).
    return part.startswith(".") or part == "__pycache__" or part.endswith((".py", ".pyc"))


#: Files with the answers: copied only for teachers (``--instructor``).
TEACHER_ONLY = ("instructor", "teacher_guide.md")
#: The hand-written lessons of a checkout, solutions included; never copied (the
#: instructor versions hold the solutions for teachers). The wheel leaves them out.
NEVER_COPIED = ("source",)


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
        checkpoints, ``.py`` files and the lessons' sources (``source/``) are left out.
    """
    found = []
    for path in source.rglob("*"):
        rel = path.relative_to(source)
        if (not path.is_file() or any(_skipped(p) for p in rel.parts)
                or rel.parts[0] in NEVER_COPIED):
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
    inside = dest.resolve()
    try:
        for rel in files:
            src, target = source / rel, dest / rel
            _refuse_links_out(target, inside, rel)
            data = prepared(src, rel, instructor=instructor, teacher_only=TEACHER_ONLY)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                report.copied.append(rel)
            elif target.read_bytes() == data:
                report.unchanged.append(rel)
            elif force:
                if report.backup is None:
                    report.backup = _backup_dir(dest)
                saved = report.backup / rel
                saved.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(target, saved)
                target.write_bytes(data)
                report.replaced.append(rel)
            else:
                report.kept.append(rel)
    except OSError as exc:
        raise UsageError("DIR", f"cannot write into {str(dest)!r}: "
                         f"{exc.strerror or exc}.") from exc
    return report


def _refuse_links_out(target: Path, inside: Path, rel: Path) -> None:
    """A lesson is never written through a link (even a dangling one) leading out of DIR."""
    resolved = target.resolve()
    if resolved != inside and inside not in resolved.parents:
        raise UsageError("DIR", f"{rel.as_posix()} in {str(inside)!r} is a link to "
                         f"{str(resolved)!r}, outside the folder; remove the link or "
                         "choose another folder.")


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


def _cmd_lessons(args: argparse.Namespace) -> int:
    report = copy_lessons(args.dir, force=args.force, instructor=args.instructor)
    print(f"Lessons from cinlab {__version__} in {report.dest}:")
    print("\n".join(report.lines()))
    print(f"Open them with: cinlab lab {_shell_path(args.dir)}")
    return 0


def _shell_path(text: str) -> str:
    return shlex.quote(text)



def add_lessons(command: AddCommand) -> None:
    """Register ``cinlab lessons``."""
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
                   help=DIR_HELP)
    p.add_argument("--force", action="store_true",
                   help="replace files that differ from the shipped lessons (backup kept)")
    p.add_argument("--instructor", action="store_true",
                   help="also copy the teacher guide and the lessons with solutions shown")
    p.set_defaults(func=_cmd_lessons)
