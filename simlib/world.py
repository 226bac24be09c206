"""The vitamin D / multiple sclerosis world: its regions and structural equations.

:func:`build_world` turns a :class:`~simlib.scenario.Scenario` into a
:class:`~simlib.scm.Model`, one node per quantity of DESIGN.md section 2. Each
equation below is a plain vectorized function of its parents (and its parameter
section); its docstring says what it models and on what evidence. Life-history
nodes come from :mod:`simlib.history`, what changes after onset (sun lost, disease
activity, supplements after diagnosis) from :mod:`simlib.after_onset`, the survey
blood draw from :mod:`simlib.measure`.

Examples
--------
>>> from simlib import load_scenario, build_world
>>> world = build_world(load_scenario("null"))
>>> people = world.sample(10_000, seed=1)
>>> round(float(people["vitd_mean_nmol"].mean()))  # doctest: +SKIP
54

Add a node (a teacher's "oily fish" example) and rerun everything:

>>> import numpy as np
>>> def oily_fish_servings(rng, n, latitude_deg):
...     return rng.poisson(0.5 + 0.02 * latitude_deg)
>>> fishy = world.add_node("oily_fish_servings", oily_fish_servings)
>>> "oily_fish_servings" in fishy.sample(100, seed=1)
True
"""

from __future__ import annotations

import inspect
from functools import cache, partial
from typing import TYPE_CHECKING

import numpy as np

from . import after_onset, disability, drift, era, history, measure, period, residence
from . import ancestry as ancestry_groups
from .scenario import Scenario
from .scm import Model, Node
from .special import expit, logit

if TYPE_CHECKING:
    import pandas as pd

#: The regions of the world, one row each; :data:`REGIONS` is this table as a pandas
#: DataFrame with the columns :data:`REGION_COLUMNS`, built on first use (see
#: ``__getattr__``) so that ``import simlib`` does not import pandas.
#:
#: ``latitude_deg`` is absolute (``southern`` flags the hemisphere, for seasons);
#: ``cloudiness`` 0-1; ``weight`` the share of the population; ``ancestry_mean`` the mean
#: northern-European ancestry share of its people of European ancestry (the other
#: groups and their shares are in :mod:`simlib.ancestry`; white Americans and Australians
#: mostly of British, Irish and German descent, so near the northern end);
#: ``diet_factor`` multiplies dietary vitamin D (US milk fortification, Calvo et al.,
#: Am J Clin Nutr 2004;80:1710S; Norwegian fish and cod-liver oil, Kampman et al., Mult
#: Scler 2007;13:1043); ``supplement_odds_ratio`` multiplies the odds of supplement use
#: (higher in the US: Rooney et al., JAMA 2017).
#: Texas, Missouri and Ohio are the three sites of Noonan et al. 2010; Wales, Scotland
#: and Western Norway (Hordaland) those of the high-latitude incidence registers.
_REGION_ROWS = (
    ("Queensland", 22.0, True, 0.30, 0.05, 0.80, 1.0, 1.0),
    ("Texas", 33.5, False, 0.30, 0.12, 0.80, 2.2, 2.0),
    ("Missouri", 39.1, False, 0.40, 0.08, 0.85, 2.2, 2.0),
    ("Southern Europe", 40.5, False, 0.30, 0.14, 0.20, 1.0, 1.0),
    ("Ohio", 41.4, False, 0.50, 0.10, 0.85, 2.2, 2.0),
    ("Tasmania", 42.0, True, 0.55, 0.03, 0.85, 1.0, 1.0),
    ("Central Europe", 47.0, False, 0.55, 0.16, 0.45, 1.0, 1.0),
    ("Wales", 52.0, False, 0.65, 0.08, 0.90, 1.0, 1.0),
    ("Scotland", 57.0, False, 0.70, 0.14, 0.92, 1.0, 1.0),
    ("Western Norway", 60.4, False, 0.65, 0.10, 0.95, 1.8, 1.0),
)
#: Columns of :data:`REGIONS` (and of the rows above).
REGION_COLUMNS = ("region", "latitude_deg", "southern", "cloudiness", "weight", "ancestry_mean",
                  "diet_factor", "supplement_odds_ratio")

