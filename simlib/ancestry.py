"""Ancestry, skin pigmentation and what each carries: three attributes, not one axis.

Each person has

* an **ancestry group** (:data:`GROUPS`: European, African, Hispanic, Asian; the groups
  of the US census and of the US studies of MS by race and ethnicity), drawn from the
  census shares of the birth region (:data:`REGION_GROUP_SHARES`), so that migrants
  bring theirs;
* a **share of northern-European ancestry** (``ancestry_north``, 0-1): around the birth
  region's mean for people of European ancestry (``REGIONS.ancestry_mean``: southern
  Europe low, Scandinavia high), around a group mean for the others (the European
  admixture of African Americans and Hispanics is small and mostly not northern);
  it sets the HLA-DRB1*15:01 carrier share of Europeans and the vitamin-D allele
  frequencies (population stratification in MR);
* a **skin pigmentation** (``skin_dark``), drawn by group: it acts only on cutaneous
  vitamin D synthesis (:func:`simlib.world.sun_vitd_nmol`), never on MS directly.

The groups carry their own HLA-DRB1*15:01 carrier shares (control frequencies of the
allele about 5-8% outside Europe against 14-16% in northern Europe) and a residual
MS hazard ratio (``ancestry.group_ms_hr``): what the group's published incidence
ratio to White Americans leaves unexplained after HLA, sun and 25(OH)D. Hispanic and
Asian Americans have about 0.42 and 0.20 times the MS incidence of White Americans
in the same health plan (Langer-Gould et al. 2013), far more than their HLA
frequencies explain; the residual for African Americans is left at 1, because the
Black-White contrast (higher incidence in Black women in the same study) is kept back
as a validation figure.

References
----------
Langer-Gould A, Brara SM, Beaber BE, Zhang JL. Incidence of multiple sclerosis in
multiple racial and ethnic groups. Neurology 2013;80:1734-9.
doi:10.1212/WNL.0b013e3182918cc2
US Census Bureau. Census 2000 Summary File 1, states: race and Hispanic origin
(Texas, Missouri, Ohio).
Gonzalez-Galarza FF et al. Allele frequency net database (AFND) 2020 update. Nucleic
Acids Res 2020;48:D783-8 (HLA-DRB1*15:01 control frequencies by population).
Oksenberg JR et al. Mapping multiple sclerosis susceptibility to the HLA-DR locus in
African Americans. Am J Hum Genet 2004;74:160-7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

#: Ancestry groups, in code order (``ancestry_group`` 0-3).
GROUPS = ("european", "african", "hispanic", "asian")
EUROPEAN = 0

#: Shares of the four groups among residents of each region (rows sum to 1). US states:
#: Census 2000 (non-Hispanic White, non-Hispanic Black, Hispanic of any race,
#: non-Hispanic Asian; the 1-2% of other and multiple races left out and the rest
#: rescaled): Texas 52.4 / 11.3 / 32.0 / 2.7%, Missouri 83.8 / 11.2 / 2.1 / 1.1%, Ohio
#: 84.0 / 11.4 / 1.9 / 1.2%. Regions not listed are taken as wholly European (an
#: assumption: their censuses of 1981-2011 counted under 5% of other ancestry).
#: A dict: region name -> shares of :data:`GROUPS`, in code order.
REGION_GROUP_SHARES = {
    region: np.array(percent) / sum(percent)
    for region, percent in {"Texas": (52.4, 11.3, 32.0, 2.7), "Missouri": (83.8, 11.2, 2.1, 1.1),
                            "Ohio": (84.0, 11.4, 1.9, 1.2)}.items()}


def share_matrix(region_names) -> np.ndarray:
    """Group shares (rows: regions in the order given; columns: :data:`GROUPS`)."""
    table = np.zeros((len(region_names), len(GROUPS)))
    table[:, EUROPEAN] = 1.0
    for row, name in enumerate(region_names):
        if name in REGION_GROUP_SHARES:
            table[row] = REGION_GROUP_SHARES[name]
    return table


def ancestry_group(rng, n, birth_region_id, region_names):
    """Ancestry group (code into :data:`GROUPS`) by the census shares of the birth region."""
    cumulative = np.cumsum(share_matrix(region_names), axis=1)[np.asarray(birth_region_id)]
    draw = rng.random(n)
    return np.minimum((draw[:, None] >= cumulative[:, :-1]).sum(axis=1),
                      len(GROUPS) - 1).astype(np.int8)


def _by_group(values, ancestry_group):
    """Per-person value of a per-group parameter (non-European groups 1-3)."""
    return np.asarray((np.nan, *values))[np.asarray(ancestry_group)]


def ancestry_north(rng, birth_region_mean, ancestry_group, ancestry):
    """Share of northern-European ancestry: beta around the birth region's mean for
    Europeans, around ``ancestry.group_north_mean`` for the other groups."""
    european = np.asarray(ancestry_group) == EUROPEAN
    mean = np.where(european, birth_region_mean,
                    _by_group(ancestry.group_north_mean, ancestry_group))
    return rng.beta(mean * ancestry.concentration, (1 - mean) * ancestry.concentration)


def hla_carrier_share(ancestry_north, ancestry_group, ancestry):
    """Probability of carrying HLA-DRB1*15:01: by northern ancestry among Europeans
    (``hla_carrier_low`` to ``hla_carrier_high``), by group otherwise."""
    european = ancestry.hla_carrier_low + (ancestry.hla_carrier_high
                                           - ancestry.hla_carrier_low) * ancestry_north
    return np.where(np.asarray(ancestry_group) == EUROPEAN, european,
                    _by_group(ancestry.group_hla_carrier, ancestry_group))


def dark_skin_share(ancestry_group, ancestry):
    """Probability of darker skin pigmentation, by group (0 among Europeans)."""
    return np.where(np.asarray(ancestry_group) == EUROPEAN, 0.0,
                    _by_group(ancestry.group_dark_skin, ancestry_group))


def group_log_hazard(ancestry_group, ancestry):
    """Residual log hazard ratio of MS onset of the person's group (0 for Europeans)."""
    return np.where(np.asarray(ancestry_group) == EUROPEAN, 0.0,
                    np.log(_by_group(ancestry.group_ms_hr, ancestry_group)))


def group_names(ancestry_group) -> pd.Categorical:
    """Group names for an array of ``ancestry_group`` codes."""
    import pandas as pd
    return pd.Categorical.from_codes(np.asarray(ancestry_group), categories=list(GROUPS))
