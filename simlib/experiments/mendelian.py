"""Mendelian randomization: vitamin-D genes as a natural experiment (notebook 06).

People inherit 25(OH)D-raising alleles at GC, CYP2R1, DHCR7 and CYP24A1 at random at
conception, so comparing MS between people with more and fewer such alleles is like a
trial of lifelong higher 25(OH)D, *if* three assumptions hold: the genes move 25(OH)D
(relevance), nothing that causes MS also sets the genes (independence; broken by
population stratification), and the genes act on MS only through 25(OH)D (exclusion
restriction; broken by pleiotropy). This module runs the lesson's experiments on the
``mr-one-sample`` and ``mr-two-sample`` designs of :mod:`simlib.designs.mendelian` and
draws its figures.

Units: 25(OH)D in nmol/L; instrument effects in nmol/L per allele (the allele score is
in nmol/L: each allele weighted by its published effect); causal estimates as log odds
or hazard ratios per +25 nmol/L 25(OH)D.

References
----------
Mokry LE et al. Vitamin D and risk of multiple sclerosis: a Mendelian randomization
study. PLoS Med 2015;12:e1001866.
Jacobs BM et al. Summary-data-based Mendelian randomization of vitamin D and multiple
sclerosis. Neurol Neuroimmunol Neuroinflamm 2020;7:e662.
Wang TJ et al. Common genetic determinants of vitamin D insufficiency: a genome-wide
association study. Lancet 2010;376:180-8.
Revez JA et al. Genome-wide association study identifies 143 loci associated with
25 hydroxyvitamin D concentration. Nat Commun 2020;11:1647.
Lawlor DA et al. Mendelian randomization: using genes as instruments for making causal
inferences in epidemiology. Stat Med 2008;27:1133-63.
Staiger D, Stock JH. Instrumental variables regression with weak instruments.
Econometrica 1997;65:557-86 (first-stage F below 10).
Burgess S, Thompson SG. Bias in causal estimates from Mendelian randomization studies
with weak instruments. Stat Med 2011;30:1312-23.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit

from .. import instruments as iv
from .. import plots
from ..designs import get_design, run_study
from ..designs.mendelian import ADULT_AGE
from ..montecarlo import SCHEMA
from ..plots import TRUTH, forest_plot
from ..world import SNP_COLUMNS, build_world

PER_NMOL = 25.0  # estimates are per +25 nmol/L 25(OH)D
Z_95 = 1.959963984540054
SNP_NAMES = {"snp_gc": "GC", "snp_cyp2r1": "CYP2R1", "snp_dhcr7": "DHCR7",
             "snp_cyp24a1": "CYP24A1"}
WIDGET_COLUMNS = ("ms", "vitd_nmol", "allele_score", "ancestry_pc")
ESTIMATOR_LABELS = {"wald-ratio": "MR (Wald ratio)",
                    "observational-logit": "observational logistic"}
#: World nodes of the MR story: genes, ancestry, 25(OH)D and MS (``plots.dag_plot``).
MR_NODES = ("ancestry_north", *SNP_COLUMNS, "vitd_gene_score_nmol", "vitd_raising_alleles",
            "hla_drb1_1501", "latitude_deg", "uvb_dose", "vitd_mean_nmol",
            "ms_log_hazard_ratio", "ms_onset_age")
MAX_BATCH_ROWS = 400_000  # people per vectorized batch of small studies (memory)


# ------------------------------------------------------------------ the DAG
def _box(ax, xy, text, colour="#deebf7"):
    ax.text(*xy, text, ha="center", va="center", fontsize=9, zorder=3,
            bbox={"boxstyle": "round,pad=0.4", "fc": colour, "ec": "0.4"})


def _arrow(ax, start, end, colour="0.3", style="-", rad=0.0, shrink=(34, 30)):
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.4, "ls": style,
                            "shrinkA": shrink[0], "shrinkB": shrink[1], "mutation_scale": 14,
                            "connectionstyle": f"arc3,rad={rad}"})


def iv_dag_figure():
    """The instrumental-variable DAG of MR, with the three assumptions and their violations.

    Solid arrows are the paths MR relies on (genes -> 25(OH)D -> MS) and the confounding
    it sidesteps; dashed red arrows are the violations this notebook switches on:
    population stratification (ancestry -> genes and ancestry -> MS) and pleiotropy
    (genes -> MS directly).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(8.6, 4.4))
    genes, vitd, ms = (0.0, 0.0), (1.6, 0.0), (3.2, 0.0)
    confounders, ancestry = (2.4, 1.15), (0.0, 1.15)
    _box(ax, genes, "vitamin-D genes\nGC, CYP2R1,\nDHCR7, CYP24A1", "#fdae6b")
    _box(ax, vitd, "25(OH)D\n(nmol/L)", "#fdae6b")
    _box(ax, ms, "MS", "#fdae6b")
    _box(ax, confounders, "confounders: sun, latitude,\nbehaviour, reverse causation")
    _box(ax, ancestry, "ancestry\n(northern European share)")
    _arrow(ax, genes, vitd)
    _arrow(ax, vitd, ms, colour="black")
    _arrow(ax, confounders, vitd, shrink=(18, 24))
    _arrow(ax, confounders, ms, shrink=(18, 16))
    _arrow(ax, ancestry, genes, colour="#d62728", style="--", shrink=(18, 30))
    _arrow(ax, ancestry, ms, colour="#d62728", style="--", rad=-0.12, shrink=(50, 14))
    _arrow(ax, genes, ms, colour="#d62728", style="--", rad=0.32, shrink=(40, 14))
    notes = [((0.8, 0.13), "1 relevance"),
             ((-0.55, 0.62), "2 independence:\nno arrow into the genes\n"
                             "(broken: stratification)"),
             ((1.6, -0.78), "3 exclusion restriction: no path genes -> MS except\n"
                            "through 25(OH)D (broken: pleiotropy)")]
    for xy, text in notes:
        ax.text(*xy, text, ha="center", va="center", fontsize=8, color="0.15", style="italic")
    ax.set(xlim=(-1.2, 3.7), ylim=(-1.0, 1.45))
    ax.set_axis_off()
    ax.set_title("Mendelian randomization as an instrumental-variable DAG\n"
                 "(dashed red: violations the notebook switches on)", fontsize=10)
    return fig