#: Region names, in the order of ``region_id``.
REGION_NAMES = tuple(row[0] for row in _REGION_ROWS)


@cache
def region_column(column: str) -> np.ndarray:
    """One column of :data:`REGIONS` as a read-only NumPy array (without pandas)."""
    values = np.array([row[REGION_COLUMNS.index(column)] for row in _REGION_ROWS])
    values.setflags(write=False)
    return values


@cache
def _regions_table():
    import pandas as pd
    return pd.DataFrame(list(_REGION_ROWS), columns=list(REGION_COLUMNS))


def __getattr__(name):
    if name == "REGIONS":
        return _regions_table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Named groups of regions a population can be restricted to (``population.regions``).
REGION_GROUPS = {
    "all": REGION_NAMES,
    "us": ("Texas", "Missouri", "Ohio"),
    "europe": ("Southern Europe", "Central Europe", "Wales", "Scotland", "Western Norway"),
    "north": ("Wales", "Scotland", "Western Norway"),
    "australia": ("Queensland", "Tasmania"),
}

SNPS = ("gc", "cyp2r1", "dhcr7", "cyp24a1")
SNP_COLUMNS = tuple(f"snp_{s}" for s in SNPS)


# ------------------------------------------------------------- place and people
def female(rng, n, population):
    """Sex: True for women."""
    return rng.random(n) < population.female_share


def region_id(rng, n, population):
    """Region of residence (index into ``REGIONS``), by population weight, within
    the group of regions ``population.regions``."""
    inside = np.isin(REGION_NAMES, REGION_GROUPS[population.regions])
    weights = region_column("weight") * inside
    return rng.choice(len(REGION_NAMES), size=n, p=weights / weights.sum()).astype(np.int16)


def _region_column(column, region_id):
    return region_column(column)[region_id]


def _birth_region_column(column, birth_region_id):
    return region_column(column)[birth_region_id]


def ancestry_north(rng, birth_region_id, ancestry_group, ancestry):
    """Share of northern-European ancestry (0-1): beta around the birth region's mean for
    people of European ancestry, around the group's mean for the others
    (:mod:`simlib.ancestry`; migrants bring their ancestry, :mod:`simlib.residence`)."""
    region_mean = _region_column("ancestry_mean", birth_region_id)
    return ancestry_groups.ancestry_north(rng, region_mean, ancestry_group, ancestry)


def hla_drb1_1501(rng, n, ancestry_north, ancestry_group, ancestry):
    """HLA-DRB1*15:01 carriage: in Europeans 10% to 30% with northern ancestry; by group
    in the others (:func:`simlib.ancestry.hla_carrier_share`)."""
    return rng.random(n) < ancestry_groups.hla_carrier_share(ancestry_north, ancestry_group,
                                                             ancestry)


def skin_dark(rng, n, ancestry_group, ancestry):
    """Darker skin pigmentation (slower cutaneous vitamin D synthesis), by ancestry group."""
    return rng.random(n) < ancestry_groups.dark_skin_share(ancestry_group, ancestry)


def snp_count(rng, n, ancestry_north, genetics, index):
    """Number of 25(OH)D-raising alleles (0-2) at one SNP; frequency shifts with ancestry."""
    freq = genetics.allele_freq[index] + genetics.ancestry_shift * (ancestry_north - 0.5)
    freq = np.clip(freq, 0.01, 0.99)
    return ((rng.random(n) < freq).astype(np.int8) + (rng.random(n) < freq)).astype(np.int8)


def vitd_gene_score_nmol(snp_gc, snp_cyp2r1, snp_dhcr7, snp_cyp24a1, genetics):
    """Genetic effect on 25(OH)D (nmol/L), centred at the reference allele frequencies."""
    counts = (snp_gc, snp_cyp2r1, snp_dhcr7, snp_cyp24a1)
    return sum(beta * (count - 2 * freq) for beta, count, freq
               in zip(genetics.effect_nmol, counts, genetics.allele_freq, strict=True))


