"""Cohorts spread over other processes give the same numbers as in-process runs."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import cinlab


def _same(a: cinlab.Cohort, b: cinlab.Cohort) -> None:
    for key in a._data:
        assert np.array_equal(a._data[key], b._data[key], equal_nan=True), key


@pytest.fixture(scope="module")
def scenario():
    return cinlab.scenarios.get("sotillo2010", mad2=True, **{
        "therapy.detection_size": 1e4, "max_cells": 2e4, "relapse_size": 1e4})


@pytest.mark.slow
def test_dask_local_cluster_gives_the_in_process_cohort(scenario):
    distributed = pytest.importorskip("distributed", reason="the test extra installs dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        spread = cinlab.simulate_many(scenario, 24, seed=5, executor=client.get_executor(),
                                      chunk_size=5)
    _same(spread, cinlab.simulate_many(scenario, 24, seed=5))


@pytest.mark.slow
def test_process_pool_with_the_numpy_backend_gives_the_compiled_cohort(scenario):
    with ProcessPoolExecutor(2) as ex:
        spread = cinlab.simulate_many(scenario, 12, seed=6, executor=ex, backend="numpy")
    _same(spread, cinlab.simulate_many(scenario, 12, seed=6, backend="numba"))
