"""The simulation engine against the closed forms of cinlab.theory (science.md, 1-7).

Every engine test runs at a fixed seed with ``method="exact"`` and with ``method="auto"``
(with a small ``switch_size`` so that the tau-leaping path is really used; each such
test asserts that it was). Probabilities are accepted within Z = 4 exact standard
errors ``sqrt(p (1 - p) / R)``; means within 4 ``sqrt(Var / R)`` with the theoretical
variance; sample variances within 4 ``sqrt(kappa4 / R + 2 kappa2^2 / (R - 1))`` with the
exact cumulants. Histograms use a chi-square test with p > 0.001 (bins pooled until
every expected count is >= 5). Where "auto" simulates a slightly different process
(tau-leaping overshoots ``max_cells``/detection by up to one step; its per-step
variance is smaller by O(dt)), the test says how that is accounted for.
"""

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

import cinlab
from cinlab import karyotype, theory
from cinlab.engine import EXTINCT, MAX_CELLS, Batch

pytestmark = pytest.mark.statistical

Z = 4.0
P_MIN = 1e-3

NO_CIN = cinlab.CIN(missegregation_rate=0.0, baseline_rate=0.0, window="never")


def scenario(b, d, n0, duration, *, max_cells=1e12, mutation_rate=0.0, therapy=None,
             record_interval=None, cin=NO_CIN, genome=None):
    """A birth-death scenario: neutral escape mutation (escaped cells keep b, d)."""
    return cinlab.Scenario(
        growth=cinlab.Growth(birth_rate=b, death_rate=d),
        genome=genome or cinlab.Genome(n_chromosomes=1, ploidy=2, max_copies=2),
        cin=cin,
        fitness=cinlab.Fitness(aneuploidy_cost=0.0),
        escape=cinlab.Escape(bypass_chromosomes=(), mutation_rate=mutation_rate,
                             birth_rate=b, death_rate=d),
        therapy=therapy,
        initial_cells=n0,
        duration=duration,
        max_cells=max_cells,
        relapse_size=min(max_cells, 1e7),
        record_interval=record_interval or min(duration, 100.0),
    )


def run_batch(sc, seed, reps, method, **kw):
    return Batch(sc, np.random.SeedSequence(seed).spawn(reps), method=method, **kw).run()


def assert_tau_used(batch, fraction=0.2):
    """The auto runs really went through tau-leaping (in at least ``fraction`` of them)."""
    used = np.mean(batch.n_tau > 0)
    assert used >= fraction, f"tau-leaping used in only {used:.1%} of the replicates"


def assert_probability(hits, trials, p, what=""):
    se = math.sqrt(p * (1 - p) / trials)
    p_hat = hits / trials
    assert abs(p_hat - p) <= Z * se, (
        f"{what}: {p_hat:.4f} from {trials} runs, theory {p:.4f} (SE {se:.4f}, "
        f"{abs(p_hat - p) / se:.1f} SE off)")


def pooled_chisquare(observed, expected, min_expected=5.0):
    """Chi-square p-value after pooling the smallest bins until each expects >= 5.

    ``expected`` must sum to the sample size (include a tail bin if needed).
    """
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    order = np.argsort(expected)
    obs, exp = list(observed[order]), list(expected[order])
    while len(exp) > 1 and exp[0] < min_expected:
        o, e = obs.pop(0), exp.pop(0)
        obs[0] += o
        exp[0] += e
        k = int(np.argsort(exp)[0])  # keep the smallest first
        obs.insert(0, obs.pop(k))
        exp.insert(0, exp.pop(k))
    assert len(exp) >= 2, "too few bins for a chi-square test"
    return stats.chisquare(obs, exp).pvalue


# ---------------------------------------------------------------------------------------
# Exact cumulants (for standard errors of sample variances)
# ---------------------------------------------------------------------------------------


def raw_to_cumulants(m1, m2, m3, m4):
    k2 = m2 - m1**2
    k3 = m3 - 3 * m2 * m1 + 2 * m1**3
    k4 = m4 - 4 * m3 * m1 - 3 * m2**2 + 12 * m2 * m1**2 - 6 * m1**4
    return np.array([m1, k2, k3, k4])


