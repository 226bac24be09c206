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
# # How much bias would explain it?
#
# **The claim.** The patient-information page on MS and vitamin D (`ms-and-vitamin-d`)
# says that many researchers agree there is a link between vitamin D and MS, and that
# supplements might stop MS from developing. The link is real in the data: the
# associations agree across ecological, case-control, cohort and biobank studies.
#
# The strongest of them used blood drawn **before** diagnosis. Munger et al. (2006),
# with the US military's serum repository, found an odds ratio of 0.59 per +50 nmol/L
# of 25(OH)D (95% CI 0.36-0.97); Munger et al. (2017), with the Finnish Maternity Cohort,
# found 0.61 (0.44-0.85).
#
# **The question.** How strong would confounding or reverse causation have to be to
# produce estimates like these in a world where vitamin D does **nothing**? We answer in
# two ways:
#
# 1. by experiment: sweep the strengths of a confounder and of reverse causation in the
#    null world and run three observational designs at every combination;
# 2. by formula: the E-value (VanderWeele & Ding 2017), the strength an unmeasured
#    confounder would need to explain an estimate away.
#
# This is the slowest notebook of the suite: a few minutes at full size (two processes).

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of every sweep: the same seed gives the same people at every grid point
ncc_population = teaching.size(1_500_000, 400_000)  # people simulated per biobank replicate (US)
cohort_population = teaching.size(1_500_000, 200_000)  # people simulated per cohort replicate
hospital_population = teaching.size(1_500_000, 300_000)  # people per hospital study replicate
ncc_reps = teaching.size(4, 1)  # replicates per grid point, biobank nested case-control
other_reps = teaching.size(2, 1)  # replicates per grid point, cohort and hospital case-control
hospital_case_years = 5.0  # hospital study: cases diagnosed in this many years before the survey
workers = 2  # processes shared by the sweeps (at most 2 on a shared machine)
published_id = "munger2006_or50"  # the published estimate to reproduce (data/published)

# %%
from simlib import build_world, load_scenario, plots, widgets
from simlib.experiments import bias_analysis as bias

null = load_scenario("null")
published = bias.published_estimates()
published[["label", "ratio", "ci_low", "ci_high"]]

# %% [markdown]
# ## Two biases, two knobs
#
# The null world has every bias of the real one and no effect of vitamin D. We turn two
# knobs:
#
# - **Confounding**: the unexplained latitude factors of MS
#   (`ms.latitude_hr_per_10_degrees`). Far from the equator people make less vitamin D in
#   their skin **and**, for other reasons (ancestry, later EBV infection, whatever the
#   factor stands for), develop MS more often. Grid: 1 (no such factor) and 3.116 per 10
#   degrees (the calibrated value).
# - **Reverse causation**: the share of sun-made 25(OH)D lost because MS is coming or has
#   come. For the cohort and the biobank, blood is drawn years before diagnosis, so the
#   knob is the **prodrome** loss (`reverse_causation.prodrome_sun_loss`; 0, 0.15 as in
#   the world, 0.30): 5-10 years of fatigue and health-care use before the first attack
#   (Wijnands 2017). For the hospital case-control, blood is drawn at diagnosis, after
#   onset, so the knob is the loss after onset (`reverse_causation.onset_sun_loss`; 0,
#   0.25 as in the world, 0.50).
#
# Everything else stays as in the null world: obesity, smoking, direct effects of sun,
# heat sensitivity after onset. So "0" on a knob removes one bias, not every bias.
#
# In the DAG, confounding is the path from `latitude_deg` to `vitd_mean_nmol` and, not
# through it, to `ms_log_hazard_ratio`; reverse causation runs from `ms_onset_age` and
# `prodrome_start_age` into the measured level `vitd_survey_nmol`. The arrow from
# `vitd_mean_nmol` to `ms_log_hazard_ratio` exists in the model but has strength zero in
# the null world.

# %%
dag_nodes = ("latitude_deg", "ancestry_north", "uvb_dose", "adolescent_bmi", "obese",
             "vitd_mean_nmol", "ms_log_hazard_ratio", "ms_onset_age", "prodrome_start_age",
             "diagnosis_age", "vitd_survey_nmol")
