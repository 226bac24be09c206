# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Latitude and the ecological fallacy
#
# **The question.** MS is commoner far from the equator. Does that show that vitamin D
# protects against MS?
#
# **The claim.** The patient-information article on MS and vitamin D
# (`ms-and-vitamin-d`) says that MS is more frequent in countries with cloudier climates,
# and that too little sunshine means too little vitamin D. The reasoning runs: high
# latitude, less UVB, lower 25(OH)D, more MS.
#
# **The evidence it rests on** is ecological: the units are regions, not people. Simpson
# et al. (2011) pooled 650 prevalence surveys from 59 countries and found MS prevalence
# rising by about 1 per 100,000 for every degree of latitude (2.6 after adjusting for the
# year of the survey); their 2019 update found 5.3 per 100,000 per degree.
#
# In this notebook we run the ecological study in a world where vitamin D does nothing
# and in one where it protects, and compare both with the individual truth.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of every simulation: the same seed gives the same people
population = teaching.size(2_000_000, 200_000)  # people simulated per world, ecological study
survey_per_region = 2000  # adults per region with one blood draw (regional mean 25(OH)D)
individual_population = teaching.size(1_000_000, 200_000)  # people, individual analysis
panel_size = teaching.size(2_000_000, 200_000)  # people simulated once for the slider panel
migrant_population = teaching.size(4_000_000, 400_000)  # Australians simulated, migrants study
latitude_hr_per_10_degrees = 3.116  # panel: unexplained latitude factors (HR per 10 degrees)
uvb_hr_per_doubling = 0.9  # panel: sun acting on MS without vitamin D (HR per doubling of UVB)
vitd_hr_per_25nmol = 1.0  # panel: true vitamin D effect (HR per +25 nmol/L; 1 = null world)

# %%
import numpy as np

from simlib import build_world, load_scenario, plots, widgets
from simlib.experiments import latitude, latitude_panel, migration
from simlib.truth import true_effects

# %% [markdown]
# ## The claim: MS is commoner far from the equator
#
# The published figures this notebook compares with (`data/published`): the pooled
# latitude gradients of Simpson et al. and the age-adjusted prevalence at three US sites
# of Noonan et al. (2010), Texas (33.5 degrees), Missouri (39.1) and Ohio (41.4).

# %%
latitude.published_gradient()[["quantity", "value", "unit", "latitude_deg", "citation"]]

# %% [markdown]
# ## The mechanism: what latitude brings with it
#
# The claim follows one path of the world's causal graph: latitude -> UVB dose -> long-term
# 25(OH)D -> MS. But latitude, and the region people live in, bring much more with them:
#
# * **ancestry**: northern-European ancestry is commoner in the north, and with it
#   HLA-DRB1\*15:01, which triples MS risk (Sturner et al. 2019);
# * **EBV**: infection comes later in life in northern, affluent places, so infectious
#   mononucleosis is commoner, and it doubles MS risk (Ascherio & Munger 2007; Handel
#   et al. 2010);
# * **sun without vitamin D**: UVB may act on the immune system directly (Lucas et al.
#   2011), the arrow from `uvb_dose` into MS risk that does not pass through 25(OH)D;
# * **unexplained latitude factors**: the direct arrow from `latitude_deg` into MS risk,
#   fitted so that the world reproduces the registers' high incidence in Scotland, Wales
#   and western Norway against mid latitudes, and the ratios between three US surveys
#   (`ms.latitude_hr_per_10_degrees`, HR 2.4 per 10 degrees);
# * **diet and supplements**: US milk fortification and supplement use raise 25(OH)D in
#   some regions whatever their latitude (the arrow from `region_id` to `vitd_mean_nmol`).
#
# In the **null** world the arrow from `vitd_mean_nmol` into MS risk has zero strength; in
# the **causal** world it is HR 0.8 per +25 nmol/L.

