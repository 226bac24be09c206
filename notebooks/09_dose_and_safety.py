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
# # Dose and safety: what do 14,000 to 40,000 IU a day do?
#
# **The claim.** The patient-information page on MS and vitamin D (`ms-and-vitamin-d`)
# says that the dose on the bottle, about 1,000 IU/day, is far too low for people with MS:
# they need something closer to 14,000 IU/day or more, and researchers have given up to
# 40,000 IU/day for short periods with good results. Protocols circulating among patients go
# further still (the best known, the "Coimbra protocol", pairs very high doses with a
# low-calcium diet) and are said to halt or even reverse MS. The second article ("Can
# vitamin D reverse autoimmune disease", `vitamin-d-autoimmune`) is more careful: vitamin
# D is no cure, and excess intake can be toxic.
#
# The 40,000 IU/day figure comes from a real study. Burton et al. (2010) gave 49 people
# with MS escalating doses up to 40,000 IU/day, open-label, to test safety; mean 25(OH)D
# peaked at 413 nmol/L.
#
# **The questions.**
# 1. What serum 25(OH)D do people reach on 14,000 and 40,000 IU/day, and how does that
#    compare with the levels called sufficient, high and toxic?
# 2. If vitamin D did prevent MS, what would these doses add over ordinary doses?
# 3. What can a simulation say about "halting or reversing" MS?
#
# Units: 25(OH)D in nmol/L (ng/mL = nmol/L / 2.496), doses in IU/day.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of every simulation: the same seed gives the same people
n_people = teaching.size(200_000, 50_000)  # people whose 25(OH)D is re-evaluated at any dose
n_prevention = teaching.size(400_000, 100_000)  # people per world for the true effect on MS
claim_doses_iu = (14_000.0, 40_000.0)  # the claims' daily doses (IU/day)
dose_grid_iu = (0, 1_000, 2_000, 4_000, 10_000, 14_000, 40_000)  # doses for the MS effect (IU/day)
max_rise_nmol = 183.0  # Hill curve: largest possible rise of 25(OH)D from oral intake (nmol/L)
half_dose_iu = 4_320.0  # Hill curve: daily dose giving half that rise (IU/day)
hill = 2.0  # Hill coefficient: steepness of the curve (1 = Michaelis-Menten)

# %%
from simlib import build_world, load_scenario, plots, widgets
from simlib.experiments import dose

scenario = load_scenario("null")  # 25(OH)D is built the same way in every shipped world
vitamin_d = dose.hill_params(scenario, max_rise_nmol, half_dose_iu, hill)

# %% [markdown]
# ## Where a dose enters the world
#
# In the simulated world a daily dose (`supplement_iu`, added to the diet, `diet_vitd_iu`)
# raises the long-term mean 25(OH)D (`vitd_mean_nmol`) through the oral dose-response
# (`oral_vitd_nmol`). Each person's rise is scaled by a person factor
# (`vitd_person_factor`): a higher BMI lowers it (about -1.15% per kg/m²; Vimaleswaran
# 2013), and unexplained between-person variation spreads it. Sun (`sun_vitd_nmol`) adds
# on top.
#
# From 25(OH)D the world has two arrows towards MS: the hazard of **onset**
# (`ms_log_hazard_ratio`, zero effect in the null world, HR 0.8 per +25 nmol/L in the
# causal world, only below 50 nmol/L in the threshold world) and the rate of
# **relapses** after onset (`relapse_expected`, no effect in any shipped world). There is
# no node for disability or repair: the world cannot "reverse" MS, and we say so below.

# %%
world = build_world(scenario)
ax = plots.dag_plot(world, nodes=dose.DOSE_DAG_NODES, collapse=True,
                    highlight=("supplement_iu", "vitd_mean_nmol", "ms_onset_age",
                               "relapse_expected"))
teaching.show(ax.figure)

# %% [markdown]
# ## Reference levels: sufficient, high, toxic
#
# The levels used to read a 25(OH)D result. Only the intoxication level is among the
# project's published figures (`data/published`: Marcinowska-Suchowierska et al. 2018,
# usually above 375 nmol/L, i.e. 150 ng/mL); the others are the commonly cited values of
# the Institute of Medicine report (IOM 2011) and the Endocrine Society guideline
# (Holick et al. 2011). The IOM also set the tolerable upper **intake** at 4,000 IU/day
# (in the project data; a no-observed-adverse-effect level of 10,000 IU/day).

# %%
dose.reference_levels()

