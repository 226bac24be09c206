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
# # The mystery world: is vitamin D causal here?
#
# ## The question and the claim
#
# A popular article on MS and vitamin D says that people with MS lack vitamin D, that MS
# is commoner where the sky is cloudier, and that some researchers think supplements
# could even prevent MS (*article-ms-and-vitamin-d*). A second article on autoimmune
# disease says that patients often have low vitamin D, and asks whether that is a cause
# or a consequence of the disease (*article-vitamin-d-autoimmune*).
#
# The other notebooks show, in worlds whose truth we set, how observational studies can
# mislead. Here the truth is **hidden**. The instructor's seed draws a world in which
# vitamin D does or does not lower the hazard of MS onset (a coin toss), and draws the
# strength of confounding, reverse causation, measurement error and genetic quirks.
# Your group has a budget of participants. Spend it on the studies you choose, then
# decide: **causal** or **not causal**. The reveal shows the truth and scores you.

# %% [markdown]
# ## How to run the seminar
#
# A 90-minute plan for groups of 3-4 students:
#
# 1. **10 min, instructor.** Pick a seed (any whole number) and a difficulty (`easy`,
#    `standard`, `hard`). Either keep the seed to yourself and run the groups' studies
#    on your machine, or hand it out: every group with the same seed plays the same
#    world, so the groups' answers can be compared. Do not use the default seed below:
#    this notebook reveals it.
# 2. **30 min, groups.** Read the cost rule and the planning table. Choose designs
#    and sizes, then run them with `world.study(design, participants, ...)`.
#    Each call runs one study and charges the budget; a study that would overspend
#    is refused and costs nothing.
# 3. **15 min, groups.** Look at the forest plot of your studies. Write down the
#    decision and one sentence on which study you trusted and why.
# 4. **20 min, all.** Reveal, world by world. Compare each study's estimate with its
#    truth, and ask which bias moved it.
# 5. **15 min.** The exercises.
#
# The truth lives in a private attribute of the world object. A student who digs for
# it will find it: this is a teaching game, not a vault.

# %% tags=["parameters"]
from simlib import teaching

seed = 2024  # the instructor's seed: it fixes the hidden world (whole number >= 0)
difficulty = "standard"  # "easy", "standard" or "hard": how subtle the hidden world is
budget = teaching.size(2_000_000, 400_000)  # participants the group may spend
cohort_participants = teaching.size(300_000, 30_000)  # example cohort: people enrolled
mr_participants = teaching.size(600_000, 50_000)  # example one-sample MR: adults genotyped
trial_participants = teaching.size(900_000, 60_000)  # example trial: people randomized
pilot_participants = teaching.size(100_000, 15_000)  # people per planning pilot study
decision = None  # your decision, "causal" or "not causal"; None = the example rule below

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from simlib import build_world, load_scenario, plots, widgets
from simlib.experiments import mystery_plots as mp
from simlib.mystery import MysteryWorld, cost_table

# %% [markdown]
# ## The causal graph every mystery world shares
#
# Every world has the same arrows; the seed sets their strengths. The arrow from
# long-term 25(OH)D (`vitd_mean_nmol`) to the MS hazard is the question: in half of
# the worlds its strength is zero. Sun (UVB) reaches MS both through 25(OH)D and
# directly; obesity, smoking and health consciousness touch both; MS lowers 25(OH)D
# before and after diagnosis; the vitamin-D genes (`vitd_gene_score_nmol`) are the
# Mendelian-randomization instrument, and ancestry links them to HLA and latitude.

# %%
ax = plots.dag_plot(build_world(load_scenario("null")), nodes=plots.TEACHING_NODES,
                    collapse=True, highlight=("vitd_mean_nmol", "ms_log_hazard_ratio",
                                              "vitd_gene_score_nmol"))
ax.set_title("The world's DAG (highlighted: exposure, MS hazard, genetic instrument)")
teaching.show(ax.figure)

# %% [markdown]
# ## The budget and what each design costs
#
# The budget is counted in **participants**: the people who give data. A cohort pays
# for everyone it enrolls, a nested case-control study only for the cases and controls
# whose stored serum is assayed. Following people longer costs more: a cohort's price
# covers 15 years, a trial's 5 years; twice as long costs twice as much per person.
# The world sizes the simulated population itself. The relapse designs are not offered:
# the mystery is about MS *onset*.

# %%
world = MysteryWorld(seed, budget=budget, difficulty=difficulty)
print(world)
cost_table()

