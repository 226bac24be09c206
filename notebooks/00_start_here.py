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
# # Start here: does vitamin D prevent or reverse MS?
#
# Popular articles say it does. They point to three observations: people with multiple
# sclerosis (MS) have low vitamin D, MS is commoner far from the equator, and patients who
# take supplements relapse less. Each observation is real. The question of this suite is
# whether those observations **show** that vitamin D prevents MS, and what kind of study
# could show it.
#
# We answer by experiment. We build synthetic worlds whose truth we know, run in them the
# studies epidemiologists run, and set every estimate beside the truth.
#
# This notebook is the map: the claims, the simulated world, the four worlds we compare,
# the headline result of the whole suite, and how to use the other eleven notebooks.

# %% tags=["parameters"]
from simlib import teaching

seed = 1  # seed of every simulation: the same seed gives the same people
population = teaching.size(1_000_000, 200_000)  # people in the tour sample (all ages)
cohort_population = teaching.size(1_000_000, 200_000)  # people simulated per world for the cohort
truth_population = teaching.size(400_000, 100_000)  # people on whom the true effects are computed
panel_latitude = 57.0  # degrees from the equator: the region the slider panel shows first
panel_sample_size = 200  # adults in the slider panel's survey sample

# %%
from simlib import build_world, cli, load_scenario, plots, widgets
from simlib.experiments import tour

# %% [markdown]
# ## The claims we examine
#
# Two articles are the starting point. The first, a patient-information page on MS and
# vitamin D (`ms-and-vitamin-d`), says that vitamin D supports the immune system, lowers
# relapses, may prevent MS, that lack of sunshine explains where MS is common, and that
# patients need doses far above the usual 1,000 IU/day (about 14,000 IU/day, and up to
# 40,000 IU/day for a while). The second, on vitamin D and autoimmune disease
# (`vitamin-d-autoimmune`), is more careful: immune cells carry vitamin D receptors,
# patients have lower levels, some trials look promising, but vitamin D is no cure and
# high doses can be toxic.
#
# The table paraphrases every distinct claim, the observation it rests on, the ways that
# observation can arise **without** vitamin D causing anything, and where the suite shows
# it (notebook and section).

# %%
claims = teaching.claims_table()
claims.style.hide(axis="index").set_properties(**{"text-align": "left",
                                                 "white-space": "normal"})

# %% [markdown]
# ## What the suite is for
#
# Each observation above is an *association*. An association can come from a cause, but
# also from:
#
# * **confounding**: something else (latitude, ancestry, sun, obesity, smoking, health
#   consciousness) changes both vitamin D and MS risk;
# * **reverse causation**: MS, and the years of vague symptoms before it, keep people
#   indoors and lower their vitamin D; after diagnosis most patients start supplements;
# * **measurement**: one blood draw reflects the season, the assay and the laboratory as
#   much as a person's long-term level;
# * **selection** and **the ecological fallacy**: who is studied, and at what level
#   (people or regions).
#
# Real data cannot separate these, because we never know the truth. A simulated world can:
# we write the causal effect into it, then check whether a study finds it.

# %% [markdown]
# ## The simulated world
#
# The world is a causal model (a DAG): each box is a quantity simulated for every person,
# each arrow a cause. Region and latitude set ambient UVB and ancestry; ancestry sets
# HLA-DRB1\*15:01 and skin colour; health consciousness drives supplements, smoking and
# BMI; all of them feed long-term 25(OH)D (`vitd_mean_nmol`, nmol/L) and MS risk
# (`ms_log_hazard_ratio`). MS onset leads to a diagnosis, and the blood level measured in a
# survey (`vitd_survey_nmol`) depends on onset, diagnosis and post-diagnosis supplements.
# Whether an arrow runs from `vitd_mean_nmol` into MS risk, and how strong it is, is
# exactly what the scenarios change.

# %%
world = build_world(load_scenario("null"))
dag = plots.dag_plot(world, nodes=plots.TEACHING_NODES, collapse=True,
                     highlight=("vitd_mean_nmol", "ms_onset_age"))
teaching.show(dag.figure)

# %% [markdown]
# ## A sample of the population
#
# We simulate a population of all ages across ten regions, from Queensland (22 degrees
# from the equator) to western Norway (60 degrees). Units: 25(OH)D in nmol/L
# (divide by 2.496 for ng/mL), prevalence per 100,000 people, incidence per 100,000
# person-years.

# %%
people = tour.sample_people("null", population, seed)
vitd_table = tour.vitd_by_region(people)
vitd_table.round(2)

# %% [markdown]
# The mean 25(OH)D of adults is about 54 nmol/L, as in the meta-regression of Hagenau et
# al. (2009). It falls with latitude, but not smoothly: the three US regions (Texas,
# Missouri, Ohio) are higher than southern Europe at the same latitude, because of milk
# fortification and supplement use.
#
# Now MS, counted as a register would count it: diagnosed people alive today
# (prevalence) and diagnoses in the last 10 years (incidence).

