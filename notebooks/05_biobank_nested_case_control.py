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
# # Biobanks and the nested case-control: blood drawn years before MS
#
# The first popular article ("MS and vitamin D") reports that some scientists believe
# vitamin D supplements could stop MS from developing at all. The second ("Can vitamin D
# reverse autoimmune disease") notes the obvious objection: low vitamin D in patients
# might be a *consequence* of the disease rather than a cause.
#
# The strongest observational answer to that objection is a biobank study. Munger et al.
# (2006) used the US military's serum repository, with blood stored from millions of young
# recruits. Years later, the recruits who developed MS were compared with matched recruits
# who did not. Their serum had been drawn *before* any diagnosis. White recruits with higher
# 25(OH)D had a lower risk: OR 0.59 per +50 nmol/L (95% CI 0.36-0.97). Munger et al.
# (2017) found much the same in the Finnish Maternity Cohort.
#
# **The question.** Does pre-diagnostic serum settle the question of cause? What does the
# design fix, and what does it leave?

# %% [markdown]
# ## The knobs
#
# Sizes go through `teaching.size` (small copies for the tests). The biobank's population
# lives in the three US regions of the world (Texas, Missouri, Ohio: 33.5-41.4°N), as in
# the design's default.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of the simulated populations and of the control sampling
population = teaching.size(4_000_000, 600_000)  # people simulated per repository (US regions)
repositories = teaching.size(4, 2)  # simulated serum repositories per world
lags = (0, 1, 2, 3, 4, 5, 6, 7, 8)  # lag exclusions to compute (years from draw to diagnosis)
prodromes = (0.0, 0.15, 0.30)  # prodrome strengths: share of sun-made 25(OH)D lost
prodrome_sun_loss = 0.15  # the worlds' default prodrome strength (must be in `prodromes`)
shown_lag = 5  # the lag exclusion quoted in the headline (years; must be in `lags`)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simlib import build_world, load_scenario, plots, widgets
from simlib.experiments import biobank, biobank_figures

# %% [markdown]
# ## How a biobank study works
#
# Serum is stored at enrollment (ages 18-25). Follow-up runs for 20 years. For every
# recruit diagnosed with MS, the design samples 3 controls still free of MS at that age,
# matched on sex, age at enrollment and month of the draw (`nested-case-control`, risk-set
# sampling; Langholz & Goldstein 1996). Conditional logistic regression compares case
# and control serum within each matched set.
#
# The DAG shows why that is not the end of the story. The measured serum
# (`vitd_survey_nmol`) depends on the long-term level, but also on the **prodrome**:
# people who will develop MS spend less time outdoors for 5-10 years before the first
# symptoms (Wijnands 2017), so their serum can be low because MS is coming. Latitude,
# ancestry, UVB and adiposity affect both the long-term level and MS (**confounding**).
# Supplements after diagnosis (`post_dx_supplement_iu`) no longer matter, because the
# blood was drawn before diagnosis.

# %%
dag_nodes = ("latitude_deg", "ancestry_north", "uvb_dose", "adolescent_bmi", "obese",
             "hla_drb1_1501", "vitd_mean_nmol", "ms_onset_age", "prodrome_start_age",
             "diagnosis_age", "post_dx_supplement_iu", "vitd_survey_nmol")
ax = plots.dag_plot(build_world(load_scenario("null")), nodes=dag_nodes, collapse=True,
                    highlight=("vitd_survey_nmol", "prodrome_start_age", "ms_onset_age"))
teaching.show(ax.figure)

# %% [markdown]
# ## A simulated US serum repository
#
# We simulate serum repositories in two worlds: **null** (vitamin D does nothing to MS)
# and **causal** (hazard ratio 0.8 per +25 nmol/L). Both have the same confounding and
# reverse causation, and repository r holds the same people in both worlds. One study
# of a few hundred cases is noisy, so we simulate several repositories per world: their
# average shows the bias, their spread shows what a single study could find. We keep
# the people of enrollment age, so the design can be rerun quickly with other lags and
# prodrome strengths.

# %%
populations = biobank.simulate_repositories(("null", "causal"), population, seed,
                                            repositories)
for (name, rep), (_, people) in populations.items():
    print(f"{name} world, repository {rep}: {len(people):,} people aged 18-25 at the draw")

# %% [markdown]
# ## Future cases: when were they bled?
#
# Take the future cases of the null world's first repository and ask where each stood
# on the day of the draw. Were they healthy, already in the prodrome, or even after an
# undiagnosed first attack? On the right, their serum is compared with a draw from the same people two
# years after diagnosis: what a hospital case-control study would have measured.

