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
# # Mendelian randomization: do genes for low vitamin D lead to MS?
#
# ## The question and the claim
#
# The article *MS and vitamin D* (in `shared/seeds/`) links the two closely: people with
# MS lack vitamin D, so, it suggests, supplements might stop MS from starting at all.
# The article *Can vitamin D reverse autoimmune disease?* is more careful. It notes that
# people with autoimmune disease often have low vitamin D. It asks whether low vitamin D is
# a cause of the disease or only a consequence of it.
#
# Observational studies cannot settle this. Sun, latitude and behaviour change both
# 25(OH)D and MS risk (confounding). MS itself changes 25(OH)D (reverse causation).
# **Mendelian randomization (MR)** uses a natural experiment instead. Some people inherit
# alleles at GC, CYP2R1, DHCR7 and CYP24A1 that raise their 25(OH)D for life. Alleles are
# handed out at random at conception. Do people with more such alleles get less MS?
#
# Mokry et al. (2015) did this with four SNPs and about 14,500 cases. They found an OR of
# 2.0 (1.7-2.5) for MS per 1 SD of genetically *lower* log 25(OH)D. Jacobs et al. (2020)
# found an OR of 0.57 (0.41-0.81) per unit *higher* ln 25(OH)D. In this notebook we run MR
# in worlds whose truth we know, and see when it works and when it fails.

# %% tags=["parameters"]
from simlib import teaching

seed = 2024  # seed of every simulation in this notebook
population = teaching.size(1_500_000, 200_000)  # people simulated per one-sample MR study
reps = teaching.size(4, 2)  # replicate MR studies per world
two_sample_population = teaching.size(1_000_000, 200_000)  # people per two-sample MR study
grid_population = teaching.size(500_000, 100_000)  # people per study in the violation grid
pleiotropy_grid = [0.95, 1.0, 1.05]  # direct HR of MS per raising allele (1 = no pleiotropy)
stratification_grid = [0.0, 0.1, 0.2, 0.3]  # allele-frequency shift, ancestry 1 vs 0
population_sizes = [25_000, 100_000, 400_000, 1_600_000]  # adults per population MR study
bmi_population = teaching.size(500_000, 150_000)  # people simulated for the BMI example
weak_sizes = [50, 100, 200, 400, 800, 1600, 3200]  # people per small one-sample MR study
weak_people = teaching.size(600_000, 60_000)  # people drawn per study size (studies = this / size)

# %%
import numpy as np
import pandas as pd

from simlib import build_world, load_scenario, plots, widgets
from simlib.diagnosis import diagnose
from simlib.experiments import mendelian as mr
from simlib.experiments import mendelian_figures as mr_figures
from simlib.montecarlo import replicate

worlds = {name: load_scenario(name) for name in ("null", "causal")}

# %% [markdown]
# ## Genes as a natural experiment: the instrumental-variable DAG
#
# MR treats the genes as an **instrument**: a variable that changes the exposure but is
# otherwise unrelated to the outcome. Three assumptions must hold.
#
# 1. **Relevance**: the genes change 25(OH)D.
# 2. **Independence**: nothing that causes MS also decides which alleles a person carries.
#    This fails with **population stratification**: if raising alleles are commoner in
#    northern-European ancestry, and that ancestry also carries more MS risk (HLA-DRB1*15:01,
#    high latitude), the genes and MS are linked through ancestry.
# 3. **Exclusion restriction**: the genes affect MS *only* through 25(OH)D. This fails with
#    **pleiotropy**: a gene that also acts on the immune system by another route.
#
# If all three hold, confounding and reverse causation cannot touch the comparison, because
# nothing in adult life changes the genes a person was born with.

# %%
teaching.show(mr_figures.iv_dag_figure())

# %% [markdown]
# The simulated world has the same structure. Below is the part of its causal graph that
# matters here. Ancestry sets the allele counts at the four SNPs and, through HLA-DRB1*15:01
# and latitude, the MS hazard: that is the stratification path. The count of raising
# alleles also has its own arrow into the MS hazard: that is the pleiotropy path. Its HR is
# 1 by default, so the arrow carries no effect unless we switch it on.

# %%
world_graph = plots.dag_plot(build_world(worlds["causal"]), nodes=mr_figures.MR_NODES,
                             collapse=True,
                             highlight=("snp_gc", "snp_cyp2r1", "snp_dhcr7", "snp_cyp24a1",
                                        "vitd_mean_nmol", "ms_onset_age"))
teaching.show(world_graph.figure)

