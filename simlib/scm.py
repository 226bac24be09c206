"""A generic, vectorized structural causal model (SCM).

A :class:`Model` is a set of named :class:`Node` objects. Each node is a function of
its parents that returns a whole column (one value per person). Nothing here knows
about vitamin D: :mod:`simlib.world` builds the vitamin D / MS world out of these
parts, and a teacher can add a node to it in a few lines.

Randomness
----------
Every node draws from its own stream, derived from ``(seed, node name, chunk)`` with
:class:`numpy.random.SeedSequence`. Hence

* the same seed gives the same people, bit for bit;
* changing one node's definition or parameters leaves every column that does not
  depend on it bitwise identical ("same people, different world");
* an intervention :meth:`Model.do` re-evaluates only the descendants of the
  intervened nodes, with the same noise: the two worlds are potential outcomes of
  the same people.

Populations may be sampled in fixed-size chunks (:meth:`Model.iter_chunks`), chunk
``k`` using stream ``(seed, node, k)``, so a population larger than memory can be
summarised piece by piece. Sampling unchunked is chunk 0 of size ``n``.

Examples
--------
>>> import numpy as np
>>> from simlib.scm import Model, Node
>>> def sunny(rng, n):
...     return rng.random(n) < 0.3
>>> def outdoors(rng, n, sunny):
...     return rng.random(n) < np.where(sunny, 0.8, 0.2)
>>> model = Model([Node("sunny", sunny), Node("outdoors", outdoors)])
>>> pop = model.sample(1000, seed=1)
>>> treated = model.do(sunny=True).sample(1000, seed=1)
>>> bool(treated["outdoors"].mean() > pop["outdoors"].mean())
True

References
----------
Pearl J. Causality. 2nd ed. Cambridge University Press; 2009.
NumPy, "Parallel random number generation" (SeedSequence spawning).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import ModelError, ParameterError, nearest

if TYPE_CHECKING:
    import pandas as pd

_RESERVED = ("rng", "n", "out")


def stream_key(name: str) -> int:
    """Stable 64-bit integer for a node name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """Accept an ``int`` or a :class:`numpy.random.SeedSequence` and return the latter."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"seed {seed!r} is not allowed: use a whole number >= 0")
    return np.random.SeedSequence(int(seed))


def node_rng(seed, name: str, chunk_index: int = 0) -> np.random.Generator:
    """The generator of node ``name`` in chunk ``chunk_index`` for ``seed``."""
    root = as_seed_sequence(seed)
    child = np.random.SeedSequence(
        entropy=root.entropy, spawn_key=(*root.spawn_key, stream_key(name), chunk_index)
    )
    return np.random.Generator(np.random.PCG64(child))


@dataclass(frozen=True)
class Node:
    """One structural equation.

    Parameters
    ----------
    name : str
        Column name of the node's value.
    func : callable
        ``func(**parents)`` returning an array of length ``n`` (or a scalar, which is
        broadcast). It may also take ``rng`` (the node's own
        :class:`numpy.random.Generator`), ``n`` (number of people in the chunk) and
        ``out``: an uninitialised float64 array of length ``n`` to write the column
        into and return (draws straight into it, ``rng.standard_normal(out=out)``, and
        in-place arithmetic spare the temporaries that a fresh array per step costs:
        at 10**7 people a new 80 MB array is a fresh memory map, about 1 ms per
        million values of page faults, as much as the arithmetic itself). The engine
        recycles the buffer once no node needs the column, so a node must not keep a
        reference to it.
    parents : tuple of str, optional
        Names of the parent nodes. By default, the function's argument names other
        than ``rng`` and ``n``.
    doc : str
        One line on what the node is, with units.
    stream : str, optional
        Name whose random stream the node draws from (default: its own name). Lets a
        node that takes over another's random draws, when an equation is split in
        two, keep every number of earlier versions.
    draws : bool, optional
        Whether the equation draws random numbers (default: whether ``func`` takes
        ``rng``). A node that does not is a function of its parents person by person,
        so :meth:`Model.evaluate_rows` may compute it for some people only.
    row_draws : bool, optional
        Whether every random number the equation draws is one of a parameter-free array
        of one value per person (``rng.standard_normal(n)``, ``rng.random(n)``,
        ``rng.standard_exponential(n)``), drawn in an order that does not depend on the
        values: then person ``i``'s numbers are the ``i``-th of each array, and
        :meth:`Model.evaluate_rows` may compute the node for some people only by drawing
        the arrays for the whole chunk and keeping their rows (a blood draw's assay
        error on the people a study samples; issue 11). Default False.
    """

    name: str
    func: Callable
    parents: tuple[str, ...] | None = None
    doc: str = ""
    stream: str | None = None
    draws: bool | None = None
    row_draws: bool = False
    _wants: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ModelError(f"node name {self.name!r} must be a Python identifier")
        if not callable(self.func):
            raise ModelError(f"node '{self.name}': func must be callable, got {self.func!r}")
        args = _argument_names(self.func)
        wants = tuple(a for a in _RESERVED if a in args)
        parents = self.parents
        if parents is None:
            parents = tuple(a for a in args if a not in _RESERVED)
        object.__setattr__(self, "parents", tuple(parents))
        object.__setattr__(self, "_wants", wants)
        if self.draws is None:
            object.__setattr__(self, "draws", "rng" in wants)

    def evaluate(self, rng: np.random.Generator, n: int, values: Mapping,
                 out: np.ndarray | None = None) -> np.ndarray:
        """Evaluate the equation on the parents' columns in ``values`` (``out``: the
        buffer for a node that takes one; a new array if not given)."""
        kwargs = {p: values[p] for p in self.parents}
        if "rng" in self._wants:
            kwargs["rng"] = rng
        if "n" in self._wants:
            kwargs["n"] = n
        if "out" in self._wants:
            kwargs["out"] = np.empty(n) if out is None else out
        return _as_column(self.func(**kwargs), n, self.name)

    @property
    def takes_out(self) -> bool:
        """Whether the equation writes into an ``out`` buffer."""
        return "out" in self._wants


def _argument_names(func) -> tuple[str, ...]:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return ()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.name for p in params if p.kind in kinds)


def _as_column(value, n: int, name: str) -> np.ndarray:
    column = np.asarray(value)
    if column.ndim == 0:
        return np.full(n, column[()])
    if column.shape != (n,):
        raise ModelError(f"node '{name}' returned shape {column.shape}; expected ({n},)")
    return column


class _Buffers:
    """Float64 columns of ``n`` people that the engine handed out as ``out`` and may
    recycle: a buffer comes back when the column written into it is no longer needed
    (and no column still alive is a view of it). Only buffers the engine allocated are
    recycled, never arrays a node or a caller made."""

    def __init__(self, n: int):
        self.n = n
        self.free: list[np.ndarray] = []
        self.owned: dict[int, np.ndarray] = {}

    def take(self) -> np.ndarray:
        return self.free.pop() if self.free else np.empty(self.n)

    def handed_out(self, buffer: np.ndarray, column: np.ndarray) -> None:
        if column is buffer:
            self.owned[id(buffer)] = buffer
        elif column.base is not buffer:  # the node returned a new array: reuse its buffer
            self.free.append(buffer)

    def release(self, column: np.ndarray, alive: Mapping) -> None:
        buffer = self.owned.pop(id(column), None)
        if buffer is not None and not any(v is buffer or v.base is buffer
                                          for v in alive.values()):
            self.free.append(buffer)


class Model:
    """A structural causal model: named nodes, evaluated in topological order.

    Models are immutable: :meth:`add_node`, :meth:`replace_node` and :meth:`do`
    return new models and leave the original untouched.

    Parameters
    ----------
    nodes : iterable of Node
    interventions : mapping, optional
        Node name -> value, array or function of the natural value (see :meth:`do`).
    """

    def __init__(self, nodes: Iterable[Node] = (), interventions: Mapping | None = None):
        self.nodes: dict[str, Node] = {}
        for node in nodes:
            if node.name in self.nodes:
                raise ModelError(f"node '{node.name}' is defined twice")
            self.nodes[node.name] = node
        self.interventions = dict(interventions or {})
        self.order = self._topological_order()
        for name in self.interventions:
            self._check_known(name)
        self._row_streams = None  # (rows, chunk size) while evaluate_rows runs

    # ----------------------------------------------------------------- structure
    def _check_known(self, name: str) -> None:
        if name not in self.nodes:
            raise ModelError(f"unknown node '{name}'{nearest(name, self.nodes)}")

    def _topological_order(self) -> tuple[str, ...]:
        for node in self.nodes.values():
            for parent in node.parents:
                if parent not in self.nodes:
                    hint = nearest(parent, self.nodes)
                    raise ModelError(
                        f"node '{node.name}' needs parent '{parent}', which is not in the model"
                        f"{hint}"
                    )
        order, state = [], {}

        def visit(name, path):
            if state.get(name) == "done":
                return
            if state.get(name) == "visiting":
                cycle = path[path.index(name):] + [name]
                raise ModelError("cycle in the causal graph: " + " -> ".join(cycle))
            state[name] = "visiting"
            for parent in self.nodes[name].parents:
                visit(parent, path + [name])
            state[name] = "done"
            order.append(name)

        for name in self.nodes:
            visit(name, [])
        return tuple(order)

    def children(self, name: str) -> tuple[str, ...]:
        """Nodes that have ``name`` as a parent."""
        return tuple(n for n in self.order if name in self.nodes[n].parents)

    def descendants(self, names: Iterable[str]) -> set[str]:
        """All nodes downstream of ``names`` (not including them)."""
        found, frontier = set(), list(names)
        while frontier:
            for child in self.children(frontier.pop()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return found

    def ancestors(self, name: str) -> set[str]:
        """All nodes upstream of ``name``."""
        found, frontier = set(), [name]
        while frontier:
            for parent in self.nodes[frontier.pop()].parents:
                if parent not in found:
                    found.add(parent)
                    frontier.append(parent)
        return found

    def edges(self) -> list[tuple[str, str]]:
        """(parent, child) pairs in topological order, for drawing the DAG."""
        return [(p, n) for n in self.order for p in self.nodes[n].parents]

    # ------------------------------------------------------------------ changes
    def add_node(self, name: str, func: Callable, parents=None, doc: str = "") -> Model:
        """Return a new model with one more node."""
        if name in self.nodes:
            raise ModelError(f"node '{name}' already exists: use replace_node")
        return Model([*self.nodes.values(), Node(name, func, parents, doc)], self.interventions)

    def replace_node(self, name: str, func: Callable, parents=None, doc: str | None = None):
        """Return a new model in which node ``name`` has a new equation."""
        self._check_known(name)
        old = self.nodes[name]
        new = Node(name, func, parents, old.doc if doc is None else doc, old.stream)
        nodes = [new if n.name == name else n for n in self.nodes.values()]
        return Model(nodes, self.interventions)

    def do(self, **interventions) -> Model:
        """Return the model under the intervention ``do(node = value)``.

        Each value may be a scalar (everyone gets it), an array of length ``n``
        (unchunked sampling only), or a function of the node's natural value, e.g.
        ``do(vitd_mean_nmol=lambda natural: natural + 25)``. The natural value is
        computed with the node's own noise, so the intervened population is the same
        people in a different world.
        """
        for name in interventions:
            self._check_known(name)
        return Model(self.nodes.values(), {**self.interventions, **interventions})

    def affected_by_interventions(self) -> set[str]:
        """Nodes whose values may differ from the natural model's."""
        names = set(self.interventions)
        return names | self.descendants(names)

    # ----------------------------------------------------------------- sampling
    def evaluate(self, n: int, seed, chunk_index: int = 0, reuse=None, keep=None) -> dict:
        """Evaluate every node for ``n`` people; return ``{name: column}``.

        Parameters
        ----------
        n : int
            Number of people in this chunk.
        seed : int or numpy.random.SeedSequence
        chunk_index : int
            Which chunk's streams to use (0 for unchunked sampling).
        reuse : mapping, optional
            Columns of the *same* people (same seed and chunk) in the natural world:
            unaffected columns found there are copied rather than recomputed, and their
            ancestors are not evaluated at all. Intervened nodes and their descendants
            are always recomputed from their parents (an identity intervention is how
            a caller marks nodes whose parameters changed). The result is identical
            either way, because each node has its own stream: only the cost changes
            (the estimand of an onset design re-evaluates only the nodes from
            ``vitd_mean_nmol`` to ``ms_log_hazard_ratio``; see
            :func:`simlib.designs.common.shifted_hazard_inputs`).
        keep : iterable of str, optional
            Columns to return. Only these and their ancestors are evaluated, and
            intermediate columns are freed as soon as no node needs them.
        """
        n = check_size(n)
        reuse = {} if reuse is None else reuse
        reusable = set(reuse) - self.affected_by_interventions()
        known = reusable | self._constant_interventions()
        keep, needed = self._needed(keep, known)
        readers = needed - known  # the nodes that read their parents' columns
        last_use = self._last_use(readers)
        values: dict[str, np.ndarray] = {}
        buffers = _Buffers(n)
        for position, name in enumerate(self.order):
            if name not in needed:
                continue
            if name in reusable:
                values[name] = np.asarray(reuse[name])
            else:
                values[name] = self._evaluate_node(name, n, seed, chunk_index, values, buffers)
            if name not in readers:
                continue
            for parent in self.nodes[name].parents:
                if parent not in keep and last_use[parent] == position:
                    buffers.release(values.pop(parent), values)
        return {name: values[name] for name in self.order if name in keep}

    def evaluate_rows(self, rows, seed, reuse: Mapping, keep, chunk_index: int = 0,
                      chunk_size: int | None = None) -> dict:
        """Evaluate ``keep`` for the people at positions ``rows`` of a chunk only.

        ``reuse`` holds whole columns of the chunk in the natural world (as in
        :meth:`evaluate`); the nodes to recompute must not draw random numbers
        (``Node.draws``), because a draw's value depends on the whole chunk's stream,
        unless they draw row by row (``Node.row_draws``) and ``chunk_size`` (the number
        of people in the chunk) is given: their arrays are drawn for the whole chunk
        (cheap) and only the rows' values are computed from them (``rows`` may repeat).
        Each person's values are then exactly those :meth:`evaluate` gives them with
        the whole chunk, at the cost of ``len(rows)`` people: what an estimand computed
        on a sample needs. A callable intervention on a node in ``reuse`` (with no
        intervention above it) is applied to the reused natural value, person by
        person, e.g. ``do(vitd_mean_nmol=lambda natural: natural + 25)``.

        Raises
        ------
        ModelError
            A node to recompute draws random numbers, or an intervention is an array.
        """
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        intervened = set(self.interventions)
        applied = {name: value for name, value in self.interventions.items()
                   if callable(value) and name in reuse and not self.ancestors(name) & intervened}
        reusable = (set(reuse) - self.affected_by_interventions()) | set(applied)
        keep, needed = self._needed(keep, reusable | self._constant_interventions())
        for name in sorted(needed - reusable):
            value = self.interventions.get(name)
            if np.ndim(value) > 0 and not callable(value):
                raise ModelError(f"evaluate_rows: the intervention on '{name}' is an array; "
                                 "give a scalar or a function")
            node = self.nodes[name]
            row_wise = node.row_draws and chunk_size is not None
            if (name not in self.interventions or callable(value)) and node.draws \
                    and not row_wise:
                raise ModelError(f"evaluate_rows: node '{name}' draws random numbers, which "
                                 "depend on the whole chunk's stream: evaluate every row")
        part = {name: np.asarray(reuse[name])[rows] for name in needed & reusable}
        fixed = {name: _as_column(value(part.pop(name)), len(rows), name)
                 for name, value in applied.items() if name in part}
        model = Model(self.nodes.values(), {**self.interventions, **fixed})
        model._row_streams = None if chunk_size is None else (rows, check_size(chunk_size))
        return model.evaluate(len(rows), seed, chunk_index, reuse=part, keep=keep)

    def _evaluate_node(self, name, n, seed, chunk_index, values, buffers=None) -> np.ndarray:
        node = self.nodes[name]
        rng = node_rng(seed, node.stream or name, chunk_index)
        if node.row_draws and self._row_streams is not None:
            rng = _RowStream(rng, *self._row_streams)
        out = buffers.take() if buffers is not None and node.takes_out else None
        if name not in self.interventions:
            column = node.evaluate(rng, n, values, out)
        else:
            value = self.interventions[name]
            if callable(value):
                column = _as_column(value(node.evaluate(rng, n, values, out)), n, name)
            else:
                column = _as_column(value, n, name)
        if out is not None:
            buffers.handed_out(out, column)
        return column

    def _constant_interventions(self) -> set[str]:
        """Intervened nodes whose value needs no parents (a constant or an array)."""
        return {name for name, value in self.interventions.items() if not callable(value)}

    def _needed(self, keep, known=frozenset()) -> tuple[set, set]:
        """(columns to return, nodes to evaluate: those columns and the ancestors they
        need). A node in ``known`` (copied from ``reuse``, or an intervention that does
        not read its parents) needs none of its ancestors."""
        if keep is None:
            keep = set(self.order)
        keep = set(keep)
        for name in keep:
            self._check_known(name)
        needed, frontier = set(), list(keep)
        while frontier:
            name = frontier.pop()
            if name in needed:
                continue
            needed.add(name)
            if name not in known:
                frontier.extend(self.nodes[name].parents)
        return keep, needed

    def _last_use(self, readers) -> dict[str, int]:
        """Position (in the order) of the last node that reads each column."""
        position = {name: i for i, name in enumerate(self.order)}
        last = {name: position[name] for name in self.order}
        for name in filter(readers.__contains__, self.order):
            for parent in self.nodes[name].parents:
                last[parent] = max(last[parent], position[name])
        return last

    def sample(self, n: int, seed, columns=None, reuse=None) -> pd.DataFrame:
        """Sample ``n`` people in one chunk (chunk 0) and return a DataFrame."""
        import pandas as pd
        return pd.DataFrame(self.evaluate(n, seed, 0, reuse=reuse, keep=columns), copy=False)

    def iter_chunks(self, n: int, seed, chunk_size: int, columns=None) -> Iterator[pd.DataFrame]:
        """Yield the population in chunks of ``chunk_size`` people (the last may be smaller).

        Chunk ``k`` uses streams ``(seed, node, k)``; the same ``chunk_size`` always
        gives the same people.
        """
        import pandas as pd
        n, chunk_size = check_size(n), check_size(chunk_size, "chunk_size")
        for index, start in enumerate(range(0, n, chunk_size)):
            size = min(chunk_size, n - start)
            yield pd.DataFrame(self.evaluate(size, seed, index, keep=columns), copy=False)


class _RowStream:
    """A node's generator for some rows of a chunk: each array is drawn for the whole
    chunk, in the same order as a full evaluation, and only the rows are handed back
    (``Node.row_draws``)."""

    METHODS = ("standard_normal", "random", "standard_exponential")

    def __init__(self, rng: np.random.Generator, rows, chunk_size: int):
        self._rng, self._rows, self._chunk_size = rng, rows, chunk_size

    def __getattr__(self, method: str):
        if method not in self.METHODS:
            raise ModelError(f"a node that draws row by row (row_draws=True) called "
                             f"rng.{method}; allowed: {', '.join(self.METHODS)} of n values")
        draw = getattr(self._rng, method)

        def rows_of_the_chunk(size=None, **kwargs):
            if size != len(self._rows):
                raise ModelError(f"a node that draws row by row drew rng.{method}({size!r}); "
                                 "it must draw one value per person (n)")
            return draw(self._chunk_size, **kwargs)[self._rows]
        return rows_of_the_chunk


def check_size(n, name: str = "n") -> int:
    """Check a number of people (or chunk size): a whole number >= 1."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError(f"{name} = {n!r} is not allowed: use a whole number >= 1")
    return int(n)
