"""cinlab: see why cancers come back after targeted therapy.

The core (this package's top level) needs only numpy and scipy; the Bokeh figures
(``cinlab.plots``) and ipywidgets explorers (``cinlab.widgets``) are imported on demand
and installed by the ``lessons`` extra.
"""

__version__ = "0.1.0"

from . import karyotype, rng, scenarios, theory
from .cohort import Cohort, simulate_many, sweep
from .engine import simulate
from .params import CIN, Escape, Fitness, Genome, Growth, Scenario, Therapy
from .result import Run

__all__ = [
    "CIN",
    "Cohort",
    "Escape",
    "Fitness",
    "Genome",
    "Growth",
    "Run",
    "Scenario",
    "Therapy",
    "__version__",
    "karyotype",
    "rng",
    "scenarios",
    "simulate",
    "simulate_many",
    "sweep",
    "theory",
]