# %% [markdown]
# ## The dose-response curve
#
# The world's rise of long-term 25(OH)D with a daily oral dose D is a saturating Hill
# curve (`simlib.world.oral_rise_nmol`):
#
# rise(D) = max × D^h / (D^h + half^h), with max = 183 nmol/L, half = 4,320 IU/day, h = 2.
#
# It applies to diet plus supplement, and each person's rise is multiplied by their person
# factor (BMI and unexplained variation). It was fitted to three published sources
# (`data/published`):
#
# - Ekwaru et al. (2014), 17,614 volunteers: +12 nmol/L per 1,000 IU/day at low doses,
#   but only +1.1 nmol/L per 1,000 IU/day between 15,000 and 20,000 IU/day;
# - the BEST-D trial (2017): 53, 102 and 137 nmol/L after 12 months on placebo,
#   2,000 and 4,000 IU/day (a rise of 49 and 84 nmol/L over placebo);
# - Burton et al. (2010): a mean peak of 413 nmol/L on escalation to 40,000 IU/day from
#   about 78 nmol/L at entry (a rise of about 335 nmol/L).
#
# We simulate people once (sun, diet, genes, BMI, person factor) and give every one of
# them the same daily dose instead of their own supplement, as the intervention
# `world.do(supplement_iu=D)` would. A person's rise is their level on the dose minus
# their level on no supplement. The published rises beside the simulated ones:

# %%
people = dose.dose_population(scenario, n_people, seed)
published_points = dose.published_dose_points()
simulated = dose.rise_by_dose(people, published_points["dose_iu"].unique(), vitamin_d)
published_points[["dose_iu", "rise_nmol", "label"]].merge(
    simulated.reset_index().rename(columns={"mean": "world_mean_rise_nmol"}),
    on="dose_iu").round(0)

# %% [markdown]
# The curve is concave above about 2,500 IU/day (half dose / √3): each extra 1,000 IU adds
# less than the last. It comes close to Ekwaru's and BEST-D's figures (about a fifth low
# at 2,000 IU/day) but falls far short of Burton's peak: a short escalation in 49 people,
# measured at the top of the climb, and a long-term curve fitted to thousands of people on
# steady doses do not agree. Above 20,000 IU/day the world's curve is an extrapolation,
# and probably an **under**-estimate of short-term peaks.

# %% [markdown]
# ## High doses and safety
#
# Each person reaches a different level: the same dose on a different person factor and
# a different amount of sun gives a different result. The table gives the 5th, 50th and
# 95th percentiles of the long-term level (nmol/L) and the share above each reference level.

# %%
summary = dose.level_summary(people, (1_000, 2_000, 4_000, 10_000, *claim_doses_iu),
                             vitamin_d)
summary.round(3)

# %%
low_dose, high_dose = claim_doses_iu
at_low, at_high = summary.loc[low_dose], summary.loc[high_dose]
fig = dose.dose_figure(people, vitamin_d, claim_doses_iu)
teaching.headline(
    fig, f"On {low_dose:,.0f} and {high_dose:,.0f} IU/day the simulated median 25(OH)D was "
    f"{at_low['median']:.0f} and {at_high['median']:.0f} nmol/L: {at_low['above_125']:.0%} "
    f"of people were above the IOM's 125 nmol/L and {at_high['above_250']:.0%} above 250 at "
    f"{high_dose:,.0f}, but only {at_high['above_375']:.2%} above the 375 nmol/L "
    f"intoxication level; the concave curve adds just "
    f"{at_high['median'] - at_low['median']:.0f} nmol/L for the extra "
    f"{high_dose - low_dose:,.0f} IU/day.")

# %% [markdown]
# Left: the world's mean rise over no supplement (black), the range of individual rises
# (grey band: 5th to 95th percentile of people), the bare Hill curve (dashed) and the
# published rises (red). The dotted lines mark 14,000 and 40,000 IU/day. Right: the
# long-term levels people reach on those doses, on the reference bands (50, 125, 250 and
# 375 nmol/L; colours from insufficient to toxic).
#
# Three things to read off:
#
# - Nearly everybody on either dose sits above the IOM's 125 nmol/L: far beyond the level
#   any guideline calls sufficient.
# - Going from 14,000 to 40,000 IU/day, almost three times the dose, barely moves the
#   distribution: the curve is flat there.
# - In this world very few people reach the intoxication range. That is **not** evidence of
#   safety: the curve is fitted to long-term averages and under-predicts Burton's short-term
#   peaks (Exercise 1), and rare harms need large, long studies to be seen at all.

# %% [markdown]
# ## What the worlds say a high dose does to MS
#
# Now the benefit side. In each world we give everyone a fixed dose from birth
# (`world.do(supplement_iu=D)`) and count MS onsets before age 50, on the same people as
# in the natural world (potential outcomes). The ratio is the **true** effect of the dose
# in that world, against usual intake (diet, and for some people a supplement of
# 400-4,000 IU/day).