ax = plots.dag_plot(build_world(null), nodes=dag_nodes, collapse=True,
                    highlight=("latitude_deg", "prodrome_start_age", "ms_onset_age",
                               "vitd_survey_nmol"))
teaching.show(ax.figure)

# %% [markdown]
# ## Sweeping bias strengths in a world without effect
#
# Three designs, each run at every combination of the two knobs with
# `simlib.montecarlo.sweep` (the same seed at every grid point, so the same people):
#
# - the **biobank nested case-control** in the US regions (serum at ages 18-25, 20 years
#   of follow-up, 3 matched controls per case), the design of Munger 2006;
# - a **prospective cohort** in all regions (baseline draw at ages 20-50, 15 years);
# - a **hospital case-control** (cases bled at diagnosis, population controls).
#
# Each replicate is a study of roughly the published size: about a hundred to a few
# hundred cases. Estimates are turned from the library's log ratio per 25 nmol/L into
# the published scale, OR per +50 nmol/L. The truth is an OR of 1 everywhere.

# %%
options = {
    "nested-case-control": {"population": ncc_population},
    "cohort": {"population": cohort_population, "participants": cohort_population},
    "hospital-case-control": {"population": hospital_population,
                              "case_years": hospital_case_years},
}
reps = {"nested-case-control": ncc_reps, "cohort": other_reps,
        "hospital-case-control": other_reps}
table = bias.run_bias_sweeps(null, options, reps, seed, workers=workers)
summary = bias.sweep_summary(table, published_id)
summary[["design", bias.CONFOUNDING_KEY, "reverse_value", "ratio", "mcse", "n_cases",
         "within_ci"]].round(3)

# %% [markdown]
# ## Which bias strengths reproduce the published estimates
#
# Each panel shows one design: the mean OR per +50 nmol/L over the replicates (bars:
# ±1.96 Monte Carlo standard errors) against the strength of reverse causation, one line
# per strength of confounding. The grey band is Munger 2006's 95% confidence interval, the
# dashed line Munger 2017's estimate, the red line the truth.

# %%
ncc_default = summary[(summary["design"] == "nested-case-control")
                      & (summary["confounding_level"] == 1.0)
                      & (summary["reverse_level"] == 1.0)].iloc[0]
munger = published.loc[published_id]
inside, cells = int(summary["within_ci"].sum()), len(summary)
munger_e = bias.e_value(munger["ratio"])
fig = bias.plot_bias_lines(summary)
teaching.headline(
    fig, f"In a world where vitamin D does nothing, the US biobank nested case-control "
    f"gave a mean OR of {ncc_default['ratio']:.2f} per +50 nmol/L at the world's bias "
    f"strengths (Munger 2006: {munger['ratio']:.2f}, 95% CI {munger['ci_low']:.2f}-"
    f"{munger['ci_high']:.2f}); {inside} of {cells} design x bias combinations fell inside "
    f"that CI, yet the E-value of {munger['ratio']:.2f} is {munger_e:.2f}.")

# %% [markdown]
# The same sweeps as heatmaps of bias (`plots.sweep_plot`), on the log scale per
# +50 nmol/L. The colour scale is centred on the truth (bias 0, white); outlined cells
# have a mean estimate inside Munger 2006's confidence interval.

# %%
teaching.show(bias.bias_heatmaps(table, summary, published_id))

# %% [markdown]
# Reading the figures:
#
# - **Every design finds "protection" in the null world** at almost every grid point: no
#   effect of vitamin D is needed for an OR well below 1.
# - **Reverse causation is the strongest knob.** In the biobank, going from no prodrome
#   loss to double the world's moves the estimate from about 0.85 to about 0.6 per
#   +50 nmol/L; without a prodrome the biobank is closest to the truth. The hospital
#   study's estimate falls fastest along its knob: its blood is drawn after onset.
# - **Confounding by latitude matters where latitude varies.** In the cohort and the
#   hospital study (all regions, 22 to 60 degrees), the latitude factor pulls the estimate
#   further down; in the US biobank (33.5 to 41.4 degrees) it barely matters.
# - **Nearly every combination falls inside Munger's interval.** One study of that size
#   has a wide interval: a world without effect, at its own bias strengths, lands inside
#   it, and with a stronger prodrome it matches 0.59.