def birth_death_cumulants(b, d, n0, t):
    """Cumulants 1-4 of the size at t of a linear birth-death process from n0 cells.

    From one cell, N(t) is 0 with probability alpha and otherwise geometric on 1, 2, ...
    with ratio beta (Kendall 1948); its factorial moments are
    ``E[(N)_k] = (1 - alpha) k! beta^(k-1) / (1 - beta)^k``. Cumulants add over cells.
    """
    if b == d:
        alpha = beta = b * t / (1 + b * t)
    else:
        e = math.exp((b - d) * t)
        alpha = d * (e - 1) / (b * e - d)
        beta = b * (e - 1) / (b * e - d)
    q = 1 - beta
    f = [(1 - alpha) * math.factorial(k) * beta ** (k - 1) / q**k for k in (1, 2, 3, 4)]
    m1 = f[0]
    m2 = f[1] + f[0]
    m3 = f[2] + 3 * f[1] + f[0]
    m4 = f[3] + 6 * f[2] + 7 * f[1] + f[0]
    return n0 * raw_to_cumulants(m1, m2, m3, m4)


def _series_mul(x, y):
    return np.convolve(x, y)[: len(x)]


def galton_watson_cumulants(p_birth, p_death, n0, steps):
    """Cumulants 1-4 after ``steps`` steps of the 0/1/2-offspring Galton-Watson process.

    By composing the cumulant generating functions as power series truncated at
    theta^4: K_{n+1}(theta) = K_n(K_xi(theta)).
    """
    p_stay = 1 - p_birth - p_death
    raw = [p_stay + p_birth * 2**k for k in (1, 2, 3, 4)]
    kx = raw_to_cumulants(*raw)
    c = np.array([0.0, kx[0], kx[1] / 2, kx[2] / 6, kx[3] / 24])
    powers = [np.array([1.0, 0, 0, 0, 0]), c]
    for _ in range(3):
        powers.append(_series_mul(powers[-1], c))
    a = np.array([0.0, 1.0, 0.0, 0.0, 0.0])
    for _ in range(steps):
        a = sum(a[j] * powers[j] for j in range(1, 5))
    return n0 * a[1:] * np.array([1, 2, 6, 24])


def variance_se(kappa, reps):
    return math.sqrt(kappa[3] / reps + 2 * kappa[1] ** 2 / (reps - 1))


def test_cumulant_helpers_agree_with_theory():
    # the helpers above only provide standard errors; check their first two cumulants
    k = birth_death_cumulants(1.0, 0.5, 5, 4.0)
    assert k[0] == pytest.approx(theory.mean_size(1.0, 0.5, 5, 4.0), rel=1e-12)
    assert k[1] == pytest.approx(theory.variance_size(1.0, 0.5, 5, 4.0), rel=1e-12)
    k = birth_death_cumulants(0.5, 0.5, 2, 3.0)
    assert k[1] == pytest.approx(theory.variance_size(0.5, 0.5, 2, 3.0), rel=1e-12)
    g = galton_watson_cumulants(0.3, 0.1, 7, 12)
    assert g[0] == pytest.approx(theory.galton_watson_mean(0.3, 0.1, 7, 12), rel=1e-12)
    assert g[1] == pytest.approx(theory.galton_watson_variance(0.3, 0.1, 7, 12), rel=1e-12)
    # brute force for the fourth cumulant: the pmf by iterating the offspring pgf
    pmf = np.array([0.0, 1.0])
    offspring = np.array([0.1, 0.6, 0.3])
    for _ in range(4):
        new = np.zeros(2 * pmf.size)
        power = np.array([1.0])
        for pk in pmf:
            new[: power.size] += pk * power
            power = np.convolve(power, offspring)
        pmf = np.trim_zeros(new, "b")
    n = np.arange(pmf.size)
    raw = [float((pmf * n**k).sum()) for k in (1, 2, 3, 4)]
    assert galton_watson_cumulants(0.3, 0.1, 1, 4) == pytest.approx(
        raw_to_cumulants(*raw), rel=1e-10)


# ---------------------------------------------------------------------------------------
# 1. Linear birth-death process
# ---------------------------------------------------------------------------------------

METHODS = ["exact", "auto"]


@pytest.mark.parametrize("method", METHODS)
def test_eventual_extinction_probability(method):
    # exact: b = 1, d = 0.5 from 2 cells: (d/b)^2 = 0.25. The run stops at 100 cells,
    # from where extinction has probability 0.5^100: negligible.
    # auto: b = 1, d = 0.7 from 2 cells: 0.49; tau-leaping from 10 cells up, which keeps
    # the extinction probability d/b per cell exactly (engine docstring).
    if method == "exact":
        b, d, n0, max_cells, kw = 1.0, 0.5, 2, 100, {}
    else:
        b, d, n0, max_cells, kw = 1.0, 0.7, 2, 2000, {"switch_size": 10}
    reps = 4000
    batch = run_batch(scenario(b, d, n0, 365.0, max_cells=max_cells), 101, reps, method,
                      **kw)
    assert set(np.unique(batch.status)) <= {EXTINCT, MAX_CELLS}
    if method == "auto":
        assert_tau_used(batch)
    p = float(theory.extinction_probability(b, d, n0))
    assert_probability(np.sum(batch.status == EXTINCT), reps, p, "eventual extinction")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("b", "d", "n0", "t"), [(1.0, 0.8, 3, 5.0), (0.5, 0.5, 2, 4.0)])
