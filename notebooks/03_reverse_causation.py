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
# # Reverse causation: does low vitamin D cause MS, or does MS change vitamin D?
#
# ## The question
#
# The article *MS and vitamin D* tells readers that people with multiple sclerosis (MS)
# tend to lack vitamin D and should have their level checked; the article *Can vitamin D
# reverse autoimmune disease* notes that people with autoimmune diseases often have lower
# vitamin D than healthy controls, and that researchers suspect the deficiency may be
# both a consequence and a cause of the disease. Both rest on the same observation:
# **people with MS have low 25(OH)D** (serum 25-hydroxyvitamin D, nmol/L).
#
# An association seen *after* the disease has begun can run backwards: the disease may
# change the exposure. People with MS spend less time outdoors (fatigue, disability, heat
# sensitivity), even in the years before their first symptoms, and most of them start
# vitamin D supplements once diagnosed (82% in an international survey, Jelinek et al.,
# BMC Neurol 2015). This notebook measures what that does to the studies, in a world
# where we know whether vitamin D causes MS.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of the simulated population and of each study's sampling
population = teaching.size(2_000_000, 400_000)  # people simulated (all ages)
survey_size = teaching.size(300_000, 100_000)  # adults in the cross-sectional survey
case_years = 5.0  # hospital study: cases diagnosed in the last 5 years (years)
supplement_shares = [0.0, 0.2, 0.4, 0.6, 0.82, 1.0]  # share starting vitamin D after diagnosis
recruitment_delays = [0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0]  # years from diagnosis to blood draw
prodrome_losses = [0.0, 0.15, 0.3, 0.5]  # share of sun-derived 25(OH)D lost in the prodrome
survey_years = [1995, 2000, 2005, 2010, 2015]  # calendar years of the surveys in the era history

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from simlib import build_world, load_scenario, plots, widgets
from simlib.calibrate import published_figures
from simlib.designs import get_design
from simlib.experiments import confounding as cf
from simlib.experiments import era_history as eh
from simlib.experiments import reverse_causation as rc
from simlib.scenario import describe

null = load_scenario("null")

# %% [markdown]
# ## How MS changes a patient's vitamin D
#
# In the simulated world, MS acts on 25(OH)D through three arrows (the diagram shows the
# nodes involved; the measured value is `vitd_survey_nmol`):
#
# 1. **Prodrome**: in the 5 to 10 years before the first symptoms, people lose a share of
#    their sun-derived 25(OH)D (fatigue, more health-care use: Wijnands et al., Lancet
#    Neurol 2017; Disanto et al., Neurology 2018).
# 2. **After onset**: disability, fatigue and heat sensitivity (58% of patients; BMC Neurol
#    2011) keep people indoors; more active disease, more loss.
# 3. **After diagnosis**: most patients start vitamin D, mostly 2,000-5,000 IU/day.
#
# The causal exposure, the long-term 25(OH)D before any MS (`vitd_mean_nmol`), is not
# touched by any of them. Only what a blood test shows is.

# %%
world = build_world(null)
ax = plots.dag_plot(world, nodes=("vitd_mean_nmol", "ms_onset_age", "prodrome_start_age",
                                  "diagnosis_age", "heat_sensitive", "after_onset_sun_loss",
                                  "post_dx_supplement_iu", "post_dx_supplement_start_age", "age",
                                  "vitd_survey_nmol"),
                    collapse=True, highlight=("vitd_survey_nmol", "ms_onset_age"))
teaching.show(ax.figure)
parameters = pd.DataFrame([row for row in describe(null)
                           if row["key"].startswith("reverse_causation.")])
with pd.option_context("display.max_colwidth", None):
    display(parameters[["key", "value", "unit", "meaning", "source"]])

# %% [markdown]
# Follow the people of the simulated population who develop MS between ages 20 and 50,
# and average their true 25(OH)D (no assay error) around the first symptoms, once as the
# world is and once in a world where nobody starts supplements after diagnosis:

# %%
worlds = rc.null_and_causal(population, seed)
_, without_supplements = rc.with_values(worlds["null"], {"supplement_share": 0.0})
curves = {"no supplements after diagnosis": rc.trajectory(without_supplements),
          f"supplement_share = {null.reverse_causation.supplement_share:g} (as surveyed)":
          rc.trajectory(worlds["null"])}