# %%
null_people = populations[("null", 0)][1]
cases = biobank.biobank_cases(null_people)
before_after = biobank.serum_before_and_after(null_people, cases, seed=seed)
teaching.show(biobank_figures.plot_draw_timing(cases, before_after))
print(cases["status"].value_counts().to_string())
print()
print(before_after.round(1).to_string(index=False))

# %% [markdown]
# After diagnosis, most patients in this world take vitamin D (Jelinek 2015: 82%), so
# their post-diagnosis level is *higher* than anyone's: a hospital case-control study
# could even find "MS patients have high vitamin D". Stored serum removes that. But many
# future cases diagnosed within about 12 years of the draw were already in the prodrome
# when bled (5-10 years before onset, plus about 2 years to diagnosis). Their serum is
# low for a reason that is not a cause of MS.

# %% [markdown]
# ## Null vs causal world, with and without a lag
#
# The fix for the prodrome is a **lag exclusion**: drop cases (and their matched sets)
# diagnosed within L years of the draw. We run the design in both worlds for every lag
# and every prodrome strength of the knobs. The truth of each world is the design's
# estimand: the true hazard ratio per +25 nmol/L during follow-up, computed by
# intervention on the same people. Munger et al.'s published OR is rescaled from per
# +50 to per +25 nmol/L (0.59 per 50 is 0.59^(1/2) = 0.77 per 25).

# %%
grid = biobank.lag_prodrome_grid(populations, lags, prodromes, seed=seed)
summary = biobank.summarise_grid(grid)
munger = biobank.munger_or()
default = summary[np.isclose(summary["prodrome_sun_loss"], prodrome_sun_loss)]
table = default[default["lag_years"].isin((0, 2, shown_lag))].assign(
    mean_odds_ratio=lambda t: np.exp(t["mean_estimate"]),
    one_study_95_range=lambda t: [f"{np.exp(m - 1.96 * e):.2f}-{np.exp(m + 1.96 * e):.2f}"
                                  for m, e in zip(t["mean_estimate"], t["empirical_se"])],
    true_hr=lambda t: np.exp(t["estimand_value"]))
print(table[["world", "lag_years", "n_cases", "mean_odds_ratio", "one_study_95_range",
             "true_hr"]].round(2).to_string(index=False))


# %%
def pick(world, lag):
    return default[(default["world"] == world) & np.isclose(default["lag_years"], lag)].iloc[0]


fig, ax = plt.subplots(figsize=(9.5, 5))
biobank_figures.plot_lag_estimates(grid, prodrome_sun_loss, munger, ax=ax)
null_0, null_l, causal_0, causal_l = (pick(w, lag) for w in ("null", "causal")
                                      for lag in (0, shown_lag))
teaching.headline(
    fig, f"Averaged over {repositories} simulated repositories, pre-diagnostic serum gave OR "
    f"{np.exp(null_0['mean_estimate']):.2f} per +25 nmol/L in the null world (truth 1), "
    f"{np.exp(null_l['mean_estimate']):.2f} after a {shown_lag}-year lag; in the causal world "
    f"(true HR {np.exp(causal_0['estimand_value']):.2f}) {np.exp(causal_0['mean_estimate']):.2f} "
    f"and {np.exp(causal_l['mean_estimate']):.2f}; Munger 2006 reported "
    f"{munger['odds_ratio']:.2f} per 25 nmol/L (0.59 per 50).")

# %% [markdown]
# Read the figure world by world. Large dots are the average over repositories (with its
# Monte Carlo error); small dots are single repositories, each a study as large as
# Munger's. Without a lag, the null world shows a "protective" association, and the
# causal world's estimate is *stronger* than the truth. Part of both comes from the
# prodrome. As the lag grows, the prodrome's share shrinks and both averages drift
# towards their truth. They do not reach it: a 5-year lag still keeps cases bled in the
# prodrome (see the timing figure), and confounding remains (next section). Single
# repositories scatter widely around the average. Munger's published figure is
# compatible with both worlds.

# %% [markdown]
# ## What lag exclusion cannot fix
#
# A lag removes people bled in the prodrome; it does nothing about confounding. To see
# the confounding alone, without the prodrome and without the chance of which recruits
# happen to develop MS, we measure the serum again with no prodrome. Then we regress each
# recruit's *expected* number of onsets (the integrated hazard) on that serum: what an
# unlimited biobank would find. `conditional-logit-adjusted` is the design's estimator
# adjusted for the measured confounders (latitude, obesity, smoking), here at the
# headline lag.