def test_extinction_probability_by_time_t(method, b, d, n0, t):
    reps = 4000
    kw = {"switch_size": 8} if method == "auto" else {}
    batch = run_batch(scenario(b, d, n0, t), 102, reps, method, **kw)
    if method == "auto":
        assert_tau_used(batch, 0.1)
    extinct = batch.status == EXTINCT
    assert np.all(batch.extinction_time[extinct] <= t)
    assert np.all(batch.total[~extinct] > 0)
    p = float(theory.extinction_probability(b, d, n0, t))
    assert_probability(extinct.sum(), reps, p, f"extinct by t={t}")


@pytest.mark.parametrize("method", METHODS)
def test_mean_and_variance_of_size_at_t(method):
    b, d, t, reps = 1.0, 0.5, 4.0, 4000
    if method == "exact":
        n0, kw = 5, {}
    else:
        # 50 cells, tau-leaping from 100 at the default step: each step is an exact
        # birth-death leap, so mean and variance match the continuous process
        n0, kw = 50, {"switch_size": 100}
    batch = run_batch(scenario(b, d, n0, t, record_interval=1.0), 103, reps, method, **kw)
    if method == "auto":
        assert_tau_used(batch, 0.9)
    alive = batch.status != EXTINCT
    assert np.allclose(batch.t[alive], t, rtol=0, atol=1e-9)
    assert np.all(batch.t[~alive] <= t)
    size = batch.total.astype(float)
    # the record at t holds the same number
    assert np.array_equal(batch.rec_total[:, int(t)], batch.total)
    kappa = birth_death_cumulants(b, d, n0, t)
    mean, var = float(theory.mean_size(b, d, n0, t)), float(theory.variance_size(b, d, n0, t))
    se_mean = math.sqrt(var / reps)
    assert abs(size.mean() - mean) <= Z * se_mean, (size.mean(), mean, se_mean)
    se_var = variance_se(kappa, reps)
    v = size.var(ddof=1)
    assert abs(v - var) <= Z * se_var, (v, var, se_var)


# ---------------------------------------------------------------------------------------
# Tau-leaping: a Galton-Watson process that converges to the birth-death process
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("step", [1.0, 0.5, 0.125])
def test_tau_leap_is_exact_at_every_step_size(step):
    # b + d = 0.5 allows steps of 1 day (the engine caps (b + d) dt at 0.5); records
    # only at 0 and t so that every step has the full length. Each step samples the
    # exact birth-death transition, so mean, variance and extinction by t match the
    # continuous process whatever the step (the old Galton-Watson step was short of
    # the variance by O(dt)).
    b, d, n0, t, reps = 0.4, 0.1, 20, 10.0, 20000
    batch = run_batch(scenario(b, d, n0, t, record_interval=t), 104, reps, "tau",
                      tau_step=step)
    assert np.all(batch.n_tau[batch.status != EXTINCT] == round(t / step))
    size = batch.total.astype(float)
    kappa = birth_death_cumulants(b, d, n0, t)
    mean, var = float(theory.mean_size(b, d, n0, t)), float(theory.variance_size(b, d, n0, t))
    assert abs(size.mean() - mean) <= Z * math.sqrt(var / reps), (size.mean(), mean)
    v = size.var(ddof=1)
    assert abs(v - var) <= Z * variance_se(kappa, reps), (step, v, var)
    p = float(theory.extinction_probability(b, d, n0, t))
    assert_probability(np.sum(batch.status == EXTINCT), reps, p, f"extinct by t={t}")


