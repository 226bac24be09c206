"""The slider panel of notebook 01: the ecological slope in a world of the reader's choosing.

One population is simulated before the panel (:func:`panel_population`); each slider
change recomputes only the MS onsets of the same people in a world with other strengths
of the unexplained latitude factors, the direct UVB path and the vitamin D effect
(:func:`panel_onsets`), redraws the regional survey and refits the ecological regression
(:func:`draw_panel`), in well under a second per million people.

References
----------
Robinson WS. Ecological correlations and the behavior of individuals. Am Sociol Rev
1950;15:351-357.
Lucas RM, Ponsonby AL, Dear K, et al. Sun exposure and vitamin D are independent risk
factors for CNS demyelination. Neurology 2011;76:540-548.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import world
from ..scenario import SECTIONS, Scenario, load_scenario
from ..scm import Model, Node
from .latitude import draw_regions, ecological_fit


@dataclass(frozen=True)
class PanelPopulation:
    """One simulated population the slider panel re-uses (see :func:`panel_population`)."""

    scenario: Scenario
    seed: int
    people: pd.DataFrame
    onset_model: Model


#: the people's columns the world's onset equation reads (its own signature, so the panel
#: follows any change to the equation: place of birth, exposure window, era)
SECTION_NAMES = tuple(SECTIONS)
_HAZARD_ARGS = tuple(inspect.signature(world.ms_log_hazard_ratio).parameters)
HAZARD_SECTIONS = tuple(name for name in _HAZARD_ARGS if name in SECTION_NAMES)
HAZARD_PARENTS = tuple(name for name in _HAZARD_ARGS if name not in SECTION_NAMES)


def panel_population(scenario="null", n: int = 1_000_000, seed: int = 1) -> PanelPopulation:
    """Simulate once the people the panel redraws: risk factors, age, survey 25(OH)D.

    The onset model is the world's onset equation with its parents (the linear
    predictor and the birth year, for the calendar-period effect) as placeholder nodes:
    it shares the world's noise stream, so a new linear predictor gives the same
    people's onsets in a world with other MS parameters in a fraction of a second. (The
    onset equation itself uses only the baseline hazard and the period effect, which
    the panel leaves as they are.)
    """
    scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
    full = world.build_world(scenario)
    onset_node = full.nodes["ms_onset_age"]
    columns = tuple(dict.fromkeys((*HAZARD_PARENTS, *onset_node.parents, "region_id", "age",
                                   "alive", "vitd_survey_nmol")))
    people = full.sample(n, seed, columns=columns)
    placeholders = [Node(name, lambda n: np.zeros(n)) for name in onset_node.parents]
    onset_model = Model([*placeholders, onset_node])
    return PanelPopulation(scenario, seed, people, onset_model)


def panel_onsets(panel: PanelPopulation, latitude_hr: float, uvb_hr: float,
                 vitd_hr: float) -> np.ndarray:
    """MS onset ages (years; inf = never) of the panel's people in a world with these HRs.

    Parameters
    ----------
    latitude_hr : float
        ``ms.latitude_hr_per_10_degrees``: unexplained latitude factors, HR per 10 degrees.
    uvb_hr : float
        ``ms.uvb_hr_per_doubling``: sun acting on MS without 25(OH)D, HR per doubling.
    vitd_hr : float
        ``ms.vitd_hr_per_25nmol``: the causal effect of +25 nmol/L long-term 25(OH)D.
    """
    ms = panel.scenario.with_values({"ms.latitude_hr_per_10_degrees": latitude_hr,
                                     "ms.uvb_hr_per_doubling": uvb_hr,
                                     "ms.vitd_hr_per_25nmol": vitd_hr}).ms
    parents = {name: panel.people[name].to_numpy() for name in HAZARD_PARENTS}
    sections = {name: getattr(panel.scenario, name) for name in HAZARD_SECTIONS}
    log_hr = world.ms_log_hazard_ratio(**parents, **{**sections, "ms": ms})
    given = {name: panel.people[name].to_numpy() for name in panel.onset_model.nodes
             if name not in ("ms_log_hazard_ratio", "ms_onset_age")}
    onset_world = panel.onset_model.do(ms_log_hazard_ratio=log_hr, **given)
    return onset_world.evaluate(len(log_hr), panel.seed, keep=("ms_onset_age",))["ms_onset_age"]


def panel_regions(panel: PanelPopulation, onset: np.ndarray, survey_per_region: int,
                  seed: int = 1) -> pd.DataFrame:
    """Regional prevalence of MS (onset before the survey, alive) and survey mean 25(OH)D.

    The survey draws are those of the first simulation: a change of MS risk changes who
    has MS, a few hundred people in a million, too few to move a regional mean.
    """
    people = panel.people
    alive, age = people["alive"].to_numpy(), people["age"].to_numpy()
    region = people["region_id"].to_numpy()
    rng = np.random.default_rng(seed)
    adults = np.flatnonzero(alive & (age >= 18))
    rows = []
    for index, name in enumerate(world.REGIONS["region"]):
        here = alive & (region == index)
        pool = adults[region[adults] == index]
        surveyed = rng.choice(pool, size=min(int(survey_per_region), len(pool)), replace=False)
        rows.append({"region": name, "latitude_deg": world.REGIONS.loc[index, "latitude_deg"],
                     "population": int(here.sum()), "prevalent": int((here & (onset < age)).sum()),
                     "mean_vitd_nmol": float(people["vitd_survey_nmol"].to_numpy()[surveyed]
                                             .mean())})
    return pd.DataFrame(rows)


def draw_panel(panel: PanelPopulation, latitude_hr: float, uvb_hr: float, vitd_hr: float,
               survey_per_region: int):
    """The slider panel's figure: the region scatter in a world with the chosen strengths.

    Returns
    -------
    matplotlib.figure.Figure
        Regional prevalence against survey mean 25(OH)D, the ecological Poisson fit and
        the truth (the individual HR set by ``vitd_hr``, conditional on the other causes).
    """
    onset = panel_onsets(panel, latitude_hr, uvb_hr, vitd_hr)
    data = panel_regions(panel, onset, survey_per_region)
    fit = ecological_fit(data, "prevalence")
    fig, ax = plt.subplots(figsize=(6.6, 4.6))
    draw_regions(ax, data, "prevalent", "population", fit.estimate, np.log(vitd_hr),
                  f"ecological fit: RR {np.exp(fit.estimate):.2f} "
                  f"({np.exp(fit.ci_low):.2f}-{np.exp(fit.ci_high):.2f}) per +25 nmol/L")
    ax.set(xlabel=f"regional mean 25(OH)D (nmol/L, one draw in {int(survey_per_region)} "
                  "adults per region)",
           ylabel="MS prevalence (onset before the survey, per 100,000)")
    ax.set_title(f"latitude factors HR {latitude_hr:.2f} per 10 degrees, direct UVB HR "
                 f"{uvb_hr:.2f} per doubling", fontsize="small")
    ax.legend(fontsize="small", loc="lower left")
    fig.tight_layout()
    return fig


def survey_size_table(panel: PanelPopulation, sizes=(20, 100, 500, 5000),
                      latitude_hr: float = 3.116, uvb_hr: float = 0.9, vitd_hr: float = 1.0,
                      seeds=range(1, 6)) -> pd.DataFrame:
    """The panel's ecological estimate for several survey sizes, over a few survey seeds.

    A small survey measures each regional mean 25(OH)D with error, which flattens the
    ecological slope towards no association (regression dilution).

    Returns
    -------
    pandas.DataFrame
        One row per survey size: adults per region, the mean and the range over the seeds
        of the ecological prevalence ratio per +25 nmol/L, and the truth.
    """
    onset = panel_onsets(panel, latitude_hr, uvb_hr, vitd_hr)
    rows = []
    for size in sizes:
        ratios = [np.exp(ecological_fit(panel_regions(panel, onset, size, seed)).estimate)
                  for seed in seeds]
        rows.append({"adults_per_region": int(size), "mean_ratio": float(np.mean(ratios)),
                     "lowest": float(np.min(ratios)), "highest": float(np.max(ratios)),
                     "truth_ratio": vitd_hr})
    return pd.DataFrame(rows)