teaching.show(rc.trajectory_plot(curves))
curve = curves["no supplements after diagnosis"].set_index("years_since_onset")
print(f"{int(curve['people'].iloc[0]):,} people with MS onset at 20-50. Their long-term "
      f"25(OH)D before MS: {curve['before_nmol'].iloc[0]:.1f} nmol/L; 3 years before onset: "
      f"{curve.loc[-3.0, 'mean_nmol']:.1f}; 1 year after onset, without supplements: "
      f"{curve.loc[1.0, 'mean_nmol']:.1f}; 10 years after onset with supplements: "
      f"{curves[list(curves)[1]].set_index('years_since_onset').loc[10.0, 'mean_nmol']:.1f}")

# %% [markdown]
# A blood test taken at any point after the prodrome begins measures the disease as much
# as the person. Which point a study picks decides what it finds.

# %% [markdown]
# ## Blood drawn after diagnosis
#
# Most studies that compare people with and without MS take blood after the diagnosis. We
# look at two of them.
#
# ### A survey of people living with MS: the sign flips with supplements
#
# A cross-sectional survey samples adults, asks whether they have been diagnosed with MS
# and takes one blood sample (the `cross-sectional` design, crude logistic regression).
# Most people with MS in the survey were diagnosed years ago. We run it in the null world
# (vitamin D does nothing; truth: odds ratio 1) and in the causal world (truth 0.8 per
# +25 nmol/L), on the same people, for a range of shares of patients who start
# supplements after diagnosis, from none to all (the survey figure is 0.82).

# %%
survey = rc.design_sweep(worlds, "cross-sectional", seed,
                         values={"supplement_share": supplement_shares},
                         options={"survey_size": survey_size})
survey = survey.assign(odds_ratio=np.exp(survey["estimate"]),
                       ci_low_or=np.exp(survey["ci_low"]), ci_high_or=np.exp(survey["ci_high"]),
                       truth=np.exp(survey["estimand_value"]))
survey[["world", "supplement_share", "odds_ratio", "ci_low_or", "ci_high_or", "truth",
        "n_cases"]].round(3)

# %%
def survey_or(world, share):
    """Odds ratio per +25 nmol/L of the survey at one supplement share."""
    row = survey[(survey["world"] == world) & np.isclose(survey["supplement_share"], share)]
    return float(row["odds_ratio"].iloc[0])


low, high = min(supplement_shares), null.reverse_causation.supplement_share
truth_causal = float(survey.loc[survey["world"] == "causal", "truth"].iloc[0])
teaching.headline(
    rc.sweep_plot(survey, "supplement_share",
                  "share of people with MS who start vitamin D after diagnosis (proportion)",
                  "odds ratio of prevalent MS per +25 nmol/L\n(log scale)"),
    f"A survey of people living with MS gave an odds ratio per +25 nmol/L of "
    f"{survey_or('null', low):.2f} if no patient took supplements and "
    f"{survey_or('null', high):.2f} if {high:.0%} did, where vitamin D does nothing "
    f"(truth 1.00); in the causal world (truth {truth_causal:.2f}) "
    f"{survey_or('causal', low):.2f} and {survey_or('causal', high):.2f}.")

# %% [markdown]
# Without supplements the patients' blood is low (less time outdoors), and vitamin D looks
# protective. With supplements their blood is far *higher* than other people's, and
# vitamin D looks harmful. Neither says anything about whether vitamin D causes MS: the
# null and the causal world give almost the same curve, and neither curve touches its
# truth except by accident where it crosses it.

# %% [markdown]
# ### A hospital case-control study: blood at diagnosis or years later
#
# A hospital study recruits people diagnosed with MS in the last few years and
# population controls of the same sex and age band, and takes one blood sample from each
# (the `hospital-case-control` design, logistic regression adjusted for age band and sex).
# The option `recruit_within_years` sets the longest delay between a case's diagnosis and
# the blood draw: 0.1 means at the diagnosis visit; larger values mean that some cases
# are bled years later.

# %%
hospital = rc.design_sweep(worlds, "hospital-case-control", seed,
                           option={"recruit_within_years": recruitment_delays},
                           options={"case_years": case_years})
hospital = hospital.assign(odds_ratio=np.exp(hospital["estimate"]))
teaching.show(rc.sweep_plot(hospital, "recruit_within_years",
                            "longest delay from diagnosis to the blood draw (years)",
                            "odds ratio of MS per +25 nmol/L\n(log scale)"))
hospital[["world", "recruit_within_years", "odds_ratio", "n_cases"]].round(3)

# %%
first, last = min(recruitment_delays), max(recruitment_delays)
at = hospital.set_index(["world", "recruit_within_years"])["odds_ratio"]
print(f"Null world: odds ratio {at['null', first]:.2f} when cases are bled within {first:g} "
      f"years of diagnosis, {at['null', last]:.2f} when within {last:g} years (truth 1).")

