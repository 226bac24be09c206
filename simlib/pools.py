"""Results from a process pool as they finish, and a pool that stops with its caller.

Shared by the Monte Carlo engine (:mod:`simlib.montecarlo`) and the report
(:mod:`simlib.notebooks`): both run tasks on worker processes, hand back each result
as soon as it is ready, and, when the caller stops early (a failed task, Ctrl-C, a
consumer that stops reading), must not wait for the workers' running tasks to finish.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator


def results_as_completed(pool: cf.Executor, futures: list[cf.Future],
                         owned: bool = True) -> Iterator:
    """Yield each future's result as it finishes.

    If the caller stops early, the futures not yet started are cancelled and, for a
    pool this process ``owned`` (made for these tasks, not a user's executor), its
    workers are terminated at once (their running tasks are lost, by design) before
    the pool is shut down.
    """
    finished = False
    try:
        for future in cf.as_completed(futures):
            yield future.result()
        finished = True
    finally:
        for future in futures:
            future.cancel()
        if owned:
            if not finished:
                terminate_workers(pool)
            pool.shutdown(wait=True, cancel_futures=True)


def terminate_workers(pool: cf.Executor) -> None:
    """Send SIGTERM to a process pool's workers (nothing for other executors)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