def test_tau_steps_stop_within_one_percent_of_every_threshold():
    # max_cells 1,500 from 50 cells (the case where the old step overshot by 30% on
    # average), and a therapy scenario whose detection and relapse sizes are landed on
    b, d = 0.9, 0.3
    batch = run_batch(scenario(b, d, 50, 365.0, max_cells=1500), 8, 400, "auto")
    full = batch.status == MAX_CELLS
    assert full.sum() > 350
    assert np.all(batch.total[full] >= 1500)
    assert np.all(batch.total[full] <= 1.01 * 1500), batch.total[full].max()
    therapy = cinlab.Therapy(start="detection", detection_size=2000, birth_rate=0.2,
                             death_rate=0.5)
    sc = scenario(b, d, 50, 120.0, max_cells=4000, mutation_rate=1e-3,
                  therapy=therapy).replace(relapse_size=2000)
    batch = run_batch(sc, 9, 200, "auto")
    sizes = batch.burden0[batch.started]
    assert sizes.size > 150
    assert np.all((sizes >= 2000) & (sizes <= 1.01 * 2000)), (sizes.min(), sizes.max())
    relapsed = ~np.isnan(batch.relapse_time)
    assert relapsed.sum() > 10
    assert np.all(batch.total[relapsed] <= 1.01 * 4000)


def test_tau_variance_of_the_reference_case_within_three_percent():
    # The case measured when the old step was found 11% short: n0 = 50, b = 0.9,
    # d = 0.3, t = 3 days, default step, 3,000 runs (closed form 3,055). 3% is about
    # 1.1 standard errors of a 3,000-run sample variance; the bound below is 4 SE.
    b, d, n0, t, reps = 0.9, 0.3, 50, 3.0, 3000
    batch = run_batch(scenario(b, d, n0, t, record_interval=1.0), 7, reps, "auto")
    assert_tau_used(batch, 0.99)
    size = batch.total.astype(float)
    var = float(theory.variance_size(b, d, n0, t))
    assert var == pytest.approx(3054.86, abs=0.01)
    se = variance_se(birth_death_cumulants(b, d, n0, t), reps)
    assert abs(size.var(ddof=1) - var) <= Z * se
    assert abs(size.mean() - float(theory.mean_size(b, d, n0, t))) <= Z * math.sqrt(var / reps)


# ---------------------------------------------------------------------------------------
# 2-3. Luria-Delbrueck and Goldie-Coldman (pure birth, neutral escape mutation)
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_luria_delbruck_zero_class_and_small_counts(method):
    # Pure birth b = 1 to N = 2001 cells with mutation probability u per division:
    # m = u (N - 1) = 1. The exact method stops at exactly N cells. Tau-leaping stops
    # the first time the total reaches N, so the final size N_r of run r can be larger;
    # since mutants are neutral the total does not depend on the labels, and the
    # expected histogram is the average of the Luria-Delbrueck pmf at m_r = u (N_r - 1).
    # With a tau_step of 0.25 (the default is 0.5, coarser still) the small-count
    # histogram shows the O(dt) tau bias (mutants born in a step cannot divide in it;
    # p ~ 0.005 at 4000 runs), so "auto" uses tau_step 0.05 here.
    u, n_final, reps, kmax = 5e-4, 2001, 4000, 8
    kw = {"switch_size": 100, "tau_step": 0.05} if method == "auto" else {}
    batch = run_batch(scenario(1.0, 0.0, 1, 365.0, max_cells=n_final, mutation_rate=u),
                      105, reps, method, **kw)
    assert np.all(batch.status == MAX_CELLS)
    if method == "exact":
        assert np.all(batch.total == n_final)
    else:
        assert_tau_used(batch, 0.99)
        assert np.all(batch.total >= n_final)
    mutants = batch.escaped_total
    m_r = theory.expected_mutations(u, batch.total, 1)
    pmf = np.mean([theory.luria_delbruck_pmf(m, kmax - 1) for m in m_r], axis=0)
    # zero class: e^{-m}
    p0 = float(np.mean(theory.prob_no_mutants(m_r)))
    assert pmf[0] == pytest.approx(p0)
    assert_probability(np.sum(mutants == 0), reps, p0, "P(0 mutants)")
    # histogram of 0 .. kmax-1 mutants and the tail
    observed = np.bincount(np.minimum(mutants, kmax), minlength=kmax + 1)
    expected = np.append(pmf, 1 - pmf.sum()) * reps
    p = pooled_chisquare(observed, expected)
    assert p > P_MIN, (observed, expected.round(1), p)