# ------------------------------------------------------------------ Monte Carlo
def replicate_estimators(scenario, design, estimators, reps, seed, options=None):
    """Replicate a design with several estimators applied to the same simulated studies.

    Replicate ``i`` is ``run_study(scenario, design, seed, index=i, options=options)``,
    exactly the study :func:`simlib.montecarlo.replicate` runs, so each estimator's rows
    equal what ``replicate(..., estimator=name)`` gives, while every population is
    simulated once instead of once per estimator.

    Parameters
    ----------
    scenario : simlib.scenario.Scenario
    design : str
        A registered design, e.g. ``"mr-one-sample"``.
    estimators : sequence of str
        The design's estimators to apply (e.g. ``["wald-ratio", "observational-logit"]``).
    reps, seed : int
        Number of replicates and the run's seed.
    options : dict, optional
        Design options (``population``, ``pleiotropy`` ...).

    Returns
    -------
    table : pandas.DataFrame
        The tidy table of :func:`simlib.montecarlo.replicate` (one row per replicate and
        estimator), ready for :func:`simlib.diagnosis.diagnose`.
    first : simlib.designs.base.Study
        Replicate 0's study, to look at its data.
    """
    chosen, rows, first = get_design(design), [], None
    for rep in range(reps):
        study = run_study(scenario, chosen, seed, rep, options)
        first = study if first is None else first
        for name in estimators:
            fit, truth = chosen.estimator(name)(study), study.estimand_for(name)
            rows.append({**fit.to_row(), "rep": rep, "design": chosen.name, "estimator": name,
                         "scenario": scenario.name, "seed": seed, "estimand": truth.name,
                         "estimand_value": truth.value, "scale": truth.scale, "error": ""})
    table = pd.DataFrame(rows)[list(SCHEMA)]
    return table.astype(SCHEMA), first


# ------------------------------------------------------------------ instrument strength
def instrument_strength(data, effects_nmol):
    """First-stage regressions of measured 25(OH)D on each SNP and on the allele score.

    Parameters
    ----------
    data : pandas.DataFrame
        A one-sample MR dataset (``vitd_nmol``, the four ``snp_*`` allele counts,
        ``allele_score``).
    effects_nmol : sequence of float
        The world's per-allele effects (``scenario.genetics.effect_nmol``, from Wang 2010).

    Returns
    -------
    pandas.DataFrame
        One row per instrument: ``instrument``, ``effect in the world (nmol/L per
        allele)``, ``estimated (nmol/L per allele)`` with its ``SE``, ``variance
        explained (%)`` (R squared) and the first-stage ``F``. For the score the
        estimate is per nmol/L of score (1 if the published weights are right) and
        the world's value is 1.
    """
    rows = []
    instruments = [*SNP_COLUMNS, "allele_score"]
    truths = [*effects_nmol, 1.0]
    for column, truth in zip(instruments, truths, strict=True):
        fit = sm.OLS(data["vitd_nmol"].to_numpy(float),
                     sm.add_constant(data[column].to_numpy(float))).fit()
        rows.append({"instrument": SNP_NAMES.get(column, "allele score (4 SNPs)"),
                     "effect in the world (nmol/L per allele)": truth,
                     "estimated (nmol/L per allele)": fit.params[1], "SE": fit.bse[1],
                     "variance explained (%)": 100 * fit.rsquared, "F": fit.fvalue})
    snps = sm.OLS(data["vitd_nmol"].to_numpy(float),
                  sm.add_constant(data[list(SNP_COLUMNS)].to_numpy(float))).fit()
    rows.append({"instrument": "4 SNPs jointly", "effect in the world (nmol/L per allele)":
                 np.nan, "estimated (nmol/L per allele)": np.nan, "SE": np.nan,
                 "variance explained (%)": 100 * snps.rsquared, "F": snps.fvalue})
    return pd.DataFrame(rows)