# %% [markdown]
# ## Planning: what precision does a budget buy?
#
# Before spending, ask how precise each design would be. We run one small pilot of the
# three candidate designs in the **public** `causal` scenario (HR 0.8 per +25 nmol/L;
# not the hidden world) and scale its standard error by one over the square root of
# the number of people. The trial is expensive because MS is rare: roughly 5-10 new
# cases per 100,000 person-years at ages 20-45 (the pilot's `n_cases`), so few events
# per participant (the VITAL trial, Hahn 2022, randomized 25,871 people, far too few
# for MS alone).

# %%
pilot = mp.pilot_precision(pilot_participants, seed=1)
pilot.round(3)

# %% [markdown]
# ## Running studies
#
# An example group's plan: a cohort (cheap and familiar), a one-sample Mendelian
# randomization study (Mokry 2015 used the same four SNPs), and a general-population
# trial of 2,000 IU/day (like VITAL). Each line reports the estimate and 95% CI as a
# ratio: hazard ratio per +25 nmol/L of measured 25(OH)D, or, for the trial, the rate
# ratio of MS onset assigned vs placebo.

# %%
for design, participants in (("cohort", cohort_participants),
                             ("mr-one-sample", mr_participants),
                             ("trial", trial_participants)):
    print(world.study(design, participants))
print(f"Spent {world.spent:,} of {world.budget:,}; {world.remaining:,} left.")

# %% [markdown]
# ## The group's evidence, truth hidden
#
# The forest plot shows what the group knows: three estimates and their intervals, and
# no truth line. Do the designs agree? Which of them could be moved by confounding or
# reverse causation, and which by an invalid instrument?

# %%
teaching.show(mp.forest_figure(world.log, f"Mystery world {seed}: the group's studies "
                                          "(truth hidden until the reveal)"))

# %% [markdown]
# ## The decision
#
# The example rule trusts only randomized evidence: it says **causal** if the pooled
# trial estimate's 95% CI lies below 1, otherwise **not causal**. It ignores the MR
# study and the cohort. Set `decision` in the parameters cell to overrule it.

# %%
rule_decision, why = mp.trial_rule(world.log)
if decision is None:
    decision = rule_decision
display(Markdown(f"Example rule: **{rule_decision}** ({why}). The group decides: "
                 f"**{decision}**."))

# %% [markdown]
# ## The reveal
#
# The truth, the score (100 points for a correct decision plus up to 25 for budget left
# unspent; 0 for a wrong one), and the same forest plot with each study's **estimand**
# drawn in red: the true effect that study targets, computed on its own participants.

# %%
reveal = world.reveal(decision)
print(reveal)
fig = mp.forest_figure(reveal.studies, f"Mystery world {seed} revealed: "
                                       f"{reveal.hidden['effect']}")
teaching.headline(fig, mp.finding(reveal, seed))

# %%
mp.reveal_table(reveal)

# %% [markdown]
# The hidden parameters (in the notation of `python -m simlib show null`):

# %%
mp.hidden_table(reveal)

# %% [markdown]
# ## What happened and why
#
# * **The cohort** measured 25(OH)D once and counted diagnoses. Its interval is narrow,
#   but narrow is not right: people who spend time in the sun have more 25(OH)D *and*
#   (through UVB's direct immune effect) less MS; obese people and smokers have less
#   25(OH)D and more MS; people in the prodrome already go outdoors less. Each of
#   these links moves the estimate away from the truth by an amount that more
#   participants do not shrink.
# * **The Mendelian-randomization study** compares people by the vitamin-D-raising
#   alleles they inherited, which sun, smoking and MS cannot change. It is unbiased
#   only if the genes act on MS through 25(OH)D alone (no pleiotropy) and their
#   frequencies do not vary with ancestry (stratification, adjusted here by an ancestry
#   component). Its interval is wide because the genes explain only ~5% of the
#   variation in 25(OH)D.
# * **The trial** randomized a dose, so nothing but the dose differs between the arms.
#   Its estimand is the effect of *being assigned* 2,000 IU/day with 80% adherence,
#   not the effect of +25 nmol/L. It is expensive because MS is rare: a million
#   participants see only a few hundred onsets in 5 years. If vitamin D acts only below
#   a threshold, a trial of people who are mostly above it sees little.
# * Look at the table: did each CI cover its own truth? Which hidden parameter explains
#   the misses?