# %%
ms_table = tour.ms_by_region(people)
ms_table.round(1)

# %%
teaching.show(tour.tour_figure(people))

# %% [markdown]
# MS is about ten times commoner in Scotland and western Norway than in Queensland and
# Texas, and the registers' incidence at high latitude (8.5-9 per 100,000 person-years in
# Scotland, Wales and Hordaland) is matched. This is the latitude gradient the articles
# cite. Notebook 01 asks whether vitamin D explains it.

# %% [markdown]
# ## Four worlds: null, causal, threshold and no_bias
#
# The suite ships four scenarios. They share the same people, regions and behaviour;
# they differ in a few parameters:
#
# * **null**: vitamin D has *no* effect on MS; realistic confounding, reverse causation
#   and measurement error.
# * **causal**: +25 nmol/L of long-term 25(OH)D lowers the MS hazard by 20% (HR 0.8),
#   consistent with Mendelian-randomization estimates (Jacobs et al. 2020); the same biases.
# * **threshold**: vitamin D matters only below 50 nmol/L (why a trial in people who
#   already have enough can be null).
# * **no_bias**: the causal effect without confounding, reverse causation or measurement
#   error: the teaching baseline, where observational studies should find the truth.
#
# The table lists every parameter that differs (the MS baseline and the unexplained
# latitude factor are refitted in each world so that all four match the published
# incidence).

# %%
tour.scenario_differences(tour.WORLD_ORDER)

# %% [markdown]
# ## The truth beside an observational estimate
#
# Because we built the worlds, we can compute their true effects: we intervene on the
# same simulated people (raise everyone's long-term 25(OH)D by 25 nmol/L, or give
# everyone 2,000 IU/day from childhood) and compare MS onset by age 50 with and without
# the intervention (`simlib.truth.true_effects`).

# %%
truths = tour.truth_table(tour.WORLD_ORDER, truth_population, seed)
truths.round(3)

# %% [markdown]
# Now the study a careful epidemiologist might run: a prospective cohort of a million
# adults aged 20-50 with one blood draw at baseline, followed for 15 years, analysed with
# a crude Poisson model of MS diagnoses per +25 nmol/L (the design of the prospective
# cohorts of Munger et al. 2004, with a blood level instead of a diet questionnaire). We
# run it in the null and the causal world, on the same people.

# %%
crude = tour.crude_estimates(("null", "causal"), "cohort", cohort_population, seed)
crude[["world", "ratio", "truth_ratio", "n_cases"]].round(3)

# %%
null_row = crude.set_index("world").loc["null"]
causal_row = crude.set_index("world").loc["causal"]
teaching.headline(
    tour.truth_vs_estimate_figure(crude),
    f"Crude cohort HR per +25 nmol/L: {null_row['ratio']:.2f} in the null world (truth "
    f"{null_row['truth_ratio']:.2f}) and {causal_row['ratio']:.2f} in the causal world "
    f"(truth {causal_row['truth_ratio']:.2f}): each estimate is "
    f"{100 * (1 - null_row['ratio'] / null_row['truth_ratio']):.0f}% and "
    f"{100 * (1 - causal_row['ratio'] / causal_row['truth_ratio']):.0f}% below its truth, "
    "so a world without any effect looks protective.")

# %% [markdown]
# ## What happened and why
#
# In the null world vitamin D does nothing, yet the cohort finds a hazard ratio well
# below 1: a protective-looking answer about as strong as the *true* effect of the causal
# world. In the causal world the same study exaggerates a real effect by about the same
# factor. The bias is the same in both worlds because its causes are the same: people
# with high 25(OH)D spend more time in the sun (which may protect without vitamin D),
# live further south, are leaner and smoke less; and the baseline blood of people already
# in the prodrome of MS is lower.
#
# This is the recurring headline of the suite: **observational designs give nearly the
# same answers whether or not vitamin D works**, so their answers cannot tell us which
# world we live in. The notebooks take the biases apart one at a time, then show the
# designs that can tell the worlds apart when their assumptions hold (Mendelian
# randomization, notebook 06; randomized trials, notebook 07).

# %% [markdown]
# ## Explore: vitamin D by latitude
#
# Move the latitude slider to pick a region and the sample-size slider to change the
# survey. The histogram is one survey sample; the black outline is every simulated adult
# in the region and the red line their true mean. Small surveys miss the true mean by
# several nmol/L, and regional means are what ecological studies compare (notebook 01).

