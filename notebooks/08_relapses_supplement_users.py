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
# # Relapses and supplement users: does vitamin D prevent MS relapses?
#
# The first popular article ("MS and vitamin D") says that vitamin D helps people with MS
# have fewer relapses, and that a supplement, at doses far above the label's, is the place
# to start. The second ("Can vitamin D reverse autoimmune disease") is more careful: some
# trials showed less disease activity in MS, and adequate vitamin D might reduce flare-ups
# alongside usual treatment, but the evidence is not definitive.
#
# Three kinds of observation stand behind the claim:
#
# * **Relapse cohorts.** Simpson et al. (2010) measured 25(OH)D repeatedly in 145 people
#   with relapsing-remitting MS in Tasmania. Each +10 nmol/L went with a 9% lower relapse
#   hazard (HR 0.91, 95% CI 0.85-0.97), about 0.79 per +25 nmol/L.
# * **Supplement users vs non-users.** In patient surveys, those who take vitamin D report
#   fewer relapses (Jelinek et al. 2015: 82% of 2,301 people with MS took vitamin D).
# * **Patients who start vitamin D.** Many start after a bad spell and see their relapses
#   fall. Martinez-Yelamos et al. (2006) showed that untreated patients selected for
#   recent relapses also improve: regression to the mean.
#
# Randomized trials point elsewhere: a meta-analysis of 9 trials (561 patients; Hanaei et
# al. 2021) found an odds ratio of relapse of 0.66 (95% CI 0.28-1.54): no clear effect.
#
# **The question.** In a world where vitamin D does *nothing* to relapses, would these
# three designs still say that it helps? And in a world where it truly helps, would they
# get the size right?

# %% [markdown]
# ## The knobs
#
# Sizes go through `teaching.size` (the tests run small copies). About 0.1% of the
# simulated people are alive with MS, so each replicate needs a population of one to two
# million to give the designs 1,000-2,000 patients.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed: the same seed gives the same people and the same numbers
population = teaching.size(1_500_000, 300_000)  # people simulated per replicate
reps = teaching.size(5, 2)  # replicates: each a new population and new studies
participants = 1000  # patients in each observational study (Simpson 2010 followed 145)
causal_relapse_rr = 0.8  # true relapse rate ratio per +25 nmol/L in the "causal" world
healthy_user_strengths = (0.0, 0.5, 1.0, 1.5, 2.0)  # healthy-user strengths simulated for
# the slider panel, in multiples of the default (0: none; must include 1)
panel_reps = 3  # replicates re-estimated at each slider move (about 0.4 s each)

# %%
import pandas as pd

from simlib import widgets
from simlib.experiments import relapses
from simlib.experiments import relapses_figures as figures

pd.set_option("display.precision", 2)

# %% [markdown]
# ## What links 25(OH)D and relapses
#
# The diagram shows every path between the 25(OH)D measured in a patient's blood (blue)
# and the relapses that follow (orange). Only the dashed red arrow is a causal effect of
# vitamin D; its size is `relapse.vitd_rr_per_25nmol`, the relapse rate ratio per
# +25 nmol/L (1, no effect, in the null world). The other paths carry an association in
# any world:
#
# * **Season.** 25(OH)D is lowest in late winter; relapses peak in early spring
#   (Spelman et al. 2014). A draw in February is followed by the spring peak.
# * **Disease activity.** Active MS brings disability and fatigue, so less time outdoors
#   and less 25(OH)D (`reverse_causation.activity_disability_power`). Active MS also means
#   more relapses.
# * **An earlier relapse.** During and after a relapse people stay in: the next draw is
#   lower (`reverse_causation.relapse_vitd_drop_nmol`; Soilu-Hanninen et al. 2005).
# * **Healthy users.** Health-conscious patients start supplements more often
#   (`reverse_causation.supplement_health_log_or`) and also take their disease-modifying
#   treatment more reliably, so they relapse less (`relapse.health_rr_per_sd`; Tan et al.
#   2011).
# * **Disease duration.** The relapse rate falls as MS goes on (`relapse.halving_years`;
#   Tremlett et al. 2008), and patients who have had MS longer are more likely to have
#   started supplements by now (prevalent users).
# * **A relapse prompts a start.** Patients often start vitamin D after a relapse, at the
#   worst moment, just before things would have improved anyway.

# %%
teaching.show(figures.dag_figure())