# %%
prevention = dose.prevention_by_dose(["null", "causal", "threshold"], dose_grid_iu,
                                     n_prevention, seed)
teaching.show(dose.plot_prevention(prevention).figure)
prevention.pivot(index="dose_iu", columns="scenario", values="risk_ratio").round(2)

# %% [markdown]
# - **Null world**: no dose changes anything (risk ratio exactly 1).
# - **Causal world** (HR 0.8 per +25 nmol/L, a straight line on the log scale): the risk
#   keeps falling as long as 25(OH)D keeps rising. Most of the fall is reached by about
#   10,000 IU/day, because the dose-response flattens; 40,000 adds little to 14,000.
#   And the straight line itself is an assumption: no study has measured the effect of
#   levels of 200 nmol/L and above. Mendelian randomization (Mokry 2015, Jacobs 2020)
#   speaks of a few nmol/L of genetically higher 25(OH)D, not of 150 more.
# - **Threshold world** (vitamin D matters only below 50 nmol/L): the benefit stops once
#   everybody is above 50 nmol/L, at about 2,000 IU/day. In that world a higher dose buys
#   nothing but risk.
#
# The data of the real world cannot tell the causal from the threshold shape at these
# levels. Even a world where vitamin D prevents MS gives no support for 14,000 IU/day over
# a few thousand.

# %% [markdown]
# ## Halting or reversing MS: what the world can and cannot say
#
# "Reversing" MS would mean undoing damage or disability. The simulated world has no such
# node: it models the **onset** of MS and the **rate of relapses** after onset. In every
# shipped world the relapse rate does not depend on 25(OH)D
# (`relapse.vitd_rr_per_25nmol = 1`), so even 14,000 IU/day leaves relapses unchanged in the
# causal world:

# %%
causal_relapse_ratio = dose.relapse_ratio_at_dose(load_scenario("causal"), low_dose, n_people,
                                                  seed)
print(f"causal world: relapse rate ratio at {low_dose:,.0f} IU/day = {causal_relapse_ratio:.2f}")

# %% [markdown]
# That is a modelling choice, set from the trials. A randomized trial of exactly
# 14,007 IU/day added to interferon (SOLAR, Hupperts et al. 2019, 229 patients, 48 weeks)
# found no clear effect on "no evidence of disease activity" (OR 0.93, 95% CI 0.53-1.63),
# and a meta-analysis of relapse trials found OR 0.66 (0.28-1.54; Hanaei 2021). The
# D-Lay MS trial (Thouvenot 2025) found less disease activity (HR 0.66, 0.50-0.87) in early
# MS on 100,000 IU every two weeks, about 7,100 IU/day. None of these shows reversal. Burton
# et al. (2010) was a safety study without a control group: relapse rates fall over time
# and after the bad spell that prompts treatment whatever people take (notebook 08).

# %% [markdown]
# ## What happened and why
#
# - **The dose-response is concave.** 25(OH)D rises about 12 nmol/L per 1,000 IU/day at
#   low doses, about 1 nmol/L per 1,000 IU/day above 15,000. In the simulated population
#   14,000 and 40,000 IU/day give nearly the same levels (medians a few nmol/L apart),
#   almost all above the IOM's 125 nmol/L.
# - **Safety cannot be read from a curve of averages.** The world's curve under-predicts
#   Burton's short-term peaks, and the person factor spreads individual levels; the share
#   above 375 nmol/L depends strongly on the curve's top (Exercise 1).
# - **Benefit at high doses is an extrapolation.** Only a world in which the effect is a
#   straight line all the way up promises more from 14,000 than from 4,000 IU/day; in the
#   threshold world the benefit ends near 2,000 IU/day. Nothing in the world, and nothing
#   in the trials, shows reversal of MS.

# %% [markdown]
# ## Try it: dose and the shape of the curve
#
# Move the dose, or change the curve's three parameters, and the figure is redrawn from
# the same simulated people (nothing is resimulated). Try a maximal rise of about 300
# nmol/L (Exercise 1) and watch the share above 375 nmol/L; try a Hill coefficient of 1
# (a curve concave from zero) and see that it cannot meet Ekwaru's low-dose slope and
# BEST-D's rises at once.

# %%
def draw(dose_iu, max_rise_nmol, half_dose_iu, hill):
    params = dose.hill_params(scenario, max_rise_nmol, half_dose_iu, hill)
    return dose.dose_figure(people, params, (dose_iu,))