# %% [markdown]
# Cases bled at diagnosis have already lost sun-derived 25(OH)D (after onset), but few have
# started supplements: vitamin D looks protective. Recruit the same cases a few years later
# and most are taking vitamin D: the odds ratio crosses 1 and keeps rising. The same
# patients, the same controls, the same world: only the date of the blood test changed.

# %% [markdown]
# ## The same world in 1995 and 2015: the era flip as history
#
# Above, we turned the share of patients on supplements with a dial. History turned the
# same dial. High-dose vitamin D became common only during the 2000s: in US adults, use of
# vitamin D products other than multivitamins roughly quadrupled between 1999-2000 and
# 2011-12 (Kantor et al., JAMA 2016). In the simulated world, a person with MS starts
# vitamin D after diagnosis, but not before that era has reached them: each person has a
# year in which they would take up high-dose vitamin D anyway, and patients start
# `calendar.patient_era_lag_years` later (the case for vitamin D in MS reached clinics
# after the general trend).
#
# We survey the null world (vitamin D does nothing to MS) five times, in 1995, 2000,
# 2005, 2010 and 2015, always with the same seed, so that only the calendar differs
# between the surveys. Each survey compares the measured 25(OH)D of adults living with
# diagnosed MS with controls weighted to the cases' sex and 10-year age bands.
#
# **Predict before you run.** In which decade will people with MS look short of vitamin D,
# and in which better supplied than the controls? Roughly when does the sign change? What
# would you conclude from a case-control study of the early 2000s, and what from a
# register survey of 2019?

# %%
history = eh.era_table(null, survey_years, population, seed)
history.round(3)

# %%
published = published_figures()
teaching.show(eh.era_plot(history, published)[0].figure)
pooled, uk = published.loc[eh.POOLED_ID], published.loc[eh.UK_ID]
early, late = history.iloc[0], history.iloc[-1]
print(f"Null world: cases minus controls {early['cases_minus_controls_nmol']:+.1f} nmol/L in "
      f"{early['survey_year']:.0f} ({early['patients_on_vitamin_d_share']:.0%} of patients on "
      f"vitamin D), {late['cases_minus_controls_nmol']:+.1f} nmol/L in "
      f"{late['survey_year']:.0f} ({late['patients_on_vitamin_d_share']:.0%}); the sign "
      f"changes around {eh.flip_year(history):.0f}.")
print(f"Published: {float(pooled['value']):+.1f} nmol/L (95% CI {pooled['ci_low']:+.1f} to "
      f"{pooled['ci_high']:+.1f}; {pooled['citation'].split(';')[0]}), "
      f"{float(uk['value']):+.0f} nmol/L (medians; {uk['citation'].split(';')[0]}).")

# %% [markdown]
# Vitamin D has no effect on MS in this world, in any year. What changed between the
# surveys is what patients did after their diagnosis. In 1995 almost none of them took
# vitamin D, so their blood showed only what MS had taken from them (less sun in the
# prodrome and after onset): cases below controls, the picture of the case-control
# studies of the 1990s and 2000s that the meta-analysis pooled. As the high-dose era
# reached the patients, those diagnosed long ago as well as the newly diagnosed, more and
# more of them started supplements (bottom panel), and the difference rose through zero
# and kept rising, to the picture of the UK register survey of 2019.
#
# A reader of a case-control study from the early 2000s would conclude that people with
# MS lack vitamin D, and might suspect a cause; a reader of the 2019 survey that they are
# well supplied. Each study described its blood tests correctly, and neither tells us
# anything about the cause of MS: the sign of the association was set by a clinical habit
# and the year it arrived.
#
# The published points are for orientation, not a fit: the world was never tuned to them
# (they are validation figures), the UK figure is a difference of medians in one country,
# and the meta-analysis pooled studies bled over two decades, many of them recruiting
# patients soon after diagnosis (the hospital study above), so it sits nearer the world's
# 1995-2000 surveys than its 2005 one.

# %% [markdown]
# ## Blood drawn before diagnosis: the prodrome in a prospective cohort
#
# Prospective studies draw blood *before* diagnosis to escape reverse causation (Munger
# et al., JAMA 2006). But MS begins before its first symptoms. In the `cohort` design
# (adults aged 20-49 bled once, followed for 15 years; Poisson regression adjusted for age,
# sex, latitude, obesity and smoking, see notebook 02), many future cases give blood
# during their prodrome. We re-measure the same cohort with different prodrome strengths:

