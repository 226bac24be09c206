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
# # Confounding: does low vitamin D cause MS, or do the same things cause both?
#
# ## The question
#
# People who later develop multiple sclerosis (MS) had, on average, lower vitamin D
# (serum 25-hydroxyvitamin D, 25(OH)D) in blood taken years before their diagnosis
# (Munger et al., JAMA 2006: odds ratio 0.59 per +50 nmol/L; Munger et al., Neurology
# 2017). The popular article *Can vitamin D reverse autoimmune disease* says that people
# with autoimmune diseases often have low vitamin D and that the deficiency may help cause
# them; the article *MS and vitamin D* goes further and suggests that supplements might
# prevent MS. Both read an association as a cause.
#
# Before believing it, an epidemiologist asks: **would people with low vitamin D get MS
# more often even if vitamin D did nothing?** That happens when something causes both low
# 25(OH)D and MS: a *confounder*. Here we measure how much of the association confounders
# produce, in a simulated world where we know the truth, and how much of it adjustment
# removes.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of the simulated population and of the cohort's sampling
population = teaching.size(2_000_000, 300_000)  # people simulated (the cohort enrols ages 20-49)
follow_up_years = 15.0  # years the cohort is followed for an MS diagnosis
unlimited_members = teaching.size(300_000, 100_000)  # members used by the 'unlimited cohort'
health_hrs_per_sd = [1.0, 0.85, 0.7, 0.55]  # HR of MS per SD of health consciousness (unmeasured)

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from simlib import build_world, load_scenario, plots, widgets
from simlib.experiments import confounding as cf
from simlib.experiments import confounding_estimates as fits
from simlib.experiments import confounding_figures as figures

null, causal = load_scenario("null"), load_scenario("causal")

# %% [markdown]
# ## The causal diagram: what drives both vitamin D and MS
#
# The simulated world is a causal model (a DAG). The diagram shows its key nodes; an arrow
# is a cause. The exposure (long-term 25(OH)D, `vitd_mean_nmol`) and the outcome (MS onset)
# are highlighted. Every path from 25(OH)D back through a common cause to MS is a
# **back-door path** that creates an association without causation:
#
# * **Latitude** (degrees from the equator): less UVB, so less 25(OH)D; and MS is commoner
#   far from the equator for other reasons too (`ms.latitude_hr_per_10_degrees`, about
#   2.4 per 10 degrees, calibrated to the incidence gradient; and more infectious
#   mononucleosis at high latitude).
# * **Sun itself**: UVB lowers MS risk directly, not only through 25(OH)D
#   (`ms.uvb_hr_per_doubling` = 0.9; Lucas et al., Neurology 2011; Hedstrom et al. 2019).
# * **Ancestry**: people of European ancestry carry HLA-DRB1\*15:01 more often (hazard
#   ratio 3; Sturner et al. 2019), northern Europeans most, and have pale skin, which
#   makes more vitamin D (Clemens et al., Lancet 1982); Hispanic and Asian Americans have
#   less MS for reasons not yet known (Langer-Gould et al. 2013). Ancestry and skin are
#   separate attributes in the world (`simlib.ancestry`), but in a population they go
#   together, so this path pushes the other way: people with pale skin have more
#   25(OH)D *and* more MS.
# * **Obesity**: adolescent obesity raises MS risk (HR 1.9; Hedstrom et al., Mult Scler
#   2016) and a higher BMI lowers 25(OH)D (-1.15% per kg/m2; Vimaleswaran et al., PLoS Med
#   2013).
# * **Smoking and health consciousness**: a latent trait, `health_consciousness`, makes
#   people take supplements, stay slim and not smoke; smoking raises MS risk (HR 1.48;
#   Handel et al., PLoS One 2011).
#
# In the null world the arrow from 25(OH)D to MS is there but has no strength
# (`ms.vitd_hr_per_25nmol` = 1); in the causal world it is 0.8 per +25 nmol/L.

