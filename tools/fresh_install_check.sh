#!/usr/bin/env bash
# Fresh-machine smoke test of what a teacher does, following the README's "Without a
# checkout" section: install cinlab with its lessons from its git repository (this
# checkout's committed HEAD stands in for the public URL: CINLAB_REPO=git+file://...)
# into a new virtual environment (no editable install, no repository on the path), check
# that a wheel built with `pip wheel` installs too, copy the lessons with `cinlab lessons`,
# and run every copied notebook from top to bottom with nbclient. Also runs `cinlab run`
# and `cinlab export` once.
#
#   tools/fresh_install_check.sh            uses python3; PYTHON=python3.12 to change
#   KEEP=1 tools/fresh_install_check.sh     keep the temporary folder to look at
#
# The pinned versions in binder/requirements.txt are used as constraints (`-c`, as the
# README says for the tested versions), so this installs what Binder and CI install.
# Needs the package registry (PyPI), git, and about a minute for the install; the lessons
# take what they take (printed per notebook). Only committed files are installed.
set -euo pipefail

name=fresh
# shellcheck source=tools/check_env.sh
source "$(dirname "$0")/check_env.sh"

step "new virtual environment in $work/venv"
"$python" -m venv "$work/venv"
bin="$work/venv/bin"
# The pip that comes with Python 3.11 (23.x) refuses a git+file:/// URL (no host): with
# a current pip the local repository stands in for the public URL.
"$bin/python" -m pip install --quiet --upgrade pip

CINLAB_REPO="file://$repo"
step "pip install \"cinlab[lessons] @ git+\$CINLAB_REPO\" -c binder/requirements.txt"
t=$SECONDS
"$bin/python" -m pip install --quiet "cinlab[lessons] @ git+$CINLAB_REPO" \
    -c "$repo/binder/requirements.txt"
"$bin/python" -m pip check
echo "install took $((SECONDS - t)) s"

step "a wheel built with pip wheel installs (lessons inside)"
git -C "$repo" archive --format=tar HEAD | (mkdir -p "$work/src" && tar -xf - -C "$work/src")
"$bin/python" -m pip wheel --quiet --no-deps -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/cinlab-*-py3-none-any.whl)
# the listing is read whole first: `grep -q` stops at its match, and a listing still
# being written would then fail with a broken pipe under pipefail
listing=$("$bin/python" -m zipfile -l "$wheel")
grep -q "cinlab/_lessons/00_welcome.ipynb" <<<"$listing"
grep -q "cinlab/_lessons/instructor/00_welcome.ipynb" <<<"$listing"
# the hand-written lessons hold the solutions: they must not ship to students
if grep -q "cinlab/_lessons/source/" <<<"$listing"; then
    echo "the wheel ships lessons/source/ (solutions)"; exit 1
fi
"$bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel[lessons]"
"$bin/python" -m pip check

# Run everything from the temporary folder, so `import cinlab` finds the installed
# package and never the repository.
cd "$work"
step "the installed package"
"$bin/cinlab" --version
"$bin/python" -c "import cinlab, sys; print(cinlab.__file__); \
assert '$repo' not in cinlab.__file__, 'imported the repository, not the install'"

step "cinlab run (headless)"
"$bin/cinlab" run sotillo2010 --runs 3 --seed 1 --out "$work/cohort.csv"
head -2 "$work/cohort.csv"

step "cinlab lessons $work/x"
"$bin/cinlab" lessons "$work/x"
mapfile -t notebooks < <(cd "$work/x" && ls -1 ./*.ipynb | sed 's|^\./||' | sort)
expected=$(find "$repo/lessons" -maxdepth 1 -name '[0-9]*.ipynb' | wc -l)
if [[ ${#notebooks[@]} -ne $expected ]]; then
    echo "FAIL: the installed package ships ${#notebooks[@]} lessons; lessons/ has $expected"
    exit 1
fi

step "a second 'cinlab lessons' keeps every file"
"$bin/cinlab" lessons "$work/x" | grep -E "^[0-9]+ copied"

step "execute ${#notebooks[@]} lessons with nbclient"
"$bin/python" "$repo/tools/execute_notebooks.py" "$work/x" "${notebooks[@]}"

step "cinlab export ${notebooks[0]}"
"$bin/cinlab" export "${notebooks[0]}" --out "$work/first_lesson.html"
if grep -Eiq "<script[^>]*src=[\"']?(https?:)?//" "$work/first_lesson.html"; then
    echo "FAIL: the exported page loads a script from the network"
    exit 1
fi

echo
echo "fresh install check: OK, $((SECONDS - start)) s in all"