def _ratio_ticks(ax, ratios):
    """Log y axis spanning ``ratios`` and 1, with ticks at simple ratios (no minor labels)."""
    ratios = np.asarray(ratios, dtype=float)
    ratios = ratios[np.isfinite(ratios)]
    low, high = min(ratios.min(initial=1.0), 1.0) / 1.15, max(ratios.max(initial=1.0), 1.0) * 1.15
    ticks = [t for t in (0.1, 0.25, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 4, 8, 16)
             if low <= t <= high]
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())


def _fifths(score):
    return pd.qcut(pd.Series(score).rank(method="first"), 5, labels=False).to_numpy()


def score_groups_figure(data):
    """Mean 25(OH)D and mean ancestry by fifth of the allele score (relevance, independence).

    Parameters
    ----------
    data : pandas.DataFrame
        A one-sample MR dataset.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean measured 25(OH)D (nmol/L, 95% CI) per fifth of the allele score, the
        population mean as a reference. Right: mean ancestry principal component
        (northern-European share) per fifth: a trend there means the genes are not
        independent of ancestry (population stratification).
    """
    group = _fifths(data["allele_score"].to_numpy())
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.8))
    panels = (("vitd_nmol", "measured 25(OH)D (nmol/L)", "relevance: genes move 25(OH)D"),
              ("ancestry_pc", "ancestry PC (northern-European share)",
               "independence: genes vs ancestry"))
    for ax, (column, label, title) in zip(axes, panels, strict=True):
        summary = data.groupby(group)[column].agg(["mean", "sem"])
        ax.errorbar(summary.index + 1, summary["mean"], yerr=Z_95 * summary["sem"], fmt="o-",
                    color="black", capsize=3, label="mean ± 95% CI")
        ax.axhline(data[column].mean(), color="0.6", lw=1, ls=":", label="everyone")
        ax.set(xlabel="fifth of the allele score (1 = fewest raising alleles)", ylabel=label,
               title=title, xticks=range(1, 6))
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def per_log_unit(log_ratio_per_25, level_nmol):
    """Convert a log ratio per +25 nmol/L into one per unit of ln 25(OH)D at ``level_nmol``.

    A unit of natural-log 25(OH)D is a 2.72-fold change; near ``level_nmol`` it spans
    about ``level_nmol`` nmol/L, so the log ratio scales by ``level_nmol / 25``
    (the units of Jacobs et al. 2020: OR 0.57 per unit ln 25(OH)D).

    Parameters
    ----------
    log_ratio_per_25 : float
        Log odds or hazard ratio per +25 nmol/L.
    level_nmol : float
        25(OH)D (nmol/L) around which to convert, e.g. the population's geometric mean.

    Returns
    -------
    float
        Log ratio per unit of ln 25(OH)D.
    """
    return float(log_ratio_per_25) * float(level_nmol) / PER_NMOL


# ------------------------------------------------------------------ fast estimators
def batched_logit(outcome, design, iterations=50):
    """Logistic regressions of many samples at once, by Newton's method (vectorized).

    Parameters
    ----------
    outcome : ndarray, shape (B, n)
        0/1 outcomes of ``B`` samples of ``n`` people.
    design : ndarray, shape (B, n, p)
        Design matrices, constant first.

    Returns
    -------
    coef, se : ndarray, shape (B, p)
        Coefficients and their model-based standard errors (NaN where a fit failed).
    """
    coef = np.zeros(design.shape[::2])
    mean = np.clip(outcome.mean(axis=1), 1e-9, 1 - 1e-9)
    coef[:, 0] = np.log(mean / (1 - mean))
    for _ in range(iterations):
        prob = expit(np.einsum("bnp,bp->bn", design, coef))
        hessian = np.einsum("bni,bn,bnj->bij", design, prob * (1 - prob), design)
        gradient = np.einsum("bnp,bn->bp", design, outcome - prob)
        with np.errstate(all="ignore"):
            step = np.linalg.solve(hessian + 1e-12 * np.eye(design.shape[2]),
                                   gradient[..., None])[..., 0]
        coef = coef + step
        if np.nanmax(np.abs(step)) < 1e-9:
            break
    with np.errstate(all="ignore"):
        se = np.sqrt(np.diagonal(np.linalg.inv(hessian), axis1=1, axis2=2))
    bad = ~np.isfinite(se).all(axis=1) | (se > 100).any(axis=1)
    return np.where(bad[:, None], np.nan, coef), np.where(bad[:, None], np.nan, se)