# %%
world = build_world(null)
dag_nodes = ("region_id", "latitude_deg", "ancestry_north", "hla_drb1_1501", "skin_dark",
             "health_consciousness", "outdoor_propensity", "uvb_dose", "adolescent_bmi",
             "obese", "smoker", "supplement_iu", "vitd_mean_nmol", "ms_onset_age")
ax = plots.dag_plot(world, nodes=dag_nodes, collapse=True,
                    highlight=("vitd_mean_nmol", "ms_onset_age"))
teaching.show(ax.figure)

# %% [markdown]
# Each confounding path is a named mechanism with scenario parameters that switch it off:

# %%
mechanisms = pd.DataFrame([{"mechanism": m.label, "switched off by": ", ".join(
    f"{key} = {value}" for key, value in m.overrides.items())}
    for m in cf.MECHANISMS.values()], index=list(cf.MECHANISMS))
with pd.option_context("display.max_colwidth", None):
    display(mechanisms)

# %% [markdown]
# ## Adjusting for the confounders
#
# One cohort, two worlds. We run a prospective cohort like the serum studies: adults aged
# 20-49 give blood once (one 25(OH)D measurement, with season, year-to-year variation and
# assay error) and are followed for an MS diagnosis (`follow_up_years`, 15 by default). A
# Poisson regression of diagnoses on baseline
# 25(OH)D, with person-years as the offset, gives the **rate ratio per +25 nmol/L**:
#
# * **crude**: 25(OH)D alone (the design's `poisson` estimator);
# * **adjusted**: also age, sex, latitude, obesity and smoking, the confounders a good
#   study measures (the design's `poisson-adjusted` estimator).
#
# The same people live in both worlds; only the effect of vitamin D differs. The truth is
# computed on the same people by intervention (+25 nmol/L for everyone). The models are
# fitted to the cohort grouped by covariate pattern, which gives the individual-level
# estimates to within 0.01 (checked in `tests/test_experiments_confounding.py`) in a
# fraction of the time.
#
# One cohort is one roll of the dice: a few hundred diagnoses, so a wide confidence
# interval, and with a new `seed` the estimate moves. Beside it we show the **unlimited
# cohort**: each member counts with their *expected* number of MS onsets during follow-up
# (their integrated hazard) instead of the 0 or 1 that chance gave them, which is what the
# cohort would find if it were infinitely large. It leaves out one more bias on purpose,
# the MS prodrome (below, and notebook 03), so that it shows confounding alone.

# %%
cohorts = cf.null_and_causal(population, seed, {"follow_up_years": follow_up_years})
estimates = fits.crude_and_adjusted(cohorts)
estimates.assign(rate_ratio=np.exp(estimates["estimate"]),
                 ci_low=np.exp(estimates["ci_low"]), ci_high=np.exp(estimates["ci_high"]),
                 truth=np.exp(estimates["estimand_value"]))[
    ["world", "analysis", "cohort", "rate_ratio", "ci_low", "ci_high", "truth", "n_cases"]
].round(3)

# %%
def ratio(world, analysis, cohort="this cohort"):
    """Rate ratio per +25 nmol/L from the table above."""
    row = estimates[(estimates["world"] == world) & (estimates["analysis"] == analysis)
                    & (estimates["cohort"] == cohort)]
    return float(np.exp(row["estimate"].iloc[0]))


truth_causal = float(np.exp(cohorts["causal"].truth))
teaching.headline(
    figures.estimates_figure(estimates),
    f"With no effect of vitamin D (null world, truth 1.00) the cohort's crude rate ratio per "
    f"+25 nmol/L was {ratio('null', 'crude'):.2f} and the adjusted {ratio('null', 'adjusted'):.2f}"
    f"; where vitamin D protects (causal world, truth {truth_causal:.2f}) they were "
    f"{ratio('causal', 'crude'):.2f} and {ratio('causal', 'adjusted'):.2f}; an unlimited "
    f"cohort gives {ratio('null', 'crude', 'unlimited cohort'):.2f} crude in the null world.")

