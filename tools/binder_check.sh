#!/usr/bin/env bash
# Binder environment check: build what repo2docker builds from binder/ (a clean virtual
# environment from binder/requirements.txt, then binder/postBuild run from a copy of the
# repository root with that environment first on PATH), check that the lessons it serves
# carry that environment's Python version and are otherwise unchanged (JupyterLab opens
# them unmodified), then execute every lesson with nbclient from a temporary copy.
#
#   tools/binder_check.sh            uses python3; PYTHON=python3.12 to change
#   KEEP=1 tools/binder_check.sh     keep the temporary folder to look at
set -euo pipefail

name=binder
# shellcheck source=tools/check_env.sh
source "$(dirname "$0")/check_env.sh"

step "environment from binder/requirements.txt"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet -r "$repo/binder/requirements.txt"

step "binder/postBuild from a copy of the repository"
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 tar -cf -) | (mkdir -p "$work/repo" \
    && tar -xf - -C "$work/repo")
(cd "$work/repo" && PATH="$work/venv/bin:$PATH" bash binder/postBuild)
"$work/venv/bin/python" -m pip check

step "postBuild gave the served lessons this Python's version, and changed nothing else"
"$work/venv/bin/python" - "$repo" "$work/repo" <<'PY'
import json, platform, sys
from pathlib import Path
repo, built = Path(sys.argv[1]), Path(sys.argv[2])
paths = sorted(p.relative_to(built) for folder in ("lessons", "lessons/instructor",
               "lessons/source") for p in (built / folder).glob("*.ipynb"))
assert len(paths) >= 21, paths
for rel in paths:
    nb = json.loads((built / rel).read_text(encoding="utf-8"))
    version = nb["metadata"]["language_info"].pop("version", None)
    assert version == platform.python_version(), f"{rel}: language_info.version {version}"
    assert nb == json.loads((repo / rel).read_text(encoding="utf-8")), f"{rel} changed"
print(f"{len(paths)} lessons carry Python {platform.python_version()}")
PY

step "the kernels compiled by postBuild load from its cache (as binder/start runs them)"
(cd "$work" && NUMBA_CPU_NAME=generic "$work/venv/bin/python" -c "
import cinlab
from cinlab.engine import kernels
cinlab.simulate_many(cinlab.scenarios.get('sotillo2010'), 2, seed=1)
f = kernels._tau_clones_numba
assert sum(f._cache_misses.values()) == 0, 'the engine was compiled again at run time'
print('kernel cache: loaded,', sum(f._cache_hits.values()), 'hit(s)')
")

step "execute the lessons"
mkdir -p "$work/run"
cp "$work/repo"/lessons/*.ipynb "$work/run/"
cd "$work/run"
"$work/venv/bin/python" -c "import cinlab; print('cinlab', cinlab.__version__, 'from', \
cinlab.__file__)"
mapfile -t notebooks < <(ls -1 ./*.ipynb | sed 's|^\./||' | sort)
"$work/venv/bin/python" "$repo/tools/execute_notebooks.py" "$work/run" "${notebooks[@]}"
echo "binder check: OK, $((SECONDS - start)) s in all"
