"""How ``cinlab app`` serves a lesson with Voila: cinlab's page template.

The template (``cinlab/_jupyter/voila/templates/cinlab``) is Voila's JupyterLab-style
page without its two Font Awesome links to a CDN (cinlab's buttons carry text) and
without the cells and text a lesson marks as notebook-only (tag ``notebook-only``, class
``cinlab-notebook-only``). ``cinlab app`` finds it through ``JUPYTER_PATH``; a Jupyter
server that serves Voila pages itself (Binder's ``/voila/render/`` links) gets it with
``python -m cinlab.app_page PREFIX`` (binder/postBuild does this).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["JUPYTER_DATA", "TEMPLATE", "VOILA_OPTIONS", "install", "voila_environment"]

#: The folder that holds cinlab's Voila template, as a Jupyter data folder.
JUPYTER_DATA = Path(__file__).resolve().parent / "_jupyter"
TEMPLATE = "cinlab"
#: Voila options of the app page.
VOILA_OPTIONS = (f"--template={TEMPLATE}",)


def voila_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with cinlab's Jupyter data folder first on ``JUPYTER_PATH``."""
    paths = [str(JUPYTER_DATA)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep)
                                   if p]
    return {**env, "JUPYTER_PATH": os.pathsep.join(paths)}


def install(prefix: str | Path) -> list[Path]:
    """Install the template into an environment and make it Voila's default there.

    Parameters
    ----------
    prefix : str or Path
        The environment's prefix (``sys.prefix``).

    Returns
    -------
    list of Path
        The template folder and the server configuration file written.
    """
    prefix = Path(prefix)
    target = prefix / "share" / "jupyter" / "voila" / "templates" / TEMPLATE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(JUPYTER_DATA / "voila" / "templates" / TEMPLATE, target)
    config = prefix / "etc" / "jupyter" / "jupyter_server_config.d" / "cinlab-voila.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"VoilaConfiguration": {"template": TEMPLATE}}, indent=1)
                      + "\n", encoding="utf-8")
    return [target, config]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cinlab.app_page [PREFIX]``: :func:`install` (default: this Python's)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for path in install(args[0] if args else sys.prefix):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