# %% [markdown]
# Read the figure row by row. In the **null world** vitamin D does nothing, yet the crude
# estimate says that each +25 nmol/L goes with fewer diagnoses: that is confounding (and,
# in the real cohort, the prodrome). In the **causal world** the crude estimate
# exaggerates the true protection. Adjustment moves both towards the truth. Compare the
# two crude rows: from the association alone you cannot tell which world you live in.

# %% [markdown]
# ## Which confounder does what: switching paths off one at a time
#
# Now we switch each confounding path off with its scenario override (the table above),
# keeping the same people, and refit. We use the unlimited cohort, so that what changes is
# the bias and not the luck of who was diagnosed. The last two rows switch off all five
# paths, and then also measurement error (a single blood draw is a noisy measure of
# long-term 25(OH)D).

# %%
members = {name: cohort.head(unlimited_members) for name, cohort in cohorts.items()}
steps = fits.switch_off(members)
teaching.show(figures.decomposition_plot(steps))

# %%
summary = steps.assign(rate_ratio=np.exp(steps["estimate"])).pivot_table(
    index="step", columns=["world", "analysis"], values="rate_ratio", sort=False)
summary.round(3)

# %%
def step_ratio(step, world="null", analysis="crude"):
    return float(summary.loc[step, (world, analysis)])


as_is, no_latitude = step_ratio("the world as it is"), step_ratio(cf.MECHANISMS["latitude"].off)
all_off = step_ratio("all five confounding paths off")
print(f"Null world, unlimited cohort: crude rate ratio {as_is:.3f} with every path; "
      f"{no_latitude:.3f} when latitude adds no risk of its own; {all_off:.3f} with all five "
      f"paths off. Latitude explains {np.log(as_is / no_latitude) / np.log(as_is / all_off):.0%}"
      " of the confounding on the log scale.")
causal_off = step_ratio("all five confounding paths off", "causal")
causal_exact = step_ratio("... and perfect measurement", "causal")
print(f"Causal world: all five off gives {causal_off:.3f}; with perfect measurement too, "
      f"{causal_exact:.3f} (truth {truth_causal:.3f}).")

# %% [markdown]
# Three lessons sit in this figure.
#
# 1. **Latitude carries most of the confounding.** Far from the equator people have less
#    25(OH)D *and* more MS for other reasons; switching latitude's own risk off removes
#    most of the crude association. Obesity, smoking and the direct effect of sun each add
#    a little.
# 2. **Confounding can push both ways.** The ancestry path (pale skin: more 25(OH)D; more
#    HLA-DRB1\*15:01: more MS) makes vitamin D look *harmful*, so switching it off makes
#    the crude estimate slightly more protective.
# 3. **Measured confounders can be adjusted for.** The adjusted estimate hardly moves when
#    obesity, smoking or latitude are switched off: the model already removed them. In the
#    causal world, with every confounder gone the estimate is still too close to 1:
#    measurement error in a single blood draw dilutes a real effect (regression dilution);
#    with perfect measurement it meets the truth.

# %% [markdown]
# ## What adjustment cannot fix: the prodrome and an unmeasured confounder
#
# The real cohort differs from the unlimited one in two ways: chance, and a bias the
# unlimited cohort leaves out on purpose, which is not confounding at all. In the years
# before their first symptoms (the prodrome) people already spend less time outdoors
# (Wijnands et al., Lancet Neurol 2017), so the future cases' baseline blood is lower.
# Re-measuring the same people with that **reverse causation** switched off, and nothing
# else changed (same members, same cases), shows its share:

# %%
prodrome = fits.prodrome_effect(cohorts)
prodrome = prodrome.assign(rate_ratio=np.exp(prodrome["estimate"]))
display(prodrome[["world", "draw", "analysis", "rate_ratio", "n_cases"]].round(3))
shift = prodrome.set_index(["world", "analysis", "draw"])["rate_ratio"]
print(f"Null world, adjusted: {shift['null', 'adjusted', 'as measured']:.3f} as measured, "
      f"{shift['null', 'adjusted', 'without reverse causation']:.3f} without the prodrome.")