widgets.panel(draw, {
    "dose_iu": widgets.Slider(0, 50_000, 1_000, low_dose, "daily dose (IU/day)"),
    "max_rise_nmol": widgets.Slider(50, 500, 5, max_rise_nmol, "maximal rise (nmol/L)"),
    "half_dose_iu": widgets.Slider(1_000, 20_000, 250, half_dose_iu, "half dose (IU/day)"),
    "hill": widgets.Slider(0.5, 4.0, 0.1, hill, "Hill coefficient"),
}, title="25(OH)D reached on a daily dose")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: Fit the curve to Burton's peak
#
# Suppose the short-term peak of Burton et al. (2010) were the truth. Find the maximal
# rise (`oral_max_rise_nmol`) that brings people who start at 60-100 nmol/L to a mean of
# 413 nmol/L on 40,000 IU/day (`dose.fit_max_rise`). With that curve, what share of
# people would exceed 375 nmol/L on 14,000 and on 40,000 IU/day?

# %% tags=["solution"]
burton_max = dose.fit_max_rise(people, 40_000.0, 413.0, vitamin_d)
burton_curve = dose.hill_params(scenario, max_rise_nmol=burton_max)
burton_summary = dose.level_summary(people, claim_doses_iu, burton_curve)
print(f"maximal rise fitted to Burton 2010: {burton_max:.0f} nmol/L "
      f"(world: {vitamin_d.oral_max_rise_nmol:.0f})")
burton_summary[["median", "p95", "above_250", "above_375"]].round(3)

# %% [markdown] tags=["solution"]
# With the curve raised to Burton's peak, a large share of people would sit above
# 375 nmol/L on 40,000 IU/day, and a sizeable share already on 14,000: the safety
# conclusion hangs on the top of the curve, which no long-term study at these doses has
# pinned down. That is why the IOM set the upper intake at 4,000 IU/day.

# %% [markdown]
# ### Exercise 2: Who reaches the highest levels?
#
# On 14,000 IU/day, compare the share above 250 nmol/L in people with adolescent obesity
# (BMI >= 30 kg/m²) and in the rest (`dose.shares_by_group`). Why do they differ, and what
# does that mean for a "one dose for everyone" protocol?

# %% tags=["solution"]
dose.shares_by_group(people, low_dose, vitamin_d, "obese", 250.0).rename(
    "share above 250 nmol/L on 14,000 IU/day").round(3)

# %% [markdown] tags=["solution"]
# People with obesity reach lower levels: in the world, each kg/m² of BMI above 22 lowers
# 25(OH)D by about 1.15% (Vimaleswaran 2013), and Ekwaru 2014 saw smaller rises in
# overweight and obese volunteers. The leanest people with a high person factor reach the
# highest levels: the same dose gives a different exposure, and a different risk, in each
# person. Monitoring blood levels, not fixed doses, is what a safety protocol needs.

# %% [markdown]
# ### Exercise 3: Give vitamin D an effect on relapses
#
# Make a world in which vitamin D does nothing to onset but lowers relapses, with a rate
# ratio of 0.8 per +25 nmol/L (`relapse.vitd_rr_per_25nmol = 0.8`), and compute the
# relapse rate ratio at 2,000, 4,000 and 14,000 IU/day. Would this world show "reversal"?

# %% tags=["solution"]
relapse_world = load_scenario("null").with_values({"relapse.vitd_rr_per_25nmol": 0.8})
{dose_iu: round(dose.relapse_ratio_at_dose(relapse_world, dose_iu, n_people, seed), 2)
 for dose_iu in (2_000.0, 4_000.0, low_dose)}

# %% [markdown] tags=["solution"]
# Relapses fall with the dose, and again the flat top of the dose-response limits what
# 14,000 IU/day adds over 4,000. But fewer relapses is not reversal: the world has no
# repair, and people still have MS. Whether such a relapse effect exists at all is a
# question for randomized trials (SOLAR, D-Lay MS, notebook 07), not for this parameter.

# %% [markdown]
# ### Exercise 4: Where does the benefit stop?
#
# The Endocrine Society calls 75 nmol/L sufficient (Holick 2011), not 50. Make a threshold
# world with `ms.vitd_threshold_nmol = 75` and compute the true risk ratios by dose. From
# which dose on does a higher dose add nothing?

# %% tags=["solution"]
threshold_75 = load_scenario("threshold").with_values({"ms.vitd_threshold_nmol": 75.0})
dose.prevention_by_dose([threshold_75], dose_grid_iu, n_prevention, seed)[
    ["dose_iu", "mean_level_nmol", "risk_ratio"]].round(2)

# %% [markdown] tags=["solution"]
# The plateau moves to the dose that puts nearly everyone above 75 nmol/L, about
# 4,000 IU/day in this world. In any threshold world, the 14,000-40,000 IU/day of the
# claims add risk, not benefit.
