"""Tests for cinlab.theory: published numbers and independent, brute-force cross-checks.

Each closed form is compared with something computed another way: a truncated master
equation, an iterated generating function, an enumeration of all per-copy outcomes, a
contour integral of a generating function, a numerical integral, an exact extinction
equation, a small seeded simulation, or a number printed in the source paper.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, sparse
from scipy.sparse import linalg as sparse_linalg

from cinlab import theory

# ---------------------------------------------------------------------------------------
# Bozic et al., eLife 2:e00747 (2013)
# ---------------------------------------------------------------------------------------

# The paper's standard parameters (Fig. 3, Fig. 5, Table 1).
BOZIC = dict(mutation_rate=1e-9, birth_rate=0.14, death_rate=0.13, death_rate_treated=0.17)


def test_bozic_eq1_reproduces_published_26_3_percent():
    # Fig. 5B: "With simultaneous therapy, 26.3% of patients can be cured" for
    # M = 1e9, n1 = n2 = 50, n12 = 1.
    p = theory.eradication_probability(1e9, n1=50, n2=50, n12=1, **BOZIC)
    assert abs(p - 0.263) <= 0.0005


def test_bozic_eq1_no_cross_resistance_99_9_percent():
    # Fig. 5D: with n12 = 0 "simultaneous therapy is successful with a probability of
    # 99.9%".
    p = theory.eradication_probability(1e9, n1=50, n2=50, n12=0, **BOZIC)
    assert abs(p - 0.999) <= 0.0005


def test_bozic_eq1_division_suppression_29_percent():
    # Results: shrinking at -0.03/day by increasing death gives 26%; "if the therapy
    # instead suppresses division, this probability increases to 29%".
    kill = theory.eradication_probability(1e9, n1=50, n2=50, n12=1, **BOZIC)
    suppress = theory.eradication_probability(
        1e9, 1e-9, 50, 50, 1, 0.14, 0.13, death_rate_treated=0.13, birth_rate_treated=0.10
    )
    assert round(float(kill), 2) == 0.26
    assert round(float(suppress), 2) == 0.29


@pytest.mark.parametrize(
    ("burden", "n12", "published_failure"),
    [
        # Table 1, patients with the smallest burdens (burden printed to 2 digits,
        # failure probability to 3 decimals). N22 has a single lesion.
        (1.6e9, 1, 0.881),  # N20
        (1.3e9, 1, 0.828),  # N21
        (8.5e8, 1, 0.677),  # N22
        (8.5e8, 0, 0.001),  # N22, no cross-resistance
    ],
)
def test_bozic_table1_failure_within_rounding_of_burden(burden, n12, published_failure):
    # The burden is rounded to 2 significant digits, so the published value must lie
    # between the values at the ends of the rounding interval (plus 3-decimal rounding).
    half_step = 0.05 * 10 ** math.floor(math.log10(burden))
    ends = [
        1 - theory.eradication_probability(m, n1=50, n2=50, n12=n12, **BOZIC)
        for m in (burden - half_step, burden + half_step)
    ]
    assert min(ends) - 0.0005 <= published_failure <= max(ends) + 0.0005


def test_bozic_monotherapy_always_fails_in_table1():
    # Table 1: monotherapy with n = 50 fails with probability 1 (to 3 decimals) even for
    # the smallest burden.
    p = theory.eradication_probability_single(8.5e8, n_resistance=50, **BOZIC)
    assert p < 0.0005


def test_eq1_with_one_drug_is_the_single_drug_formula():
    sizes = np.array([1e3, 1e6, 1e9])
    single = theory.eradication_probability_single(sizes, 1e-7, 3, 0.3, 0.1, 0.5)
    double = theory.eradication_probability(sizes, 1e-7, 0, 0, 3, 0.3, 0.1, 0.5)
    np.testing.assert_allclose(double, single, rtol=1e-12)


def test_eradication_factors_multiply_as_independent_events():
    # Adding two-step paths (n1, n2 > 0) can only lower the eradication probability.
    base = theory.eradication_probability(1e9, n1=0, n2=0, n12=1, **BOZIC)
    more = theory.eradication_probability(1e9, n1=50, n2=50, n12=1, **BOZIC)
    assert 0 < more < base <= 1


def _sensitive_extinction_under_treatment(b, d, b_t, d_t, u_n):
    """Exact eventual extinction probability of one sensitive cell under treatment.

    Branching process: a sensitive cell divides at b_t (one daughter resistant with
    probability u_n) and dies at d_t; resistant cells divide at b and die at d, so a
    resistant lineage dies out with probability d/b. The extinction probability q
    solves (b_t + d_t) q = d_t + b_t [(1 - u_n) q^2 + u_n q d/b].
    """
    a = b_t * (1 - u_n)
    bq = b_t * u_n * d / b - b_t - d_t
    c = d_t
    return (-bq - math.sqrt(bq * bq - 4 * a * c)) / (2 * a)


@pytest.mark.parametrize(("b", "d", "b_t", "d_t"), [(0.14, 0.13, 0.14, 0.17), (1.0, 0.2, 0.6, 1.5)])
def test_during_treatment_factor_matches_exact_branching_process(b, d, b_t, d_t):
    # M sensitive cells and no resistant cell at the start of treatment: eradication
    # has probability q^M exactly. The formula's factor exp(M u n s/s') must agree for
    # small u n. Removing the before-treatment factor exp(-M u n) isolates it.
    u, n, size = 1e-8, 5, 2e7
    q = _sensitive_extinction_under_treatment(b, d, b_t, d_t, u * n)
    exact_log = size * math.log(q)
    p = theory.eradication_probability_single(size, u, n, b, d, d_t, birth_rate_treated=b_t)
    formula_log = math.log(p) + size * u * n
    assert formula_log == pytest.approx(exact_log, rel=1e-5)


def _grow_to_size(size, u, b, d, n_runs, rng):
    """Resistant cell count when a tumour started from one cell first reaches ``size``.

    Embedded jump chain of the birth-death process (time is irrelevant for the count at
    a given size); a sensitive division makes one resistant daughter with probability
    u; runs that die out restart from one cell (conditioning on reaching ``size``).
    """
    sens = np.ones(n_runs, dtype=np.int64)
    res = np.zeros(n_runs, dtype=np.int64)
    active = np.ones(n_runs, dtype=bool)
    p_birth = b / (b + d)
    while active.any():
        total = sens + res
        r1, r2, r3 = rng.random((3, n_runs))
        pick_sens = r1 * total < sens
        birth = r2 < p_birth
        mutate = r3 < u
        d_sens = np.where(pick_sens, np.where(birth, np.where(mutate, 0, 1), -1), 0)
        d_res = np.where(pick_sens, np.where(birth & mutate, 1, 0), np.where(birth, 1, -1))
        sens = np.where(active, sens + d_sens, sens)
        res = np.where(active, res + d_res, res)
        dead = active & (sens + res == 0)
        sens[dead] = 1
        active &= sens + res < size
    return res


def test_resistance_at_detection_matches_seeded_simulation():
    # One simulation checks two formulas with the same mutation convention: P(no
    # resistant cell at size M) (Iwasa et al.) and P(no resistant lineage that survives)
    # (the before-treatment factor of Bozic et al.: a resistant lineage of R cells with
    # rates b, d dies out with probability (d/b)^R). Accept within 4 standard errors.
    b, d, size, n_runs = 1.0, 0.5, 300, 4000
    u = 0.8 / size
    res = _grow_to_size(size, u, b, d, n_runs, np.random.default_rng(20130625))

    none_present = (res == 0).astype(float)
    expected = theory.prob_no_resistance_at_size(size, u, b, d)
    se = math.sqrt(expected * (1 - expected) / n_runs)
    assert abs(none_present.mean() - expected) < 4 * se

    # A drug that kills sensitive cells at once leaves no time for new mutants, so
    # eradication then means exactly: no resistant lineage that survives.
    none_surviving = (d / b) ** res
    expected_up = theory.eradication_probability_single(size, u, 1, b, d, 1e12)
    se_up = none_surviving.std(ddof=1) / math.sqrt(n_runs)
    assert abs(none_surviving.mean() - expected_up) < 4 * se_up


# ---------------------------------------------------------------------------------------
# Iwasa-Michor-Nowak and Goldie-Coldman
# ---------------------------------------------------------------------------------------


def test_no_resistance_at_size_pure_birth_limit():
    size, u = 1e6, 3e-7
    pure = theory.prob_no_resistance_at_size(size, u, 1.0, 0.0)
    assert pure == pytest.approx(math.exp(-size * u), rel=1e-14)
    nearly = theory.prob_no_resistance_at_size(size, u, 1.0, 1e-9)
    assert nearly == pytest.approx(pure, rel=1e-8)
    # ... and the Goldie-Coldman limit for pure birth from one cell.
    gc = theory.goldie_coldman_no_resistance(u, size, exact=False)
    assert pure == pytest.approx(gc, rel=1e-6)


@pytest.mark.parametrize(("b", "d"), [(1.0, 0.5), (0.14, 0.13), (0.5, 0.01)])
def test_no_resistance_at_size_matches_integral_over_arrival_times(b, d):
    # Expected number of resistant lineages alive at detection: mutants arrive tau days
    # before detection at rate u b M e^{-(b-d) tau} and are still alive with the
    # finite-time survival probability of a birth-death lineage.
    size, u = 1e5, 2e-6

    def integrand(tau):
        return u * b * size * math.exp(-(b - d) * tau) * theory.survival_probability(b, d, 1, tau)

    alive, _ = integrate.quad(integrand, 0, np.inf, limit=200)
    p = theory.prob_no_resistance_at_size(size, u, b, d)
    assert p == pytest.approx(math.exp(-alive), rel=1e-8)


def test_death_makes_resistance_at_detection_more_likely():
    deaths = np.array([0.0, 0.1, 0.5, 0.9, 0.99])
    p = theory.prob_no_resistance_at_size(1e6, 1e-6, 1.0, deaths)
    assert np.all(np.diff(p) < 0)


def test_goldie_coldman_exact_vs_limit():
    a = np.array([1e-9, 1e-7, 1e-5])
    n = 1e5
    exact = theory.goldie_coldman_no_resistance(a, n)
    limit = theory.goldie_coldman_no_resistance(a, n, exact=False)
    # (1 - a)^k <= e^{-ak}, and the gap is about k a^2 / 2 in relative terms.
    assert np.all(exact <= limit)
    np.testing.assert_allclose(exact / limit, 1.0, atol=(n - 1) * a.max() ** 2)
    assert theory.goldie_coldman_no_resistance(0.5, 4) == pytest.approx(0.125)
    assert theory.goldie_coldman_no_resistance(0.5, 12, initial_size=10) == pytest.approx(0.25)
    assert theory.goldie_coldman_no_resistance(1.0, 1) == 1.0


# ---------------------------------------------------------------------------------------
# Luria-Delbrueck
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("m", [0.0, 0.3, 1.0, 4.0])
def test_luria_delbruck_first_terms(m):
    p = theory.luria_delbruck_pmf(m, 2)
    assert p[0] == pytest.approx(math.exp(-m))
    assert p[1] == pytest.approx(m * math.exp(-m) / 2)
    # p_2 from the series of G(z) = exp(-m + m sum_j z^j / (j (j + 1))).
    assert p[2] == pytest.approx(math.exp(-m) * (m / 6 + m**2 / 8))
    assert theory.prob_no_mutants(m) == pytest.approx(p[0])


@pytest.mark.parametrize("m", [0.5, 2.0, 5.0])
def test_luria_delbruck_matches_generating_function(m):
    # Cauchy integral of the Lea-Coulson generating function G(z) = (1 - z)^{m (1-z)/z}
    # on the circle |z| = 1/2, evaluated with an FFT.
    n_points, radius, kmax = 256, 0.5, 25
    z = radius * np.exp(2j * np.pi * np.arange(n_points) / n_points)
    g = np.exp(m * (1 - z) / z * np.log(1 - z))
    coeffs = (np.fft.fft(g) / n_points).real[: kmax + 1] / radius ** np.arange(kmax + 1)
    np.testing.assert_allclose(theory.luria_delbruck_pmf(m, kmax), coeffs, atol=1e-9)


def test_luria_delbruck_sums_to_one_up_to_heavy_tail():
    m, kmax = 0.1, 5000
    p = theory.luria_delbruck_pmf(m, kmax)
    assert np.all(p >= 0)
    # The tail P(K > k) is about m / k for large k.
    assert 0 < 1 - p.sum() < 2 * m / kmax


def test_expected_mutations_and_zero_class():
    assert theory.expected_mutations(1e-8, 1e8) == pytest.approx(1e-8 * (1e8 - 1))
    assert theory.expected_mutations(1e-3, 2000, initial_size=1000) == pytest.approx(1.0)
    m = theory.expected_mutations(2e-7, 5e6)
    assert theory.prob_no_mutants(m) == pytest.approx(
        theory.goldie_coldman_no_resistance(2e-7, 5e6, exact=False)
    )


# ---------------------------------------------------------------------------------------
# Linear birth-death process
# ---------------------------------------------------------------------------------------


def _master_equation(b, d, n0, t, nmax=400):
    """P(N(t) = n), n = 0..nmax, from the truncated Kolmogorov forward equations."""
    n = np.arange(nmax + 1, dtype=float)
    births = np.append(b * n[:-1], 0.0)  # no birth out of the last state
    deaths = d * n
    # Forward equations dp/dt = Q^T p with a tridiagonal generator Q.
    q_transposed = sparse.diags(
        [births[:-1], -(births + deaths), deaths[1:]], offsets=[-1, 0, 1], format="csc"
    )
    start = np.zeros(nmax + 1)
    start[n0] = 1.0
    dist = sparse_linalg.expm_multiply(q_transposed * t, start)
    assert dist[-50:].sum() < 1e-12  # truncation is harmless
    return n, dist


@pytest.mark.parametrize(
    ("b", "d", "n0", "t"),
    [(1.0, 0.4, 2, 3.0), (0.5, 0.8, 10, 2.0), (0.7, 0.7, 4, 1.5), (0.0, 0.3, 5, 2.0)],
)
def test_birth_death_matches_master_equation(b, d, n0, t):
    n, dist = _master_equation(b, d, n0, t)
    mean = n @ dist
    var = (n - mean) ** 2 @ dist
    assert theory.mean_size(b, d, n0, t) == pytest.approx(mean, rel=1e-9)
    assert theory.variance_size(b, d, n0, t) == pytest.approx(var, rel=1e-8)
    assert theory.extinction_probability(b, d, n0, t) == pytest.approx(dist[0], abs=1e-12)
    assert theory.survival_probability(b, d, n0, t) == pytest.approx(1 - dist[0], abs=1e-12)


def test_finite_time_extinction_limits():
    for b, d in [(1.0, 0.5), (0.5, 1.0), (0.14, 0.13), (2.0, 0.0), (0.0, 0.4)]:
        for n0 in (1, 3):
            eventual = theory.extinction_probability(b, d, n0)
            assert theory.extinction_probability(b, d, n0, 0.0) == 0.0
            late = theory.extinction_probability(b, d, n0, 2000.0 / max(abs(b - d), 0.01))
            assert late == pytest.approx(eventual, abs=1e-12)
    assert theory.extinction_probability(1.0, 0.25, 2) == pytest.approx(0.0625)
    assert theory.extinction_probability(0.5, 0.5, 3) == 1.0
    assert theory.extinction_probability(0.0, 0.0, 1) == 0.0
    assert theory.extinction_probability(1.0, 0.5, 0, 1.0) == 1.0
    assert theory.extinction_probability(0.0, 0.4, 1, 2.0) == pytest.approx(1 - math.exp(-0.8))


def test_critical_case_is_continuous():
    t = np.array([0.5, 3.0, 40.0])
    at = theory.extinction_probability(0.6, 0.6, 2, t)
    near = theory.extinction_probability(0.6, 0.6 + 1e-10, 2, t)
    np.testing.assert_allclose(near, at, rtol=1e-7)
    assert theory.variance_size(0.6, 0.6, 5, 2.0) == pytest.approx(2 * 0.6 * 5 * 2.0)
    assert theory.variance_size(0.6, 0.6 + 1e-10, 5, 2.0) == pytest.approx(12.0, rel=1e-7)


def test_no_overflow_for_long_times():
    p = theory.extinction_probability(5.0, 1.0, 1, 1e4)
    assert p == pytest.approx(0.2)
    assert theory.extinction_probability(1.0, 5.0, 1, 1e4) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    b=st.floats(0, 3),
    d=st.floats(0, 3),
    n0=st.integers(0, 5),
    t1=st.floats(0, 50),
    t2=st.floats(0, 50),
)
def test_finite_time_extinction_bounded_and_increasing(b, d, n0, t1, t2):
    lo, hi = sorted((t1, t2))
    p_lo = theory.extinction_probability(b, d, n0, lo)
    p_hi = theory.extinction_probability(b, d, n0, hi)
    eventual = theory.extinction_probability(b, d, n0)
    assert 0.0 <= p_lo <= p_hi + 1e-12
    assert p_hi <= eventual + 1e-12


# ---------------------------------------------------------------------------------------
# Galton-Watson (tau-leaping) process
# ---------------------------------------------------------------------------------------


def _galton_watson_distribution(p_birth, p_death, n0, steps):
    """Size distribution after ``steps`` from the iterated offspring generating function."""
    poly = np.polynomial.polynomial
    offspring = np.array([p_death, 1 - p_birth - p_death, p_birth])
    g = np.array([0.0, 1.0])  # f_0(s) = s
    for _ in range(steps):
        g = poly.polyadd(
            poly.polyadd([offspring[0]], offspring[1] * g), offspring[2] * poly.polymul(g, g)
        )
    return poly.polypow(g, n0)


@pytest.mark.parametrize(
    ("p_birth", "p_death", "n0", "steps"),
    [
        (0.3, 0.1, 1, 5),
        (0.1, 0.4, 3, 4),
        (0.25, 0.25, 2, 5),
        (0.6, 0.0, 2, 3),
        (0.0, 1.0, 2, 2),
        (0.2, 0.3, 4, 0),
    ],
)
def test_galton_watson_matches_generating_function(p_birth, p_death, n0, steps):
    dist = _galton_watson_distribution(p_birth, p_death, n0, steps)
    k = np.arange(dist.size)
    mean = k @ dist
    var = (k - mean) ** 2 @ dist
    assert theory.galton_watson_mean(p_birth, p_death, n0, steps) == pytest.approx(mean)
    assert theory.galton_watson_variance(p_birth, p_death, n0, steps) == pytest.approx(
        var, abs=1e-12
    )


def test_galton_watson_variance_converges_to_continuous_time():
    # Tau-leaping with step dt: p_birth = b dt, p_death = d dt, t / dt steps. The error
    # against the birth-death variance must shrink, roughly in proportion to dt.
    b, d, n0, t = 0.8, 0.3, 10, 4.0
    target = theory.variance_size(b, d, n0, t)
    errors = []
    for dt in (0.1, 0.01, 0.001):
        steps = round(t / dt)
        var = theory.galton_watson_variance(b * dt, d * dt, n0, steps)
        errors.append(abs(var - target) / target)
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 2e-3
    assert errors[1] / errors[2] == pytest.approx(10, rel=0.2)


def test_galton_watson_near_critical_is_accurate():
    exact = theory.galton_watson_variance(0.2, 0.2, 3, 50)
    assert exact == pytest.approx(3 * 0.4 * 50)
    near = theory.galton_watson_variance(0.2, 0.2 + 1e-12, 3, 50)
    assert near == pytest.approx(exact, rel=1e-9)


# ---------------------------------------------------------------------------------------
# Missegregation
# ---------------------------------------------------------------------------------------


def _enumerate_division(copies, beta):
    """P(daughter A gets j copies) by listing every per-copy outcome.

    Each copy either segregates normally (A gets one chromatid), or missegregates with
    both chromatids to A (A gets two) or to B (A gets none).
    """
    out = np.zeros(2 * copies + 1)
    outcomes = [(1, 1 - beta), (2, beta / 2), (0, beta / 2)]
    for combo in itertools.product(outcomes, repeat=copies):
        j = sum(c for c, _ in combo)
        out[j] += math.prod(p for _, p in combo)
    return out


@pytest.mark.parametrize("copies", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("beta", [0.0, 0.003, 0.2, 0.5, 1.0])
def test_missegregation_transition_matches_enumeration(copies, beta):
    np.testing.assert_allclose(
        theory.missegregation_transition(copies, beta),
        _enumerate_division(copies, beta),
        atol=1e-15,
    )


@settings(max_examples=80, deadline=None)
@given(copies=st.integers(0, 12), beta=st.floats(0, 1))
def test_missegregation_transition_invariants(copies, beta):
    p = theory.missegregation_transition(copies, beta)
    j = np.arange(2 * copies + 1)
    assert p.shape == (2 * copies + 1,)
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0)
    assert j @ p == pytest.approx(copies, abs=1e-9)  # mean = copies
    np.testing.assert_allclose(p, p[::-1], atol=1e-14)  # symmetric: A and B alike
    assert (j - copies) ** 2 @ p == pytest.approx(copies * beta, abs=1e-9)


def test_missegregation_transition_vectorised_over_beta():
    betas = np.array([0.0, 0.1, 0.7])
    table = theory.missegregation_transition(3, betas)
    assert table.shape == (3, 7)
    for row, beta in zip(table, betas, strict=True):
        np.testing.assert_allclose(row, theory.missegregation_transition(3, beta))


def _enumerate_no_change(karyotype, beta):
    """P(every chromosome's net change is 0), listing all per-copy outcomes at once."""
    owners = [chrom for chrom, n in enumerate(karyotype) for _ in range(n)]
    total = 0.0
    for combo in itertools.product((0, 1, -1), repeat=len(owners)):
        net = np.zeros(len(karyotype), dtype=int)
        for chrom, step in zip(owners, combo, strict=True):
            net[chrom] += step
        if not net.any():
            total += math.prod(1 - beta if s == 0 else beta / 2 for s in combo)
    return total


@pytest.mark.parametrize("karyotype", [[2, 2], [1, 3, 2], [4, 1, 0, 2], [1, 1, 1]])
@pytest.mark.parametrize("beta", [0.01, 0.3, 1.0])
def test_prob_no_karyotype_change_matches_enumeration(karyotype, beta):
    expected = _enumerate_no_change(karyotype, beta)
    assert theory.prob_no_karyotype_change(karyotype, beta) == pytest.approx(expected)
    # Same thing from the transition: the daughter must get exactly the parent's copies.
    via_transition = math.prod(theory.missegregation_transition(c, beta)[c] for c in karyotype)
    assert theory.prob_no_karyotype_change(karyotype, beta) == pytest.approx(via_transition)


def test_cancelling_missegregations_keep_the_karyotype():
    # Two copies that both missegregate in opposite directions cancel (probability 1/2
    # when both surely missegregate), so no change is likelier than no missegregation.
    assert theory.prob_no_karyotype_change([2], 1.0) == pytest.approx(0.5)
    assert theory.prob_no_missegregation([2], 1.0) == 0.0
    kar = np.array([[2] * 20, [3] * 20])
    beta = 0.01
    no_change = theory.prob_no_karyotype_change(kar, beta)
    no_misseg = theory.prob_no_missegregation(kar, beta)
    np.testing.assert_allclose(no_misseg, [(1 - beta) ** 40, (1 - beta) ** 60])
    assert np.all(no_change > no_misseg)
    # With one copy per chromosome nothing can cancel.
    assert theory.prob_no_karyotype_change([1] * 7, 0.2) == pytest.approx(0.8**7)


@settings(max_examples=50, deadline=None)
@given(
    karyotype=st.lists(st.integers(0, 8), min_size=1, max_size=6),
    beta=st.floats(0, 1),
)
def test_no_change_between_no_missegregation_and_one(karyotype, beta):
    no_change = theory.prob_no_karyotype_change(karyotype, beta)
    no_misseg = theory.prob_no_missegregation(karyotype, beta)
    assert no_misseg - 1e-12 <= no_change <= 1.0 + 1e-12


def test_karyotype_functions_vectorise_over_cells_and_beta():
    kar = np.array([[2, 2, 3], [1, 0, 4]])
    betas = np.array([0.05, 0.4])
    both = theory.prob_no_karyotype_change(kar, betas)
    each = [theory.prob_no_karyotype_change(k, b) for k, b in zip(kar, betas, strict=True)]
    np.testing.assert_allclose(both, each)
    np.testing.assert_allclose(theory.prob_no_missegregation(kar, betas), [(0.95) ** 7, (0.6) ** 5])


def test_aneuploidy_score_and_fitness():
    kar = np.array([[2, 2, 2], [3, 2, 1], [4, 0, 2]])
    np.testing.assert_array_equal(theory.aneuploidy_score(kar, 2), [0, 2, 4])
    np.testing.assert_allclose(theory.karyotype_fitness(kar, 2, 0.1), [1.0, 0.81, 0.6561])
    assert theory.aneuploidy_score([3, 3, 3], 3) == 0
    assert theory.karyotype_fitness([2, 5], 2, 0.0) == 1.0


def test_daughters_conserve_on_sampled_divisions():
    # Divisions sampled under the missegregation convention always conserve copies;
    # moving one chromatid is caught.
    rng = np.random.default_rng(7)
    parent = rng.integers(1, 6, size=(500, 20))
    missegregated = rng.binomial(parent, 0.3)
    to_a = rng.binomial(missegregated, 0.5)
    daughter_a = parent + 2 * to_a - missegregated
    daughter_b = parent - (2 * to_a - missegregated)
    assert np.all(theory.daughters_conserve(parent, daughter_a, daughter_b))
    broken = daughter_a.copy()
    broken[3, 5] += 1
    result = theory.daughters_conserve(parent, broken, daughter_b)
    assert result.shape == (500,)
    assert not result[3]
    assert result.sum() == 499


# ---------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: theory.extinction_probability(-0.1, 0.1),
            r"The 'birth_rate' parameter of extinction_probability must be "
            r">= 0 \(per day\)\. Got -0\.1\.",
        ),
        (
            lambda: theory.extinction_probability(1, 1, 1.5),
            r"The 'n0' parameter of extinction_probability must be an integer >= 0 .* Got 1\.5\.",
        ),
        (
            lambda: theory.extinction_probability(1, 1, 1, -2),
            r"The 't' parameter of extinction_probability must be >= 0 \(days\)\. Got -2\.",
        ),
        (
            lambda: theory.mean_size(1, [0.1, np.nan], 1, 1),
            r"The 'death_rate' parameter of mean_size must be >= 0 .* Got nan\.",
        ),
        (
            lambda: theory.variance_size(1, 1, 1, "soon"),
            r"The 't' parameter of variance_size must be >= 0 \(days\)\. Got 'soon'\.",
        ),
        (
            lambda: theory.galton_watson_variance(0.7, 0.4, 1, 2),
            r"'p_birth \+ p_death' parameter of galton_watson_variance must be <= 1",
        ),
        (
            lambda: theory.galton_watson_mean(0.1, 0.1, 1, 2.5),
            r"The 'steps' parameter of galton_watson_mean must be an integer >= 0",
        ),
        (
            lambda: theory.luria_delbruck_pmf(-1, 3),
            r"The 'm' parameter of luria_delbruck_pmf must be a single number >= 0 .* Got -1\.",
        ),
        (
            lambda: theory.luria_delbruck_pmf(1, [3, 4]),
            r"The 'kmax' parameter of luria_delbruck_pmf must be a single integer",
        ),
        (
            lambda: theory.goldie_coldman_no_resistance(1.5, 10),
            r"The 'mutation_prob' parameter of goldie_coldman_no_resistance must be in \[0, 1\]",
        ),
        (
            lambda: theory.goldie_coldman_no_resistance(0.1, 5, 10),
            r"The 'final_size' parameter of goldie_coldman_no_resistance must be >= initial_size",
        ),
        (
            lambda: theory.prob_no_resistance_at_size(1e6, 1e-6, 0.1, 0.2),
            r"The 'birth_rate' parameter of prob_no_resistance_at_size must be > death_rate",
        ),
        (
            lambda: theory.eradication_probability(1e9, 1e-9, 50, 50, 1, 0.14, 0.13, 0.1),
            r"The 'death_rate_treated' parameter of eradication_probability must be "
            r"> birth_rate_treated",
        ),
        (
            lambda: theory.eradication_probability(0, 1e-9, 50, 50, 1, 0.14, 0.13, 0.17),
            r"The 'size' parameter of eradication_probability must be > 0 \(cells\)\. Got 0\.",
        ),
        (
            lambda: theory.eradication_probability_single(1e9, 1e-9, -3, 0.14, 0.13, 0.17),
            r"The 'n_resistance' parameter of eradication_probability_single must be "
            r"an integer >= 0",
        ),
        (
            lambda: theory.missegregation_transition(2, 1.2),
            r"The 'beta' parameter of missegregation_transition must be in \[0, 1\] .* Got 1\.2\.",
        ),
        (
            lambda: theory.prob_no_karyotype_change([2, -1], 0.1),
            r"The 'karyotype' parameter of prob_no_karyotype_change must be "
            r"an integer >= 0 .* Got -1\.",
        ),
        (
            lambda: theory.prob_no_missegregation(2, 0.1),
            r"The 'karyotype' parameter of prob_no_missegregation must be an array",
        ),
        (
            lambda: theory.aneuploidy_score([2, 2], 0),
            r"The 'ploidy' parameter of aneuploidy_score must be an integer >= 1",
        ),
        (
            lambda: theory.karyotype_fitness([2, 2], 2, -0.5),
            r"The 'cost' parameter of karyotype_fitness must be in \[0, 1\]",
        ),
        (
            lambda: theory.daughters_conserve([2, 2], [2, 2, 2], [2, 2]),
            r"'daughter_a, daughter_b' parameter of daughters_conserve must be "
            r"karyotypes with the parent's number of chromosomes \(2, last axis\)\. Got \(3, 2\)\.",
        ),
    ],
)
def test_bad_input_names_parameter_range_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()