# %% [markdown]
# Notebook 03 takes reverse causation apart. Here we turn to the confounder nobody
# measured. Suppose health-conscious people also have a lower MS risk through things no
# study records (diet, exercise, fewer infections...). Health consciousness raises
# supplement use and so 25(OH)D; nobody can adjust for it. We add that arrow,
# `health_consciousness -> MS`, with growing strength, and refit the adjusted model:

# %%
unmeasured = fits.unmeasured_sweep(members, health_hrs_per_sd)
teaching.show(figures.unmeasured_plot(unmeasured))
unmeasured.assign(rate_ratio=np.exp(unmeasured["estimate"]))[
    ["world", "hr_per_sd", "analysis", "rate_ratio"]].round(3)

# %% [markdown]
# The stronger the unmeasured path, the more protective vitamin D looks after adjustment,
# in both worlds. In the causal world the adjusted estimate first sat *above* the truth
# (measurement error dilutes the effect) and the unmeasured confounder pulls it down
# towards the truth: two biases can cancel, and a study can be right for the wrong reason.

# %% [markdown]
# ## What happened and why
#
# * The cohort measured 25(OH)D before diagnosis, yet in a world where vitamin D does
#   nothing it found "protection". Low vitamin D marks where people live (latitude), how
#   much sun they get, their body weight and their habits, and each of these also changes
#   MS risk.
# * Adjusting for the confounders the study measured (age, sex, latitude, obesity,
#   smoking) removed nearly all of the confounding in this world. It cannot remove what
#   was not measured (the direct effect of sun through personal sun exposure, a
#   health-conscious lifestyle), nor biases that are not confounding (the prodrome,
#   measurement error).
# * The crude estimates in the null and the causal world are both "protective": an
#   association cannot tell the two worlds apart. Designs whose assumptions break these
#   back-door paths, randomized trials and Mendelian randomization, can (notebooks to come).

# %% [markdown]
# ## Try it: confounder strengths
#
# Move the sliders to change how strongly obesity, sun (UVB, directly) and unmeasured
# health consciousness act on MS in the null world. Each redraw recomputes every cohort
# member's MS hazard with the world's own equation and refits: the real cohort (same
# cases, each re-weighted by how much more or less likely their MS became) and the
# unlimited cohort. A smaller cohort shows how chance adds to bias. Which slider moves the
# adjusted estimate, and which does not?

# %%
panel = figures.ConfounderPanel(cohorts["null"], unlimited_members)
participants_k = len(cohorts["null"].rows) // 1000
widgets.panel(panel.draw, {
    "hr_obesity": widgets.Slider(1.0, 4.0, 0.1, null.ms.hr_obesity,
                                 "obesity: HR of MS (BMI >= 30 vs lower)"),
    "uvb_hr_per_doubling": widgets.Slider(0.5, 1.0, 0.05, null.ms.uvb_hr_per_doubling,
                                          "sun: HR of MS per doubling of UVB dose"),
    "health_hr_per_sd": widgets.Slider(0.5, 1.0, 0.05, 1.0,
                                       "unmeasured: HR of MS per SD of health consciousness"),
    "participants_thousands": widgets.Slider(20, participants_k, 10, participants_k,
                                             "cohort size (thousands)", integer=True),
}, title="Confounder strengths in the null world (truth: rate ratio 1)")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1
# Make obesity a much stronger cause of MS (HR 4 instead of 1.9); then, instead, make the
# direct effect of sun much stronger (HR 0.5 per doubling of UVB dose instead of 0.9). How
# do the crude and the adjusted estimates of the unlimited cohort change in the null world?
# Why does the adjusted estimate move in one case and not in the other?

# %% tags=["solution"]
def unlimited_ratios(overrides, extra=()):
    """Crude and adjusted rate ratios of the unlimited null-world cohort in a changed world."""
    changed = build_world(null.with_values(overrides))
    data = cf.unlimited_data(members["null"], world=changed).assign(**dict(extra))
    return {analysis: round(float(np.exp(fits.fit_poisson(data, covariates).estimate)), 3)
            for analysis, covariates in fits.ANALYSES.items()}


