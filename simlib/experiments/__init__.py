"""The experiments behind the teaching notebooks, grouped by notebook topic.

Each topic has a module that runs the lesson's simulations and estimates (``latitude``,
``confounding``, ``reverse_causation``, ``measurement``, ``biobank``, ``mendelian``,
``trials``, ``relapses``, ``dose``, ``bias_analysis``, ``tour``) and, where it grew past a
few hundred lines, companions for its figures and slider panels (``*_figures``,
``*_panel``) or fits (``confounding_estimates``, ``mendelian_batched``, ``dilution``),
or for a section of its own (``era_history``, ``migration``).
The notebook narrates and calls these functions, so no simulation logic lives in a
notebook.
"""
