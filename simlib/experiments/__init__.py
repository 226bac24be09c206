"""The experiments behind the teaching notebooks, one module per notebook topic.

Each module runs one lesson's simulation and draws its figures; the notebook narrates and
calls these functions, so no simulation logic lives in a notebook.
"""