print("as it is:          ", unlimited_ratios({}))
print("obesity HR 4:      ", unlimited_ratios({"ms.hr_obesity": 4.0}))
print("sun HR 0.5/doubling:", unlimited_ratios({"ms.uvb_hr_per_doubling": 0.5}))

# %% [markdown] tags=["solution"]
# Both changes make the crude estimate more "protective": obese people have less 25(OH)D
# and now much more MS; people who are outdoors more have more 25(OH)D and now much less
# MS. The adjusted estimate hardly moves with obesity, because the model includes obesity
# and the back-door path through it is blocked. It does move with sun: the model adjusts
# for latitude, but not for each person's own time in the sun, which nobody measured.

# %% [markdown]
# ### Exercise 2
# Suppose the study had measured each person's sun exposure (their UVB dose). In the world
# with the strong direct effect of sun (HR 0.5 per doubling), add tenths of the UVB dose
# (`uvb_dose` in the population, a category) to the adjusted model. What happens?

# %% tags=["solution"]
null_members = members["null"]
uvb = null_members.columns["uvb_dose"][null_members.rows]
sun_tenth = pd.qcut(uvb, 10, labels=False).astype(str)
strong_sun = build_world(null.with_values({"ms.uvb_hr_per_doubling": 0.5}))
data = cf.unlimited_data(null_members, world=strong_sun).assign(sun_tenth=sun_tenth)
for label, covariates in {"adjusted as before": fits.ADJUST,
                          "... and for tenths of UVB dose": (*fits.ADJUST, "sun_tenth")}.items():
    print(f"{label:32s} rate ratio {np.exp(fits.fit_poisson(data, covariates).estimate):.3f} "
          "(truth 1)")

# %% [markdown] tags=["solution"]
# Once sun exposure is in the model, the path through it is blocked and the estimate
# returns to about 1. A real study measures sun exposure by questionnaire, with recall
# error: adjusting for a confounder measured with error removes only part of its
# confounding (residual confounding).

# %% [markdown]
# ### Exercise 3
# Build your own unmeasured confounder with `cf.add_unmeasured_confounder`: a factor
# carried by 30% of people that lowers 25(OH)D by 20% and doubles MS risk (for instance an
# indoor, sedentary life). Run the cohort design on your world with
# `replicate(..., world=my_world)`, estimator `poisson-adjusted`, and compare with the
# truth. Then compute the unlimited cohort on the same world.

# %% tags=["solution"]
from simlib.montecarlo import replicate

my_world = cf.add_unmeasured_confounder(build_world(null), share=0.3, vitd_ratio=0.8, hr=2.0)
my_population = teaching.size(1_000_000, 200_000)
table = replicate(null, "cohort", reps=1, seed=seed, estimator="poisson-adjusted",
                  options={"population": my_population}, world=my_world, progress=False)
row = table.iloc[0]
print(f"one cohort, adjusted: rate ratio {np.exp(row['estimate']):.3f} "
      f"(95% CI {np.exp(row['ci_low']):.3f}-{np.exp(row['ci_high']):.3f}, "
      f"{row['n_cases']} diagnoses); truth {np.exp(row['estimand_value']):.3f}")

people = cf.population(null, my_population, seed, world=my_world)
mine = cf.run_cohort(my_world, people, seed)
limit = fits.fit_poisson(cf.unlimited_data(mine), fits.ADJUST)
print(f"unlimited cohort, adjusted: rate ratio {np.exp(limit.estimate):.3f} (truth 1)")

# %% [markdown] tags=["solution"]
# The factor is a confounder that no column of the data records, so the adjusted model
# cannot remove it: the unlimited cohort's adjusted rate ratio falls clearly below 1 in a
# world where vitamin D does nothing. The single cohort (`replicate`) adds chance and the
# prodrome on top. Only designs that do not rely on measuring every confounder (a
# randomized trial, or Mendelian randomization if its assumptions hold) escape this.