def vitd_raising_alleles(snp_gc, snp_cyp2r1, snp_dhcr7, snp_cyp24a1):
    """Total number of 25(OH)D-raising alleles (0-8), the unweighted allele score."""
    return (snp_gc.astype(np.int16) + snp_cyp2r1 + snp_dhcr7 + snp_cyp24a1).astype(np.int8)


def standard_normal_trait(rng, n):
    """A latent trait with mean 0 and SD 1 (health consciousness, outdoor propensity)."""
    return rng.standard_normal(n)


# --------------------------------------------------------------------- behaviour
def adolescent_bmi(rng, n, health_consciousness, behaviour):
    """BMI at about age 18 (kg/m2), log-normal; lower with health consciousness."""
    log_bmi = np.log(behaviour.bmi_median) + behaviour.bmi_health_effect * health_consciousness
    return np.exp(log_bmi + behaviour.bmi_log_sd * rng.standard_normal(n))


def obese(adolescent_bmi):
    """Adolescent obesity: BMI >= 30 kg/m2."""
    return adolescent_bmi >= 30.0


def smoker(rng, n, health_consciousness, behaviour):
    """Ever regular smoker; less likely with health consciousness."""
    log_odds = logit(behaviour.smoking_share) + behaviour.smoking_health_log_or \
        * health_consciousness
    return rng.random(n) < expit(log_odds)


def diet_vitd_iu(rng, n, region_id, behaviour):
    """Dietary vitamin D (IU/day), log-normal; higher with fortification or fish diets."""
    median = behaviour.diet_median_iu * _region_column("diet_factor", region_id)
    return median * np.exp(behaviour.diet_log_sd * rng.standard_normal(n))


def supplement_dose_iu(rng, n, health_consciousness, region_id, behaviour):
    """Vitamin D supplement dose (IU/day) a user takes from their adoption year on; 0 for
    non-users (the random draws of ``supplement_iu`` before the calendar was split off)."""
    log_odds = logit(behaviour.supplement_share) + behaviour.supplement_health_log_or \
        * health_consciousness + np.log(_region_column("supplement_odds_ratio", region_id))
    user = rng.random(n) < expit(log_odds)
    cumulative = np.cumsum(behaviour.supplement_dose_shares)
    choice = np.minimum(np.searchsorted(cumulative, rng.random(n)), len(cumulative) - 1)
    return np.where(user, np.asarray(behaviour.supplement_doses_iu)[choice], 0.0)


def supplement_iu(supplement_dose_iu, supplement_adoption_year, calendar):
    """Vitamin D supplement dose (IU/day) in the survey year, before any MS; 0 for non-users.

    Users before their adoption year take at most ``calendar.pre_era_dose_iu``
    (multivitamins; see :mod:`simlib.era`).
    """
    return era.dose_in_survey_year(supplement_dose_iu, supplement_adoption_year, calendar)


def supplement_era_change_nmol(diet_vitd_iu, supplement_dose_iu, supplement_iu,
                               supplement_adoption_year, vitd_person_factor, vitamin_d,
                               calendar):
    """Rise of a user's long-term 25(OH)D (nmol/L) at their adoption year.

    From the pre-era dose (at most ``calendar.pre_era_dose_iu``, multivitamins) to the
    full dose, on the concave dose-response curve. A blood draw in another calendar
    year than the survey's reads the level of that year's dose
    (:func:`simlib.measure.true_level`), so users who adopted between two draws change
    level between them, as supplement use did from 1999 to 2012 (Kantor et al. 2016).
    0 for non-users and under an intervention on ``supplement_iu`` (an assigned dose
    is taken in every year).
    """
    natural = era.dose_in_survey_year(supplement_dose_iu, supplement_adoption_year, calendar)
    capped = np.minimum(supplement_dose_iu, calendar.pre_era_dose_iu)
    rise = (oral_rise_nmol(diet_vitd_iu + supplement_dose_iu, vitamin_d)
            - oral_rise_nmol(diet_vitd_iu + capped, vitamin_d)) * vitd_person_factor
    return np.where(supplement_iu == natural, rise, 0.0)


def ebv_infected(rng, n, infection):
    """Ever infected with Epstein-Barr virus."""
    return rng.random(n) < infection.ebv_share


