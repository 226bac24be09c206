"""Drawing the world's causal graph (DAG): a layered layout with routed arrows.

:func:`dag_plot` draws any :class:`~simlib.scm.Model`; :data:`TEACHING_NODES` is a
readable subset of the vitamin D / MS world, drawn with ``collapse=True`` so that the
causal paths through the nodes left out are kept.
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.path import Path as Curve

from .errors import ModelError, nearest


def _new_axes(ax, figsize):
    """``ax``, or the axes of a new pyplot figure ``figsize`` inches large."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


DUMMY = 0.35  # height of an edge's waypoint slot in a DAG layer, in node heights
BEND = 0.38  # half-width of an arrow's straight run in a layer it crosses, in layers

#: Key nodes of the world for a readable teaching DAG (``dag_plot(..., collapse=True)``).
TEACHING_NODES = (
    "region_id", "latitude_deg", "ancestry_group", "ancestry_north", "skin_dark",
    "hla_drb1_1501", "vitd_gene_score_nmol", "health_consciousness", "outdoor_propensity",
    "uvb_dose", "adolescent_bmi", "obese",
    "smoker", "ebv_infected", "infectious_mononucleosis", "supplement_iu", "vitd_mean_nmol",
    "ms_log_hazard_ratio", "ms_onset_age", "prodrome_start_age", "diagnosis_age",
    "post_dx_supplement_iu", "vitd_survey_nmol",
)



def dag_plot(model, ax=None, nodes=None, highlight=(), *, collapse: bool = False):
    """Draw a model's causal graph in layers, left to right.

    A node's layer is the longest path to it from a root; a root sits one layer before
    its first child. Arrows leave a box on the right and enter on the left, running level
    through the layers they cross, in slots of their own.

    Parameters
    ----------
    model : simlib.scm.Model
    ax : matplotlib.axes.Axes, optional
        If None, a new figure whose width grows with the number of layers.
    nodes : iterable of str, optional
        Draw only these nodes (e.g. :data:`TEACHING_NODES`); all if None.
    highlight : iterable of str
        Nodes drawn in another colour (e.g. exposure and outcome).
    collapse : bool
        With ``nodes``: draw ``a -> b`` when ``b`` is reachable from ``a`` through
        unselected nodes only, so causal paths survive. Otherwise only edges between
        selected nodes are drawn.

    Returns
    -------
    matplotlib.axes.Axes
        One text per node, one annotation (arrow) per edge; no ticks or frame.
    """
    chosen = _chosen(model, nodes)
    edges = (_collapsed_edges(model, chosen) if collapse and nodes is not None else
             [(p, c) for p, c in model.edges() if p in chosen and c in chosen])
    place, routes = _layout(chosen, edges)
    layers = 1 + max(x for x, _ in place.values())
    stops = [*place.values(), *itertools.chain(*routes.values())]
    tallest = 1 + 2 * max(abs(y) for _, y in stops)
    size = 7 if len(chosen) > 25 else 9
    column = 0.7 + 0.0085 * size * max(map(len, chosen))  # inches: the widest box and a gap
    ax = _new_axes(ax, (max(3.0, column * layers), max(1.5, 0.45 * tallest)))
    marked = set(_chosen(model, highlight))
    boxes = {name: ax.text(x, y, name, ha="center", va="center", fontsize=size, zorder=3,
                           weight="bold" if name in marked else "normal",
                           bbox={"boxstyle": "round,pad=0.3", "ec": "0.5",
                                 "fc": "#fdae6b" if name in marked else "#deebf7"})
             for name, (x, y) in place.items()}
    for (parent, child), waypoints in routes.items():
        (x0, y0), (x1, y1) = place[parent], place[child]
        points = [(x0 + 0.5 - BEND, y0), *[(x + side, y) for x, y in waypoints
                                            for side in (BEND - 0.5, 0.5 - BEND)],
                  (x1 - 0.5 + BEND, y1)]
        ax.annotate("", xy=(0, 0.5), xycoords=boxes[child], xytext=(1, 0.5),
                    textcoords=boxes[parent], zorder=2,
                    arrowprops={"arrowstyle": "-|>", "color": "0.4", "lw": 0.7, "shrinkA": 4,
                                "shrinkB": 4, "mutation_scale": 9,
                                "connectionstyle": _Route(points, ax.transData)})
    ax.set(xlim=(-0.6, layers - 0.4), ylim=(-tallest / 2, tallest / 2))
    ax.set_axis_off()
    return ax