def batched_ols(outcome, design):
    """Least-squares fits of many samples at once: coefficients, SEs and residual variance.

    Parameters
    ----------
    outcome : ndarray, shape (B, n)
    design : ndarray, shape (B, n, p)
        Design matrices, constant first.

    Returns
    -------
    coef, se : ndarray, shape (B, p)
    """
    gram = np.einsum("bni,bnj->bij", design, design)
    coef = np.linalg.solve(gram, np.einsum("bnp,bn->bp", design, outcome)[..., None])[..., 0]
    residual = outcome - np.einsum("bnp,bp->bn", design, coef)
    sigma2 = (residual ** 2).sum(axis=1) / (design.shape[1] - design.shape[2])
    se = np.sqrt(sigma2[:, None] * np.diagonal(np.linalg.inv(gram), axis1=1, axis2=2))
    return coef, se


def _design_matrix(columns):
    """Stack ``[1, columns...]`` into a (B, n, p) design."""
    return np.stack([np.ones_like(columns[0]), *columns], axis=-1)


def fast_mr(outcome, exposure, instrument, ancestry=None):
    """Wald ratio, first-stage F and observational log OR of many samples (vectorized).

    The same numbers as :func:`simlib.instruments.mr_wald_ratio` (OLS first stage,
    logistic outcome regression, ``se = se_ZY / |beta_ZX|``) and
    :func:`simlib.estimators.logit`, for ``B`` samples at once.

    Parameters
    ----------
    outcome, exposure, instrument : ndarray, shape (B, n)
        MS (0/1), measured 25(OH)D (nmol/L) and the allele score (nmol/L).
    ancestry : ndarray, shape (B, n), optional
        Ancestry principal component, adjusted for in every regression.

    Returns
    -------
    dict of ndarray, shape (B,)
        ``wald``, ``wald_se`` (log OR per +25 nmol/L), ``first_stage_f`` (nmol/L per
        score unit, squared t), ``observational``, ``observational_se`` (log OR per
        +25 nmol/L from a logistic regression of MS on measured 25(OH)D).
    """
    extra = [] if ancestry is None else [ancestry]
    first, first_se = batched_ols(exposure, _design_matrix([instrument, *extra]))
    reduced, reduced_se = batched_logit(outcome, _design_matrix([instrument, *extra]))
    observed, observed_se = batched_logit(outcome,
                                          _design_matrix([exposure / PER_NMOL, *extra]))
    slope = first[:, 1] / PER_NMOL
    return {"wald": reduced[:, 1] / slope, "wald_se": reduced_se[:, 1] / np.abs(slope),
            "first_stage_f": (first[:, 1] / first_se[:, 1]) ** 2,
            "observational": observed[:, 1], "observational_se": observed_se[:, 1]}


# ------------------------------------------------------------------ weak instruments
def precision_by_size(data, sizes, seed):
    """The library's Wald ratio on nested random subsamples of a one-sample MR study.

    Parameters
    ----------
    data : pandas.DataFrame
        A one-sample MR dataset (all adults of one simulated population).
    sizes : sequence of int
        Numbers of adults; sizes above the data's rows are dropped.
    seed : int
        Seed of the subsampling order.

    Returns
    -------
    pandas.DataFrame
        ``adults``, ``cases``, ``estimate``, ``ci_low``, ``ci_high`` (log OR per
        +25 nmol/L, ancestry-adjusted) and the first-stage ``F`` of the score.
    """
    order = np.random.default_rng(seed).permutation(len(data))
    rows = []
    for size in sorted(s for s in sizes if s <= len(data)):
        part = data.iloc[np.sort(order[:size])]
        fit = iv.mr_wald_ratio(part, "ms", "vitd_nmol", "allele_score", ["ancestry_pc"])
        first = fit.model["first_stage"]
        rows.append({"adults": size, "cases": fit.n_cases, "estimate": fit.estimate,
                     "ci_low": fit.ci_low, "ci_high": fit.ci_high,
                     "F": float(first.tvalues.iloc[1] ** 2)})
    return pd.DataFrame(rows)