def infectious_mononucleosis(rng, n, ebv_infected, latitude_deg, infection):
    """Symptomatic primary EBV infection; commoner at high latitude (late infection)."""
    log_odds = logit(infection.im_share_at_45) + infection.im_log_or_per_degree \
        * (latitude_deg - history.REFERENCE_LATITUDE)
    return ebv_infected & (rng.random(n) < expit(log_odds))


# ------------------------------------------------------------ sun and 25(OH)D
def outdoor_hours(outdoor_propensity, behaviour):
    """Daily time outdoors in daylight (hours), log-normal in outdoor propensity."""
    return behaviour.outdoor_hours_median * np.exp(behaviour.outdoor_log_sd * outdoor_propensity)


def uvb_dose(latitude_deg, cloudiness, outdoor_hours, behaviour, sun):
    """Personal UVB dose relative to a median person at 45 degrees under average cloud."""
    ambient = np.exp(-sun.uvb_decline_per_degree * (latitude_deg - history.REFERENCE_LATITUDE))
    clouds = (1 - sun.cloud_uvb_loss * cloudiness) / (1 - sun.cloud_uvb_loss * 0.5)
    return ambient * clouds * outdoor_hours / behaviour.outdoor_hours_median


def vitd_person_factor(rng, n, adolescent_bmi, vitamin_d):
    """Multiplier of a person's 25(OH)D: BMI (Vimaleswaran 2013) x unexplained variation."""
    bmi = np.exp(vitamin_d.bmi_percent_per_unit / 100 * (adolescent_bmi - 22.0))
    sigma = vitamin_d.person_log_sd
    return bmi * np.exp(sigma * rng.standard_normal(n) - sigma ** 2 / 2)


def sun_vitd_nmol(uvb_dose, skin_dark, vitd_person_factor, sun, ancestry):
    """Long-term 25(OH)D made in the skin (nmol/L); synthesis saturates with dose."""
    skin = np.where(skin_dark, ancestry.dark_skin_synthesis, 1.0)
    return sun.sun_nmol_reference * uvb_dose ** sun.sun_dose_exponent * skin * vitd_person_factor


def oral_rise_nmol(dose_iu, vitamin_d):
    """Rise of 25(OH)D (nmol/L) with oral vitamin D (IU/day): a saturating Hill curve.

    ``rise = max * D**h / (D**h + half**h)``. With the fitted coefficient ``h = 2`` it
    reproduces the observational slopes of Ekwaru et al. (PLoS One 2014;9:e111265:
    12 nmol/L per 1000 IU/day at 0-1000, 1.1 at 15,000-20,000) and the BEST-D trial
    (2017: 2000 and 4000 IU/day) within 20%. The curve is concave above about
    2,300 IU/day, where the high-dose claims sit, and flattens towards
    ``max``. A curve concave from zero cannot meet both figures: concavity would
    cap the rise at 4000 IU/day at four times the rise at 1000 IU/day (48 nmol/L),
    far below BEST-D's 84. It under-predicts the short escalation peak of Burton
    et al. 2010 (413 nmol/L at 40,000 IU/day) by about 30%.
    """
    dose = np.asarray(dose_iu, dtype=float) ** vitamin_d.oral_hill
    half = vitamin_d.oral_half_dose_iu ** vitamin_d.oral_hill
    return vitamin_d.oral_max_rise_nmol * dose / (dose + half)


def post_dx_rise_nmol(diet_vitd_iu, supplement_iu, post_dx_supplement_iu, vitd_person_factor,
                      vitamin_d):
    """Extra 25(OH)D (nmol/L) from post-diagnosis supplements, on the concave curve."""
    before = diet_vitd_iu + supplement_iu
    rise = oral_rise_nmol(before + post_dx_supplement_iu, vitamin_d) \
        - oral_rise_nmol(before, vitamin_d)
    return rise * vitd_person_factor


def oral_vitd_nmol(diet_vitd_iu, supplement_iu, vitd_person_factor, vitamin_d):
    """Long-term 25(OH)D from diet and supplements (nmol/L)."""
    return oral_rise_nmol(diet_vitd_iu + supplement_iu, vitamin_d) * vitd_person_factor


