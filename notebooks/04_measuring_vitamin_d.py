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
# # Measuring vitamin D: what one blood test tells you
#
# The first popular article in this suite ("MS and vitamin D") tells readers to get their
# vitamin D level checked, and treats low levels in people with MS as a sign that a lack
# of vitamin D drives the disease. The second ("Can vitamin D reverse autoimmune disease")
# says that people with autoimmune diseases often have lower vitamin D levels than healthy
# people. Both rest on single blood tests.
#
# **The question.** What does one serum 25(OH)D value (nmol/L) measure? How much of it is
# the person's long-term level, the exposure that could matter for MS, and how much is
# the person's level drifting over the years, the season of the draw, short-term
# variation and laboratory error? And what does that error do to a study's estimate?

# %% [markdown]
# ## The knobs
#
# Every size goes through `teaching.size`, so the tests can run a small copy of this
# notebook. Change a value and rerun the notebook.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of every simulation below
survey_size = teaching.size(400_000, 150_000)  # people simulated for the season figures
cohort_size = teaching.size(2_000_000, 300_000)  # people simulated per dilution cohort
cohorts = teaching.size(5, 2)  # independent cohorts in the dilution experiment
case_control_size = teaching.size(1_000_000, 400_000)  # people for the season case-control
within_person_sd_nmol = 4.0  # short-term SD (weeks to months) around the current level (nmol/L)
drift_log_sd = 0.20  # SD of a person's drift over the years (log scale; 0 = lifelong constant)
drift_years = 6.0  # how long the drift takes to be forgotten (years)
tracking_size = teaching.size(400_000, 150_000)  # people simulated per tracking study
assay_cv = 0.10  # assay coefficient of variation (proportion; 0.10 = VDSP target)
samples_averaged = (1, 2, 3, 5)  # yearly draws averaged per person
reliability_size = 1000  # controls with a repeat draw one year later
case_winter_share = 0.8  # share of cases bled in winter (season-confounding study)
control_winter_share = 0.2  # share of controls bled in winter

# %%
import matplotlib.pyplot as plt
import numpy as np

from simlib import load_scenario, plots, repeat_measures, widgets
from simlib.experiments import dilution, measurement

# %% [markdown]
# ## What a blood draw measures
#
# The simulated world separates the exposure from its measurement. The **long-term mean**
# 25(OH)D is what could cause (or not cause) MS. A blood draw reads the person's
# *current* level, which drifts around the long-term mean over the years (habits,
# weight and diet change), and adds the season of the draw, short-term variation, the
# assay's random error and the laboratory's systematic bias (`simlib/measure.py`). Only the red arrow is the question;
# every grey arrow is noise or bias in what a study sees.

# %%
fig, ax = plt.subplots(figsize=(9, 3.6))
measurement.plot_measurement_dag(ax)
teaching.show(fig)

# %% [markdown]
# ## Season of the blood draw
#
# 25(OH)D is made in the skin from UVB, so it peaks in late summer (August in the north)
# and bottoms out in late winter (February). We simulate adults in every region of the
# causal world and bleed each of them once, on whatever day the survey falls.

# %%
causal = load_scenario("causal")
survey = measurement.survey_people(causal, survey_size, seed)
monthly = measurement.monthly_means(survey)
amplitude = measurement.seasonal_amplitude_table(survey)
uk_shares = measurement.uk_season_shares(survey)
teaching.show(measurement.plot_season(monthly, amplitude, uk_shares))

# %%
swing = monthly.max() - monthly.min()
print("Peak-to-trough difference of the monthly means (nmol/L):")
print(swing.round(1).to_string())
print()
print(amplitude.round(3).to_string())
print()
print(uk_shares.round(1).to_string())

# %% [markdown]
# The seasonal swing is a larger share of a person's level the further from the equator
# (right axis of the middle panel): the cycle's relative amplitude grows with latitude.
# In nmol/L it grows less, because people far north also make less vitamin D overall.
# Against the UK's 1958 birth cohort at age 45 (Hyppönen & Power 2007: 46.6% below
# 40 nmol/L in winter-spring, 15.4% in summer-autumn), the simulated Welsh and Scottish
# adults come close. **The same person can be "deficient" in March and "sufficient" in
# August.**