# %%
cohorts = {name: cf.run_cohort(build_world(people.attrs["scenario"]), people, seed)
           for name, people in worlds.items()}
prodrome = rc.cohort_prodrome_sweep(cohorts, prodrome_losses)
prodrome = prodrome.assign(rate_ratio=np.exp(prodrome["estimate"]))
teaching.show(rc.sweep_plot(prodrome, "prodrome_sun_loss",
                            "share of sun-derived 25(OH)D lost in the prodrome (proportion)",
                            "adjusted rate ratio of MS per +25 nmol/L\n(log scale)"))
prodrome[["world", "prodrome_sun_loss", "rate_ratio", "n_cases"]].round(3)

# %% [markdown]
# The stronger the prodrome, the more protective vitamin D looks, although blood was drawn
# before any diagnosis. The cases are the same at every point; only their baseline blood
# changes. The line's slope is the prodrome's bias; its level at 0 also carries chance
# (a few hundred cases) and what is left of confounding and post-onset loss (some cases
# had symptoms but no diagnosis yet at baseline).

# %% [markdown]
# ## What happened and why
#
# * MS changes the exposure that studies measure. Before the first symptoms and after
#   onset, people with MS make less vitamin D in their skin; after diagnosis most take
#   supplements. A blood test after the disease has begun reflects the disease.
# * The direction of the bias depends on **when** blood is drawn: near diagnosis, levels
#   are low (vitamin D looks protective); years after diagnosis, supplements make them
#   high (vitamin D looks harmful). A survey of prevalent MS mixes both, weighted by how
#   many patients take supplements, so its answer can have either sign.
# * The same survey gives opposite answers in different decades: patients took up vitamin
#   D only once the high-dose era reached them, so prevalent cases looked deficient in the
#   1990s and well supplied in the 2010s, with no causal effect at all (Exercise 4).
# * Even blood drawn before diagnosis is not safe: the prodrome lowers it years ahead.
#   Excluding cases diagnosed soon after the blood draw (a lag) reduces the bias, at the
#   cost of cases (Exercise 2).
# * In the null and the causal world the studies give nearly the same answers. The true
#   effect of vitamin D is a small signal next to what the disease does to the blood test.

# %% [markdown]
# ## Try it: supplements after diagnosis and the prodrome
#
# The sliders change how many patients start vitamin D after diagnosis and how much
# sun-derived 25(OH)D is lost in the prodrome, in the null world (truth: ratio 1). The
# same people are re-measured with each setting. Left: the average 25(OH)D of people with
# MS around onset. Right: the survey of people living with MS, and the cohort that drew
# blood before diagnosis. Which slider moves which study?

# %%
panel = rc.ReversePanel(worlds["null"], seed)
survey_k = len(panel.survey_rows) // 1000
widgets.panel(panel.draw, {
    "supplement_share": widgets.Slider(0.0, 1.0, 0.02, null.reverse_causation.supplement_share,
                                       "share starting vitamin D after diagnosis"),
    "prodrome_sun_loss": widgets.Slider(0.0, 0.6, 0.05, null.reverse_causation.prodrome_sun_loss,
                                        "share of sun-derived 25(OH)D lost in the prodrome"),
    "survey_thousands": widgets.Slider(10, survey_k, 10, survey_k,
                                       "survey size (thousands of adults)", integer=True),
}, title="Reverse causation in the null world (truth: ratio 1)")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1
# Cases recruited at diagnosis have not yet started supplements, yet the hospital study
# found vitamin D "protective" in the null world. Switch off the loss of sun-derived
# 25(OH)D after onset (`onset_sun_loss`, `heat_sun_loss` and
# `disability_sun_loss_per_edss` set to 0) and rerun the
# hospital study with blood drawn at diagnosis. How much of the association was disability
# and heat sensitivity, and what is left?

# %% tags=["solution"]
no_disability = {"onset_sun_loss": 0.0, "heat_sun_loss": 0.0,
                 "disability_sun_loss_per_edss": 0.0}
for label, values in {"as the world is": {}, "no loss after onset": no_disability}.items():
    changed_world, people = rc.with_values(worlds["null"], values)
    study = rc.run_design(people, "hospital-case-control", seed,
                          {"case_years": case_years, "recruit_within_years": 0.1}, changed_world)
    for estimator in ("logit", "logit-latitude"):
        found = get_design("hospital-case-control").estimator(estimator)(study)
        print(f"{label:20s} {estimator:15s} odds ratio {found.ratio:.2f} "
              f"(95% CI {found.ratio_ci[0]:.2f}-{found.ratio_ci[1]:.2f}), truth 1")