@pytest.mark.parametrize("method", METHODS)
def test_goldie_coldman_no_resistant_cell(method):
    # exact: N = 20, a = 0.1: (1 - a)^(N - 1) = 0.135, far enough from the limit
    # e^{-a (N - 1)} = 0.150 (6 SE at 20000 runs) that the exact form is what is tested.
    # auto: N = 3000, a = 3e-4; with a tau overshoot to N_r the probability is
    # E[(1 - a)^(N_r - 1)] (the total does not depend on the neutral labels).
    if method == "exact":
        a, n_final, reps, kw = 0.1, 20, 20000, {}
    else:
        a, n_final, reps, kw = 3e-4, 3000, 3000, {"switch_size": 50}
    batch = run_batch(scenario(1.0, 0.0, 1, 365.0, max_cells=n_final, mutation_rate=a),
                      106, reps, method, **kw)
    assert np.all(batch.status == MAX_CELLS)
    if method == "exact":
        assert np.all(batch.total == n_final)
        p = float(theory.goldie_coldman_no_resistance(a, n_final))
        limit = float(theory.goldie_coldman_no_resistance(a, n_final, exact=False))
        assert abs(limit - p) > 5 * math.sqrt(p * (1 - p) / reps)
    else:
        assert_tau_used(batch, 0.99)
        p = float(np.mean(theory.goldie_coldman_no_resistance(a, batch.total)))
    assert_probability(np.sum(batch.escaped_total == 0), reps, p, "no resistant cell")


# ---------------------------------------------------------------------------------------
# 4. Resistance at detection with cell death (Iwasa, Michor & Nowak 2006)
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_no_resistance_at_size_with_death(method):
    # b = 1, d = 0.5, runs conditioned on reaching M (the tumour survived); neutral
    # resistance. M u = 1 so that P = exp(M u ln(s)/(1 - s)) = 0.25. auto: tau steps land
    # on M, so every run stops within 1% of it and the formula is taken at M itself.
    b, d, reps = 1.0, 0.5, 6000
    if method == "exact":
        size, u, kw = 1000, 1e-3, {}
    else:
        size, u, kw = 5000, 2e-4, {"switch_size": 100}
    batch = run_batch(scenario(b, d, 1, 365.0, max_cells=size, mutation_rate=u), 107,
                      reps, method, **kw)
    assert set(np.unique(batch.status)) <= {EXTINCT, MAX_CELLS}
    grown = batch.status == MAX_CELLS
    if method == "auto":
        assert np.all(batch.n_tau[grown] > 0)
        assert np.all(batch.total[grown] <= 1.01 * size), batch.total[grown].max()
    p = float(theory.prob_no_resistance_at_size(size, u, b, d))
    assert_probability(np.sum(batch.escaped_total[grown] == 0), int(grown.sum()), p,
                       "no resistant cell at size M")


# ---------------------------------------------------------------------------------------
# 5. Eradication by therapy (Komarova & Wodarz 2005; Bozic et al. 2013)
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_eradication_probability_single_drug(method):
    # Growth b = 1, d = 0.3; therapy from detection at M cells: addicted cells b' = 1,
    # d' = 2; escaped (= resistant) cells keep b, d. One resistance mutation (n = 1)
    # with probability u per division, M u = 0.4: theory 0.507. Runs that were
    # detected are counted; eradication = extinct. The run stops at 2M cells, where a
    # resistant population of >= M cells survives with probability 1 - 0.3^M.
    # auto: therapy starts at the end of the tau step that reached M, at a size N_r
    # kept in Batch.burden0; the theory is averaged over N_r.
    b, d, b_t, d_t, reps = 1.0, 0.3, 1.0, 2.0, 6000
    if method == "exact":
        size, u, kw = 200, 2e-3, {}
    else:
        size, u, kw = 2000, 2e-4, {"switch_size": 100}
    therapy = cinlab.Therapy(start="detection", detection_size=size, birth_rate=b_t,
                             death_rate=d_t)
    sc = scenario(b, d, 1, 365.0, max_cells=2 * size, mutation_rate=u, therapy=therapy)
    batch = run_batch(sc, 108, reps, method, **kw)
    detected = ~np.isnan(batch.detection_time)
    assert np.all(batch.status[detected] != 3), "a detected run neither ended nor grew"
    if method == "exact":
        assert np.all(batch.burden0[detected] == size)
    else:
        assert np.all(batch.n_tau[detected] > 0)
    p = float(np.mean(theory.eradication_probability_single(
        batch.burden0[detected], u, 1, b, d, d_t, b_t)))
    eradicated = np.sum(batch.status[detected] == EXTINCT)
    assert_probability(eradicated, int(detected.sum()), p, "eradication")


def test_two_drug_formula_reduces_to_the_single_drug_one():
    # The engine has one resistance type; the two-drug expression with n1 = n2 = 0 is
    # the single-drug one the engine is checked against above.
    args = dict(birth_rate=1.0, death_rate=0.3, death_rate_treated=2.0,
                birth_rate_treated=1.0)
    assert float(theory.eradication_probability(200, 2e-3, 0, 0, 1, **args)) == \
        pytest.approx(float(theory.eradication_probability_single(200, 2e-3, 1, **args)))