# ## How strong would a confounder need to be
#
# The E-value answers the question without a simulation (VanderWeele & Ding 2017). For
# an observed risk ratio RR (invert it if below 1),
#
# E = RR + √(RR × (RR − 1)),
#
# is the smallest strength of association, on the risk-ratio scale, that an unmeasured
# confounder would need with **both** the exposure contrast (here +50 nmol/L) and MS, over
# and above the measured covariates, to move the estimate to 1. For a rare disease like MS
# an odds ratio can be read as a risk ratio. The E-value of the confidence limit closest to
# 1 says how strong a confounder would need to be to make the interval include 1.

# %%
published.assign(
    e_value=[bias.e_value(r) for r in published["ratio"]],
    e_value_ci=[bias.e_value_ci(lo, hi) for lo, hi in zip(published["ci_low"],
                                                            published["ci_high"],
                                                            strict=True)],
)[["label", "ratio", "ci_low", "ci_high", "e_value", "e_value_ci"]].round(2)

# %%
ax = bias.plot_e_value(munger["ratio"], munger["ci_high"])
teaching.show(ax.figure)

# %% [markdown]
# Every pair of strengths above the black curve would explain Munger's point estimate
# away; above the grey curve, its confidence interval would include 1. An E-value of about
# 2.8 sounds reassuring: few measured confounders of 25(OH)D and MS come close to a risk
# ratio of 2.8 on both sides (adolescent obesity, HR 1.9 for MS, is uncommon and only
# loosely tied to 25(OH)D). But the interval needs only 1.2.
#
# And the E-value is about **confounding** only. In the simulated null world most of the
# association came from reverse causation: people losing sun-made vitamin D years before
# their first attack. No E-value, however large, rules that out; only the design can
# (lag exclusions, notebook 05; genetic instruments, notebook 06; trials, notebook 07).

# %% [markdown]
# ## What happened and why
#
# - In a world where vitamin D has no effect, all three observational designs found ORs
#   per +50 nmol/L below 1, and the biobank design, the design of Munger 2006, landed
#   inside the published interval; with a stronger prodrome it matched the published 0.59.
# - The association needs no exotic bias: a prodrome that costs people with future MS 15%
#   of their sun-made vitamin D, plus the latitude pattern of MS, is enough.
# - The E-value of the published estimate (about 2.8; 1.2 for its interval) measures
#   robustness to one unmeasured confounder, not to reverse causation or to the other
#   biases the sweep shows. A large E-value is not evidence of cause.

# ## Try it: pick a bias combination and an estimate
#
# The left panel redraws the three designs at the grid point nearest to the sliders
# (confounding level 0 = no latitude factor, 1 = the world's; reverse-causation level
# 0 = none, 1 = the world's, 2 = double) beside the published estimates, from the sweep
# table computed above (nothing is resimulated). Intervals are the 95% CI of one study of
# that size. The right panel is the E-value picture of any observed ratio and the upper
# limit of its confidence interval.

# %%
def draw(confounding_level, reverse_level, observed_ratio, ci_upper):
    return bias.cell_figure(summary, confounding_level, reverse_level, observed_ratio,
                            ci_upper)


widgets.panel(draw, {
    "confounding_level": widgets.Slider(0, 1, 1, 1, "confounding level (0 none, 1 world)",
                                        integer=True),
    "reverse_level": widgets.Slider(0, 2, 1, 1, "reverse causation (x the world's)",
                                    integer=True),
    "observed_ratio": widgets.Slider(0.2, 0.99, 0.01, float(munger["ratio"]),
                                     "observed OR per +50 nmol/L"),
    "ci_upper": widgets.Slider(0.3, 1.2, 0.01, float(munger["ci_high"]),
                               "upper 95% CI limit"),
}, title="Bias strengths and the E-value")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: The E-value of the Finnish study
#
# Munger et al. (2017) found a rate ratio of 0.61 per +50 nmol/L (95% CI 0.44-0.85) in
# 1,092 cases. Compute the E-values of the estimate and of its interval. Why is the
# interval's E-value larger than for Munger 2006, although the estimates are almost the
# same?