# %% [markdown]
# ## Simulating patients in two worlds
#
# Two worlds share everything except the causal effect on relapses:
#
# * **null for relapses**: the shipped `null` scenario, `relapse.vitd_rr_per_25nmol = 1`;
# * **causal for relapses**: the same people, with each +25 nmol/L of current 25(OH)D
#   cutting the relapse rate by 20% (`causal_relapse_rr`). (The shipped `causal` scenario is
#   about MS *onset*; its relapse effect is also 1.)
#
# We also build the worlds in which one mechanism at a time is switched off, and the
# healthy-user worlds of the slider panel.
#
# Each replicate simulates its population once. `relapses.simulate_patients` keeps the
# people with MS and, for worlds that change a node of the model (health consciousness ->
# supplement start, activity -> time outdoors), recomputes that node on the same people
# with the same random draws. Every design then samples its patients from these people
# with the random generator that `simlib.montecarlo.replicate` would give it, so a row of
# our table is the row `replicate` would produce (Exercise 4 checks this), without
# rebuilding the population for each design and world.

# %%
null_world = relapses.relapse_scenario(1.0)
causal_world = relapses.relapse_scenario(causal_relapse_rr)
mechanism_worlds = relapses.mechanism_worlds(null_world)
healthy_worlds = {strength: null_world.with_values(
    relapses.healthy_user_values(null_world, strength)) for strength in healthy_user_strengths}
pools = relapses.simulate_patients(
    [null_world, causal_world, *mechanism_worlds.values(), *healthy_worlds.values()],
    population, reps, seed)
first = pools.patients(null_world, 0)
print(f"Replicate 0: {population:,} people, {len(first):,} alive with MS, "
      f"{(first['diagnosis_age'] < first['age']).sum():,} of them diagnosed.")

# %% [markdown]
# ## Three designs in two worlds
#
# In each world and replicate we run:
#
# * `relapse-cohort`: patients with a blood draw every 6 months for 2.5 years, relapses
#   counted in each interval; Poisson regression of relapses on the draw at the start of
#   the interval (cluster-robust SEs), crude and adjusted for season and disease duration.
#   As in a 2000s cohort like Simpson's, 10% of patients take supplements.
# * `supplement-users`: relapses over 2 years in users vs non-users, crude and adjusted for
#   disease duration.
# * `supplement-starters`: patients who would take vitamin D and had a relapse in the past
#   year start it now; relapses in the year before vs the year after (`before-after`), and
#   starters vs non-starters in the year after (`after-vs-non-starters`).
# * `trial`: the randomized reference, as in notebook 07: people within two years of onset,
#   25(OH)D below 100 nmol/L, randomized to 7,143 IU/day or placebo for 2 years (like
#   D-Lay MS). It is small, because early MS is rare, like the real trials.
#
# The truth beside each estimate is computed on the same patients by intervention: +25
# nmol/L for the cohort, "always vs never supplemented" for the users, "start vs do not
# start" for the starters, "dose vs placebo" for the trial.

# %%
worlds = {"null for relapses (true RR 1)": null_world,
          f"causal for relapses (true RR {causal_relapse_rr:g} per +25 nmol/L)": causal_world}
options = relapses.lesson_options(participants)
table = relapses.estimate_designs(pools, worlds, options)
diagnosis = relapses.summarize(table)
diagnosis[["world", "design", "estimator", "n_used", "rate_ratio", "true_rate_ratio",
           "empirical_se", "coverage"]]

# %%
null_label, causal_label = worlds
ratios = {(world, design, estimator): relapses.rate_ratio(diagnosis, world, design, estimator)
          for world, design, estimator in diagnosis[["world", "design", "estimator"]]
          .itertuples(index=False)}
cohort, users, starters, trial = (ratios[null_label, d, e] for d, e in (
    ("relapse-cohort", "poisson"), ("supplement-users", "poisson"),
    ("supplement-starters", "before-after"), ("trial", "poisson-itt")))
causal_cohort = ratios[causal_label, "relapse-cohort", "poisson"]
fig = figures.forest_figure(diagnosis, list(worlds))
teaching.headline(
    fig, f"With no effect of vitamin D on relapses (true RR 1), the relapse cohort found RR "
    f"{cohort:.2f} per +25 nmol/L, supplement users vs non-users RR {users:.2f} and starters "
    f"after vs before starting RR {starters:.2f}; with a true RR of {causal_relapse_rr:g} the "
    f"cohort found {causal_cohort:.2f}.")
print(f"The randomized trial in early MS: RR {trial:.2f} in the null world (truth 1).")