class _Route:
    """Connection style of an arrow from A through ``points`` (data coordinates) to B.

    Between stops, a cubic Bezier with horizontal tangents: level along a layer, an
    S-bend between layers. Matplotlib calls it in display coordinates at draw time.
    """

    def __init__(self, points, transform):
        self.points, self.transform = np.reshape(points, (-1, 2)), transform

    def __call__(self, pos_a, pos_b, patchA=None, patchB=None, shrinkA=0.0, shrinkB=0.0):
        start, end = (pos_a[0] + shrinkA, pos_a[1]), (pos_b[0] - shrinkB, pos_b[1])
        inner = self.transform.transform(self.points)
        inner = inner[(inner[:, 0] > start[0]) & (inner[:, 0] < end[0])]  # none inside boxes
        vertices, codes = [start], [Curve.MOVETO]
        for (x0, y0), (x1, y1) in itertools.pairwise([start, *inner, end]):
            vertices += [((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1), (x1, y1)]
            codes += [Curve.CURVE4] * 3
        return Curve(vertices, codes)


def _chosen(model, nodes) -> list[str]:
    """``nodes`` (all if None) in the model's topological order; unknown names raise."""
    if nodes is None:
        return list(model.order)
    nodes = {nodes} if isinstance(nodes, str) else set(nodes)
    unknown = sorted(nodes - set(model.nodes))
    if unknown:
        raise ModelError(f"unknown node '{unknown[0]}'{nearest(unknown[0], model.nodes)}")
    return [name for name in model.order if name in nodes]


def _collapsed_edges(model, chosen) -> list[tuple[str, str]]:
    """``(a, b)`` for selected ``a``, ``b`` joined by a path through unselected nodes."""
    selected, rank = set(chosen), {name: i for i, name in enumerate(model.order)}
    edges = set()
    for source in chosen:
        seen, frontier = set(), list(model.children(source))
        while frontier:
            node = frontier.pop()
            if node in selected:
                edges.add((source, node))
            elif node not in seen:
                seen.add(node)
                frontier.extend(model.children(node))
    return sorted(edges, key=lambda edge: (rank[edge[1]], rank[edge[0]]))


def _layout(names, edges, sweeps: int = 12):
    """Node positions ``{name: (layer, y)}`` and edge waypoints ``{edge: [(layer, y)]}``.

    ``names`` must be in topological order. An edge spanning several layers gets a
    waypoint (a slot of height ``DUMMY``) in each layer it crosses; sweeps down and up
    reorder each layer by the mean height of the neighbours above (below), to reduce
    crossings (Sugiyama K, Tagawa S, Toda M. IEEE Trans Syst Man Cybern 1981;11:109-125).
    """
    parents = {n: [p for p, c in edges if c == n] for n in names}
    depth: dict = {}
    for name in names:
        depth[name] = 1 + max((depth[p] for p in parents[name]), default=-1)
    for name in names:
        children = [c for p, c in edges if p == name]
        if not parents[name] and children:
            depth[name] = min(depth[c] for c in children) - 1
    up, down, routes = {n: [] for n in names}, {n: [] for n in names}, {}
    for p, c in edges:
        hops = [p, *((p, c, k) for k in range(depth[p] + 1, depth[c])), c]
        routes[p, c] = hops[1:-1]
        for hop in routes[p, c]:
            depth[hop], up[hop], down[hop] = hop[2], [], []
        for a, b in itertools.pairwise(hops):
            up[b].append(a)
            down[a].append(b)
    layers = [[n for n in up if depth[n] == d] for d in range(1 + max(depth.values()))]
    height = _heights(layers, up, down, sweeps)
    return ({n: (depth[n], height[n]) for n in names},
            {edge: [(depth[h], height[h]) for h in hops] for edge, hops in routes.items()})


def _heights(layers, up, down, sweeps) -> dict:
    """Heights of the nodes of each layer, stacked about 0, in barycentre order."""
    height: dict = {}

    def place(layer):
        sizes = [1.0 if isinstance(n, str) else DUMMY for n in layer]
        top = sum(sizes) / 2
        for name, size in zip(layer, sizes, strict=True):
            height[name], top = top - size / 2, top - size

    for layer in layers:
        place(layer)
    for sweep in range(sweeps):
        links = up if sweep % 2 == 0 else down
        for layer in layers if sweep % 2 == 0 else layers[::-1]:
            layer.sort(key=lambda n, links=links: -np.mean([height[m] for m in links[n]])
                       if links[n] else -height[n])
            place(layer)
    return height