# %%
confounding_rows = []
for name in ("null", "causal"):
    world, people = populations[(name, 0)]
    _, no_prodrome = biobank.with_prodrome(people, 0.0)
    crude = biobank.expected_onset_association(no_prodrome)
    adjusted = biobank.expected_onset_association(
        no_prodrome, covariates=("latitude_deg", "obese", "smoker"))
    fits = [biobank.run_biobank(*populations[(name, rep)], seed, "conditional-logit-adjusted",
                                lag_years=shown_lag) for rep in range(repositories)]
    confounding_rows.append({
        "world": name, "true HR": np.exp(fits[0][0].estimand.value),
        "unlimited biobank, no prodrome": np.exp(crude),
        "... adjusted for latitude, obesity, smoking": np.exp(adjusted),
        f"adjusted conditional logit, lag {shown_lag} y (mean)":
            np.exp(np.nanmean([fit.estimate for _, fit in fits]))})
confounding = pd.DataFrame(confounding_rows).set_index("world")
print(confounding.round(3).T.to_string())

# %% [markdown]
# In the null world the unlimited, prodrome-free biobank still finds a ratio below 1.
# That is confounding, mostly by latitude and sun, which lower 25(OH)D and raise MS
# risk. In a biobank confined to three US states (33.5-41.4°N) it is small; Exercise 3
# shows a biobank spanning all latitudes. In the causal world the same unlimited study
# finds a *weaker* association than the truth. The dilution of a single draw (notebook
# 04) pulls it towards 1 by more than the small confounding pushes it away. Adjusting
# for the measured confounders helps, but UVB's direct effect and ancestry are not
# measured in a serum repository. The design's adjusted estimator, averaged over the
# repositories, still carries the prodrome that the lag left behind.

# %% [markdown]
# ## What the design fixes, and what it does not
#
# | problem | fixed by pre-diagnostic serum? | what the simulation showed |
# |---|---|---|
# | supplements, disability, heat after diagnosis | **yes**: blood drawn before diagnosis | the same cases measured 2 years after diagnosis had far higher 25(OH)D |
# | prodrome (less sun 5-10 years before onset) | **only with a long lag** | the null world's OR moved towards 1 as the lag grew |
# | undiagnosed MS at the draw | **with a lag** | those cases are diagnosed within a few years of the draw |
# | season of the draw | **yes**: controls matched on the month of the draw | (notebook 04) |
# | confounding (latitude, UVB, ancestry, obesity) | **no** | the unlimited, prodrome-free biobank still found a ratio below 1 in the null world |
# | one draw (regression dilution) | **no**; averaging samples helps | pulls the causal world's estimate towards 1 (notebook 04) |

# %% [markdown]
# ## What happened and why
#
# * Serum stored before diagnosis breaks the worst kind of reverse causation. Patients'
#   supplements and disability after diagnosis cannot affect it.
# * It does not break the prodrome. MS starts years before the first attack and changes
#   behaviour in that time, so some "pre-diagnostic" serum is already "post-onset" in
#   biology. A lag exclusion removes the cases bled in that window. The prodrome lasts
#   5-10 years and diagnosis comes about 2 years after onset, so a 2-year lag removes
#   little; a 5-year lag removes more, and noise grows as cases are dropped.
# * It does not break confounding. Where people live, their ancestry and their time in
#   the sun set both their 25(OH)D and their MS risk.
# * So the null and the causal worlds both produce a "protective" serum association,
#   and a single repository's result from either world is compatible with the interval
#   Munger et al. published. A biobank study alone cannot tell the two worlds apart.
#   Trials and Mendelian randomization (later notebooks) are needed.

# %% [markdown]
# ## Try it: lag exclusion and the prodrome
#
# The panel selects from the grid computed above (no new simulation). Move the lag to
# see how many cases are left and where each world's estimate sits. Move the prodrome
# strength (0 = no prodrome) to see how much of the null world's "effect" it makes.


# %%
def draw(lag_years, prodrome_sun_loss):
    return biobank_figures.draw_lag_panel(grid, munger, lag_years, prodrome_sun_loss)


widgets.panel(draw, {
    "lag_years": widgets.Slider(min(lags), max(lags), 1, shown_lag,
                                "lag exclusion (years from draw to diagnosis)"),
    "prodrome_sun_loss": widgets.Slider(min(prodromes), max(prodromes), 0.15,
                                        prodrome_sun_loss,
                                        "prodrome: share of sun-made 25(OH)D lost"),
}, title="Biobank nested case-control: lag exclusion vs the prodrome")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: No prodrome at all
#
# From the summary of the grid, take the worlds with `prodrome_sun_loss = 0`. Does the
# lag exclusion still change the null world's estimate? What is left at lag 0, and why
# (think of the cases whose MS began before the draw)?