# %% [markdown]
# Each row shows the mean estimate over the replicates and the interval in which 95% of
# single studies fall (mean ± 1.96 empirical SE); the red marks are the truth.
#
# In the null world every observational design "finds" a benefit, and the starters'
# before-after comparison finds a huge one. In the causal world the same designs move by
# about the true effect: their biases stay. Looking at one observational study, you cannot
# tell which world you live in. The trial's intervals are wide, as in Hanaei 2021, but they
# are centred on the truth in both worlds.

# %% [markdown]
# ## Relapses and 25(OH)D in a patient cohort
#
# The left panel shows the world: averaged over patients, the relapse rate peaks in
# early spring (±7%, `relapse.spring_amplitude`: the pooled seasonal swing of Jin et al.
# 2000, a peak in early March as in Spelman et al. 2014), while 25(OH)D is lowest in late
# winter. The right panel shows what the cohort sees: draws by calendar month, and the
# relapses in the six months after each draw.

# %%
cohort_patients = pools.patients(relapses.study_scenario(null_world, "relapse-cohort"), 0)
cohort_studies = [relapses.run_design(pools, null_world, "relapse-cohort", rep,
                                      options["relapse-cohort"]) for rep in range(reps)]
teaching.show(figures.season_figure(figures.seasonal_profile(cohort_patients),
                                    figures.draw_month_table(cohort_studies)))

# %%
adjusted = ratios[null_label, "relapse-cohort", "poisson-season"]
print(f"Null world: RR {cohort:.2f} per +25 nmol/L crude, {adjusted:.2f} adjusted for season "
      f"and disease duration; the truth is 1. Simpson 2010 reported about 0.79.")

# %% [markdown]
# Adjusting for season and duration removes part of the association, not all of it: the
# rest comes from disease activity (active MS keeps patients indoors and brings more
# relapses) and from the drop in 25(OH)D after a relapse. Both go through disease activity,
# which the cohort does not measure, and a relapse *before* a draw is part of the outcome
# history: adjusting for it properly needs more than a covariate.

# %% [markdown]
# ## Supplement users and non-users
#
# Who are the users? The table compares diagnosed patients who had started vitamin D by the
# survey with those who had not, in the null world (replicate 0). `health_consciousness_sd`
# is the latent trait (mean 0, SD 1 in the population); `disease_activity` multiplies the
# relapse rate; the last column is each group's expected relapse rate over the next two
# years, which vitamin D does not affect in this world.

# %%
figures.user_characteristics(first)

# %%
users_adjusted = ratios[null_label, "supplement-users", "poisson-duration"]
print(f"Null world: users vs non-users RR {users:.2f} crude, {users_adjusted:.2f} adjusted "
      "for disease duration; the truth is 1.")

# %% [markdown]
# Users are more health conscious, and they have had MS for longer: most patients
# start vitamin D within a few years of diagnosis, so the longer someone has had MS, the
# likelier they take it, and the relapse rate falls with duration whatever they take
# (a prevalent-user comparison). Adjusting for duration removes most of the gap; the
# healthy-user part needs a measure of adherence that surveys rarely have.

# %% [markdown]
# ## Patients who start vitamin D after a relapse
#
# Patients who would take vitamin D start it right after a year with at least one relapse.
# We compare their relapses in that year with the next, and with the patients who had no
# relapse and did not start. The red mark is what the starters' rate would have been had
# they *not* started (the truth).

# %%
starter_rates = {world: figures.starter_rates(
    [relapses.run_design(pools, scenario, "supplement-starters", rep) for rep in range(reps)])
    for world, scenario in worlds.items()}
teaching.show(figures.starters_figure(starter_rates))

# %%
after_vs = ratios[null_label, "supplement-starters", "after-vs-non-starters"]
print(f"Null world: after vs before starting RR {starters:.2f}; starters vs non-starters in "
      f"the year after RR {after_vs:.2f}; the truth is 1 for both.")

# %% [markdown]
# The starters were *selected* for a bad year: at least one relapse. A bad year is partly
# bad luck (Poisson noise), and luck does not repeat, so the next year is better:
# regression to the mean. Against non-starters, the bias flips: starters are the more
# active patients, so they relapse *more* in the year after, even with a treatment that
# works. Two analyses of the same data, opposite conclusions, both wrong.