# %%
widgets.panel(
    lambda latitude, sample_size: tour.draw_vitd_panel(people, latitude, sample_size, seed),
    {"latitude": widgets.Slider(20, 62, 0.5, panel_latitude, "latitude (degrees)"),
     "sample_size": widgets.Slider(20, 5000, 20, panel_sample_size, "adults surveyed",
                                   integer=True)},
    title="25(OH)D of adults in one region (one blood draw, nmol/L)")

# %% [markdown]
# ## How to use the suite
#
# * **Parameters.** The first code cell of every notebook holds its knobs (seed, sizes,
#   strengths), each with its unit. Edit it and rerun the notebook (*Run > Run All
#   Cells*). Sizes go through `teaching.size(default, quick)`: the tests set
#   `VITD_SIM_QUICK=1` for small, fast runs; you get the full size.
# * **Sliders.** Each notebook has a panel of sliders that redraws a figure from one
#   simulation made before the panel, in about a second.
# * **Command line.** `python -m simlib` runs the same simulations from a terminal:
#   `scenarios`, `show null` (every parameter with unit, range and source), `population`,
#   `designs` (every study design, its options and estimators), `study` (a Monte Carlo
#   study of a design: bias, SE, coverage, power) and `sweep`. Change any parameter with
#   `--set ms.vitd_hr_per_25nmol=0.7`.
# * **Report.** `make report` executes every notebook and writes
#   `build/report/index.html`: each notebook's headline figure and finding, with links to
#   the full pages (the sliders are drawn as static figures there).
# * **Student copy.** `python -m simlib student-copy build/student` writes the notebooks
#   without the cells tagged `solution`, ready to hand out. `make lab` opens JupyterLab.
#
# The same command-line interface can be called from Python:

# %%
exit_status = cli.main(["scenarios"])  # like: python -m simlib scenarios

# %% [markdown]
# ## Map of the notebooks
#
# | notebook | question |
# |---|---|
# | 01 latitude and the ecological fallacy | Does the latitude gradient of MS show a vitamin D effect? |
# | 02 confounding | Sun, ancestry, obesity, smoking: what adjustment can and cannot fix |
# | 03 reverse causation | What the prodrome, disability and post-diagnosis supplements do to "low levels in patients" |
# | 04 measuring vitamin D | Season, assay, laboratory and a single blood draw |
# | 05 biobanks and the nested case-control | Pre-diagnostic serum (Munger et al. 2006): is it free of reverse causation? |
# | 06 Mendelian randomization | Genes as instruments, and pleiotropy and population stratification |
# | 07 randomized trials | Prevention trials in the general population and trials in early MS |
# | 08 relapses and supplement users | Why supplement users relapse less |
# | 09 dose and safety | The dose-response of 25(OH)D and the high-dose protocols |
# | 10 how much bias would explain it | Sensitivity analysis: how strong must a confounder be? |
# | 11 mystery world | Design studies to find out whether vitamin D is causal in a hidden world |
#
# A 90-minute class fits one or two notebooks: 01 with 02, 03 with 05, 06 with 07,
# 08 with 09, then 11 as a closing exercise.

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: Where is vitamin D low, and where is MS common?
#
# Using `vitd_table` and `ms_table`, compare southern Europe with western Norway: the
# share of adults below 50 nmol/L and the MS prevalence. If low vitamin D were the main
# cause of the latitude gradient, what would you expect? What do you see?

# %% tags=["solution"]
compare = vitd_table[["share_below_50"]].join(ms_table[["prevalence_per_100k"]])
compare.loc[["Southern Europe", "Western Norway", "Queensland"]].round(2)

# %% [markdown] tags=["solution"]
# Southern Europe has fewer adults below 50 nmol/L than western Norway (about 40% against
# 55%: more sun, though little fortification and no cod-liver oil), but about a quarter of
# its MS prevalence: the MS contrast is far larger than the vitamin D contrast, and
# Queensland, with almost no one below 50, still has MS. Something other than vitamin D
# drives most of the gradient
# (notebook 01 names the candidates: ancestry and HLA, the timing of EBV infection, sun
# acting without vitamin D, and unexplained latitude factors).

# %% [markdown]
# ### Exercise 2: The same cohort in the no_bias and threshold worlds
#
# Run the crude cohort of the headline in the `no_bias` and `threshold` worlds. Where is
# the estimate close to its truth, and why?

# %% tags=["solution"]
other_worlds = tour.crude_estimates(("no_bias", "threshold"), "cohort", cohort_population, seed)
teaching.show(tour.truth_vs_estimate_figure(other_worlds))
other_worlds[["world", "ratio", "truth_ratio", "n_cases"]].round(3)

# %% [markdown] tags=["solution"]
# In `no_bias` the 95% confidence interval covers the truth (HR 0.80): with no
# confounding, no reverse causation and exact measurement, the cohort answers the causal
# question, up to chance (the interval is wide: MS is rare, a few hundred cases). In
# `threshold` the estimate is again far below its truth: the biases are back. The study
# did not change; the world did.
