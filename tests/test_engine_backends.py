"""The compiled (numba) and numpy backends give the same numbers, bit for bit.

Kernels are compared on random inputs that reach every branch (inversion and normal
draws, flipped probabilities, empty and certain cases); whole runs and cohorts are
compared on every preset and on CIN runs with therapy. The numba-less path and the
on-disk compile cache are checked in fresh interpreters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import cinlab
from cinlab import scenarios
from cinlab.engine import Batch, _jit, daughters, draws, kernels, resolve_backend
from cinlab.karyotype import MissegregationSampler
from cinlab.rng import uniforms


@pytest.fixture(autouse=True)
def _engine_checks(monkeypatch):
    monkeypatch.setenv("CINLAB_ENGINE_CHECKS", "1")


def _mixed_inputs(seed, m=20000):
    rng = np.random.default_rng(seed)
    n = np.concatenate([rng.integers(0, 5, m // 4), rng.integers(0, 60, m // 4),
                        rng.integers(0, 5000, m // 4), 10 ** rng.integers(0, 9, m // 4)])
    p = np.concatenate([rng.random(m // 2) ** 4, rng.random(m // 4),
                        rng.choice([0.0, 1.0, 0.5, 1e-12, 1 - 1e-12], m // 4)])
    rng.shuffle(p)
    u = uniforms(np.uint64(seed) + np.arange(m, dtype=np.uint64), 0)
    return n, p, u


def test_compiled_uniforms_equal_the_numpy_ones():
    base = np.arange(1000, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    lanes = np.arange(1000, dtype=np.uint64) % np.uint64(64)
    want = uniforms(base, lanes)
    got = np.array([kernels._uniform1(b, la) for b, la in zip(base, lanes, strict=True)])
    assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", [1, 2])
def test_binomial_and_negative_binomial_kernels_agree(seed):
    n, p, u = _mixed_inputs(seed)
    small = (n * np.minimum(p, 1 - p) < draws.INVERSION_MEAN) & (n > 0) & (p > 0) & (p < 1)
    assert small.sum() > 1000
    assert (~small & (n > 0) & (p > 0) & (p < 1)).sum() > 1000
    want = draws.binomial(n, p, u)
    got = np.array([draws.binomial1(int(a), float(b), float(c))
                    for a, b, c in zip(n, p, u, strict=True)])
    assert np.array_equal(got, want)
    assert np.all((want >= 0) & (want <= n))
    q = np.minimum(p, 0.95)
    want = draws.negbin(n, q, u)
    got = np.array([draws.negbin1(int(a), float(b), float(c))
                    for a, b, c in zip(n, q, u, strict=True)])
    assert np.array_equal(got, want)


def test_vectorised_draws_follow_their_laws():
    # Binomial(30, 0.2) by inversion and NegBin(400, 0.3) by the normal branch: means
    # and variances within 4 standard errors over 200,000 draws.
    m = 200_000
    u = uniforms(np.arange(m, dtype=np.uint64) * np.uint64(7919), 0)
    x = draws.binomial(np.full(m, 30), np.full(m, 0.2), u)
    assert abs(x.mean() - 6.0) < 4 * np.sqrt(4.8 / m)
    assert abs(x.var() - 4.8) < 4 * 4.8 * np.sqrt(2 / m)
    s, q = 400, 0.3
    y = draws.negbin(np.full(m, s), np.full(m, q), u)
    mean, var = s * q / (1 - q), s * q / (1 - q) ** 2
    assert abs(y.mean() - mean) < 4 * np.sqrt(var / m)
    assert abs(y.var() - var) < 4 * var * np.sqrt(2 / m)
    assert draws.powi(np.array([0.5, 0.9]), np.array([10, 0]))[0] == 0.5 ** 10


@pytest.mark.parametrize("at_least", [1, 2])
def test_compiled_missegregation_changes_agree(at_least):
    sampler = MissegregationSampler(0.02, 6)
    rng = np.random.default_rng(at_least)
    kary = rng.integers(1, 7, size=(3000, 20)).astype(np.int16)
    u = rng.random((3000, 40))
    want = sampler.changes(kary, u, at_least)
    ge1, ge2 = sampler.tables(20 * 6)
    rem, k, out = np.empty(21, np.int64), np.empty(20, np.int64), np.empty(20, np.int64)
    for i in range(kary.shape[0]):
        daughters._changes1(kary[i], u[i], 0, at_least, sampler.pmf, sampler.half, ge1, ge2,
                          rem, k, out)
        assert np.array_equal(out, want[i]), i


def _same_runs(a, b):
    da, db = a.to_dict(), b.to_dict()
    da.pop("version", None)
    db.pop("version", None)
    assert json.dumps(da, sort_keys=True) == json.dumps(db, sort_keys=True)


def _same_cohorts(a, b):
    assert set(a._data) == set(b._data)
    for key in a._data:
        assert np.array_equal(a._data[key], b._data[key], equal_nan=True), key


@pytest.mark.parametrize("name", scenarios.names())
def test_every_preset_is_identical_on_both_backends(name):
    # the first 100 days: detection, therapy and (adaptive) several pauses and resumes
    sc = scenarios.get(name)
    sc = sc.replace(duration=min(sc.duration, 100.0))
    _same_runs(cinlab.simulate(sc, seed=1, backend="numba"),
               cinlab.simulate(sc, seed=1, backend="numpy"))
    _same_cohorts(cinlab.simulate_many(sc, 4, seed=3, backend="numba"),
                  cinlab.simulate_many(sc, 4, seed=3, backend="numpy"))


@pytest.mark.slow  # the numpy backend takes about a minute for all presets
@pytest.mark.parametrize("name", scenarios.names())
def test_every_preset_is_identical_on_both_backends_in_larger_cohorts(name):
    sc = scenarios.get(name)
    _same_runs(cinlab.simulate(sc, seed=2, backend="numba"),
               cinlab.simulate(sc, seed=2, backend="numpy"))
    _same_cohorts(cinlab.simulate_many(sc, 12, seed=5, backend="numba"),
                  cinlab.simulate_many(sc, 12, seed=5, backend="numpy"))


def test_cin_run_with_therapy_and_competition_is_identical():
    sc = scenarios.get("sotillo2010", mad2=True).replace(**{
        "cin.window": "always", "growth.carrying_capacity": 3e4, "max_cells": 4e4,
        "therapy.detection_size": 1e4, "relapse_size": 1e4, "duration": 200.0,
        "therapy.kill_aneuploid": 0.05})
    _same_runs(cinlab.simulate(sc, seed=11, backend="numba"),
               cinlab.simulate(sc, seed=11, backend="numpy"))
    _same_cohorts(cinlab.simulate_many(sc, 8, seed=12, backend="numba"),
                  cinlab.simulate_many(sc, 8, seed=12, backend="numpy"))
    exact = {"method": "exact", "seed": 13}
    small = sc.replace(max_cells=3000, relapse_size=1000, **{"therapy.detection_size": 1000})
    _same_runs(cinlab.simulate(small, backend="numba", **exact),
               cinlab.simulate(small, backend="numpy", **exact))


def test_backend_argument_is_checked():
    with pytest.raises(ValueError, match="backend must be one of 'auto', 'numba', 'numpy'. "
                                         "Got 'gpu'"):
        resolve_backend("gpu")
    with pytest.raises(ValueError, match="backend"):
        cinlab.simulate_many(scenarios.get("untreated"), 2, backend="fast")
    assert resolve_backend("numpy") == "numpy"
    assert resolve_backend("auto") == ("numba" if _jit.HAVE_NUMBA else "numpy")


def _python(code, **env):
    full = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_without_numba_auto_uses_numpy_and_numba_is_refused():
    code = ("import cinlab\nfrom cinlab.engine import resolve_backend\n"
            "r = cinlab.simulate(cinlab.scenarios.get('withdrawal'), seed=4)\n"
            "print(resolve_backend('auto'), r.status)\n"
            "try:\n    resolve_backend('numba')\nexcept ValueError as e:\n    print(e)\n")
    out = _python(code, CINLAB_NO_NUMBA="1").splitlines()
    assert out[0].startswith("numpy ")
    assert "backend='numba' needs numba" in out[1]
    assert "CINLAB_NO_NUMBA" in out[1]


@pytest.mark.slow  # compiles every kernel from scratch once (about 20 s)
def test_compiled_kernels_load_from_the_disk_cache_in_a_new_process(tmp_path):
    # the first process compiles and writes the cache; the second only loads it
    code = ("import cinlab\nfrom cinlab.engine import kernels\n"
            "cinlab.simulate_many(cinlab.scenarios.get('sotillo2010'), 2, seed=1)\n"
            "f = kernels._tau_clones_numba\n"
            "print(sum(f._cache_hits.values()), sum(f._cache_misses.values()))\n")
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    hits, misses = map(int, _python(code, **env).split())
    assert (hits, misses) == (0, 1)
    assert any(tmp_path.rglob("*.nbi"))
    hits, misses = map(int, _python(code, **env).split())
    assert (hits, misses) == (1, 0)


def test_cache_folder_falls_back_when_the_package_is_read_only(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(_jit.Path, "home", staticmethod(lambda: tmp_path))
    package = _jit.Path(_jit.__file__).resolve().parent / "__pycache__"
    monkeypatch.setattr(_jit, "_writable", lambda folder: folder != package)
    _jit._choose_cache_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / ".cache" / "cinlab" / "numba")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setattr(_jit, "_writable", lambda folder: False)
    _jit._choose_cache_dir()
    assert "cinlab-numba-" in os.environ["NUMBA_CACHE_DIR"]


def test_invariant_check_catches_a_corrupted_table():
    batch = Batch(scenarios.get("untreated"), [np.random.SeedSequence(1)])
    batch.check_invariants()
    batch.count[0, 0] += 1
    with pytest.raises(AssertionError, match="total != sum of counts"):
        batch.check_invariants()


def test_a_compile_failure_falls_back_to_numpy_with_a_warning(monkeypatch):
    monkeypatch.setattr(kernels, "_STATE", {"ready": False, "busy": False, "failed": False,
                                            "seconds": 0.0})
    monkeypatch.setattr(kernels, "HAVE_NUMBA", True)

    def broken(*args, **kwargs):
        raise RuntimeError("no LLVM here")

    monkeypatch.setattr("cinlab.engine.batch.Batch.run", broken)
    with pytest.warns(RuntimeWarning, match="failed to build .*no LLVM here.*numpy backend"):
        assert resolve_backend("auto") == "numpy"
    assert kernels.is_ready()


def test_preparing_says_so_once_and_only_when_there_is_work(monkeypatch):
    monkeypatch.setattr(kernels, "_STATE", {"ready": False, "busy": False, "failed": False,
                                            "seconds": 0.0})
    said = []
    kernels.prepare(said.append)
    assert said == [kernels.COMPILE_MESSAGE]
    assert "compiled once per machine" in said[0]
    kernels.prepare(said.append)
    assert len(said) == 1


@pytest.mark.slow  # a fresh process that loads (or compiles) every kernel
def test_command_line_run_announces_the_compile_on_stderr():
    code = ("import sys\nfrom cinlab.cli import main\n"
            "sys.exit(main(['run', 'withdrawal', '--seed', '3']))\n")
    full = {**os.environ}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("Preparing the simulation engine") == 1
    assert "Preparing" not in out.stdout
