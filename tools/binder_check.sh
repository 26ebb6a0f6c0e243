#!/usr/bin/env bash
# Binder environment check: build what repo2docker builds from binder/ (a clean virtual
# environment from binder/requirements.txt, then binder/postBuild run from a copy of the
# repository root with that environment first on PATH), then execute every lesson with
# nbclient from a temporary copy.
#
#   tools/binder_check.sh            uses python3; PYTHON=python3.12 to change
#   KEEP=1 tools/binder_check.sh     keep the temporary folder to look at
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/cinlab-binder.XXXXXX")
if [[ -z "${KEEP:-}" ]]; then
    trap 'rm -rf "$work"' EXIT
else
    echo "keeping $work"
fi
export JUPYTER_DATA_DIR="$work/jupyter-data" JUPYTER_CONFIG_DIR="$work/jupyter-config"
export PIP_DISABLE_PIP_VERSION_CHECK=1
start=$SECONDS

echo "== environment from binder/requirements.txt ($(date +%T))"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet -r "$repo/binder/requirements.txt"

echo "== binder/postBuild from a copy of the repository ($(date +%T))"
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 tar -cf -) | (mkdir -p "$work/repo" \
    && tar -xf - -C "$work/repo")
(cd "$work/repo" && PATH="$work/venv/bin:$PATH" bash binder/postBuild)
"$work/venv/bin/python" -m pip check

echo "== execute the lessons ($(date +%T))"
mkdir -p "$work/run"
cp "$work/repo"/lessons/*.ipynb "$work/run/"
cd "$work/run"
"$work/venv/bin/python" -c "import cinlab; print('cinlab', cinlab.__version__, 'from', \
cinlab.__file__)"
mapfile -t notebooks < <(ls -1 ./*.ipynb | sed 's|^\./||' | sort)
"$work/venv/bin/python" "$repo/tools/execute_notebooks.py" "$work/run" "${notebooks[@]}"
echo "binder check: OK, $((SECONDS - start)) s in all"