def vitd_mean_nmol(sun_vitd_nmol, oral_vitd_nmol, vitd_gene_score_nmol, vitd_person_factor,
                   vitamin_d):
    """Long-term mean serum 25(OH)D before any MS (nmol/L): the causal exposure."""
    other = (vitamin_d.other_nmol + vitd_gene_score_nmol) * vitd_person_factor
    return np.maximum(other + sun_vitd_nmol + oral_vitd_nmol, measure.LOWEST_NMOL)


def seasonal_amplitude_nmol(sun_vitd_nmol, latitude_deg, sun):
    """Half the summer-winter swing (nmol/L): grows with latitude and sun-derived 25(OH)D."""
    fraction = np.minimum(sun.seasonal_fraction_per_degree * latitude_deg, 0.9)
    return sun_vitd_nmol * fraction


# -------------------------------------------------------------------- MS hazard
def place_log_hazard(latitude_deg, uvb_dose, ms):
    """Log hazard ratio of the place one lives in: the latitude factor and the UVB dose."""
    return (np.log(ms.uvb_hr_per_doubling) * np.log2(uvb_dose)
            + np.log(ms.latitude_hr_per_10_degrees)
            * (np.clip(latitude_deg, ms.latitude_floor_deg, ms.latitude_plateau_deg)
               - history.REFERENCE_LATITUDE) / 10.0)


def birth_uvb_dose(birth_latitude_deg, birth_cloudiness, outdoor_hours, behaviour, sun):
    """UVB dose the person would get at their birthplace (as :func:`uvb_dose`)."""
    return uvb_dose(birth_latitude_deg, birth_cloudiness, outdoor_hours, behaviour, sun)


def birth_sun_vitd_nmol(birth_uvb_dose, skin_dark, vitd_person_factor, sun, ancestry):
    """Sun-derived 25(OH)D at the birthplace (nmol/L, as :func:`sun_vitd_nmol`)."""
    return sun_vitd_nmol(birth_uvb_dose, skin_dark, vitd_person_factor, sun, ancestry)


def window_vitd_nmol(vitd_mean_nmol, sun_vitd_nmol, birth_sun_vitd_nmol,
                     residence_window_share):
    """Long-term 25(OH)D over the exposure window (nmol/L): the MS exposure.

    The residence's long-term level with the birthplace's sunlight for the share of
    the window spent there (:mod:`simlib.residence`); exactly ``vitd_mean_nmol`` for
    people who never moved. An intervention on ``vitd_mean_nmol`` shifts it by the
    same amount: the world's causal effect of 25(OH)D is not confined to the window,
    only which place's sunlight made the level.
    """
    at_birthplace = vitd_mean_nmol + birth_sun_vitd_nmol - sun_vitd_nmol
    return np.maximum(residence.window_mix(vitd_mean_nmol, at_birthplace,
                                           residence_window_share), measure.LOWEST_NMOL)


def ms_log_hazard_ratio(female, hla_drb1_1501, ebv_infected, infectious_mononucleosis, obese,
                        smoker, uvb_dose, latitude_deg, birth_uvb_dose, birth_latitude_deg,
                        residence_window_share, window_vitd_nmol, vitd_raising_alleles,
                        birth_year, ancestry_group, ms, genetics, calendar, ancestry):
    """Log hazard ratio of MS onset relative to the reference person of ``ms.baseline``.

    The place terms (latitude, UVB, 25(OH)D) are averaged over the exposure window
    between birthplace and residence (:mod:`simlib.residence`). Women's hazard ratio
    drifts with birth year (:func:`simlib.era.female_log_hr_trend`). Ancestry groups
    other than European carry a residual hazard ratio
    (:func:`simlib.ancestry.group_log_hazard`).
    """
    place = residence.window_mix(place_log_hazard(latitude_deg, uvb_dose, ms),
                                 place_log_hazard(birth_latitude_deg, birth_uvb_dose, ms),
                                 residence_window_share)
    lp = (np.log(ms.hr_female) * female + np.log(ms.hr_hla) * hla_drb1_1501
          + np.log(ms.hr_ebv) * (ebv_infected.astype(float) - 1.0)
          + np.log(ms.hr_im) * infectious_mononucleosis + np.log(ms.hr_obesity) * obese
          + np.log(ms.hr_smoking) * smoker + place)
    alleles = vitd_raising_alleles - 2 * sum(genetics.allele_freq)
    return lp + vitd_log_hazard(window_vitd_nmol, ms) \
        + np.log(genetics.pleiotropy_hr_per_allele) * alleles \
        + era.female_log_hr_trend(female, birth_year, calendar) \
        + ancestry_groups.group_log_hazard(ancestry_group, ancestry)