# %% [markdown]
# ## Simulating MR studies in a null and a causal world
#
# A one-sample MR study (`mr-one-sample`) surveys all adults of a simulated population.
# For each person it records MS (diagnosed by the survey day), one blood 25(OH)D value,
# the four SNPs and an ancestry principal component. We simulate the same study several
# times in two worlds:
#
# * **null**: vitamin D has no effect on MS;
# * **causal**: each +25 nmol/L of lifelong 25(OH)D lowers the MS hazard by 20% (HR 0.8).
#
# Each study is analysed three ways:
#
# * `wald-ratio`: MR with the allele score (effect on MS / effect on 25(OH)D), log OR per
#   +25 nmol/L;
# * `2sls`: MR by two-stage least squares on the four SNPs, a risk difference;
# * `observational-logit`: plain logistic regression of MS on measured 25(OH)D.
#
# All three adjust for the ancestry principal component, as real MR studies do.

# %%
options = {"population": population}
tables, first_study = {}, {}
for name, scenario in worlds.items():
    tables[name], first_study[name] = mr.replicate_estimators(
        scenario, "mr-one-sample", ["wald-ratio", "2sls", "observational-logit"], reps, seed,
        options)
one_sample = pd.concat(tables.values(), ignore_index=True)
causal_data = first_study["causal"].data
adults, cases = len(causal_data), int(causal_data["ms"].sum())
print(f"{reps} studies per world, each of {adults:,} adults with about {cases:,} MS cases")

# %% [markdown]
# ## Instrument strength: how much of 25(OH)D do the genes explain?
#
# Relevance can be checked in the data. We regress measured 25(OH)D on each SNP and on the
# allele score. Each allele is weighted by its published effect (Wang et al. 2010), so the
# score is in nmol/L. Genome-wide studies find that these four SNPs explain about 5% of the
# variance of 25(OH)D (Jiang et al. 2018; Revez et al. 2020). The usual warning sign for a
# weak instrument is a first-stage **F statistic below 10** (Staiger & Stock 1997).

# %%
strength = mr.instrument_strength(causal_data, worlds["causal"].genetics.effect_nmol)
strength.round(3)

# %% [markdown]
# The four genes explain only a small share of 25(OH)D. With more than a million adults,
# even that small share gives an enormous F. Adults in the top fifth of the score have
# 25(OH)D about 15 nmol/L higher than those in the bottom fifth. This is the natural
# experiment.
#
# The right panel checks independence. The score is *not* independent of ancestry: people
# with more raising alleles have more northern-European ancestry. This is the
# stratification built into the world. It is why MR studies adjust for ancestry principal
# components.

# %%
teaching.show(mr_figures.score_groups_figure(causal_data))

# %% [markdown]
# How does the causal world's truth compare with the published MR studies? Jacobs et al.
# (2020) report effects per unit of natural-log 25(OH)D. Near the geometric mean of
# 25(OH)D, one log unit spans about that many nmol/L.

# %%
wald_rows = tables["causal"][tables["causal"]["estimator"] == "wald-ratio"]
truth_causal = float(wald_rows["estimand_value"].mean())
geometric_mean = float(np.exp(np.log(causal_data["vitd_nmol"]).mean()))
per_ln_unit = mr.per_log_unit(truth_causal, geometric_mean)
print(f"causal world: true HR {np.exp(truth_causal):.2f} per +25 nmol/L; geometric mean "
      f"25(OH)D {geometric_mean:.0f} nmol/L -> HR {np.exp(per_ln_unit):.2f} per unit "
      f"ln 25(OH)D (Jacobs et al. 2020: OR 0.57, 0.41-0.81)")

# %% [markdown]
# ## Null and causal worlds: MR against the observational association
#
# Here is the central experiment. For each world and each estimator the forest plot shows
# the mean estimate over the replicate studies. The bar is ± 1.96 empirical SE: where 95%
# of single studies land. The red marks are the truth: OR 1 in the null world and OR 0.80
# per +25 nmol/L in the causal world.

# %%
diag = diagnose(one_sample, by=["scenario", "estimator"])
means = diag.set_index(["scenario", "estimator"])["mean_estimate"].apply(np.exp)
figure = mr_figures.world_comparison_figure(
    diag, f"One-sample MR vs observational: {reps} studies per world, {adults:,} adults each")
