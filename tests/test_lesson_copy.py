"""What `cinlab lessons` writes: links that resolve, notebooks that open unmodified."""

import json
import platform
import re
from pathlib import Path

import pytest

from cinlab.cli import copy_lessons, lessons_source

LINK = re.compile(r"\]\(([^)\s]+)\)")


def local_links(folder: Path) -> dict[Path, list[str]]:
    """Relative link targets in every markdown file and notebook markdown cell."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            text = "\n".join("".join(c["source"]) for c in cells
                             if c["cell_type"] == "markdown")
        else:
            continue
        targets = [t.split("#")[0] for t in LINK.findall(text)
                   if not re.match(r"^[a-z]+:", t) and not t.startswith("#")]
        found[path] = [t for t in targets if t]
    return found


@pytest.mark.parametrize("instructor", [False, True], ids=["student", "instructor"])
def test_every_link_in_a_copy_leads_to_a_copied_file(tmp_path, instructor):
    report = copy_lessons(tmp_path, instructor=instructor)
    assert report.copied
    links = local_links(tmp_path)
    assert sum(len(t) for t in links.values()) >= 10
    broken = [f"{p.name} -> {t}" for p, targets in links.items() for t in targets
              if not (p.parent / t).exists()]
    assert broken == []
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert ("](teacher_guide.md)" in readme) is instructor
    assert "cinlab lessons --instructor" in readme


def test_a_copied_notebook_carries_this_python_and_a_second_copy_keeps_it(tmp_path):
    copy_lessons(tmp_path)
    shipped = sorted(p.name for p in lessons_source().glob("[0-9][0-9]_*.ipynb"))
    for name in shipped:
        nb = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert nb["metadata"]["language_info"]["version"] == platform.python_version()
        assert nb["metadata"]["language_info"]["pygments_lexer"] == "ipython3"
    again = copy_lessons(tmp_path)
    assert again.copied == []
    assert again.kept == []
    assert len(again.unchanged) >= len(shipped)