# %% [markdown]
# ## What each mechanism contributes
#
# Now we switch the mechanisms off one at a time, in the null world, with the same people
# and the same samples (common random numbers), and finally all together:
#
# | mechanism | switched off by |
# |---|---|
# | spring peak of relapses | `relapse.spring_amplitude = 0` |
# | active MS keeps patients indoors | `reverse_causation.activity_disability_power = 0` |
# | a relapse lowers the next draw | `reverse_causation.relapse_vitd_drop_nmol = 0` |
# | healthy users | `relapse.health_rr_per_sd = 1`, `reverse_causation.supplement_health_log_or = 0` |
# | relapse rate falls with duration | `relapse.halving_years = 100` |

# %%
switched_off = {label: world for label, world in mechanism_worlds.items()
                if label != relapses.ALL_ON}
headline_estimators = {"relapse-cohort": ("poisson",), "supplement-users": ("poisson",),
                       "supplement-starters": ("before-after", "after-vs-non-starters")}
mechanism_table = relapses.estimate_designs(pools, switched_off, options,
                                            headline_estimators)
all_on = diagnosis[(diagnosis["world"] == null_label) & diagnosis.apply(
    lambda row: row["estimator"] in headline_estimators.get(row["design"], ()), axis=1)]
mechanisms = pd.concat([all_on.assign(world=relapses.ALL_ON),
                        relapses.summarize(mechanism_table)], ignore_index=True)
teaching.show(figures.mechanism_figure(mechanisms, list(mechanism_worlds)))
mechanisms.pivot_table(index="world", columns=["design", "estimator"], values="rate_ratio",
                       sort=False).loc[list(mechanism_worlds)]

# %% [markdown]
# Reading the figure (points are means over replicates, bars ± 1.96 Monte Carlo SE):
#
# * The **relapse cohort** draws its association from several sources: disease activity
#   keeping patients indoors, the spring peak, the drop after a relapse, the fall of the
#   relapse rate with duration. No single one explains it; with all off it is gone.
# * **Supplement users** relapse less mostly because they have had MS longer; the healthy
#   users add a little.
# * The **starters' before-after** comparison stays far below 1 with everything off:
#   regression to the mean is a property of the design (who is selected, and when), not
#   of any mechanism of the world. The comparison with non-starters stays above 1, because
#   starters are selected for being the more active patients.

# %% [markdown]
# ## What happened and why
#
# * In a world where vitamin D does nothing to relapses, a relapse cohort like Simpson's
#   reproduces an association of the published size (RR about 0.8 per +25 nmol/L), supplement
#   users relapse about a quarter less than non-users, and starters' relapses fall by
#   more than half after they start.
# * The associations come from season, from disease activity (which lowers 25(OH)D and
#   raises relapses), from relapses lowering the next blood level, from healthy users,
#   from disease duration, and, for starters, from regression to the mean.
# * In a world where vitamin D truly lowers relapses, the same designs shift by about the
#   true effect and keep their biases: the observational numbers alone cannot tell the two
#   worlds apart.
# * A randomized trial can, because assignment by coin flip is independent of all these
#   paths. Trials in early MS are small, so single trials are imprecise (Hanaei 2021: OR
#   0.66, 0.28-1.54). That is a reason for larger trials, not for trusting the biased
#   designs.

# %% [markdown]
# ## Try it yourself
#
# The sliders re-estimate the designs on the patients simulated above (no new population):
#
# * **healthy-user strength**: 0 = none, 1 = the default, 2 = twice as strong (both the
#   supplement start and the adherence effect);
# * **spring amplitude**: the seasonal swing of the relapse rate (0.07 = ±7%, the
#   pooled evidence; try 0.3 to see what a strong season would do);
# * **true relapse RR**: the causal effect of +25 nmol/L (1 = none);
# * **patients per study**.
#
# Grey dots are single replicates, black squares their mean, red marks the truth.

# %%
draw = figures.panel_draw(pools, null_world, healthy_user_strengths, reps=panel_reps)
widgets.panel(draw, {
    "healthy_user": widgets.Slider(min(healthy_user_strengths), max(healthy_user_strengths),
                                   0.5, 1.0, "healthy-user strength (x default)"),
    "spring_amplitude": widgets.Slider(0.0, 0.5, 0.01, 0.07,
                                       "spring amplitude of relapses (relative)"),
    "relapse_rr": widgets.Slider(0.5, 1.5, 0.05, 1.0, "true relapse RR per +25 nmol/L"),
    "participants": widgets.Slider(100, 2000, 100, participants, "patients per study",
                                   integer=True),
}, title="Relapse designs: estimates vs truth")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: a cohort the size of Simpson's
#
# Simpson et al. (2010) followed 145 patients. Run the relapse cohort with 145 patients and
# with `participants` patients, in both worlds. How much do single studies scatter? How
# often does a null-world study find a "significant" benefit (p < 0.05, RR below 1)? Does
# a bigger cohort get closer to the truth?