def bmi_adults(scenario, population, seed):
    """Adults with adolescent BMI, measured 25(OH)D, the four SNPs and ancestry.

    BMI lowers 25(OH)D in the world (Vimaleswaran et al. 2013) but 25(OH)D does not
    change BMI, so the causal effect of 25(OH)D on BMI is exactly zero while the
    observational slope is negative (reverse causation). BMI is common and continuous,
    which makes weak-instrument bias visible; MS is too rare for it to show.
    Stratification is switched off (``genetics.ancestry_shift = 0``) to isolate it.

    Returns
    -------
    dict of ndarray
        ``bmi`` (kg/m2), ``vitd`` (nmol/L), ``snps`` (people x 4 allele counts),
        ``ancestry`` (northern-European share).
    """
    world = build_world(scenario.with_values({"genetics.ancestry_shift": 0.0}))
    people = world.sample(int(population), seed, columns=[
        "adolescent_bmi", "vitd_survey_nmol", "ancestry_north", "age", "alive", *SNP_COLUMNS])
    adults = people[people["alive"] & (people["age"] >= ADULT_AGE)]
    return {"bmi": adults["adolescent_bmi"].to_numpy(float),
            "vitd": adults["vitd_survey_nmol"].to_numpy(float),
            "snps": adults[list(SNP_COLUMNS)].to_numpy(float),
            "ancestry": adults["ancestry_north"].to_numpy(float)}


def batched_two_stage(outcome, exposure, snps, ancestry):
    """2SLS with four SNPs (and ancestry) for many samples; also OLS and first-stage F.

    Parameters
    ----------
    outcome, exposure, ancestry : ndarray, shape (B, n)
    snps : ndarray, shape (B, n, 4)

    Returns
    -------
    two_stage, ols, first_stage_f : ndarray, shape (B,)
        Outcome units per +25 nmol/L (2SLS and ordinary least squares), and the F test
        of the four SNPs in the first stage.
    """
    ones = np.ones_like(exposure)
    base = np.stack([ones, ancestry], axis=-1)
    full = np.concatenate([base, snps], axis=-1)
    coef, _ = batched_ols(exposure, full)
    fitted = np.einsum("bnp,bp->bn", full, coef)
    restricted, _ = batched_ols(exposure, base)
    rss_full = ((exposure - fitted) ** 2).sum(axis=1)
    rss_base = ((exposure - np.einsum("bnp,bp->bn", base, restricted)) ** 2).sum(axis=1)
    k, n = snps.shape[2], exposure.shape[1]
    first_stage_f = (rss_base - rss_full) / k / (rss_full / (n - full.shape[2]))
    two_stage, _ = batched_ols(outcome, np.stack([ones, fitted / PER_NMOL, ancestry], -1))
    ols, _ = batched_ols(outcome, np.stack([ones, exposure / PER_NMOL, ancestry], -1))
    return two_stage[:, 1], ols[:, 1], first_stage_f


