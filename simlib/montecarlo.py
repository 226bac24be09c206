"""Monte Carlo: replicate a design, diagnose its estimator, sweep a grid of parameters.

:func:`replicate` gives a tidy table, one row per replicate; :func:`diagnose` turns it
into bias, empirical and model SE, RMSE, coverage and power with their Monte Carlo
standard errors (:mod:`simlib.diagnosis`); :func:`sweep` runs :func:`replicate` over a
grid of scenario parameters and design options, with the same seed at every point
(common random numbers).

Replicate ``i`` of a run with seed ``s`` uses the streams ``replicate_streams(s, i)``,
so a table is identical serially, in processes or on Dask, whatever the chunking.
Other processes receive a small picklable task naming the design; they import
:mod:`simlib.designs` and the module defining the design's ``sample`` function, which
must register the design on import (designs defined in a script's ``__main__`` run
serially or in fork-started processes only).

References
----------
Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate statistical
methods. Stat Med 2019;38:2074-2102. doi:10.1002/sim.8086
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import importlib
import itertools
import math
import numbers
import os
import signal
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .designs.base import Design, check_not_shadowed, get_design, run_study
from .diagnosis import diagnose, diagnosis_record, usable  # noqa: F401  (public API)
from .errors import ParameterError, SimlibError
from .limits import HARD_MAX_REPS
from .pools import results_as_completed
from .scenario import Scenario
from .timing import phase

META = ("design", "estimator", "scenario", "seed")
FITTED = ("estimate", "se", "ci_low", "ci_high", "p_value")
NUMBERS = ("estimand_value", *FITTED)
SCHEMA = {"rep": "int64", "design": "str", "estimator": "str", "scenario": "str",
          "seed": "int64", "estimand": "str", "estimand_value": "float64", "scale": "str",
          "estimate": "float64", "se": "float64", "ci_low": "float64", "ci_high": "float64",
          "p_value": "float64", "n": "Int64", "n_cases": "Int64", "converged": "bool",
          "reason": "str", "error": "str", "warning": "str"}
RESULTS = tuple(c for c in SCHEMA if c != "rep" and c not in META)


@dataclass(frozen=True)
class _Task:
    """A picklable unit of work: some replicates of one grid point."""

    scenario: Scenario
    design: str
    modules: tuple[str, ...]
    options: dict
    estimator: str
    seed: int
    reps: tuple[int, ...]
    point: int = 0
    world: object = None  # a custom Model (serial runs only)


def replicate(scenario: Scenario, design: str | Design, reps: int, seed: int, *,
              estimator: str | None = None, options: dict | None = None,
              executor: cf.Executor | None = None, workers: int | None = None,
              checkpoint: str | os.PathLike | None = None, progress: bool = True,
              chunk: int | None = None, world=None) -> pd.DataFrame:
    """Run a design and an estimator on ``reps`` replicates: a tidy table.

    Parameters
    ----------
    scenario : Scenario
        The world's parameters.
    design : str or Design
        A registered design (name or record).
    reps : int
        Number of replicates (>= 1).
    seed : int
        Seed of the run (>= 0); replicate ``i`` uses ``replicate_streams(seed, i)``.
    estimator : str, optional
        One of the design's estimators; the design's default if None.
    options : dict, optional
        Design options (e.g. ``{"population": 100_000}``).
    executor : concurrent.futures.Executor, optional
        Any executor, e.g. ``dask.distributed.Client(...).get_executor()``; not shut down.
    workers : int, optional
        Processes of a ``ProcessPoolExecutor`` made (and shut down) here if no
        ``executor`` is given; None or 1 runs in this process.
    checkpoint : path, optional
        A ``.csv`` file to which finished replicates are appended; a rerun with the same
        file reads them back instead of recomputing them. A file written by another
        design, estimator, scenario, seed or options raises :class:`SimlibError`.
    progress : bool
        Show a tqdm progress bar on stderr.
    chunk : int, optional
        Replicates per task sent to a worker (default about ``reps / (4 workers)``).
    world : simlib.scm.Model, optional
        A world you built or extended yourself (``build_world(scenario).add_node(...)``);
        runs serially only, since such a model cannot be sent to other processes.
        Design options that set scenario parameters (``regions``) do not apply to it.

    Returns
    -------
    pandas.DataFrame
        One row per replicate, sorted by ``rep``: ``rep, design, estimator, scenario,
        seed, estimand, estimand_value, scale, estimate, se, ci_low, ci_high, p_value,
        n, n_cases, converged, reason, error, warning``. A replicate that raised has
        ``converged`` False, NaN numbers and ``error`` = ``"Type: message"`` (or, for a
        sample a design cannot analyse, the design's reason); ``warning`` holds the
        NumPy / statsmodels warnings the replicate raised (``"; "``-separated), which
        are captured there, not printed. Count failures with :func:`failure_counts`.

    Examples
    --------
    >>> table = replicate(load_scenario("causal"), "cohort", reps=200, seed=1,
    ...                   workers=2)  # doctest: +SKIP
    >>> diagnose(table)  # doctest: +SKIP
    """
    return _run(scenario, design, {}, reps, seed, estimator, options, executor, workers,
                checkpoint, progress, chunk, world)


def sweep(scenario: Scenario, design: str | Design, grid: dict, reps: int, seed: int, *,
          estimator: str | None = None, options: dict | None = None,
          executor: cf.Executor | None = None, workers: int | None = None,
          checkpoint: str | os.PathLike | None = None, progress: bool = True,
          chunk: int | None = None) -> pd.DataFrame:
    """Run :func:`replicate` at every point of a grid, with the same seed at every point.

    Parameters
    ----------
    grid : dict
        ``{"section.key": [values], "option.name": [values]}``: scenario parameters
        and (prefixed ``option.``) design options; every combination is run.
    scenario, design, reps, seed
        As for :func:`replicate`; the same seed is used at every point.
    estimator, options, executor, workers, checkpoint, progress, chunk
        As for :func:`replicate`; one checkpoint file holds every (point, replicate).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`replicate` plus one column per grid key, one row per
        (grid point, replicate), in grid order then replicate order. Summarise with
        ``diagnose(table, by=list(grid))``.
    """
    if not isinstance(grid, dict) or not grid:
        raise ParameterError("grid must be a non-empty dict of key -> list of values")
    return _run(scenario, design, grid, reps, seed, estimator, options, executor, workers,
                checkpoint, progress, chunk)


# ------------------------------------------------------------------ running
def _run(scenario, design, grid, reps, seed, estimator, options, executor, workers,
         checkpoint, progress, chunk, world=None):
    for name, value, low in (("reps", reps, 1), ("seed", seed, 0), ("workers", workers, 1),
                             ("chunk", chunk, 1)):
        if value is not None or name in ("reps", "seed"):
            _check_whole(name, value, low)
    if reps > HARD_MAX_REPS:
        raise ParameterError(f"reps = {reps:,} is not allowed: at most {HARD_MAX_REPS:,} "
                             "(the table alone would not fit in memory)")
    if world is not None and (executor is not None or (workers or 1) > 1):
        raise ParameterError("a custom world (a model with nodes you changed) runs serially "
                             "only: use workers=1 and no executor")
    design = _load_design(design if isinstance(design, str) else design.name, ())
    estimator = estimator or design.default_estimator
    design.estimator(estimator)
    points = _points(scenario, design, grid, options or {})
    meta = {"design": design.name, "estimator": estimator, "scenario": scenario.name,
            "seed": int(seed),
            "fingerprint": _fingerprint(scenario, design, options, estimator, world, grid)}
    columns = ["rep", *grid, *meta, *RESULTS]
    done = _load_checkpoint(checkpoint, meta, columns, list(grid), points)
    done = {key: row for key, row in done.items() if key[1] < reps}
    todo = [(p, r) for p in range(len(points)) for r in range(reps) if (p, r) not in done]
    workers = workers or ((os.cpu_count() or 1) if executor is not None else 1)
    size = chunk or (1 if workers == 1 else max(1, min(100, len(todo) // (4 * workers))))
    tasks = _tasks(todo, size, points, design, estimator, int(seed), world)
    with tqdm(total=len(points) * reps, initial=len(done), disable=not progress,
              file=sys.stderr, unit="rep", desc=design.name) as bar:
        for rows in _execute(tasks, executor, workers):
            _append(checkpoint, _frame(rows, points, grid, meta, columns))
            done.update({(row["point"], row["rep"]): row for row in rows})
            bar.update(len(rows))
    rows = [done[p, r] for p in range(len(points)) for r in range(reps)]
    return _frame(rows, points, grid, meta, columns).drop(columns="fingerprint")


def _tasks(todo, size, points, design, estimator, seed, world=None) -> list[_Task]:
    """Batches of at most ``size`` replicates of one grid point each."""
    modules = tuple(m for m in (design.sample.__module__,) if m != "__main__")
    tasks = []
    for point, pairs in itertools.groupby(todo, key=lambda pair: pair[0]):
        reps = [rep for _, rep in pairs]
        tasks += [_Task(points[point][1], design.name, modules, points[point][2], estimator,
                        seed, tuple(reps[i:i + size]), point, world)
                  for i in range(0, len(reps), size)]
    return tasks


def _check_whole(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ParameterError(f"{name} = {value!r} is not allowed: use a whole number >= {low}")


def _load_design(name: str, modules: tuple[str, ...]) -> Design:
    """Import the built-in designs and ``modules`` (which register designs), then look up."""
    try:
        importlib.import_module("simlib.designs")
    except ModuleNotFoundError as err:
        if err.name != "simlib.designs":
            raise
    for module in modules:
        importlib.import_module(module)
    return get_design(name)


def check_grid(scenario: Scenario, design: str | Design, grid: dict,
               options: dict | None = None) -> None:
    """Check every point of a sweep's ``grid`` (keys, values, combinations) without
    running it: raises :class:`~simlib.errors.ParameterError` like :func:`sweep`."""
    design = get_design(design) if isinstance(design, str) else design
    _points(scenario, design, grid, options or {})


def _points(scenario, design, grid, options):
    """``(values, scenario, options)`` of every grid point, each key checked."""
    axes = []
    for key, values in grid.items():
        if not isinstance(key, str) or not isinstance(values, list | tuple) or not values:
            raise ParameterError(f"grid[{key!r}] must be a non-empty list of values of a "
                                 "'section.key' or 'option.name'")
        axes.append(list(values))
    # every value is checked in the combinations it runs in, not alone against the
    # defaults: option.age_low=60 with option.age_high=80 is a valid grid
    return [(combo, *_apply(scenario, design, options, dict(zip(grid, combo, strict=True))))
            for combo in itertools.product(*axes)]


def _apply(scenario, design, options, values):
    """Scenario and options with grid ``values`` applied (``option.`` keys are options)."""
    prefix = "option."
    chosen = {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}
    options = {**options, **chosen}
    design.resolve_options(options)
    changes = {k: v for k, v in values.items() if not k.startswith(prefix)}
    scenario = scenario.with_values(changes) if changes else scenario
    check_not_shadowed(design, scenario, options, keys=changes)
    return scenario, options


def _fingerprint(scenario, design, options, estimator, world=None, grid=None) -> str:
    """Short hash of the scenario's parameters, the resolved options and the estimator
    (and of a custom world's graph, and of a sweep's grid: resuming a sweep with other
    grid values is refused like any other change of settings)."""
    resolved = sorted(design.resolve_options(options).items())
    graph = None if world is None else world.edges()
    axes = [(key, [canonical_value(v) for v in values]) for key, values in (grid or {}).items()]
    text = repr((scenario.to_toml(), resolved, estimator, graph) + ((axes,) if axes else ()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _execute(tasks, executor, workers):
    """Yield each task's rows as tasks finish, in this process or on an executor."""
    if executor is None and workers == 1:
        yield from map(_run_task, tasks)
        return
    pool = (cf.ProcessPoolExecutor(workers, initializer=init_worker)
            if executor is None else executor)
    futures = [pool.submit(_run_task, task) for task in tasks]
    # interrupted or failed: our own workers stop now, not after their running tasks
    yield from results_as_completed(pool, futures, owned=executor is None)


def init_worker() -> None:
    """Worker initializer: one BLAS thread per worker, and the signals of a worker.

    The workers already use every core, so a threaded BLAS in each (OpenBLAS starts one
    thread per core) only makes them compete: with two workers on two cores, 120 cohort
    replicates with Cox fits took 37 s with threaded BLAS and 27.5 s with one thread
    (issue 11). Ctrl-C reaches the whole process group, but only the parent should
    handle it (it keeps the finished replicates and stops the workers); SIGTERM, which
    the parent uses to stop a worker, must kill it (a forked worker inherits the command
    line's SIGTERM handler, which would turn it into a caught exception).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_task(task: _Task) -> list[dict]:
    """Worker entry point: the rows of the task's replicates."""
    design = _load_design(task.design, task.modules)
    return [_run_one(task, design, rep) for rep in task.reps]


def _run_one(task: _Task, design: Design, rep: int) -> dict:
    """One replicate's row; any exception is recorded, not raised; warnings are captured."""
    row = {"rep": rep, "point": task.point, "estimand": "", "scale": "", "converged": False,
           "reason": "", "error": "", "warning": "", "n": None, "n_cases": None,
           **dict.fromkeys(NUMBERS, math.nan)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            study = run_study(task.scenario, design, task.seed, rep, task.options,
                              world=task.world)
            truth = study.estimand_for(task.estimator or design.default_estimator)
            row.update(estimand=truth.name, estimand_value=float(truth.value),
                       scale=truth.scale)
            with phase("fit"):
                fit = design.estimator(task.estimator)(study)
            row.update({k: float(getattr(fit, k)) for k in FITTED})
            row.update(n=int(fit.n), n_cases=int(fit.n_cases), converged=bool(fit.converged),
                       reason=str(fit.reason), scale=truth.scale or fit.scale)
        except SimlibError as err:  # a sample the design cannot analyse: its reason
            row.update(converged=False, error=" ".join(str(err).split()))
        except Exception as err:
            message = " ".join(str(err).split())
            name = type(err).__name__
            row.update(converged=False, error=f"{name}: {message}" if message else name)
    row["warning"] = "; ".join(dict.fromkeys(_warning_text(w) for w in caught))
    return row


def _warning_text(caught: warnings.WarningMessage) -> str:
    return f"{caught.category.__name__}: {' '.join(str(caught.message).split())}"[:200]


def failure_counts(table: pd.DataFrame) -> dict[str, int]:
    """Failed replicates counted by reason, most frequent first.

    A replicate fails when its fit did not converge (``reason``) or it raised
    (``error``); replicates that converged are not counted.

    Examples
    --------
    >>> failure_counts(table)  # doctest: +SKIP
    {'no MS cases in this sample: raise n or follow-up': 3}
    """
    failed = table[~usable(table)]
    reasons = [error or reason or "failed without a reason"
               for error, reason in zip(failed["error"].fillna(""), failed["reason"].fillna(""),
                                        strict=True)]
    return dict(Counter(reasons).most_common())


def warning_counts(table: pd.DataFrame) -> dict[str, int]:
    """Replicates counted by each warning they raised (captured, not printed)."""
    texts = [w for cell in table["warning"].fillna("") for w in cell.split("; ") if w]
    return dict(Counter(texts).most_common())


def describe_failures(table: pd.DataFrame) -> str:
    """``"3 of 50 replicates failed: no MS cases in the sample (2), ..."``, or ``""``."""
    counts = failure_counts(table)
    if not counts:
        return ""
    total = sum(counts.values())
    listed = ", ".join(f"{reason} ({count})" for reason, count in counts.items())
    return f"{total} of {len(table)} replicates failed: {listed}"


def _frame(rows, points, grid, meta, columns) -> pd.DataFrame:
    """Rows as a table with fixed columns and dtypes (grid values taken from the grid)."""
    table = pd.DataFrame(rows, columns=[*SCHEMA, "point"])
    for key, meta_value in meta.items():
        table[key] = meta_value
    for i, key in enumerate(grid):
        table[key] = pd.Series([points[p][0][i] for p in table["point"]], dtype=object)
        table[key] = table[key].infer_objects()
    for key in ("estimand", "scale", "reason", "error", "warning"):
        table[key] = table[key].astype(object).fillna("")
    return table.astype(SCHEMA)[columns].reset_index(drop=True)


# ------------------------------------------------------------------ checkpoints
def canonical_value(value) -> str:
    """A grid value as text, the same whether given or read back from a CSV file
    (``1``, ``1.0`` and ``"1.0"`` are one value)."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def _load_checkpoint(path, meta, columns, keys, points) -> dict:
    """Rows already in the checkpoint, by (point, rep); checks it belongs to this run."""
    if path is None:
        return {}
    path = Path(path)
    if path.suffix != ".csv" or not path.parent.is_dir():
        raise ParameterError(f"checkpoint {str(path)!r} is not allowed: use a .csv file "
                             "in an existing folder")
    if not path.exists() or path.stat().st_size == 0:
        return {}
    _repair(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    written = table.iloc[0] if len(table) and set(meta) <= set(table.columns) else None
    mismatch = list(table.columns) != columns or any(
        canonical_value(found) != canonical_value(expected)
        for key, expected in meta.items() for found in table[key].unique())
    if mismatch:
        was = "another run" if written is None else _describe(written)
        raise SimlibError(f"checkpoint {path} was written for {was}, not {_describe(meta)}: "
                          "use another file or delete it")
    for key in ("rep", "seed", "n", "n_cases", *NUMBERS):
        table[key] = [float(v) if v else math.nan for v in table[key]]  # exact round trip
    table["converged"] = table["converged"] == "True"
    index = {tuple(map(canonical_value, values)): p for p, (values, _, _) in enumerate(points)}
    done = {}
    for row in table.to_dict("records"):
        point = index.get(tuple(canonical_value(row[k]) for k in keys))
        if point is not None:
            done[point, int(row["rep"])] = {**row, "point": point}
    return done


def _describe(meta) -> str:
    return (f"design {meta['design']} (estimator {meta['estimator']}, scenario "
            f"{meta['scenario']}, settings {meta['fingerprint']}) seed {meta['seed']}")


def _repair(path: Path) -> None:
    """Drop a partly written last line left by an interrupted run."""
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def _append(path, table: pd.DataFrame) -> None:
    """Append whole rows to the checkpoint (header if new), flushed to disk."""
    if path is None:
        return
    path = Path(path)
    header = not path.exists() or path.stat().st_size == 0
    text = table.to_csv(index=False, header=header, lineterminator="\n")
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