teaching.headline(
    figure,
    f"Over {reps} simulated MR studies of {adults:,} adults, the Wald ratio averaged OR "
    f"{means['null', 'wald-ratio']:.2f} per +25 nmol/L in the null world (truth 1) and "
    f"{means['causal', 'wald-ratio']:.2f} in the causal world (truth "
    f"{np.exp(truth_causal):.2f}); the observational logistic regression gave OR "
    f"{means['null', 'observational-logit']:.2f} and "
    f"{means['causal', 'observational-logit']:.2f}, the same in both worlds.")

# %% [markdown]
# The observational estimate is far from the truth in both worlds, and it is about the
# same in both. In this survey the people with MS have *higher* measured 25(OH)D, because
# many of them start supplements after diagnosis. The observational regression therefore
# cannot tell the worlds apart. The MR estimate moves with the truth. Its bars are wide:
# even a study of this size has a large sampling error. The diagnosis table gives the
# numbers, with Monte Carlo SEs.

# %%
diag[["scenario", "estimator", "estimand_value", "mean_estimate", "mcse_mean_estimate",
      "empirical_se", "coverage", "power"]].round(4)

# %% [markdown]
# 2SLS answers the same question on another scale: extra MS cases per 100,000 people per
# +25 nmol/L of 25(OH)D. MS is rare, so these differences are small. The null and causal
# worlds still differ in the right direction.

# %%
mr.risk_difference_table(diag).round(2)

# %% [markdown]
# **Two-sample MR** uses two different groups of people. One genetic study measures the
# SNPs' effects on 25(OH)D (here 100,000 adults with a blood draw). Another measures the
# SNPs' effects on MS (everyone else). The inverse-variance weighted (IVW) estimate
# combines the four SNPs, as Jacobs et al. (2020) did with summary statistics. One study
# per world:

# %%
two_sample = {name: replicate(scenario, "mr-two-sample", reps=1, seed=seed,
                              options={"population": two_sample_population}, progress=False)
              for name, scenario in worlds.items()}
teaching.show(mr_figures.two_sample_figure(two_sample, two_sample_population))

# %% [markdown]
# ## When the assumptions fail: pleiotropy and population stratification
#
# Now we break the assumptions on purpose. The null world is a good place to do it: the
# truth is "no effect", so any OR away from 1 is bias. We simulate the *same people* over
# a grid of two knobs:
#
# * `pleiotropy` (`genetics.pleiotropy_hr_per_allele`): each raising allele multiplies the
#   MS hazard directly by this HR, bypassing 25(OH)D;
# * `stratification` (`genetics.ancestry_shift`): how much commoner the raising alleles are
#   in northern than in southern ancestry.

# %%
grid = mr.violation_grid(worlds["null"], pleiotropy_grid, stratification_grid,
                         grid_population, seed)
grid_adults = len(next(iter(grid.values()))[0])
violations = mr.violations_table(grid, grid_adults)
default_shift = worlds["null"].genetics.ancestry_shift
teaching.show(mr_figures.violations_figure(violations, pleiotropy_at=1.0,
                                           stratification_at=default_shift))


# %%
def point(hr, shift, label):
    """The log OR of one estimator at one grid point of the violation table."""
    rows = violations[(violations["pleiotropy"] == hr)
                      & (violations["stratification"] == shift)]
    return float(rows.loc[rows["label"] == label, "estimate"].iloc[0])


protective = np.exp(point(min(pleiotropy_grid), default_shift,
                          "MR Wald ratio, ancestry-adjusted"))
crude_strat = np.exp(point(1.0, max(stratification_grid), "MR Wald ratio, not adjusted"))
adjusted_strat = np.exp(point(1.0, max(stratification_grid),
                              "MR Wald ratio, ancestry-adjusted"))
print(f"null world, {grid_adults:,} adults: pleiotropy HR {min(pleiotropy_grid)} per allele "
      f"-> MR OR {protective:.2f}; ancestry shift {max(stratification_grid)} -> MR OR "
      f"{crude_strat:.2f} unadjusted, {adjusted_strat:.2f} adjusted (truth 1)")

# %% [markdown]
# Every point in the figure comes from the *same* simulated people, so all points share
# the same chance error. At no violation the estimate already sits by chance a little
# away from OR 1; read the *change* along each line.
#
# **Pleiotropy** (left panel). A direct effect of only 5% per allele is enough to make MR
# "find" a protective effect of vitamin D in a world where there is none. The genes look as
# if they act through 25(OH)D, but they act around it. Adjusting for ancestry cannot help:
# no measured variable blocks a direct path. The defences are biological knowledge of the
# genes, and robust methods that compare SNPs (MR-Egger, weighted median). With only four
# SNPs these methods have little power.
#
# **Stratification** (right panel). Without ancestry adjustment, MR finds a *harmful*
# effect. Raising alleles are commoner in northern ancestry, which carries more MS for
# other reasons. Adjusting for the ancestry component removes most of this bias. That is
# why real MR studies adjust for genetic principal components and often restrict to one
# ancestry group (Mokry et al. 2015 used people of European descent).