def weak_instrument_experiment(adults, sizes, people_per_size, seed):
    """Mean 2SLS estimate and first-stage F of many small one-sample MR studies, by size.

    Weak-instrument bias: with a first-stage F near 1-10, chance imbalances of the
    SNPs move 25(OH)D and the outcome together, so one-sample 2SLS drifts towards the
    confounded observational (OLS) estimate, by about 1/(F + 1) of the way
    (Staiger & Stock 1997; Burgess & Thompson 2011). Samples are drawn at random from
    the adults of :func:`bmi_adults` (a pool far larger than any sample).

    Parameters
    ----------
    adults : dict of ndarray
        Output of :func:`bmi_adults`.
    sizes : sequence of int
        People per study.
    people_per_size : int
        People drawn per size: ``people_per_size // size`` studies (at least 20), so
        small studies, cheap to fit, are drawn many times.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Per size: ``people``, ``median_f``, ``mean_2sls``, ``mcse_2sls``, ``q25_2sls``,
        ``q75_2sls``, ``mean_ols`` (kg/m2 BMI per +25 nmol/L) and ``draws``;
        ``attrs["pool_2sls"]`` is 2SLS in all adults of the pool, the value large
        studies drawn from it approach (the truth, 0, up to the pool's own chance error).
    """
    rng = np.random.default_rng(seed)
    pool = len(adults["bmi"])
    whole, _, _ = batched_two_stage(*(adults[k][None] for k in ("bmi", "vitd", "snps",
                                                                 "ancestry")))
    rows = []
    for size in sizes:
        draws = max(20, int(people_per_size) // int(size))
        batch = max(1, MAX_BATCH_ROWS // int(size))  # studies per vectorized batch
        parts = []
        for start in range(0, draws, batch):
            picked = rng.integers(0, pool, (min(batch, draws - start), int(size)))
            parts.append(batched_two_stage(adults["bmi"][picked], adults["vitd"][picked],
                                           adults["snps"][picked], adults["ancestry"][picked]))
        two_stage, ols, f_stat = (np.concatenate(column) for column in zip(*parts, strict=True))
        rows.append({"people": int(size), "median_f": np.median(f_stat),
                     "mean_2sls": two_stage.mean(),
                     "mcse_2sls": two_stage.std(ddof=1) / np.sqrt(draws),
                     "q25_2sls": np.quantile(two_stage, 0.25),
                     "q75_2sls": np.quantile(two_stage, 0.75), "mean_ols": ols.mean(),
                     "draws": draws})
    table = pd.DataFrame(rows)
    table.attrs.update(pool_2sls=float(whole[0]), pool_adults=pool)
    return table


def weak_instruments_figure(precision, weak, truth):
    """Two panels: CIs of MS MR by study size; weak-instrument drift of 2SLS on BMI.

    Parameters
    ----------
    precision : pandas.DataFrame
        Output of :func:`precision_by_size` (MS, log OR per +25 nmol/L).
    weak : pandas.DataFrame
        Output of :func:`weak_instrument_experiment` (BMI, kg/m2 per +25 nmol/L).
    truth : float
        True lifelong log HR of MS per +25 nmol/L (the BMI truth is 0).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.4))
    estimate = np.exp(precision["estimate"])
    left.errorbar(precision["adults"], estimate, fmt="s", color="black", capsize=3,
                  yerr=[estimate - np.exp(precision["ci_low"]),
                        np.exp(precision["ci_high"]) - estimate], label="Wald ratio, 95% CI")
    for _, row in precision.iterrows():
        left.annotate(f"{row['cases']:,.0f} cases\nF={row['F']:,.0f}",
                      (row["adults"], np.exp(row["ci_high"])), textcoords="offset points",
                      xytext=(0, 4), ha="center", fontsize=7)
    left.axhline(np.exp(truth), color=TRUTH, lw=1.8, label="truth")
    left.axhline(1.0, color="0.6", lw=0.8, ls=":")
    left.set(xscale="log", yscale="log", xlabel="adults in the MR study (log scale)",
             ylabel="OR of MS per +25 nmol/L 25(OH)D (log scale)",
             title="MS: strong instrument, few cases, wide CIs")
    _ratio_ticks(left, [*np.exp(precision["ci_low"]), *np.exp(precision["ci_high"]) * 1.6])
    left.set_xlim(precision["adults"].min() / 1.6, precision["adults"].max() * 1.6)
    left.set_xticks(precision["adults"], labels=[f"{v:,}" for v in precision["adults"]])
    left.xaxis.set_minor_formatter(plt.NullFormatter())
    left.legend(fontsize="small", loc="lower right")
    right.fill_between(weak["people"], weak["q25_2sls"], weak["q75_2sls"], color="C0",
                       alpha=0.2, label="2SLS, middle 50% of studies")
    right.errorbar(weak["people"], weak["mean_2sls"], yerr=Z_95 * weak["mcse_2sls"], fmt="o-",
                   color="C0", capsize=3, label="2SLS, mean ± 1.96 MCSE")
    right.plot(weak["people"], weak["mean_ols"], "^--", color="0.35",
               label="observational (OLS), mean")
    right.axhline(0.0, color=TRUTH, lw=1.8, label="truth (no effect)")
    if "pool_2sls" in weak.attrs:
        right.axhline(weak.attrs["pool_2sls"], color="C0", lw=1, ls=":",
                      label=f"2SLS in all {weak.attrs['pool_adults']:,} adults of the pool")
    for _, row in weak.iterrows():
        right.annotate(f"F={row['median_f']:.1f}", (row["people"], row["q75_2sls"]),
                       textcoords="offset points", xytext=(0, 4), ha="center", fontsize=7)
    right.margins(y=0.1)
    right.set(xscale="log", xlabel="people in a one-sample MR study (log scale)",
              ylabel="BMI difference per +25 nmol/L (kg/m²)",
              title="BMI: weak instruments pull 2SLS towards OLS")
    right.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ violations
def violation_grid(scenario, pleiotropy, stratification, population, seed):
    """One-sample MR studies of the same people over a grid of violations.

    Parameters
    ----------
    scenario : simlib.scenario.Scenario
    pleiotropy : sequence of float
        ``genetics.pleiotropy_hr_per_allele``: direct HR of MS per raising allele
        (1 = none).
    stratification : sequence of float
        ``genetics.ancestry_shift``: raising-allele frequency at ancestry 1 minus at 0.
    population : int
        People simulated per grid point (the same people everywhere: common random numbers).
    seed : int

    Returns
    -------
    dict
        ``{(pleiotropy, stratification): (data, truth)}`` with ``data`` the columns
        ``ms, vitd_nmol, allele_score, ancestry_pc`` (float32) of all adults and ``truth``
        the lifelong log HR per +25 nmol/L.
    """
    grid = {}
    for hr in pleiotropy:
        for shift in stratification:
            study = run_study(scenario, "mr-one-sample", seed, options={
                "population": int(population), "pleiotropy": float(hr),
                "stratification": float(shift)})
            data = study.data[list(WIDGET_COLUMNS)].astype("float32")
            grid[round(float(hr), 4), round(float(shift), 4)] = (data, study.estimand.value)
    return grid


def _nearest(values, value):
    values = np.asarray(sorted(values))
    return float(values[np.argmin(np.abs(values - value))])


def grid_estimates(grid, pleiotropy, stratification, participants, seed=0):
    """Wald ratios (ancestry-adjusted and not) and the observational log OR at one grid point.

    Parameters
    ----------
    grid : dict
        Output of :func:`violation_grid`.
    pleiotropy, stratification : float
        The grid point (the nearest one is used).
    participants : int
        Adults analysed: the first ``participants`` of a random order (seeded), so a
        larger study contains the smaller one.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Rows ``label, estimate, ci_low, ci_high, estimand_value, scale, first_stage_f``.
    """
    key = (_nearest({k[0] for k in grid}, pleiotropy),
           _nearest({k[1] for k in grid}, stratification))
    data, truth = grid[round(key[0], 4), round(key[1], 4)]
    rows = np.random.default_rng(seed).permutation(len(data))[:int(participants)]
    arrays = {c: data[c].to_numpy(float)[rows][None, :] for c in WIDGET_COLUMNS}
    adjusted = fast_mr(*(arrays[c] for c in WIDGET_COLUMNS))
    crude = fast_mr(*(arrays[c] for c in WIDGET_COLUMNS[:3]))
    results = [("MR Wald ratio, ancestry-adjusted", adjusted["wald"], adjusted["wald_se"]),
               ("MR Wald ratio, not adjusted", crude["wald"], crude["wald_se"]),
               ("observational logistic", adjusted["observational"],
                adjusted["observational_se"])]
    table = pd.DataFrame([{"label": label, "estimate": float(est[0]), "se": float(se[0])}
                          for label, est, se in results])
    table["ci_low"] = table["estimate"] - Z_95 * table["se"]
    table["ci_high"] = table["estimate"] + Z_95 * table["se"]
    table["estimand_value"], table["scale"] = truth, "log OR per 25 nmol/L"
    table["first_stage_f"] = float(adjusted["first_stage_f"][0])
    table.attrs.update(pleiotropy=key[0], stratification=key[1], participants=len(rows))
    return table


def violations_table(grid, participants, seed=0):
    """:func:`grid_estimates` at every grid point, stacked (one row per point and estimate)."""
    parts = [grid_estimates(grid, hr, shift, participants, seed).assign(
        pleiotropy=hr, stratification=shift) for hr, shift in grid]
    return pd.concat(parts, ignore_index=True)


def violations_figure(table, pleiotropy_at, stratification_at):
    """Wald ratio against pleiotropy and against stratification, the truth drawn.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`violations_table`.
    pleiotropy_at, stratification_at : float
        The value the other knob is held at in each panel (e.g. 1.0 and the default 0.1).

    Returns
    -------
    matplotlib.figure.Figure
        Left: MR (ancestry-adjusted) OR per +25 nmol/L against the direct HR per allele.
        Right: MR with and without ancestry adjustment against the ancestry shift.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    panels = ((left, "pleiotropy", table["stratification"] == stratification_at,
               ["MR Wald ratio, ancestry-adjusted"],
               "direct HR of MS per raising allele (pleiotropy; 1 = none)"),
              (right, "stratification", table["pleiotropy"] == pleiotropy_at,
               ["MR Wald ratio, ancestry-adjusted", "MR Wald ratio, not adjusted"],
               "raising-allele frequency difference, ancestry 1 vs 0 (stratification)"))
    for ax, key, keep, labels, xlabel in panels:
        part = table[keep]
        for offset, (label, colour) in enumerate(zip(labels, ("C0", "C1"), strict=False)):
            rows = part[part["label"] == label].sort_values(key)
            x = rows[key].to_numpy() + (offset - 0.5 * (len(labels) - 1)) * 0.004
            ax.errorbar(x, np.exp(rows["estimate"]), fmt="o-", color=colour, capsize=3,
                        yerr=[np.exp(rows["estimate"]) - np.exp(rows["ci_low"]),
                              np.exp(rows["ci_high"]) - np.exp(rows["estimate"])],
                        label=f"{label} (95% CI)")
        truth = part.groupby(key)["estimand_value"].first().sort_index()
        ax.plot(truth.index, np.exp(truth.to_numpy()), color=TRUTH, lw=1.8, label="truth")
        ax.set_xticks(truth.index, labels=[f"{v:g}" for v in truth.index])
        ax.set_xlabel(xlabel)
        ax.legend(fontsize="small")
    _ratio_ticks(left, np.exp(table[["ci_low", "ci_high"]].to_numpy().ravel()))
    left.set_ylabel("OR of MS per +25 nmol/L 25(OH)D (log scale)")
    left.set_title(f"pleiotropy (ancestry shift {stratification_at:g})")
    right.set_title(f"population stratification (no pleiotropy: HR {pleiotropy_at:g})")
    fig.tight_layout()
    return fig


def widget_figure(grid, pleiotropy, stratification, participants, world="null"):
    """The slider panel's figure: MR and observational estimates at one grid point.

    Parameters
    ----------
    grid : dict
        Output of :func:`violation_grid`.
    pleiotropy, stratification : float
        Slider values (nearest grid point used).
    participants : int
        Adults analysed.
    world : str
        Name of the grid's world, for the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = grid_estimates(grid, pleiotropy, stratification, participants)
    fig, ax = plt.subplots(figsize=(7.6, 3.2))
    forest_plot(table, ax=ax)
    info = table.attrs
    ax.set_title(f"{world} world: pleiotropy HR {info['pleiotropy']:g} per allele, ancestry "
                 f"shift {info['stratification']:g}\n{info['participants']:,} adults, "
                 f"first-stage F = {table['first_stage_f'].iloc[0]:,.0f}", fontsize=9)
    ax.set_xlabel("OR of MS per +25 nmol/L 25(OH)D (log scale)")
    fig.tight_layout()
    return fig


def two_sample_figure(tables, population):
    """Forest plot of one two-sample MR study per world, the truth drawn.

    Parameters
    ----------
    tables : dict
        ``{world name: replicate table of mr-two-sample}`` (the first replicate is shown).
    population : int
        People simulated per study, for the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = pd.DataFrame([table.iloc[0][["estimate", "ci_low", "ci_high", "estimand_value",
                                         "scale"]].to_dict()
                         | {"label": f"{world} world / two-sample MR (IVW)"}
                         for world, table in tables.items()])
    fig, ax = plt.subplots(figsize=(7.6, 2.6))
    forest_plot(rows, ax=ax)
    ax.set_title(f"Two-sample MR (IVW over 4 SNPs), one study per world ({population:,} "
                 "people simulated)", fontsize=10)
    fig.tight_layout()
    return fig


def world_comparison_figure(diag, title):
    """Forest plot of MR and observational estimates by world, from a diagnosis table.

    Parameters
    ----------
    diag : pandas.DataFrame
        ``diagnose(table, by=["scenario", "estimator"])``; only log-scale estimators
        (``wald-ratio``, ``observational-logit``) are drawn.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Mean estimate ± 1.96 empirical SE per world and estimator, the truth per row.
    """
    rows = diag[diag["estimator"].isin(ESTIMATOR_LABELS)].reset_index(drop=True)
    rows = rows.assign(analysis=[f"{world} world / {ESTIMATOR_LABELS[name]}" for world, name
                                 in zip(rows["scenario"], rows["estimator"], strict=True)])
    fig, ax = plt.subplots(figsize=(7.8, 3.4))
    plots.forest_from_diagnosis(rows, ax=ax, label_columns=("analysis",))
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def risk_difference_table(diag):
    """2SLS rows of a diagnosis as risk differences per 100,000 people per +25 nmol/L.

    Parameters
    ----------
    diag : pandas.DataFrame
        Output of ``diagnose(table, by=["scenario", "estimator"])``.

    Returns
    -------
    pandas.DataFrame
        ``world``, ``mean estimate``, ``truth``, ``empirical SE`` (MS cases per 100,000
        people per +25 nmol/L lifelong 25(OH)D) and ``coverage`` of the 95% CIs.
    """
    rows = diag[diag["estimator"] == "2sls"]
    return pd.DataFrame({"world": rows["scenario"],
                         "mean estimate": 1e5 * rows["mean_estimate"],
                         "truth": 1e5 * rows["estimand_value"],
                         "empirical SE": 1e5 * rows["empirical_se"],
                         "coverage": rows["coverage"]}).reset_index(drop=True)