# %%
mechanism_nodes = ("region_id", "latitude_deg", "ancestry_north", "hla_drb1_1501",
                   "infectious_mononucleosis", "outdoor_propensity", "uvb_dose",
                   "vitd_mean_nmol", "ms_log_hazard_ratio", "ms_onset_age", "diagnosis_age")
dag = plots.dag_plot(build_world(load_scenario("null")), nodes=mechanism_nodes, collapse=True,
                     highlight=("latitude_deg", "vitd_mean_nmol", "ms_onset_age"))
teaching.show(dag.figure)

# %% [markdown]
# ## The ecological study in the null and causal worlds
#
# The `ecological` design (`python -m simlib designs`) treats each of the ten regions as
# one unit. From the registers it counts people alive with diagnosed MS (prevalence) and
# diagnoses in the last 10 years (incidence). From a survey of `survey_per_region` adults
# per region, with one blood draw each, it estimates the regional mean 25(OH)D. A Poisson
# regression of regional cases on regional mean 25(OH)D gives the ecological rate ratio
# per +25 nmol/L.
#
# We run it in the null and the causal world, on the same people (same seed).

# %%
studies = latitude.ecological_studies(("null", "causal"), population, seed, survey_per_region)
latitude.region_rates(studies["null"])[
    ["region", "latitude_deg", "mean_vitd_nmol", "prevalent", "prevalence_per_100k",
     "incident", "incidence_per_100k"]].round(1)

# %%
ecological = latitude.ecological_table(studies)
ecological[["world", "measure", "ratio", "truth_ratio", "n_cases"]].round(3)

# %%
eco = ecological.set_index(["world", "measure"])
null_eco = eco.loc[("null", "prevalence")]
causal_eco = eco.loc[("causal", "prevalence")]
teaching.headline(
    latitude.ecological_figure(studies),
    f"Across ten regions, MS prevalence falls steeply with regional mean 25(OH)D in both "
    f"worlds: ecological prevalence ratio {null_eco['ratio']:.2f} per +25 nmol/L in the "
    f"null world (individual truth {null_eco['truth_ratio']:.2f}) and "
    f"{causal_eco['ratio']:.2f} in the causal world (truth {causal_eco['truth_ratio']:.2f}).")

# %% [markdown]
# Both panels look the same. In each, the dashed line (the ecological fit) is far steeper
# than the red line: the line the regions would follow if vitamin D were the only thing
# that differed between them, with its true individual effect. The regions do not follow
# the red line in either world.

# %% [markdown]
# ## The individual truth beside the ecological estimate
#
# What does +25 nmol/L of 25(OH)D do to one person's MS risk? We compute it by
# intervention on the same simulated people (`simlib.truth.true_effects`): raise everyone's
# long-term 25(OH)D by 25 nmol/L and compare MS onset to age 50.

# %%
truths = {name: true_effects(load_scenario(name), individual_population, seed)
          for name in ("null", "causal")}
{name: round(effects["hr_per_25"], 3) for name, effects in truths.items()}

# %% [markdown]
# The forest plot sets both ecological estimators (prevalence and incidence) beside the
# truth on the same people (red marks).

# %%
forest = plots.forest_plot(ecological)
forest.set_xlabel("ratio per +25 nmol/L 25(OH)D (log scale)")
teaching.show(forest.figure)

# %% [markdown]
# The ecological estimates lie far below any plausible individual effect (a ratio near
# 0.1 would mean ten times less MS per +25 nmol/L), and they are about as far from the
# truth in the world where vitamin D does nothing as in the world where it protects. The
# incidence estimate, built on fewer cases, has the wider interval. Even these intervals
# are too narrow: the Poisson model treats the survey means as exact.

# %% [markdown]
# ## Prevalence against latitude: the published gradient
#
# The same regions plotted against latitude, beside the published figures.

# %%
slopes = {name: latitude.prevalence_slope(study) for name, study in studies.items()}
teaching.show(latitude.latitude_plot(studies).figure)
{name: round(slope, 2) for name, slope in slopes.items()}

