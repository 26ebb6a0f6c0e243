"""Run containers: lineages for Muller plots keep escaped cells apart."""

import numpy as np

import cinlab


def test_lineages_partition_cells_and_keep_escaped_cells_in_escaped_lineages():
    sc = cinlab.scenarios.get("sotillo2010", mad2=True)
    cohort = cinlab.simulate_many(sc, n_runs=20, seed=2010)
    relapsed = np.nonzero(cohort.relapsed)[0]
    assert relapsed.size >= 3
    for k in relapsed[:3]:
        run = cohort.run(int(k))
        lin = run.lineages
        hist = lin["history"]
        # every cell is in exactly one lineage at every time
        np.testing.assert_array_equal(hist.sum(axis=1), run.total)
        # escaped cells are (almost all) drawn in escaped lineages: at most 1% of the
        # tumour may sit in tiny escape origins folded into an addicted ancestor
        drawn = hist[:, lin["escaped"]].sum(axis=1)
        assert np.all(np.abs(drawn - run.escaped) <= 0.01 * np.maximum(run.total, 1) + 1)
        # parents are listed before their children
        index = {int(i): n for n, i in enumerate(lin["id"])}
        for n, p in enumerate(lin["parent"]):
            assert p == -1 or index[int(p)] < n