# %% [markdown]
# ## A person's level over the years
#
# Cohorts that bled the same people twice found that the two values agree less the
# longer the gap: a correlation of 0.73 over 3 years in ARIC (McKibben et al. 2016),
# 0.61 over 5 years in the Women's Health Initiative (Meng et al. 2012), 0.50 over 11
# years in HUNT, and in Tromsø 0.40 over 13 and 0.29 over 21 years (Jorde et al. 2021).
# The world's drift (`simlib/drift.py`) was fitted to the first three; Tromsø was kept
# back to check it. Each study is rerun on the world with its own people (region, ages,
# sex) in its own calendar year, the second draw on the anniversary of the first.

# %%
by_lag = repeat_measures.correlation_by_lag(causal, n=tracking_size, seed=seed)
tracking = repeat_measures.tracking_figures(causal, n=tracking_size, seed=seed)
teaching.show(repeat_measures.plot_tracking(by_lag, tracking))
print(tracking[["figure_id", "years_apart", "year", "pairs", "simulated"]].round(3)
      .to_string(index=False))

# %% [markdown]
# The world's correlation falls over the first decade and then levels off near 0.6:
# most of a person's level in the world (genes, skin, sun habits, diet, supplements,
# weight) is fixed for life, so two draws 21 years apart still agree far better than
# in Tromsø. That is a miss the world reports, not hides: real people change their
# habits more than the world's people do.

# %% [markdown]
# ## The layers of one draw
#
# Within a year, a person's level also varies beyond the season (Major et al. 2013),
# and the assay adds its own error (the Vitamin D Standardization Program aims for a
# CV of 10%). The table splits the spread of one draw in the causal world into its
# layers.

# %%
components = measurement.variance_components(survey)
print(components.round(1).to_string())
print(f"\nReliability of one draw (regression-dilution ratio): "
      f"{components.attrs['reliability']:.2f}")

# %% [markdown]
# About half of the variance of a single draw is not the long-term level, and the
# largest part of that is the drift over the years, not the lab. The *reliability* is
# the slope of the true long-term level on the measured value: how much of a measured
# difference between two people is a lasting one.

# %% [markdown]
# ## Regression dilution: one draw weakens the association
#
# Now the central experiment. We use the `no_bias` world (vitamin D truly lowers MS risk,
# hazard ratio 0.8 per +25 nmol/L, with no confounding and no reverse causation) and
# switch the blood draw's random errors back on (the drift over the years, the
# short-term SD and the assay CV from the knobs; no season, which a study can largely
# remove by matching or adjusting on the month of the draw). A cohort of adults aged 18-60 gives blood at enrollment and again
# every year. Those diagnosed with MS within 20 years are the cases, and a random sample
# of the others are the controls. The **truth** is computed by intervention on the same
# people.
#
# With a few hundred cases, one study's sampling error is as large as the dilution we
# want to see. So we run the same study in several independent cohorts and average them,
# as a Monte Carlo study does.

# %%
no_bias = load_scenario("no_bias")
error_world = measurement.with_measurement_error(
    no_bias, within_person_sd_nmol=within_person_sd_nmol, assay_cv=assay_cv,
    drift_log_sd=drift_log_sd, drift_years=drift_years)
runs, study = dilution.dilution_experiment(error_world, cohort_size, seed, cohorts,
                                           samples=samples_averaged,
                                           reliability_size=reliability_size)
summary = dilution.summarise_dilution(runs)
print(f"{cohorts} cohorts, about {runs['n_cases'].mean():.0f} cases each (4 controls per "
      f"case); true HR per +25 nmol/L {np.exp(summary['truth'].iloc[0]):.3f}")
print(summary[["samples", "estimate", "estimate_mcse", "true_exposure", "share_kept",
               "oracle_ratio", "repeat_ratio", "corrected"]].round(3).to_string(index=False))