# %% [markdown]
# The simulated world has a gradient of the same kind as the published one: prevalence
# rises several-fold from the subtropics to 60 degrees, close to the three US sites of
# Noonan et al. (2010). Its slope is steeper than the worldwide pooled slope of Simpson
# et al. (2011, 2019), which mixes surveys of different years, methods and populations;
# our regions were calibrated to register incidence at high latitude. What matters here:
# **the gradient is the same in the null and the causal world.** A latitude gradient of MS
# does not discriminate between them.

# %% [markdown]
# ## Within regions and between regions
#
# An ecological correlation need not hold for individuals (Robinson 1950; Morgenstern
# 1995). We can see this directly by analysing the same people three ways. Imagine an
# ideal study: everyone followed from birth to age 50, with their long-term 25(OH)D known
# exactly (no measurement error, no reverse causation). We fit a Poisson model of MS onset
# per +25 nmol/L:
#
# * **individuals, regions pooled**: everyone compared with everyone;
# * **individuals within regions**: people compared only with others in their own region
#   (a fixed effect per region);
# * **regions (ecological)**: only the ten regional totals and means.

# %%
levels = {}
for name in ("null", "causal"):
    cells = latitude.individual_cells(name, individual_population, seed)
    levels[name] = latitude.three_levels(cells, np.log(truths[name]["hr_per_25"]))
teaching.show(latitude.levels_figure(levels))
{name: table.set_index("label")["ratio"].round(3).to_dict() for name, table in levels.items()}

# %% [markdown]
# Within regions, the individual estimate is close to the truth in both worlds (what is
# left is confounding inside regions: time in the sun, which protects without vitamin D,
# ancestry and skin colour). Pooling the regions adds the between-region contrast and
# drags the estimate down. The ten regional points alone give the ecological estimate,
# which says almost nothing about individuals: it measures how regions differ, in
# everything at once.

# %% [markdown]
# ## Taking the region-level confounders away
#
# If region-level causes of MS other than vitamin D produce the ecological gradient,
# removing them should remove it. We start from the null world and switch them off one
# after another, on the same people:
#
# 1. the unexplained latitude factors (`ms.latitude_hr_per_10_degrees = 1`);
# 2. then the sun's direct path to MS (`ms.uvb_hr_per_doubling = 1`);
# 3. then the north-south differences in HLA-DRB1\*15:01 carriage and infectious
#    mononucleosis, and the ancestry groups' own MS risk
#    (`ancestry.hla_carrier_low = ancestry.hla_carrier_high = 0.2`, the same for each
#    group in `ancestry.group_hla_carrier`, `ancestry.group_ms_hr = [1, 1, 1]`,
#    `infection.im_log_or_per_degree = 0`).
#
# Vitamin D still has no effect in any of these worlds, so the truth stays at 1.

# %%
steps = latitude.ecological_studies(latitude.confounder_worlds("null"), population, seed,
                                    survey_per_region)
teaching.show(latitude.steps_figure(steps))
step_table = latitude.ecological_table(steps)
step_table[step_table["measure"] == "prevalence"][["world", "ratio", "truth_ratio"]].round(3)

# %% [markdown]
# Without the unexplained latitude factors most of the gradient goes; without the sun's
# direct path and the regional differences in HLA and mononucleosis, the ecological
# estimate sits near the truth of no effect. The regions still differ in 25(OH)D as much
# as before: sunshine, skin, diet and supplements have not changed. Only the other causes
# of MS have.

# %% [markdown]
# ## Migrants: when does place act?
#
# Another classic line of evidence follows people who moved. McLeod, Hammond and
# Kurtzke (2011) counted MS among immigrants from the UK and Ireland to Australia at the
# 1981 census: 22 per 100,000 among those who arrived aged 0-14 and 54 per 100,000
# among those who arrived at 15-39. Earlier studies in South Africa and Israel found the
# same: people who move young take on more of the risk of their new home.
#
# The world has a birthplace for everyone and an age at moving for migrants
# (`simlib.residence`). Place acts on MS through an exposure window that closes around
# age 15, so a migrant's risk mixes birthplace and new home by the share of the window
# spent in each. The `migrants` design surveys UK-born Australians on a 1981 census day
# and compares prevalence by age at arrival.

