"""Where people were born and where they live: residence history and the exposure window.

Everyone lives in ``region_id`` on the survey day. Most were born there; some were
born in another region and moved at ``age_at_move``. The share born elsewhere in each
region and where they came from are in :data:`MIGRATION_FLOWS` (census figures,
scaled by ``residence.migration_scale``; 0 turns migration off). Ages at moving
follow a two-part model migration schedule (Rogers & Castro 1981): children who move
with their family (``child_move_share``, an exponential decline from birth to 15)
and adults (log-normal around the labour-force peak, ``move_age_median``). A person
is born elsewhere with probability ``share * F(age)``, ``F`` the schedule's
distribution function, so children are rarely migrants yet and adults are at the
census share.

**The exposure window.** The place-dependent causes of MS in the world (the
latitude factor, the UVB dose and, in a causal world, 25(OH)D) act through a window
of life that migrant studies locate in childhood and adolescence: migrants from
high- to low-risk places who moved before about age 15 take on the lower risk of
their new home, those who moved later largely keep the risk of their birthplace
(Dean & Kurtzke 1971; Alter et al. 1978; McLeod et al. 2011), and risk still shifts
a little after 15 (Detels et al. 1978; Rotstein et al. 2019). The window's weight
at age ``a`` falls logistically around ``window_mid_age`` with spread
``window_spread_years``; the share of it spent at the new home after a move at age
``m`` is::

    S(m) = log(1 + exp((mid - m) / spread)) / log(1 + exp(mid / spread))

(1 for a move at birth; with the defaults half the window's weight is still ahead at
a move at about 9, a third at 12, under 5% after 25). A migrant's place terms of the MS hazard are
``S`` times those of the residence plus ``1 - S`` times those of the birthplace;
for everyone else they are the residence's, exactly as before.

What moves with the birthplace: the latitude, cloudiness and hence UVB of the
window, the sun-derived 25(OH)D of the window (:func:`window_vitd_nmol`), and
northern-European ancestry (:func:`simlib.world.ancestry_north` is drawn around
the birth region's mean: UK-born Australians have UK ancestry). What does not: a
blood draw is at the survey residence, and diet, supplements and infectious
mononucleosis follow the residence (a simplification: the odds of glandular
fever rise with latitude because infection comes later in childhood).

References
----------
Dean G, Kurtzke JF. On the risk of multiple sclerosis according to age at immigration
to South Africa. BMJ 1971;3:725-9.
Alter M, Kahana E, Loewenson R. Migration and risk of multiple sclerosis. Neurology
1978;28:1089-93.
Detels R et al. Multiple sclerosis and age at migration. Am J Epidemiol
1978;108:386-93.
McLeod JG, Hammond SR, Kurtzke JF. Migration and multiple sclerosis in immigrants to
Australia from United Kingdom and Ireland: a reassessment. I. Risk of MS by age at
immigration. J Neurol 2011;258:1140-9. doi:10.1007/s00415-010-5898-4
Rotstein DL et al. MS risk in immigrants in the McDonald era: a population-based
study in Ontario, Canada. Neurology 2019;93:e2203-15.
Rogers A, Castro LJ. Model migration schedules. IIASA RR-81-30, 1981.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import Section, param
from .special import normal_cdf, normal_quantile

#: Share of each region's residents born in another region of the world, and the
#: regions they were born in (weights sum to 1). Australia: UK- and Ireland-born
#: 7.6% of Australians at the 1981 census (McLeod et al. 2011), shared between the
#: world's two UK regions, plus the post-war continental European migrants (about 4%).
#: US sites: residents born in another state (about 25-30%, US Census Bureau, ACS 2011
#: state of birth), of whom the share born at a clearly different latitude is
#: represented by the other two sites (an approximation: most interstate migrants come
#: from states the world does not have). Europe: foreign-born residents from another
#: of the world's regions (Eurostat 2011 census round, intra-European migrants).
MIGRATION_FLOWS = {
    "Queensland": (0.11, {"Wales": 0.4, "Scotland": 0.3, "Southern Europe": 0.15,
                          "Central Europe": 0.1, "Tasmania": 0.05}),
    "Tasmania": (0.10, {"Wales": 0.45, "Scotland": 0.3, "Central Europe": 0.15,
                        "Queensland": 0.1}),
    "Texas": (0.10, {"Missouri": 0.5, "Ohio": 0.5}),
    "Missouri": (0.12, {"Texas": 0.4, "Ohio": 0.6}),
    "Ohio": (0.08, {"Texas": 0.3, "Missouri": 0.7}),
    "Southern Europe": (0.01, {"Central Europe": 1.0}),
    "Central Europe": (0.06, {"Southern Europe": 0.8, "Scotland": 0.1, "Wales": 0.1}),
    "Wales": (0.02, {"Central Europe": 0.6, "Southern Europe": 0.4}),
    "Scotland": (0.02, {"Central Europe": 0.7, "Southern Europe": 0.3}),
    "Western Norway": (0.03, {"Central Europe": 0.7, "Scotland": 0.3}),
}


#: The childhood component of the age schedule: moves with the family, falling
#: exponentially from birth (Rogers & Castro 1981: rate about 0.1 per year) to age 15.
CHILD_MOVE_RATE = 0.1
CHILD_MOVE_END = 15.0


@dataclass(frozen=True)
class ResidenceParams(Section):
    """Migration and the exposure window of place (see :mod:`simlib.residence`)."""

    section_name = "residence"
    migration_scale: float = param(1.0, "multiplier", 0.0, 5.0,
                                   "census shares born elsewhere (MIGRATION_FLOWS)",
                                   "multiplies every region's share born in another region "
                                   "(0: nobody moved)")
    child_move_share: float = param(0.3, "proportion", 0.0, 1.0,
                                    "Rogers & Castro 1981 (children move with their "
                                    "parents: the childhood component of migration "
                                    "schedules); McLeod et al. 2011 (a large share of UK "
                                    "immigrants to Australia arrived aged 0-14)",
                                    "share of migrants who moved as children with their "
                                    "family")
    move_age_median: float = param(24.0, "years", 15.0, 60.0,
                                   "Rogers & Castro 1981 (the labour-force peak of "
                                   "migration schedules at about 20-25)",
                                   "median age at moving of migrants who moved as adults")
    move_age_log_sd: float = param(0.3, "log years", 0.05, 1.0,
                                   "Rogers & Castro 1981 (labour-force peak about 15 years "
                                   "wide)",
                                   "spread of the adult age at moving")
    window_mid_age: float = param(15.0, "years", 0.0, 60.0,
                                  "Dean & Kurtzke, BMJ 1971 (age 15 at immigration to South "
                                  "Africa); Alter et al., Neurology 1978",
                                  "age at which the weight of the exposure window has fallen "
                                  "by half")
    window_spread_years: float = param(5.0, "years", 0.5, 30.0,
                                       "assumption: risk still shifts after 15 (Detels et al. "
                                       "1978; Rotstein et al., Neurology 2019: HR 0.73 landing "
                                       "at 16-30 and 0.55 at 31-45 vs under 15)",
                                       "how gradually the window closes (logistic spread)")


def _flow_arrays(region_names):
    """(share born elsewhere, origin probability matrix) over ``region_names``."""
    index = {name: i for i, name in enumerate(region_names)}
    share = np.zeros(len(region_names))
    origin = np.eye(len(region_names))
    for name, (born_elsewhere, origins) in MIGRATION_FLOWS.items():
        row = index[name]
        share[row] = born_elsewhere
        origin[row] = 0.0
        for place, weight in origins.items():
            origin[row, index[place]] = weight
        origin[row] /= origin[row].sum()
    return share, origin


def _child_cdf(age):
    """Distribution function of the childhood component (truncated exponential, 0-15)."""
    age = np.clip(age, 0.0, CHILD_MOVE_END)
    return -np.expm1(-CHILD_MOVE_RATE * age) / -np.expm1(-CHILD_MOVE_RATE * CHILD_MOVE_END)


def _adult_cdf(age, residence):
    log_age = np.log(np.maximum(age, 1e-9))
    return normal_cdf((log_age - np.log(residence.move_age_median)) / residence.move_age_log_sd)


def _move_age_cdf(age, residence):
    """Distribution function of the age at moving: childhood and labour-force components."""
    share = residence.child_move_share
    return share * _child_cdf(age) + (1 - share) * _adult_cdf(age, residence)


def born_elsewhere(rng, n, region_id, age, residence, region_names):
    """Born in another region than the survey residence (probability ``share * F(age)``)."""
    share, _ = _flow_arrays(region_names)
    probability = np.minimum(residence.migration_scale * share[region_id], 1.0) \
        * _move_age_cdf(age, residence)
    return rng.random(n) < probability


def birth_region_id(rng, n, region_id, born_elsewhere, region_names):
    """Region of birth (index into ``REGIONS``): the residence unless born elsewhere."""
    _, origin = _flow_arrays(region_names)
    cumulative = np.cumsum(origin, axis=1)  # by region of residence
    u = rng.random(n)  # drawn for everyone: a person's draw does not depend on the others
    home = np.asarray(region_id)  # grouping by residence, not by the birth being filled
    birth = home.astype(np.int16)
    movers = np.flatnonzero(born_elsewhere)
    for region in np.unique(home[movers]):
        rows = movers[home[movers] == region]
        drawn = np.searchsorted(cumulative[region], u[rows], side="left")
        birth[rows] = np.minimum(drawn, len(region_names) - 1)
    return birth


def age_at_move(rng, n, age, born_elsewhere, residence):
    """Age at moving to the survey residence (years); ``inf`` for people born there.

    From the two-component age schedule truncated at the person's age (they moved
    before the survey): a component is chosen by its probability mass below that age,
    then the age within it by inverse transform.
    """
    share = residence.child_move_share
    first, u = rng.random(n), rng.random(n)  # for everyone, used for movers only
    moved = np.full(n, np.inf)
    rows = np.flatnonzero(born_elsewhere)
    age, first, u = np.asarray(age, float)[rows], first[rows], u[rows]
    child_mass = share * _child_cdf(age)
    adult_mass = (1 - share) * _adult_cdf(age, residence)
    total = np.maximum(child_mass + adult_mass, 1e-300)
    as_child = first * total < child_mass
    child_top = _child_cdf(age) * -np.expm1(-CHILD_MOVE_RATE * CHILD_MOVE_END)
    child_age = -np.log1p(-np.clip(u * child_top, 0.0, 1 - 1e-12)) / CHILD_MOVE_RATE
    adult_u = np.clip(u * _adult_cdf(age, residence), 1e-12, 1 - 1e-12)
    adult_age = np.exp(np.log(residence.move_age_median)
                       + residence.move_age_log_sd * normal_quantile(adult_u))
    moved[rows] = np.minimum(np.where(as_child, child_age, adult_age), age)
    return moved


def window_share_after(move_age, residence):
    """Share of the exposure window spent at the new home after a move at ``move_age``.

    ``S(m)`` of the module docstring: 1 at birth, falling around ``window_mid_age``.
    0 for ``inf`` (a move that never came); people who never moved spent their whole
    window at the residence, which :func:`residence_window_share` says.
    """
    mid, spread = residence.window_mid_age, residence.window_spread_years
    move_age = np.asarray(move_age, dtype=float)
    finite = np.isfinite(move_age)
    safe = np.where(finite, move_age, 0.0)
    share = np.logaddexp(0.0, (mid - safe) / spread) / np.logaddexp(0.0, mid / spread)
    return np.where(finite, share, 0.0)


def residence_window_share(age_at_move, residence):
    """Share of a person's exposure window spent where they live now (1 if never moved)."""
    moved = np.isfinite(age_at_move)
    return np.where(moved, window_share_after(age_at_move, residence), 1.0)


def window_mix(at_residence, at_birthplace, residence_window_share):
    """A place term averaged over the exposure window (exactly the residence's if never
    moved)."""
    at_residence = np.asarray(at_residence, dtype=float)
    return at_residence + (1.0 - residence_window_share) * (at_birthplace - at_residence)


__all__ = ["MIGRATION_FLOWS", "ResidenceParams", "age_at_move", "birth_region_id",
           "born_elsewhere", "residence_window_share", "window_mix", "window_share_after"]