# %% tags=["solution"]
by_size = {}
for size in (145, participants):
    runs = relapses.estimate_designs(pools, worlds, relapses.lesson_options(size),
                                     {"relapse-cohort": ("poisson",)})
    summary = relapses.summarize(runs).set_index("world")
    benefit = (runs["p_value"] < 0.05) & (runs["estimate"] < 0)
    summary["share_significant_benefit"] = benefit.groupby(runs["world"]).mean()
    by_size[f"{size} patients"] = summary[["rate_ratio", "true_rate_ratio", "model_se",
                                           "share_significant_benefit"]]
pd.concat(by_size)

# %% [markdown] tags=["solution"]
# With 145 patients a single study's standard error (`model_se`, log scale) is two to
# three times as large as with 1,000, so one study says little either way. With more
# patients the estimates gather around the same biased value, not around the truth, and
# more null-world studies become
# "significant": a bias does not shrink with the sample size, only the noise around it
# does. (With few replicates the shares are rough; raise `reps` for better ones.)

# %% [markdown]
# ### Exercise 2: what does adjusting for duration fix?
#
# Compare the crude and duration-adjusted supplement-user estimates in the null world
# with no healthy users, the default and twice the default (the healthy-user worlds
# simulated for the panel). Which bias does the adjustment remove, and which remains?

# %% tags=["solution"]
by_strength = {f"healthy users x{strength:g}": healthy_worlds[strength]
               for strength in (0.0, 1.0, 2.0) if strength in healthy_worlds}
users_table = relapses.estimate_designs(pools, by_strength, options,
                                        {"supplement-users": ("poisson", "poisson-duration")})
relapses.summarize(users_table).pivot_table(index="world", columns="estimator",
                                            values="rate_ratio", sort=False)

# %% [markdown] tags=["solution"]
# Adjusting for duration removes the prevalent-user part (users have had MS longer). What
# is left grows with the healthy-user strength: health consciousness is not measured, so
# adjusting for duration cannot remove it.

# %% [markdown]
# ### Exercise 3: does a longer window cure regression to the mean?
#
# The starters design counts relapses in a window before and after the start
# (`window_years`, default 1). Rerun it in the null world with windows of 0.5, 1 and 2
# years. Predict first: with a longer window, is the "improvement" smaller or larger?

# %% tags=["solution"]
windows = pd.concat([
    relapses.summarize(relapses.estimate_designs(
        pools, {f"window {years:g} years": null_world},
        {"supplement-starters": {"window_years": years}},
        {"supplement-starters": ("before-after", "after-vs-non-starters")}))
    for years in (0.5, 1.0, 2.0)], ignore_index=True)
windows.pivot_table(index="world", columns="estimator", values="rate_ratio", sort=False)

# %% [markdown] tags=["solution"]
# A longer window makes "at least one relapse" a less extreme selection (most patients
# qualify), so the regression to the mean is weaker, but it does not vanish: the
# comparison is still before vs after in people chosen for a relapse. And in the longer
# window the relapse rate falls with disease duration too. Only a concurrent control
# group chosen the same way, better a randomized one, removes both.

# %% [markdown]
# ### Exercise 4: the same numbers as `replicate`
#
# The lesson simulates each population once and shares it across designs and worlds.
# Check that this shortcut is faithful: run `simlib.montecarlo.replicate` for the
# supplement-users design in the null world (one replicate, the same seed and population
# size) and compare it with replicate 0 of our table.

# %% tags=["solution"]
from simlib.montecarlo import replicate

direct = replicate(null_world, "supplement-users", reps=1, seed=seed,
                   options={"population": population, "participants": participants},
                   progress=False)
ours = table[(table["world"] == null_label) & (table["design"] == "supplement-users")
             & (table["estimator"] == "poisson") & (table["rep"] == 0)]
pd.DataFrame({"replicate": direct[["estimate", "se", "estimand_value"]].iloc[0],
              "this notebook": ours[["estimate", "se", "estimand_value"]].iloc[0]})

# %% [markdown] tags=["solution"]
# The two rows agree: same people (the population seed of replicate 0), the same sample
# of patients (the design generator of replicate 0), the same estimator. (With
# cluster-robust SEs, as in the relapse cohort, the SE can differ in the 15th digit: the
# clusters are summed in another order.)