# %%
migrants = migration.migrant_studies(("null", "causal"), migrant_population, seed)
teaching.show(migration.arrival_figure(migrants))
migration.estimates_table(migrants).round(3)

# %% [markdown]
# Those who arrived as children have MS at a third to two fifths of the rate of those
# who arrived later, and the youngest arrivals come close to Australians born in
# Australia. The same gradient shows in the
# null world as in the causal world. A migrant study shows that *something about a
# place acts in childhood*: latitude factors, UVB acting on the immune system, the age of
# EBV infection, or vitamin D. It cannot tell these apart, any more than the regional
# gradient can. The prevalence ratio is also only an estimate of the causal contrast
# (the truth column: the same migrants had they all moved at the child movers' mean age
# against the later movers' mean age): it counts survivors with a diagnosis, and the two
# groups differ in age.

# %% [markdown]
# ## What happened and why
#
# * In both worlds, MS prevalence and incidence rise steeply with latitude and fall with
#   regional mean 25(OH)D. The ecological rate ratio is tiny (far below any plausible
#   effect) in the null world, where vitamin D does nothing, and nearly the same in the
#   causal world.
# * The reason is **confounding at the level of regions**. Latitude brings ancestry and
#   HLA, late EBV infection, sun acting without vitamin D, and unexplained factors; each
#   rises or falls with latitude, as 25(OH)D does. The ecological regression cannot tell
#   them apart: with ten regions it has ten points and one slope.
# * This is the **ecological fallacy**: an association between groups (regions) taken as
#   an association within people. Within regions, the same people show an association
#   close to the individual truth; between regions, almost anything.
# * The confidence intervals of an ecological regression do not warn about any of this:
#   they measure the Poisson noise of the case counts, not confounding, and they treat
#   each regional mean 25(OH)D as exact although it comes from a survey.
# * A latitude gradient is therefore **consistent with** a protective effect of vitamin D,
#   but it is equally consistent with none. It cannot measure one.

# %% [markdown]
# ## Explore: regional confounding and the ecological slope
#
# One population was simulated before this panel; each slider change recomputes MS onsets
# for the same people in a world with the chosen strengths, redraws the regional survey
# and refits the ecological regression (about a second). Prevalence here counts MS onset
# before the survey among living people.
#
# * Set the **latitude factors** to 1 and the **direct UVB** effect to 1: most of the
#   gradient disappears.
# * Set the **true vitamin D effect** to 0.8 (the causal world) with the confounders on:
#   the ecological estimate barely moves.
# * Shrink the **survey** to 20 adults per region: regional means become noisy and the
#   fit wanders.

# %%
panel = latitude_panel.panel_population("null", panel_size, seed)
widgets.panel(
    lambda latitude_hr, uvb_hr, vitd_hr, survey: latitude_panel.draw_panel(
        panel, latitude_hr, uvb_hr, vitd_hr, survey),
    {"latitude_hr": widgets.Slider(1.0, 4.0, 0.05, latitude_hr_per_10_degrees,
                                   "latitude factors (HR per 10 degrees)"),
     "uvb_hr": widgets.Slider(0.5, 1.0, 0.05, uvb_hr_per_doubling,
                              "direct UVB effect (HR per doubling)"),
     "vitd_hr": widgets.Slider(0.5, 1.2, 0.05, vitd_hr_per_25nmol,
                               "true vitamin D effect (HR per +25 nmol/L)"),
     "survey": widgets.Slider(20, 5000, 20, survey_per_region, "adults surveyed per region",
                              integer=True)},
    title="The ecological slope in a world of your choosing")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: Within one continent
#
# Fit the ecological regression within groups of regions: the three US sites, the five
# European regions, the three northern regions (`latitude.region_groups_table`). Does the
# gradient survive within a continent? How wide are the intervals with three or five
# regions?

