"""Batches of a cohort in threads: the same cohort for any number of threads or batches."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_cohort import assert_same_cohort, small_treated

import cinlab
from cinlab import parallel


def test_threads_do_not_change_a_cohort(monkeypatch):
    sc = small_treated()
    monkeypatch.setenv(parallel.ENV, "1")
    alone = cinlab.simulate_many(sc, n_runs=20, seed=4)
    monkeypatch.setenv(parallel.ENV, "3")
    # 20 runs in three threads: batches of 8, 8 and 4
    assert [len(b) for b in parallel.plan_batches(20, 100, 3)] == [8, 8, 4]
    threaded = cinlab.simulate_many(sc, n_runs=20, seed=4)
    assert_same_cohort(alone, threaded)
    np.testing.assert_array_equal(alone._data["status"], threaded._data["status"])


def test_a_run_at_its_clone_cap_ends_alike_however_the_cohort_is_batched(monkeypatch):
    # a small table: each replicate of a 12-run cohort may hold 1560 // 12 = 130 clones,
    # which 7 of these 12 tumours reach (a batch of 8 alone would give each 195)
    monkeypatch.setattr(parallel, "TABLE_SLOTS", 1560)
    assert parallel.clone_cap(12, 100) == 130
    assert parallel.clone_cap(12, 5) == 312  # batches of 5: the cap of a full batch
    sc = small_treated()
    monkeypatch.setenv(parallel.ENV, "1")
    whole = cinlab.simulate_many(sc, n_runs=12, seed=2)
    capped = whole._data["status"] == cinlab.engine.CLONE_CAP
    assert 0 < capped.sum() < 12, whole._data["status"]
    monkeypatch.setenv(parallel.ENV, "2")  # batches of 8 and 4, side by side
    assert_same_cohort(whole, cinlab.simulate_many(sc, n_runs=12, seed=2))
    with ThreadPoolExecutor(2) as pool:  # executor tasks of 3 replicates
        chunked = cinlab.simulate_many(sc, n_runs=12, seed=2, executor=pool, chunk_size=3)
    assert_same_cohort(whole, chunked)
    np.testing.assert_array_equal(whole._data["status"], chunked._data["status"])


def test_progress_is_reported_from_the_calling_thread(monkeypatch):
    monkeypatch.setenv(parallel.ENV, "2")
    seen = []

    def report(done, total):
        seen.append((done, total, threading.current_thread() is threading.main_thread()))

    cinlab.simulate_many(small_treated(), n_runs=16, seed=1, progress=report)
    assert seen[-1][:2] == (16, 16)
    assert all(main for _, _, main in seen)
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)


def long_batch(callback, steps):
    """A batch of 10,000 steps of 1 ms that reports after each (stopped through it)."""
    for k in range(10_000):
        callback(0)
        steps.append(k)
        threading.Event().wait(0.001)
    return "finished"


def test_a_failing_batch_stops_the_others_and_its_error_is_raised():
    started = threading.Event()
    steps = []

    def job(batch, callback):
        if batch.start == 0:
            started.wait(5)
            raise RuntimeError("batch 0 failed")
        started.set()
        return long_batch(callback, steps)

    with pytest.raises(RuntimeError, match="batch 0 failed"):
        parallel.run_batches(job, [range(0, 1), range(1, 2)], threads=2)
    assert len(steps) < 10_000


def test_an_interrupt_in_the_calling_thread_stops_every_batch():
    # a teacher pressing "interrupt the kernel" while a cohort runs in threads
    steps = []

    def job(batch, callback):
        return long_batch(callback, steps)

    def report(done):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        parallel.run_batches(job, [range(0, 1), range(1, 2)], threads=2, report=report)
    assert len(steps) < 10_000  # both batches stopped at their next step
    assert not [t for t in threading.enumerate() if t.name.startswith("cinlab-batch")]


@pytest.mark.parametrize("value", ["0", "two", "-1", "1000"])
def test_a_bad_thread_count_is_named(monkeypatch, value):
    monkeypatch.setenv(parallel.ENV, value)
    with pytest.raises(ValueError, match=rf"CINLAB_THREADS must be a whole number of "
                                         rf"threads in \[1, 256\]. Got '{value}'"):
        cinlab.simulate_many(small_treated(), n_runs=2, seed=1)


def test_thread_count_follows_the_cpus_and_a_container_quota(monkeypatch, tmp_path):
    monkeypatch.delenv(parallel.ENV, raising=False)
    monkeypatch.setattr(parallel, "available_cpus", lambda: 16)
    assert parallel.thread_count() == parallel.MAX_THREADS
    monkeypatch.setattr(parallel, "available_cpus", lambda: 1)
    assert parallel.thread_count() == 1
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert parallel._cgroup_cpus(tmp_path) == 2  # 1.5 CPUs: two threads may run
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert parallel._cgroup_cpus(tmp_path) is None
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert parallel._cgroup_cpus(tmp_path) == 1
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert parallel._cgroup_cpus(tmp_path) is None
    assert parallel._cgroup_cpus(tmp_path / "absent") is None


def test_a_container_quota_bounds_the_affinity_mask(monkeypatch):
    monkeypatch.setattr(parallel, "_cgroup_cpus", lambda: 1)
    assert parallel.available_cpus() == 1
    monkeypatch.setattr(parallel, "_cgroup_cpus", lambda: None)
    assert parallel.available_cpus() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("n_runs", "threads"), [(1, 2), (7, 2), (30, 2), (100, 2),
                                                (250, 1), (250, 4), (1000, 2), (1000, 3),
                                                (1000, 20)])
def test_batches_cover_the_cohort_in_order(n_runs, threads):
    batches = parallel.plan_batches(n_runs, 100, threads)
    assert [i for b in batches for i in b] == list(range(n_runs))
    assert all(len(b) <= 100 for b in batches)
    if threads > 1 and n_runs >= 2 * parallel.MIN_SPLIT:
        assert len(batches) >= threads
    # the batches in memory at once hold at most one batch's worth of replicates
    assert threads * max(len(b) for b in batches) <= max(100, threads * parallel.MIN_SPLIT)


def test_a_power_pool_in_threads_follows_the_cohort_at_its_clone_cap(monkeypatch):
    from cinlab import power

    monkeypatch.setattr(parallel, "TABLE_SLOTS", 1560)  # 130 clones a replicate, as above
    sc = small_treated()
    monkeypatch.setenv(parallel.ENV, "1")
    whole = cinlab.simulate_many(sc, n_runs=12, seed=2)
    assert (whole._data["status"] == cinlab.engine.CLONE_CAP).sum() > 0
    monkeypatch.setenv(parallel.ENV, "2")
    power._POOLS.clear()
    pool = power.simulate_pool(sc, n_runs=12, seed=2)
    power._POOLS.clear()
    time, event = whole.relapse_outcomes()
    np.testing.assert_array_equal(pool.time, time)
    np.testing.assert_array_equal(pool.event, event)