# %% [markdown]
# ## Interactive: splitting the budget between designs
#
# Move the sliders to split a budget between a trial, a one-sample MR study and a
# cohort (the rest). The figure shows the 95% CI each design would have, centred on
# the effect it would target in the public `causal` world, and its power to exclude
# no effect. The figure comes from the pilot table above; nothing is simulated. Note
# what it cannot show: the cohort's narrow interval may sit far from the truth.

# %%
def draw_split(budget_millions, trial_percent, mr_percent):
    return mp.budget_split_figure(pilot, int(budget_millions * 1_000_000), trial_percent,
                                  mr_percent)


widgets.panel(draw_split, {
    "budget_millions": widgets.Slider(0.2, 6.0, 0.2, 2.0, "budget (millions of participants)"),
    "trial_percent": widgets.Slider(0, 100, 5, 50, "trial share of the budget (%)"),
    "mr_percent": widgets.Slider(0, 100, 5, 30, "MR share of the budget (%)"),
}, title="Expected 95% CIs for a split of the budget")

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: One study only
#
# With the same budget, you may run only **one** study. Which design do you choose,
# and why? Use `mp.expected_intervals(pilot, {design: budget})` for the trial, the
# MR study and the cohort, and weigh precision against the biases each design can
# and cannot escape.

# %% tags=["solution"]
all_in = mp.expected_intervals(pilot, {"trial": budget, "mr-one-sample": budget,
                                       "cohort": budget})
all_in[["design", "participants", "expected_se", "power"]].round(3)

# %% [markdown] tags=["solution"]
# The cohort buys the narrowest interval, but its bias (confounding, reverse
# causation) does not shrink with size, so its power is the power to find an
# association, not a cause. The trial is unbiased by design for its own estimand and,
# with the whole budget, has good power for an effect like the `causal` world's; its
# weakness is cost and, in a threshold world, a diluted effect. MR is cheaper per unit
# of information than a cohort is per unit of truth, but its interval stays wide and
# pleiotropy can fool it. With one study, most groups should choose the trial.

# %% [markdown]
# ### Exercise 2: Play a new world
#
# Take the seed `seed + 1` and the same budget. Plan your own studies, run them, decide,
# and only then reveal. Did your plan beat the example group's score?

# %% tags=["solution"]
new_world = MysteryWorld(seed + 1, budget=budget, difficulty=difficulty)
print(new_world.study("trial", trial_participants))
print(new_world.study("mr-one-sample", mr_participants))
new_decision, new_why = mp.trial_rule(new_world.log)
print(new_world.reveal(new_decision), "Rule:", new_why)

# %% [markdown]
# ### Exercise 3: When the instrument lies
#
# In a `hard` world the vitamin-D genes can act on MS directly (pleiotropy). The
# instructor can look ahead with `draw_hidden` (this is peeking, so only the
# instructor does it). Find a null world in which each vitamin-D-raising allele lowers
# the MS hazard by more than 3.5% on its own, run a large MR study in it (twice the
# example's size), and compare the MR estimate with its truth.

# %% tags=["solution"]
import math

from simlib.mystery import draw_hidden

trap = next(s for s in range(200) if not draw_hidden(s, "hard")[1]["causal"]
            and draw_hidden(s, "hard")[0]["genetics.pleiotropy_hr_per_allele"] < 0.965)
trap_world = MysteryWorld(trap, budget=budget, difficulty="hard")
print(trap_world.study("mr-one-sample", 2 * mr_participants))
trap_reveal = trap_world.reveal("not causal")
pull = mp.pleiotropy_pull(trap_reveal.hidden)
print(f"Seed {trap}: each raising allele multiplies the MS hazard by "
      f"{trap_reveal.hidden['genetics.pleiotropy_hr_per_allele']:.3f} on its own; that "
      f"alone pulls the MR ratio to about {math.exp(pull):.2f} per +25 nmol/L (truth 1).")
mp.reveal_table(trap_reveal)

# %% [markdown] tags=["solution"]
# Vitamin D does nothing here, yet the MR study is aimed at a protective "effect":
# each vitamin-D-raising allele lowers MS risk by a few percent on its own, and the
# Wald ratio divides that by the alleles' small effect on 25(OH)D (a few nmol/L),
# which magnifies it to the size of the effects the `causal` world has. One study's
# estimate scatters around that pulled value; more participants only narrow the
# interval around the wrong value. Only designs with other assumptions catch it: a
# trial, or MR methods robust to pleiotropy that need many more SNPs (MR-Egger, Bowden
# et al. 2015).