# %% [markdown]
# ## Weak instruments: small studies
#
# The left panel below reanalyses the causal world's first study in random subsamples of
# adults. Even 25,000 adults give a first-stage F above 1,000, so the instrument is strong.
# But such a study has only a few dozen MS cases, and its CI is very wide. For a rare
# disease, the main cost of a small MR study is imprecision.
#
# Weak-instrument **bias** appears when the first-stage F falls to about 10 or less. Then
# chance imbalances of the SNPs move 25(OH)D and the outcome together. A one-sample
# estimate then drifts towards the confounded observational estimate, by roughly
# 1/(F + 1) of the way (Staiger & Stock 1997; Burgess & Thompson 2011). With MS this
# drift is far too small to see: the studies with a weak instrument have almost no cases.
# So we borrow a common, continuous outcome from the same world: **adolescent BMI**.
# BMI lowers 25(OH)D (Vimaleswaran et al. 2013), but 25(OH)D does not change BMI. The
# true effect of 25(OH)D on BMI is zero, while the observational slope is negative
# (reverse causation). The right panel runs many small one-sample MR studies (2SLS with
# the four SNPs, stratification switched off) at each size.

# %%
precision = mr.precision_by_size(causal_data, [*population_sizes, adults], seed)
bmi_pool = mr.bmi_adults(worlds["causal"], bmi_population, seed)
weak = mr.weak_instrument_experiment(bmi_pool, weak_sizes, weak_people, seed)
teaching.show(mr_figures.weak_instruments_figure(precision, weak, truth_causal))
smallest, largest = weak.iloc[0], weak.iloc[-1]
print(f"{smallest['people']:.0f} people: median F {smallest['median_f']:.1f}, mean 2SLS "
      f"{smallest['mean_2sls']:+.2f} kg/m2 (OLS {smallest['mean_ols']:+.2f}); "
      f"{largest['people']:.0f} people: median F {largest['median_f']:.0f}, mean 2SLS "
      f"{largest['mean_2sls']:+.2f} kg/m2 (whole pool {weak.attrs['pool_2sls']:+.2f}, "
      f"truth 0)")
weak.round(3)

# %% [markdown]
# In the smallest studies the median F is near 1, and the mean 2SLS estimate has moved a
# large part of the way from the truth (0) towards the observational slope. As the studies
# grow, F rises and the drift fades. The large studies settle on the 2SLS estimate of the
# whole pool of adults they are drawn from (dotted line), which differs from the truth
# only by that pool's own chance error. Two-sample MR behaves differently: there the same weak-instrument
# bias pulls towards the null, because the two samples do not share confounding.

# %% [markdown]
# ## What happened and why
#
# * In both worlds the observational regression of MS on measured 25(OH)D gives the same
#   strongly biased answer. Confounding and reverse causation (post-diagnosis supplements)
#   decide it, not the causal effect.
# * MR uses the genes people were born with. Nothing in adult life changes them, so the MR
#   estimate follows the truth: about OR 1 in the null world and about 0.8 per +25 nmol/L
#   in the causal world. Only the instrument assumptions stand between MR and the truth.
# * Each assumption can fail. Pleiotropy of a few percent per allele can create a
#   protective "effect" out of nothing. Population stratification creates a spurious
#   harmful one unless ancestry is adjusted for. Weak instruments (F < 10) pull a
#   one-sample estimate towards the observational one.
# * The four vitamin-D SNPs explain only about 5% of 25(OH)D. MR of MS therefore needs
#   very large numbers of cases: Mokry et al. had 14,498. Even a simulated population
#   of more than a million adults leaves a wide interval.

# %% [markdown]
# ## Try it yourself: pleiotropy, stratification and study size
#
# The sliders pick a world from the precomputed grid (null world: the truth is OR 1) and
# the number of adults analysed. Each redraw re-estimates MR with and without ancestry
# adjustment, plus the observational regression, on the chosen subsample. Try: pleiotropy
# 0.95 with shift 0; shift 0.3 with no pleiotropy; then shrink the study.