# ---------------------------------------------------------------------------------------
# 6. Missegregation transition probabilities
# ---------------------------------------------------------------------------------------


def per_chromosome_outcomes(copies, beta):
    """All (k missegregated, net change 2X - k, probability) for one chromosome."""
    out = []
    for k in range(copies + 1):
        pk = math.comb(copies, k) * beta**k * (1 - beta) ** (copies - k)
        for x in range(k + 1):
            out.append((k, 2 * x - k, pk * math.comb(k, x) / 2**k))
    return out


def conditional_change_pmf(kary, beta, at_least):
    """Exact pmf of the change vector of daughter A given >= at_least missegregations.

    By enumerating every combination of per-chromosome outcomes.
    """
    pmf = Counter()
    for combo in itertools.product(*(per_chromosome_outcomes(int(i), beta) for i in kary)):
        if sum(c[0] for c in combo) >= at_least:
            pmf[tuple(c[1] for c in combo)] += math.prod(c[2] for c in combo)
    total = sum(pmf.values())
    return {key: value / total for key, value in pmf.items()}


def assert_matches_pmf(samples, pmf, label):
    counts = Counter(map(tuple, samples.tolist()))
    outside = set(counts) - set(pmf)
    assert not outside, f"{label}: impossible outcomes {sorted(outside)[:5]}"
    keys = list(pmf)
    observed = [counts.get(k, 0) for k in keys]
    expected = [pmf[k] * len(samples) for k in keys]
    p = pooled_chisquare(observed, expected)
    assert p > P_MIN, f"{label}: chi-square p = {p:.2g}"


@pytest.mark.parametrize("beta", [0.3, 0.05])
def test_divide_matches_transition_probabilities(beta):
    parent = np.array([1, 2, 3, 4])
    n = 200_000
    a, b = karyotype.divide(parent, beta, size=n, rng=np.random.default_rng(7))
    assert a.shape == b.shape == (n, parent.size)
    for c, i in enumerate(parent):
        probs = theory.missegregation_transition(int(i), beta)
        for daughter in (a, b):
            observed = np.bincount(daughter[:, c], minlength=2 * i + 1)
            assert observed.size == 2 * i + 1
            p = pooled_chisquare(observed, probs * n)
            assert p > P_MIN, (beta, i, observed, p)
    # chromosomes missegregate independently: the joint law of two of them
    joint = Counter(zip(a[:, 1].tolist(), a[:, 3].tolist(), strict=True))
    p2, p4 = theory.missegregation_transition(2, beta), theory.missegregation_transition(4,
                                                                                          beta)
    keys = [(j, k) for j in range(5) for k in range(9)]
    p = pooled_chisquare([joint.get(key, 0) for key in keys],
                         [p2[j] * p4[k] * n for j, k in keys])
    assert p > P_MIN
    # probability that the division changes no chromosome at all
    unchanged = np.all(a == parent, axis=1).sum()
    assert_probability(unchanged, n, float(theory.prob_no_karyotype_change(parent, beta)),
                       "no karyotype change")


@pytest.mark.parametrize("beta", [0.3, 0.05, 0.00075])
@pytest.mark.parametrize("at_least", [1, 2])
@pytest.mark.parametrize("kary", [(1, 2, 3), (2, 2, 2, 2), (4, 1)])
def test_sampler_conditional_distribution(beta, at_least, kary):
    max_copies = 4
    sampler = karyotype.MissegregationSampler(beta, max_copies)
    n = 100_000
    copies = np.tile(np.array(kary), (n, 1))
    rng = np.random.default_rng(11)
    u = rng.random((n, 2 * len(kary)))
    change = sampler.changes(copies, u, at_least)
    assert change.shape == copies.shape
    # conservation: each daughter keeps 0..2i copies; |net change| <= missegregated
    assert np.all(np.abs(change) <= copies)
    pmf = conditional_change_pmf(kary, beta, at_least)
    assert_matches_pmf(change, pmf, f"beta={beta} at_least={at_least} kary={kary}")


@pytest.mark.parametrize("beta", [0.3, 0.05, 0.00075, 1e-7])
def test_sampler_event_probabilities(beta):
    sampler = karyotype.MissegregationSampler(beta, 6)
    totals = np.array([1, 2, 6, 20, 40, 120])
    p_none = theory.prob_no_missegregation(totals[:, None], beta)
    assert sampler.p_any(totals) == pytest.approx(1 - p_none, rel=1e-9)
    exactly_one = totals * beta * (1 - beta) ** (totals - 1)
    assert sampler.p_single(totals) == pytest.approx(exactly_one / (1 - p_none), rel=1e-9)