def ms_onset_age(rng, ms_log_hazard_ratio, birth_year, hazard):
    """Age at first demyelinating event (MS onset; ``inf`` if never).

    The person's log hazard ratio plus the calendar-period effect on onset
    (:class:`simlib.period.OnsetHazard`): the same unit-exponential draw as the
    constant-hazard equation (:func:`simlib.history.onset_age_from_draw`), so a world without a
    period effect has the same onsets.
    """
    draw = rng.standard_exponential(len(ms_log_hazard_ratio))
    return hazard.onset_age(draw, birth_year, ms_log_hazard_ratio)


def vitd_log_hazard(vitd_nmol, ms):
    """Causal contribution of 25(OH)D to the log hazard (0 at 50 nmol/L, linear or threshold)."""
    slope = np.log(ms.vitd_hr_per_25nmol) / 25.0
    if ms.vitd_effect_shape == "threshold":
        return slope * (np.minimum(vitd_nmol, ms.vitd_threshold_nmol) - ms.vitd_threshold_nmol)
    return slope * (vitd_nmol - history.REFERENCE_VITD_NMOL)


# ------------------------------------------------------------------- assembly
def _equation(name, func, scenario: Scenario, doc=None, stream=None, row_draws=False,
              **fixed) -> Node:
    """A node whose parameter-section arguments are filled from the scenario
    (``row_draws``: see :class:`simlib.scm.Node`)."""
    args = [p for p in inspect.signature(func).parameters if p not in fixed]
    sections = {a: getattr(scenario, a) for a in args if hasattr(scenario, a)}
    bound = partial(func, **sections, **fixed)
    parents = tuple(a for a in args if a not in sections and a not in ("rng", "n"))
    wants = [a for a in ("rng", "n") if a in args]

    def call(rng, n, **values):
        extra = {"rng": rng, "n": n}
        return bound(**values, **{w: extra[w] for w in wants})

    summary = (doc or (func.__doc__ or "").strip().splitlines()[0])
    return Node(name, call, parents, summary, stream, draws="rng" in wants, row_draws=row_draws)


def _equations(s: Scenario):
    p = partial(_equation, scenario=s)
    region = [p(col, partial(_region_column, col), doc=f"{col} of the region")
              for col in ("latitude_deg", "southern", "cloudiness")]
    birth = [p(f"birth_{col}", partial(_birth_region_column, col), doc=f"{col} of the birth region")
             for col in ("latitude_deg", "cloudiness")]
    names = REGION_NAMES
    return [
        p("female", female), p("region_id", region_id), *region,
        p("born_elsewhere", residence.born_elsewhere, region_names=names),
        p("birth_region_id", residence.birth_region_id, region_names=names),
        p("age_at_move", residence.age_at_move),
        p("residence_window_share", residence.residence_window_share), *birth,
        p("birth_uvb_dose", birth_uvb_dose), p("birth_sun_vitd_nmol", birth_sun_vitd_nmol),
        p("window_vitd_nmol", window_vitd_nmol),
        p("ancestry_group", ancestry_groups.ancestry_group, region_names=names,
          doc="ancestry group (simlib.ancestry.GROUPS: european, african, hispanic, asian)"),
        p("ancestry_north", ancestry_north), p("hla_drb1_1501", hla_drb1_1501),
        p("skin_dark", skin_dark),
        *[p(col, snp_count, index=i, doc=f"raising alleles at {snp.upper()}")
          for i, (snp, col) in enumerate(zip(SNPS, SNP_COLUMNS, strict=True))],
        p("vitd_gene_score_nmol", vitd_gene_score_nmol),
        p("vitd_raising_alleles", vitd_raising_alleles),
        p("health_consciousness", standard_normal_trait, doc="latent health consciousness (SD)"),
        p("outdoor_propensity", standard_normal_trait, doc="latent liking for the outdoors (SD)"),
        p("adolescent_bmi", adolescent_bmi), p("obese", obese), p("smoker", smoker),
        p("ebv_infected", ebv_infected), p("infectious_mononucleosis", infectious_mononucleosis),
        p("diet_vitd_iu", diet_vitd_iu),
        p("supplement_adoption_year", era.adoption_year,
          doc="calendar year the person would start high-dose vitamin D"),
        p("supplement_dose_iu", supplement_dose_iu, stream="supplement_iu"),
        p("supplement_iu", supplement_iu),
        p("outdoor_hours", outdoor_hours), p("uvb_dose", uvb_dose),
        p("vitd_person_factor", vitd_person_factor), p("sun_vitd_nmol", sun_vitd_nmol),
        p("oral_vitd_nmol", oral_vitd_nmol), p("vitd_mean_nmol", vitd_mean_nmol),
        p("seasonal_amplitude_nmol", seasonal_amplitude_nmol),
        p("supplement_era_change_nmol", supplement_era_change_nmol),
        *_history_equations(s),
    ]


