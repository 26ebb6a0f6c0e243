"""Execute notebooks top to bottom with nbclient; report each, fail if any fails.

Usage: python tools/execute_notebooks.py FOLDER NOTEBOOK [NOTEBOOK ...]
(notebooks relative to FOLDER, which is also their working directory). Used by the
fresh-install and Binder checks; it never writes the notebooks back.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from cinlab.export import kernel_transport_config


def main(argv: list[str]) -> int:
    """Execute ``argv[1:]`` inside folder ``argv[0]``; return 1 if any failed."""
    folder = Path(argv[0])
    failed = []
    for name in argv[1:]:
        nb = nbformat.read(folder / name, as_version=4)
        start = time.perf_counter()
        try:
            # the installed cinlab's kernel settings: no warning about TCP on every start
            NotebookClient(nb, timeout=900, kernel_name="python3",
                           resources={"metadata": {"path": str(folder)}},
                           config=kernel_transport_config()).execute()
        except Exception as exc:  # report every notebook, then fail
            failed.append(name)
            last = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
            print(f"FAIL {name}: {type(exc).__name__}: {last}")
        else:
            print(f"ok   {name}  {time.perf_counter() - start:.1f} s")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