# %% [markdown]
# Each row averages the cohorts for one number of yearly draws. Within a cohort, the
# people and the errors are the same; only the number of draws averaged changes.
# `estimate` is the log OR per +25 nmol/L of the measured mean. `true_exposure` is the
# log OR on the long-term level itself, measured exactly, for the same people; it differs
# from the truth only by sampling error. `oracle_ratio` is the slope of the true
# long-term level on the measured mean, which only a simulation knows. `repeat_ratio` is
# what a real study can estimate from repeat draws.

# %%
fig = dilution.plot_dilution(runs)
one, many = summary.iloc[0], summary.iloc[-1]
teaching.headline(
    fig, f"Averaged over {cohorts} cohorts (true HR {np.exp(one['truth']):.2f} per +25 nmol/L), "
    f"one blood draw kept {one['share_kept']:.0%} of the error-free log odds ratio (OR "
    f"{np.exp(one['estimate']):.2f} vs {np.exp(one['true_exposure']):.2f}; true dilution "
    f"ratio {one['oracle_ratio']:.2f}); averaging {int(many['samples'])} yearly draws kept "
    f"{many['share_kept']:.0%}; dividing by the repeat-draw ratio "
    f"{one['repeat_ratio']:.2f} gave OR {np.exp(one['corrected']):.2f}.")

# %% [markdown]
# ## Correcting with repeat measurements
#
# MacMahon et al. (1990) corrected the blood pressure-stroke association by measuring a
# subsample twice, years apart. The slope of the second measurement on the first is the
# regression-dilution ratio λ, and the corrected log hazard ratio is the observed one
# divided by λ (Hutcheon, Chiolero & Hanley 2010 explain it step by step). For the mean
# of k draws with independent errors, λ_k = kλ / (1 + (k − 1)λ) (Spearman-Brown).
# Here is the first cohort: a repeat draw one year later in its controls. Watch the
# repeat-draw ratio against the true one.

# %%
first = runs[runs["cohort"] == 0].set_index("samples")
lam = first.loc[samples_averaged[0], "repeat_ratio"]
print(f"Repeat-draw ratio for one draw: {lam:.3f} (true value: "
      f"{first.loc[samples_averaged[0], 'oracle_ratio']:.3f})")
for k in samples_averaged:
    print(f"  mean of {k} draws: λ_{k} = {dilution.spearman_brown(lam, k):.3f}; "
          f"OR {np.exp(first.loc[k, 'estimate']):.3f} -> corrected "
          f"{np.exp(first.loc[k, 'corrected']):.3f} "
          f"({np.exp(first.loc[k, 'corrected_low']):.2f}-"
          f"{np.exp(first.loc[k, 'corrected_high']):.2f})")

# %% [markdown]
# The correction divides the estimate *and* its confidence limits by λ. The corrected
# interval is wider, because the correction adds no information. It also assumes the
# repeat draw's error is independent of the main draw's, and a repeat one year later
# is not: it shares most of the drift. So the repeat-draw ratio is well above the true
# one, the "corrected" estimate is still attenuated, and Spearman-Brown promises far
# more from averaging consecutive yearly draws than they deliver. Clarke et al. (1999)
# found the same in long-term cohorts: the dilution grows with the years of follow-up,
# and a repeat taken soon after baseline underestimates it. Exercise 2 varies the gap.

# %% [markdown]
# ## Lab and method bias
#
# Snellman et al. (2010) measured the same sera with three methods and found means of 85
# (LC-MS), 70 (RIA) and 60 nmol/L (CLIA): factors 1, 0.82 and 0.71 of the reference. We
# measure the first cohort's study with each factor (one draw).

# %%
labs = dilution.lab_bias_table(study, base=error_world.measurement, seed=seed)
print(labs.round(2).to_string())

# %% [markdown]
# A lab that reads low moves many people below the 50 nmol/L cut-off, so the share
# labelled "deficient" jumps. Because every value is scaled, the odds ratio per 25
# *measured* nmol/L becomes more extreme. Lab bias does not weaken an association. It
# changes its units, so cut-offs and pooled studies disagree.