@pytest.mark.parametrize("beta", [0.3, 0.02])
def test_sampler_mixture_gives_the_probability_of_no_change(beta):
    # The engine draws "any missegregation" with p_any and then the conditional change;
    # P(no change) = 1 - p_any + p_any P(change = 0 | >= 1) must be the theory's.
    kary = np.array([2, 3, 1])
    sampler = karyotype.MissegregationSampler(beta, 4)
    n = 200_000
    u = np.random.default_rng(3).random((n, 6))
    change = sampler.changes(np.tile(kary, (n, 1)), u, 1)
    p_any = float(sampler.p_any(kary.sum()))
    p_same = float(theory.prob_no_karyotype_change(kary, beta))
    p_cond = (p_same - (1 - p_any)) / p_any
    assert_probability(np.all(change == 0, axis=1).sum(), n, p_cond, "no change | >= 1")


# ---------------------------------------------------------------------------------------
# 6-7. The engine's divisions: transition law and conservation
# ---------------------------------------------------------------------------------------


def one_division_scenario(kary_size, beta, max_copies, duration=365.0, n0=1):
    return cinlab.Scenario(
        growth=cinlab.Growth(birth_rate=1.0, death_rate=0.0),
        genome=cinlab.Genome(n_chromosomes=kary_size, ploidy=2, max_copies=max_copies),
        cin=cinlab.CIN(missegregation_rate=beta, baseline_rate=0.0, window="always"),
        fitness=cinlab.Fitness(aneuploidy_cost=0.0),
        escape=cinlab.Escape(bypass_chromosomes=(), mutation_rate=0.0),
        therapy=None,
        initial_cells=n0,
        duration=duration,
        max_cells=n0 + 1 if n0 == 1 else 1e12,
        record_interval=min(duration, 1.0),
    )


def test_exact_engine_first_division_law_and_conservation():
    # One euploid cell (3 chromosomes x 2 copies, max 3 copies), pure birth, beta 0.2.
    # The run stops at 2 cells; it ends after exactly one event iff both daughters of
    # the first division are viable. Their unordered pair must follow the per-chromosome
    # transition law of theory (independent chromosomes), and they must sum to twice
    # the parent exactly.
    beta, n_chrom, max_copies, reps = 0.2, 3, 3, 20000
    batch = run_batch(one_division_scenario(n_chrom, beta, max_copies), 109, reps, "exact")
    parent = np.full(n_chrom, 2)
    trans = theory.missegregation_transition(2, beta)  # daughter A gets 0..4 copies

    def p_a(k):
        return math.prod(trans[j] for j in k)

    pair_p = Counter()
    for k in itertools.product(range(5), repeat=n_chrom):
        other = tuple(4 - j for j in k)
        if all(1 <= j <= max_copies for j in k + other):
            pair_p[tuple(sorted((k, other)))] += p_a(k)
    p_both = sum(pair_p.values())
    first = (batch.n_exact == 1) & (batch.status == MAX_CELLS)
    assert_probability(first.sum(), reps, p_both, "both daughters viable")
    pairs = []
    for r in np.nonzero(first)[0]:
        used = batch.used[r]
        alive = batch.count[r, :used] > 0
        cells = np.repeat(batch.kary[r, :used][alive], batch.count[r, :used][alive], axis=0)
        assert cells.shape == (2, n_chrom)
        assert np.array_equal(cells.sum(axis=0), 2 * parent)  # conservation
        pairs.append(tuple(sorted(map(tuple, cells.tolist()))))
    counts = Counter(pairs)
    assert set(counts) <= set(pair_p)
    keys = list(pair_p)
    p = pooled_chisquare([counts.get(k, 0) for k in keys],
                         [pair_p[k] / p_both * len(pairs) for k in keys])
    assert p > P_MIN