# %% tags=["solution"]
groups = latitude.region_groups_table(studies["null"])
groups.style.format({"vitd_range_nmol": "{:.1f}", "ratio": "{:.3g}", "ci_low": "{:.3g}",
                     "ci_high": "{:.3g}", "truth_ratio": "{:.2f}"})

# %% [markdown] tags=["solution"]
# Within a continent the estimates become absurd, far below or far above 1, and they
# disagree between continents although the truth (no effect) is the same everywhere.
# Look at the range column: within Europe the regional means of 25(OH)D differ by only a
# few nmol/L, about as much as the survey's sampling error, while MS prevalence differs
# several-fold (southern Europe has low 25(OH)D *and* little MS). A slope fitted to three
# or five such points measures the survey noise and the regions' other differences, not
# vitamin D. The intervals, which treat the survey means as exact, do not warn you: an
# ecological study with few units and small contrasts in exposure has almost no
# information, and its answer depends on which regions were chosen.

# %% [markdown]
# ### Exercise 2: An ecological study with no region-level confounding
#
# Run the ecological study in the `no_bias` world (no unexplained latitude factors, no
# direct UVB path, HLA and mononucleosis the same everywhere, exact measurement). Is the
# ecological estimate close to the individual truth there?

# %% tags=["solution"]
no_bias = latitude.ecological_studies(("no_bias",), population, seed, survey_per_region)
latitude.ecological_table(no_bias)[["world", "measure", "ratio", "truth_ratio", "n_cases"]
                                  ].round(3)

# %% [markdown] tags=["solution"]
# In `no_bias` the ecological estimate lands near the truth (HR 0.8), instead of near
# 0.1 as in the null and causal worlds; ten regions and the survey's sampling error still
# move it a little either way. An ecological study is not wrong by construction: it
# answers the individual question when nothing else that causes MS differs between
# regions. The trouble is that, with real regions, we can never check that.

# %% [markdown]
# ### Exercise 3: How large must the survey be?
#
# The regional mean 25(OH)D comes from a survey. Using the panel's population, compare
# the ecological estimate for 20, 100, 500 and 5,000 adults per region, each over five
# survey samples (`latitude_panel.survey_size_table`). What does a small survey do to the
# slope?

# %% tags=["solution"]
latitude_panel.survey_size_table(panel, (20, 100, 500, 5000), latitude_hr_per_10_degrees,
                           uvb_hr_per_doubling, vitd_hr_per_25nmol).round(3)

# %% [markdown] tags=["solution"]
# With 20 adults per region each regional mean is off by several nmol/L, the estimates
# vary widely from one survey to the next, and on average they lie closer to 1
# (regression dilution: error in the exposure flattens the slope). With 5,000 adults the
# estimate settles, but it settles on the confounded ecological slope, not on the truth:
# a bigger survey fixes the noise, not the bias.

# %% [markdown]
# ### Exercise 4: A window that stays open
#
# Suppose place acted on MS at any age, not mainly in childhood: rerun the migrant study
# with `residence.window_mid_age = 60` and `residence.window_spread_years = 30`. What
# happens to the gradient by age at arrival, and what would that have told the
# researchers of the 1970s?

# %% tags=["solution"]
open_window = load_scenario("null").with_values({"residence.window_mid_age": 60.0,
                                                 "residence.window_spread_years": 30.0})
open_studies = migration.migrant_studies({"null, window open": open_window},
                                         migrant_population, seed)
teaching.show(migration.arrival_figure(open_studies, open_window))
migration.estimates_table(open_studies).round(3)

# %% [markdown] tags=["solution"]
# With the window open all life, the prevalence falls only gently with age at arrival
# and the child/adult ratio moves towards 1: adults who moved still spend much of their
# window at the new home. The sharp step around 15 in the published migrant studies is
# what suggested an exposure window in childhood and adolescence; a flat curve would have
# said that place acts whenever one lives there.