def _history_equations(s: Scenario):
    p = partial(_equation, scenario=s)
    pop, ms = s.population, s.ms
    return [
        p("age", lambda rng, n: history.stationary_age(rng, n, pop), doc="age at the survey"),
        p("birth_year_fraction", lambda rng, n: rng.random(n), doc="birthday as a year fraction"),
        p("birth_year", era.birth_year, doc="calendar year of birth"),
        p("ms_log_hazard_ratio", ms_log_hazard_ratio),
        p("ms_onset_age", ms_onset_age, hazard=period.onset_hazard(s),
          doc="age at MS onset (inf: never)"),
        p("prodrome_start_age", lambda rng, ms_onset_age:
          history.prodrome_start_age(rng, ms_onset_age, ms), doc="age at start of prodrome"),
        p("diagnosis_age", lambda rng, ms_onset_age: history.diagnosis_age(rng, ms_onset_age, ms),
          doc="age at MS diagnosis"),
        p("background_death_age", lambda rng, age: history.background_death_age(rng, age, pop),
          doc="age at death without MS, given alive at the survey"),
        p("ms_excess_death_age", lambda rng, ms_onset_age:
          history.ms_excess_death_age(rng, ms_onset_age, pop),
          doc="age at death from MS excess mortality"),
        p("alive", history.alive), p("death_age", history.death_age),
        p("heat_sensitive", after_onset.heat_sensitive), p("ms_activity", after_onset.ms_activity),
        p("progressive_onset", disability.progressive_onset),
        p("progression_speed", disability.progression_speed),
        p("edss_progression", disability.edss_progression),
        p("after_onset_sun_loss", after_onset.after_onset_sun_loss),
        p("post_dx_supplement_iu", after_onset.post_dx_supplement_iu),
        p("post_dx_supplement_start_age", after_onset.post_dx_supplement_start_age),
        p("post_dx_rise_nmol", post_dx_rise_nmol),
        p("vitd_after_onset_nmol", after_onset.vitd_after_onset_nmol),
        p("vitd_on_supplement_nmol", after_onset.vitd_on_supplement_nmol),
        p("relapse_expected", history.relapse_expected),
        p("relapse_count", history.relapse_count),
        p("edss", disability.edss),
        p("vitd_drift_key", drift.drift_key,
          doc="key of the person's 25(OH)D drift over the years (simlib.drift)"),
        p("vitd_survey_nmol", measure.vitd_survey_nmol, row_draws=True),
    ]


def build_world(scenario: Scenario) -> Model:
    """The structural causal model of ``scenario`` (see the module docstring)."""
    return Model(_equations(scenario))


def region_names(region_id) -> pd.Categorical:
    """Region names for an array of ``region_id`` values."""
    import pandas as pd
    return pd.Categorical.from_codes(np.asarray(region_id), categories=list(REGION_NAMES))