# %% [markdown]
# ## Season of the draw as a confounder
#
# A clinic recruits cases in winter and a survey bleeds controls in summer. Now the
# season is not just noise: it differs between cases and controls and it changes the
# measured value, so it confounds the measured association. We build a world where
# vitamin D does **nothing** (no effect, no confounding, no reverse causation), keep
# the season and the random errors, and bleed most cases in winter and most controls in
# summer.
#
# The library's designs do not let the season of the draw differ by case status (the
# biobank design even matches on the month of the draw), so this study is built in
# `simlib.experiments.measurement.season_case_control` with the library's `blood_draw`.

# %%
null_with_season = measurement.with_measurement_error(
    no_bias.with_values({"ms.vitd_hr_per_25nmol": 1.0}),
    within_person_sd_nmol=within_person_sd_nmol, assay_cv=assay_cv,
    seasonal_fraction_per_degree=causal.sun.seasonal_fraction_per_degree)
season_study = measurement.season_case_control(
    null_with_season, case_control_size, seed, case_winter_share=case_winter_share,
    control_winter_share=control_winter_share)
season_rows = measurement.season_estimates(season_study)
print(season_study.groupby(["case", "winter"])["vitd_nmol"].agg(["mean", "size"]).round(1))
fig, ax = plt.subplots(figsize=(7, 2.6))
plots.forest_plot(season_rows, ax=ax)
ax.set_title(f"No effect of vitamin D; {case_winter_share:.0%} of cases but "
             f"{control_winter_share:.0%} of controls bled in winter")
teaching.show(fig)

# %% [markdown]
# ## What happened and why
#
# * **Season.** One draw reads the level on one day. The seasonal swing is about ±8-11
#   nmol/L here, a larger share of the level further north. Cut-offs such as
#   "<40 nmol/L" classify the same person differently by month.
# * **Random error dilutes.** The drift over the years, short-term variation and assay
#   error add variation that has nothing to do with the long-term level. A measured difference between people is then partly
#   noise, so the odds ratio per +25 measured nmol/L moves towards 1. That is the
#   *regression dilution* bias of MacMahon (1990). It hides or weakens real effects; it
#   does not create them.
# * **Averaging and correcting.** Averaging draws shrinks the noise, and so the
#   dilution, but draws a year apart share the drift, so they help less than
#   independent ones would. A repeat draw in a subsample estimates λ, and dividing by λ
#   undoes the dilution on average only if the repeat is far enough from the first
#   draw to vary the way the long-term level's measurement varies.
# * **Systematic error misleads.** Lab bias changes the units, so cut-offs and pooled
#   studies disagree. When the *season* differs between cases and controls, measurement
#   error is no longer random. It can produce a "protective" association in a world where
#   vitamin D does nothing. Adjusting or matching on the month of the draw removes it.

# %% [markdown]
# ## Try it: measurement error and dilution
#
# The sliders re-measure the stored true levels of the same study with new errors; no
# new world is simulated (the drift stays as simulated). Left: the true long-term level
# against what the study measured. The fitted line's slope is the regression-dilution ratio. Right: the odds
# ratio per +25 nmol/L on the true level, on the measured mean, and corrected, beside
# the truth.


# %%
def draw(assay_cv, within_person_sd_nmol, samples):
    return dilution.draw_dilution_panel(study, assay_cv, within_person_sd_nmol, samples,
                                        seed=seed)


widgets.panel(draw, {
    "assay_cv": widgets.Slider(0.0, 0.3, 0.02, assay_cv, "assay CV (proportion)"),
    "within_person_sd_nmol": widgets.Slider(0.0, 25.0, 1.0, within_person_sd_nmol,
                                            "short-term SD (nmol/L)"),
    "samples": widgets.Slider(1, 5, 1, 1, "yearly draws averaged", integer=True),
}, title="Regression dilution: same people, new measurement error")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: Season in the error
#
# Switch the season back on in a dilution world without the drift
# (`seasonal_fraction_per_degree=0.010`, so the season's part is seen alone) and rerun
# the dilution study. The biobank's
# yearly draws fall on the same date each year. Does averaging them remove the season's
# error? Is the repeat-draw ratio (a repeat one year later, same date) still right?

# %% tags=["solution"]
seasonal_world = measurement.with_measurement_error(
    no_bias, within_person_sd_nmol=within_person_sd_nmol, assay_cv=assay_cv,
    seasonal_fraction_per_degree=0.010)
