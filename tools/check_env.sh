# Shared set-up of tools/fresh_install_check.sh and tools/binder_check.sh (sourced, not
# run): the repository, the Python to use, a temporary work folder removed on exit
# unless KEEP=1, Jupyter settings kept inside it, and a step printer and clock.
#
# Expects `name` (a short word for the folder) to be set by the caller.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/cinlab-$name.XXXXXX")
if [[ -z "${KEEP:-}" ]]; then
    trap 'rm -rf "$work"' EXIT
else
    echo "keeping $work"
fi
# Kernels and Jupyter settings come from the new environment only, not from ~/.local.
export JUPYTER_DATA_DIR="$work/jupyter-data" JUPYTER_CONFIG_DIR="$work/jupyter-config"
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { echo; echo "== $* ($(date +%T))"; }
start=$SECONDS
