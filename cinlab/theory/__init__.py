"""Closed-form results the simulation is checked against and that lessons overlay on plots.

Every function here is pure and vectorised over NumPy arrays where that is natural
(array arguments broadcast against each other; scalar inputs give NumPy scalars).
Bad input raises :class:`ValueError` naming the parameter, its allowed range and the
value received.

Units: time in days, rates per cell per day, probabilities per division (mutation,
missegregation per chromosome copy), sizes in cells.

Contents
--------
Linear birth-death process
    :func:`extinction_probability`, :func:`survival_probability`, :func:`mean_size`,
    :func:`variance_size`; its discrete-time version (what tau-leaping simulates)
    :func:`galton_watson_mean`, :func:`galton_watson_variance`.
Mutants and resistance
    :func:`luria_delbruck_pmf`, :func:`prob_no_mutants`, :func:`expected_mutations`,
    :func:`goldie_coldman_no_resistance`, :func:`prob_no_resistance_at_size`,
    :func:`eradication_probability_single`, :func:`eradication_probability`.
Chromosome missegregation
    :func:`missegregation_transition`, :func:`prob_no_karyotype_change`,
    :func:`prob_no_missegregation`, :func:`aneuploidy_score`, :func:`karyotype_fitness`,
    :func:`daughters_conserve`.

References
----------
.. [1] Bailey NTJ (1964). The Elements of Stochastic Processes, ch. 8.
.. [2] Ma WT, Sandri GvH, Sarkar S (1992). Analysis of the Luria-Delbrueck
   distribution using discrete convolution powers. J Appl Probab 29:255-267.
.. [3] Goldie JH, Coldman AJ (1979). A mathematic model for relating the drug
   sensitivity of tumors to their spontaneous mutation rate. Cancer Treat Rep
   63:1727-1733.
.. [4] Iwasa Y, Nowak MA, Michor F (2006). Evolution of resistance during clonal
   expansion. Genetics 172:2557-2566.
.. [5] Komarova NL, Wodarz D (2005). Drug resistance in cancer: principles of emergence
   and prevention. PNAS 102:9714-9719.
.. [6] Michor F, Nowak MA, Iwasa Y (2006). Evolution of resistance to cancer therapy.
   Curr Pharm Des 12:261-271.
.. [7] Bozic I, Reiter JG, Allen B, et al. (2013). Evolutionary dynamics of cancer in
   response to targeted combination therapy. eLife 2:e00747, doi:10.7554/eLife.00747.
.. [8] Harris TE (1963). The Theory of Branching Processes, ch. 1.
"""

from __future__ import annotations

from .birth_death import (
    extinction_probability,
    galton_watson_mean,
    galton_watson_variance,
    mean_size,
    survival_probability,
    variance_size,
)
from .karyotypes import (
    aneuploidy_score,
    daughters_conserve,
    karyotype_fitness,
    missegregation_transition,
    prob_no_karyotype_change,
    prob_no_missegregation,
)
from .resistance import (
    eradication_probability,
    eradication_probability_single,
    expected_mutations,
    goldie_coldman_no_resistance,
    luria_delbruck_pmf,
    prob_no_mutants,
    prob_no_resistance_at_size,
)

__all__ = [
    "aneuploidy_score",
    "daughters_conserve",
    "eradication_probability",
    "eradication_probability_single",
    "expected_mutations",
    "extinction_probability",
    "galton_watson_mean",
    "galton_watson_variance",
    "goldie_coldman_no_resistance",
    "karyotype_fitness",
    "luria_delbruck_pmf",
    "mean_size",
    "missegregation_transition",
    "prob_no_karyotype_change",
    "prob_no_missegregation",
    "prob_no_mutants",
    "prob_no_resistance_at_size",
    "survival_probability",
    "variance_size",
]