# %% tags=["solution"]
no_prodrome = summary[np.isclose(summary["prodrome_sun_loss"], 0.0)]
print(no_prodrome.assign(mean_odds_ratio=np.exp(no_prodrome["mean_estimate"]))[
    ["world", "lag_years", "n_cases", "mean_odds_ratio", "mcse"]].round(3).to_string(
    index=False))

# %% [markdown] tags=["solution"]
# Without a prodrome the null world's estimate depends much less on the lag. What is left
# at lag 0 comes from the few cases whose MS had already begun (undiagnosed) when they
# were bled: they had already lost sun exposure. It also comes from confounding and from
# sampling error (look at the intervals).

# %% [markdown]
# ### Exercise 2: Average more samples
#
# Munger et al. averaged the serum samples available before onset. Rerun the null world
# with `samples=3` (three yearly draws from enrollment on), with no lag and with a 3-year
# lag. Does averaging help against the prodrome? Why does the lag matter here?

# %% tags=["solution"]
for lag in (0, 3):
    for k in (1, 3):
        estimates = [biobank.run_biobank(*populations[("null", rep)], seed, lag_years=lag,
                                         samples=k)[1].estimate for rep in range(repositories)]
        print(f"null world, lag {lag} y, samples={k}: mean OR "
              f"{np.exp(np.nanmean(estimates)):.3f} over {repositories} repositories")

# %% [markdown] tags=["solution"]
# With a 3-year lag every one of the three draws precedes diagnosis. Averaging then
# makes the spurious association *stronger*, not weaker. It removes some random error
# (less dilution), and the later draws are closer to onset, so more of them fall in the
# prodrome. The prodrome is a systematic error; averaging cannot remove it.
#
# With no lag an early case has fewer samples to average: the design, like Munger et
# al., averages only the yearly draws taken before the case's diagnosis, and cuts its
# matched controls at the same point, so no draw is raised by the supplements patients
# start after diagnosis. A case diagnosed within a year of enrollment keeps one sample.
#
# The draws are a year apart, and a person's 25(OH)D drifts over the years (notebook
# 04): neighbouring draws share most of that drift, so three of them carry less
# information about the long-term level than three draws spread over a decade would.

# %% [markdown]
# ### Exercise 3: A biobank spanning every latitude
#
# Build an unlimited, prodrome-free biobank in the null world with `regions="all"` (from
# Queensland to Western Norway) at a smaller population. How large is the confounding
# now, crude and adjusted for latitude, obesity and smoking?

# %% tags=["solution"]
wide_world, wide_people = biobank.biobank_people(load_scenario("null"),
                                                 teaching.size(1_000_000, 300_000), seed,
                                                 regions="all")
_, wide_people = biobank.with_prodrome(wide_people, 0.0)
crude = biobank.expected_onset_association(wide_people)
adjusted = biobank.expected_onset_association(wide_people,
                                              covariates=("latitude_deg", "obese", "smoker"))
print(f"all regions, null world: OR per +25 nmol/L {np.exp(crude):.3f} crude, "
      f"{np.exp(adjusted):.3f} adjusted (truth 1)")

# %% [markdown] tags=["solution"]
# Across 22-60° of latitude the confounding is much larger than in three US states:
# latitude drives both 25(OH)D and MS. Adjusting for latitude removes most of it here,
# because in this world latitude is measured exactly; real studies measure residence
# less well, and UVB and ancestry not at all.

# %% [markdown]
# ### Exercise 4: How long a lag would remove the prodrome?
#
# Using `cases` (the future cases of the null world's first repository), compute for each lag from 0 to 14 years
# the share of the remaining cases who were in the prodrome or after onset when bled.

# %% tags=["solution"]
for lag in range(0, 15, 2):
    kept = cases[cases["years_to_diagnosis"] >= lag]
    share = (kept["status"] != "healthy at the draw").mean() if len(kept) else float("nan")
    print(f"lag {lag:2d} y: {len(kept):4d} cases left, {share:.0%} bled in the prodrome or "
          "after onset")

# %% [markdown] tags=["solution"]
# The share falls steadily but reaches zero only at about 12 years (10 years of prodrome
# plus the diagnostic delay). By then most cases are gone and the study has little power.
# Real studies choose a lag of a few years as a compromise.
