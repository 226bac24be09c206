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
# # Demo notebook (test fixture)
#
# ## The question

# %% tags=["parameters"]
slope = 1.0
seed = 1

# %%
import matplotlib.pyplot as plt
from simlib import teaching, widgets

def draw(slope):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, slope])
    ax.set_xlabel("x (units)")
    return fig

fig = draw(slope)
teaching.headline(fig, f"The slope was {slope}.")

# %%
widgets.panel(draw, {"slope": widgets.Slider(0, 3, 0.1, slope, "slope (per unit)")}, title="Demo")

# %% tags=["solution"]
print("solution", slope * 2)