@pytest.mark.parametrize("beta", [0.1, 0.003])
def test_tau_engine_one_step_daughter_karyotypes(beta):
    # Tau path: 2000 euploid cells, pure birth, one step of 0.25 days. Each cell
    # divides with probability g = e^{0.25} - 1 and each daughter's karyotype follows
    # the transition law; the expected number of cells of karyotype K != parent is
    # 2000 g 2 P_A(K), and of the parent karyotype 2000 (1 - g) + 2000 g 2 P_A(parent).
    # Non-viable daughters (0 or > max copies) are removed. Tested per karyotype with
    # the replicate-to-replicate standard error (counts within a run are dependent).
    n_chrom, max_copies, n0, reps, dt = 3, 3, 2000, 3000, 0.25
    sc = one_division_scenario(n_chrom, beta, max_copies, duration=dt, n0=n0)
    batch = run_batch(sc, 110, reps, "tau")
    assert np.all(batch.n_tau == 1)
    g = math.expm1(dt)
    trans = theory.missegregation_transition(2, beta)
    parent = (2,) * n_chrom
    found = Counter()
    per_run = {}
    for r in range(reps):
        used = batch.used[r]
        alive = batch.count[r, :used] > 0
        for k, cnt in zip(batch.kary[r, :used][alive].tolist(),
                          batch.count[r, :used][alive].tolist(), strict=True):
            per_run.setdefault(tuple(k), np.zeros(reps))[r] += cnt
            found[tuple(k)] += 1
    for k in found:
        assert all(1 <= j <= max_copies for j in k)
    for k in itertools.product(range(1, max_copies + 1), repeat=n_chrom):
        p_a = math.prod(trans[j] for j in k)
        expected = n0 * g * 2 * p_a + (n0 * (1 - g) if k == parent else 0.0)
        counts = per_run.get(k, np.zeros(reps))
        if expected * reps < 20:
            assert counts.sum() <= max(10.0, 5 * expected * reps)
            continue
        se = counts.std(ddof=1) / math.sqrt(reps)
        # se from the data; floor it by the Poisson-like sd of a rare count
        se = max(se, math.sqrt(expected / reps))
        assert abs(counts.mean() - expected) <= Z * se, (k, counts.mean(), expected, se)


# ---------------------------------------------------------------------------------------
# 7. Conservation
# ---------------------------------------------------------------------------------------


def test_divide_daughters_follow_the_missegregation_law():
    # ``divide`` builds daughter b as 2 * parent - daughter a, so conservation holds by
    # construction and is not re-checked here; the engine's own daughters are checked
    # for conservation in test_exact_engine_first_division_law_and_conservation. What can go
    # wrong is the law of daughter a: each of the p copies of a chromosome missegregates
    # with probability beta and then goes to either daughter, so a - p is a sum of p
    # independent steps of -1, 0, +1 with probabilities beta/2, 1 - beta, beta/2:
    # mean 0, variance p beta. Checked per copy number on 20000 divisions (5 se).
    rng = np.random.default_rng(5)
    n = 20000
    parents = np.tile(np.arange(0, 9), (n, 1))  # copy numbers 0..8, one per column
    for beta in (0.0, 0.01, 0.5, 1.0):
        a, b = karyotype.divide(parents, beta, rng=rng)
        assert a.shape == b.shape == parents.shape
        assert a.min() >= 0
        assert b.min() >= 0
        if beta == 0.0:
            assert np.array_equal(a, parents)
            assert np.array_equal(b, parents)
            continue
        if beta == 1.0:
            # every copy missegregates: each daughter gets an even number of copies
            assert np.all(a % 2 == 0)
        step = a.astype(float) - parents
        var = parents[0] * beta
        mean_se = np.sqrt(np.maximum(var, 1e-12) / n)
        assert np.all(np.abs(step.mean(axis=0)) <= 5 * mean_se + 1e-12)
        # variance of a sample variance: (mu4 - var^2) / n, with mu4 <= p beta + 3 (p beta)^2
        var_se = np.sqrt((var + 3 * var**2) / n)
        assert np.all(np.abs(step.var(axis=0) - var) <= 5 * var_se + 1e-12), beta
    # a single parent with ``size``: the same law, shape (size, n_chromosomes)
    a, _ = karyotype.divide(np.array([4, 0]), 0.5, size=n, rng=rng)
    assert a.shape == (n, 2)
    assert np.all(a[:, 1] == 0)
    assert abs(a[:, 0].var() - 2.0) <= 5 * math.sqrt((2 + 12) / n)


def test_sampler_daughters_stay_within_zero_and_twice_the_parent():
    rng = np.random.default_rng(6)
    for beta in (0.5, 0.01):
        sampler = karyotype.MissegregationSampler(beta, 6)
        copies = rng.integers(0, 7, size=(20000, 10))
        copies[:, 0] = np.maximum(copies[:, 0], 2)  # at least 2 copies in total
        for at_least in (1, 2):
            change = sampler.changes(copies, rng.random((copies.shape[0], 20)), at_least)
            da, db = copies + change, copies - change
            assert np.all(da >= 0)
            assert np.all(db >= 0)
            # a chromosome's net change never exceeds its copies
            assert np.all(np.abs(change) <= copies)
