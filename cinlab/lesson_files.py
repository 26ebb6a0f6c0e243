"""What ``cinlab lessons`` writes for each shipped lesson file.

- A notebook gets the Python version of this interpreter in its ``language_info``, the
  one thing the stored lessons cannot know: JupyterLab marks a notebook as modified on
  opening when its language info differs from what the kernel reports, and the kernel
  runs on this interpreter (``cinlab lab`` starts JupyterLab with it).
- In a student's copy, links in markdown files to the teacher material (not copied
  without ``--instructor``) become plain text, so that no link leads nowhere.

Only the standard library is used: ``cinlab lessons`` works with the core install.

``python -m cinlab.lesson_files NOTEBOOK ...`` gives notebooks this interpreter's Python
version in place: Binder's ``postBuild`` does so to the lessons it serves from the
repository, which open in a kernel on that interpreter.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["prepared", "stamp", "with_python_version"]

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def with_python_version(data: bytes) -> bytes:
    """A notebook's bytes with this interpreter's Python version in its language info.

    Parameters
    ----------
    data : bytes
        A notebook file (JSON). One whose language is not Python is returned unchanged.

    Returns
    -------
    bytes
        Written as nbformat writes notebooks (and JupyterLab saves them).
    """
    nb = json.loads(data.decode("utf-8"))
    info = nb.get("metadata", {}).get("language_info")
    if not isinstance(info, dict) or info.get("name") != "python":
        return data
    info["version"] = platform.python_version()
    # as nbformat writes notebooks (and JupyterLab saves them)
    text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _unlink_teacher_files(text: str, teacher_only: Sequence[str]) -> str:
    def replace(match: re.Match) -> str:
        target = match.group(2)
        first = target.split("/")[0].split("#")[0]
        return match.group(1) if first in teacher_only else match.group(0)

    return _LINK.sub(replace, text)


def prepared(src: Path, rel: Path, *, instructor: bool,
             teacher_only: Sequence[str] = ()) -> bytes:
    """The bytes ``cinlab lessons`` writes for the shipped file ``src``.

    Parameters
    ----------
    src : Path
        The shipped file.
    rel : Path
        Its path relative to the lessons folder.
    instructor : bool
        Whether the copy includes the teacher material.
    teacher_only : sequence of str
        First path parts of the teacher material (folders or files).

    Returns
    -------
    bytes
    """
    data = src.read_bytes()
    if rel.suffix == ".ipynb":
        return with_python_version(data)
    if rel.suffix == ".md" and not instructor:
        return _unlink_teacher_files(data.decode("utf-8"), teacher_only).encode("utf-8")
    return data


def stamp(paths: Sequence[Path]) -> list[Path]:
    """Give notebooks this interpreter's Python version, in place.

    Parameters
    ----------
    paths : sequence of Path
        Notebook files.

    Returns
    -------
    list of Path
        The files that changed (a second call changes none).
    """
    changed = []
    for path in paths:
        data = path.read_bytes()
        new = with_python_version(data)
        if new != data:
            path.write_bytes(new)
            changed.append(path)
    return changed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m cinlab.lesson_files NOTEBOOK [NOTEBOOK ...]")
    done = stamp([Path(a) for a in sys.argv[1:]])
    print(f"Python {platform.python_version()} written into {len(done)} of "
          f"{len(sys.argv) - 1} notebooks.")