# %% [markdown] tags=["solution"]
# Without the loss after onset, the cases' blood at diagnosis reflects their life before
# MS (the prodrome has ended at onset), and the odds ratio moves up, towards or past 1.
# What remains is confounding and chance: the `logit` estimator adjusts only for the
# matching factors (age band, sex), so latitude, the strongest confounder (notebook 02),
# is left in; `logit-latitude` also adjusts for it. With a few hundred cases the
# confidence intervals are wide: compare the shift with them.

# %% [markdown]
# ### Exercise 2
# A common defence of prospective studies is to exclude cases diagnosed within the first
# years after the blood draw. In the cohorts above, exclude cases diagnosed within 0, 2, 5
# and 10 years and refit the adjusted model (`rc.lag_table` does it, and refits the same
# data re-measured without the prodrome for comparison). What happens to the estimate, to
# the prodrome's bias, and to the number of cases?

# %% tags=["solution"]
lags = rc.lag_table(cohorts, [0.0, 2.0, 5.0, 10.0])
lags.assign(prodrome_bias=np.log(lags["as_measured"] / lags["without_prodrome"])).round(3)

# %% [markdown] tags=["solution"]
# The prodrome lasts 5 to 10 years before onset and diagnosis comes about 2 years after
# onset, so cases diagnosed within about 12 years of the draw may have given blood during
# their prodrome. The gap between the estimate as measured and without the prodrome (the
# `prodrome_bias`, on the log scale) shrinks as the lag grows; a 2-year lag removes
# little of it. But every year of lag throws cases away: the confidence interval widens,
# and chance (the difference between `without_prodrome` and the truth) takes over.

# %% [markdown]
# ### Exercise 3
# How quickly patients start supplements matters for a study that recruits within two
# years of diagnosis. Compare a world where patients start about 3 months after diagnosis
# (`uptake_mean_years = 0.25`) with one where they take 5 years on average.

# %% tags=["solution"]
for uptake in (0.25, null.reverse_causation.uptake_mean_years, 5.0):
    changed_world, people = rc.with_values(worlds["null"], {"uptake_mean_years": uptake})
    study = rc.run_design(people, "hospital-case-control", seed,
                          {"case_years": case_years, "recruit_within_years": 2.0}, changed_world)
    found = get_design("hospital-case-control").estimator("logit")(study)
    print(f"mean uptake {uptake:4.2f} years: odds ratio {found.ratio:.2f} (truth 1)")

# %% [markdown] tags=["solution"]
# The faster patients start vitamin D, the more of the cases are already supplemented
# when bled, and the higher the odds ratio: a hospital study's answer depends on clinical
# habits that have nothing to do with the cause of MS, and they change over time (a study
# from the 2000s and one from the 2020s can disagree for this reason alone).

# %% [markdown]
# ### Exercise 4
# In the era history, patients start vitamin D `calendar.patient_era_lag_years` years
# after the year they would have taken it up anyway (3 years in this world). Predict what
# happens to the year in which cases overtake controls if patients follow the general
# trend without delay (`calendar.patient_era_lag_years = 0`), and if no patient starts
# supplements after diagnosis (`reverse_causation.supplement_share = 0`). Then check with
# `eh.era_table` and `eh.flip_year`.

# %% tags=["solution"]
changes = {"as the world is": {},
           "no lag (patient_era_lag_years = 0)": {"calendar.patient_era_lag_years": 0.0},
           "no supplements after diagnosis": {"reverse_causation.supplement_share": 0.0}}
for label, values in changes.items():
    table = eh.era_table(null.with_values(values), survey_years, population, seed) \
        if values else history
    flip = eh.flip_year(table)
    differences = ", ".join(f"{d:+.0f}" for d in table["cases_minus_controls_nmol"])
    print(f"{label:36s} sign flips {'never' if np.isnan(flip) else f'about {flip:.0f}':>10s}; "
          f"cases minus controls (nmol/L): {differences}")

# %% [markdown] tags=["solution"]
# Without the lag, patients take up vitamin D with the general trend, and the flip comes a
# few years earlier (the survey years are 5 years apart, so read the flip year as
# approximate). Without supplements after diagnosis there is no flip at all: cases stay
# below controls in every year, by about the same amount, because what MS takes away
# (less sun in the prodrome and after onset) does not depend on the calendar. The flip
# year is a fact about clinical practice, not about vitamin D and MS.