seasonal_study = dilution.dilution_study(seasonal_world, cohort_size, seed)
seasonal = dilution.dilution_table(seasonal_study, seasonal_world.measurement,
                                   samples=samples_averaged, seed=seed)
seasonal["share_recovered_by_correction"] = seasonal["oracle_ratio"] / seasonal["repeat_ratio"]
print(seasonal[["samples", "oracle_ratio", "repeat_ratio",
                "share_recovered_by_correction"]].round(3).to_string(index=False))

# %% [markdown] tags=["solution"]
# Same-date yearly draws share the season's error, so averaging them cannot remove it:
# the true ratio (`oracle_ratio`) stays well below 1 however many draws are averaged.
# A repeat one year later on the same date also shares it, so the repeat-draw ratio
# overestimates the reliability. On average the "corrected" estimate recovers only
# `oracle_ratio / repeat_ratio` of the association: it is still attenuated. The
# repeat must vary the way the main measurement varies, or the season must be removed
# first (adjusting for the month of the draw, or matching on it as the biobank design
# does).

# %% [markdown]
# ### Exercise 2: How far apart should the repeat be?
#
# The first cohort's study holds yearly draws up to four years after the first. Estimate
# the reliability from a repeat 1, 2 and 4 years later (`dilution.repeat_interval_table`)
# and compare each with the true ratio. Which repeat would you fund? What would a
# repeat 10 years later estimate (read it off the tracking figure above)?

# %% tags=["solution"]
intervals = dilution.repeat_interval_table(study, error_world.measurement, years=(1, 2, 4),
                                           seed=seed)
print(intervals.round(3).to_string(index=False))

# %% [markdown] tags=["solution"]
# The later the repeat, the lower the ratio and the nearer the true one: a repeat one
# year later shares most of the person's drift with the first draw, so it mistakes the
# drift for a lasting difference; a repeat four years later shares less. No repeat in
# a few years reaches the true ratio, because the true exposure here is the level over
# a whole lifetime. A repeat a decade later would estimate something close to the
# long-lag plateau of the tracking figure. Which ratio is "right" depends on the
# exposure window the hypothesis names: a correction is only as good as the repeat's
# match to it (Clarke et al. 1999).

# %% [markdown]
# ### Exercise 3: The biobank design's `samples` option
#
# The library's `nested-case-control` design averages `samples` yearly draws. Run it in
# the error world with `samples=1` and `samples=3`, same seed. Why do both runs have the
# same matched sets, and why does the second estimate lie closer to the truth only on
# average?

# %% tags=["solution"]
from simlib.designs import get_design, run_study

ncc = get_design("nested-case-control")
for k in (1, 3):
    ncc_study = run_study(error_world, ncc, seed=seed,
                          options={"samples": k, "population": cohort_size})
    fit = ncc.estimator(None)(ncc_study)
    print(f"samples={k}: {int(ncc_study.data['case'].sum())} cases, OR per +25 nmol/L "
          f"{fit.ratio:.3f} (truth: HR {np.exp(ncc_study.estimand.value):.3f})")

# %% [markdown] tags=["solution"]
# The same seed gives the same people, the same cases and (because controls are sampled
# before any blood is measured) the same controls; only the measured serum differs.
# Averaging reduces dilution, but with a few hundred cases the sampling error (SE about
# 0.1 on the log scale) is larger than the dilution, so a single run can move either
# way: the improvement is a property of the average over many studies.

# %% [markdown]
# ### Exercise 4: Bleed cases and controls in the same season
#
# Rerun the season case-control with the same winter share for cases and controls (for
# example 0.5 and 0.5). What happens to the estimate adjusted only for age and sex?

# %% tags=["solution"]
balanced = measurement.season_case_control(null_with_season, case_control_size, seed,
                                           case_winter_share=0.5, control_winter_share=0.5)
print(measurement.season_estimates(balanced)[["label", "estimate", "ci_low",
                                               "ci_high"]].round(3).to_string(index=False))

# %% [markdown] tags=["solution"]
# With the same season mix, the season is noise again, not a confounder: both estimates
# are close to the truth (0), within sampling error. Matching or adjusting on the month
# of the draw is what the biobank design does.