# %% tags=["solution"]
finnish = published.loc["munger2017_rr50"]
print(f"E-value of {finnish['ratio']}: {bias.e_value(finnish['ratio']):.2f}; "
      f"of the CI: {bias.e_value_ci(finnish['ci_low'], finnish['ci_high']):.2f}")

# %% [markdown] tags=["solution"]
# The estimate's E-value (about 2.7) is close to Munger 2006's (2.8): the point estimates
# are nearly equal. The interval's E-value is larger (about 1.6 against 1.2) because 1,092
# cases give a much narrower interval, whose upper limit (0.85) is further from 1. Neither
# number speaks to reverse causation.

# %% [markdown]
# ### Exercise 2: The E-value of a spurious estimate
#
# Take the biobank estimate of the null world at the world's bias strengths
# (`ncc_default`). What is its E-value? With the standard error of one study of that size
# (`model_se`), how often would such a study in the null world report a "significant"
# protective association (`bias.null_significance_chance`)?

# %% tags=["solution"]
spurious_e = bias.e_value(ncc_default["ratio"])
chance = bias.null_significance_chance(ncc_default["log_ratio"], ncc_default["model_se"])
print(f"null-world biobank OR {ncc_default['ratio']:.2f}: E-value {spurious_e:.2f}; "
      f"chance of p < 0.05 in one study: {chance:.0%}")

# %% [markdown] tags=["solution"]
# An estimate produced entirely by bias has an E-value between 2 and 3, as large as the
# published one's: the E-value cannot tell a biased estimate from a causal one. And a
# sizeable share of null-world studies of Munger's size would reach p < 0.05: a published
# significant result is what this world produces often, with no effect at all.

# %% [markdown]
# ### Exercise 3: What is left at "no reverse causation" in the hospital study?
#
# In the hospital case-control, the bottom row of the grid (no loss after onset) is still
# below 1 without the latitude factor. Heat-sensitive patients (58%) lose a further 30% of
# their sun-made 25(OH)D after onset (`reverse_causation.heat_sun_loss`), and disability
# costs a further 3% per EDSS point (`reverse_causation.disability_sun_loss_per_edss`).
# Rerun that grid point with both set to 0 too (`bias.rerun_point`). Then also stop patients from
# starting vitamin D after diagnosis (`reverse_causation.supplement_share = 0`; 82% do in
# the world, Jelinek 2015). What happens at each step?

# %% tags=["solution"]
steps = {
    "no latitude factor, no loss after onset": {
        "ms.latitude_hr_per_10_degrees": 1.0, "reverse_causation.onset_sun_loss": 0.0,
        "reverse_causation.heat_sun_loss": 0.0,
        "reverse_causation.disability_sun_loss_per_edss": 0.0},
}
steps["... and no supplements after diagnosis"] = {
    **steps["no latitude factor, no loss after onset"], "reverse_causation.supplement_share": 0.0}
for name, values in steps.items():
    point = bias.rerun_point(null, "hospital-case-control", values,
                             options["hospital-case-control"], other_reps, seed)
    print(f"{name}: mean OR {point['ratio']:.2f} per +50 nmol/L "
          f"(± {1.96 * point['mcse']:.2f} on the log scale; truth 1)")

# %% [markdown] tags=["solution"]
# With every loss after onset switched off, the estimate jumps **above** 1 (at full size
# about 1.2): a few cases are bled after they have started vitamin D, which raises their
# level, reverse causation pointing the other way. Heat sensitivity had been hiding it.
# With post-diagnosis supplements off as well, the estimate comes back to about 1: the
# remaining confounding (obesity, skin, direct sun) is small in this design. Knobs name
# mechanisms one at a time; a real study has them all at once, and they can cancel as
# well as add.