# %%
max_adults = int(grid_adults // 10_000 * 10_000)


def draw(pleiotropy, stratification, participants):
    """Re-estimate MR and the observational OR at one grid point and study size."""
    return mr_figures.widget_figure(grid, pleiotropy, stratification, participants,
                                    world="null")


widgets.panel(draw, {
    "pleiotropy": widgets.Slider(min(pleiotropy_grid), max(pleiotropy_grid), 0.05, 1.0,
                                 "pleiotropy (direct HR per allele)"),
    "stratification": widgets.Slider(min(stratification_grid), max(stratification_grid),
                                     0.1, default_shift, "ancestry shift (allele frequency)"),
    "participants": widgets.Slider(10_000, max_adults, 10_000, max_adults,
                                   "adults analysed (people)", integer=True),
}, title="Mendelian randomization in the null world")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: one gene at a time
#
# Estimate the MR effect in the causal world's first study with each SNP alone as the
# instrument (`simlib.instruments.mr_wald_ratio` with `instrument="snp_gc"` and so on,
# adjusting for `ancestry_pc`). Are the single-SNP estimates compatible with the truth?
# Which SNP gives the narrowest interval, and why?

# %% tags=["solution"]
from simlib import instruments as iv

single = pd.DataFrame([
    {"instrument": snp, **iv.mr_wald_ratio(causal_data, "ms", "vitd_nmol", snp,
                                           ["ancestry_pc"]).to_row()}
    for snp in ["snp_gc", "snp_cyp2r1", "snp_dhcr7", "snp_cyp24a1", "allele_score"]])
single["truth"] = first_study["causal"].estimand.value
single[["instrument", "estimate", "ci_low", "ci_high", "truth"]].round(3)

# %% [markdown] tags=["solution"]
# Every single-SNP interval covers the truth: each SNP is a valid instrument on its own in
# this world. GC has the largest effect on 25(OH)D (6.5 nmol/L per allele), so it has the
# largest F and the narrowest interval. The allele score pools all four SNPs and is
# narrower still. IVW does the same pooling with summary statistics.

# %% [markdown]
# ### Exercise 2: stratification in the causal world
#
# Run a one-sample MR study in the **causal** world with `stratification=0.3`, once with
# `adjust_ancestry=True` and once with `adjust_ancestry=False` (use
# `simlib.designs.run_study` and the `wald-ratio` estimator, `population=grid_population`).
# Would an unadjusted analysis conclude that vitamin D is protective, harmless or harmful?

# %% tags=["solution"]
from simlib.designs import get_design, run_study

wald = get_design("mr-one-sample").estimator("wald-ratio")
for adjust in (True, False):
    study = run_study(worlds["causal"], "mr-one-sample", seed, options={
        "population": grid_population, "stratification": 0.3, "adjust_ancestry": adjust})
    fit = wald(study)
    low, high = fit.ratio_ci
    print(f"adjust_ancestry={adjust}: OR {fit.ratio:.2f} ({low:.2f}-{high:.2f}) per +25 nmol/L; "
          f"truth {np.exp(study.estimand.value):.2f}")

# %% [markdown] tags=["solution"]
# Unadjusted, strong stratification turns a truly protective effect into an apparently
# harmful one. The bias is larger than the effect itself. Adjusting for the ancestry
# component brings the estimate back around the truth.

# %% [markdown]
# ### Exercise 3: how many people would MR need?
#
# The standard error of the Wald ratio shrinks like 1 / sqrt(number of adults). Using the
# causal world's studies, how many adults (and MS cases) would a one-sample MR study need
# for 80% power to detect the true HR of about 0.8 per +25 nmol/L at the 5% level?
# Compare with the 14,498 cases of Mokry et al. (2015).

# %% tags=["solution"]
se_now = float(wald_rows["se"].mean())
z_needed = 1.959964 + 0.841621  # two-sided 5% test, 80% power
scale_up = (se_now * z_needed / abs(truth_causal)) ** 2
print(f"SE now {se_now:.3f} with {adults:,} adults ({cases:,} cases); "
      f"needed: about {scale_up * adults:,.0f} adults, {scale_up * cases:,.0f} cases")

# %% [markdown] tags=["solution"]
# The study would need about 1.5 times as many adults as simulated here: close to
# 2 million adults, with some 3,700 MS cases, for a single population survey. MS is rare
# and the genes move 25(OH)D only a little, so even a modest causal effect needs
# thousands of cases. Published MR studies reach such numbers by pooling genetic
# case-control consortia, where cases are enriched (Mokry et al. 2015: 14,498 cases).
