"""Run one notebook's kernel: start it, execute, and never leave it running.

:func:`simlib.notebooks.execute` builds an nbclient ``NotebookClient`` and hands it to
:func:`_run_client`, which runs it on a private asyncio event loop. The kernel is always
shut down, and killed if it lingers, however the execution ends: the last cell, a failing
cell, an exception, or Ctrl-C.

Why not nbclient's own loop
    nbclient's ``async_setup_kernel`` replaces SIGINT and SIGTERM with handlers that shut
    the kernel down but raise nothing: Ctrl-C then surfaced as ``DeadKernelError`` or an
    ``AssertionError`` with a page of zmq tracebacks. The client class here
    (:func:`_client_class`) sets up the kernel without those handlers.
Ctrl-C
    The first SIGINT cancels the execution and nbclient's cleanup shuts the kernel down
    immediately; after :data:`INTERRUPT_GRACE_SECONDS`, or on a second SIGINT, the kernel's
    process group is killed (:func:`_kill_kernel`). Then ``KeyboardInterrupt`` is raised.

nbclient is imported on first use, so importing this module starts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

INTERRUPT_GRACE_SECONDS = 5.0  # longest wait for nbclient's cleanup after Ctrl-C


def _client_class():
    """NotebookClient without nbclient's signal handlers (made on first use: lazy import)."""
    global _CLIENT_CLASS
    if _CLIENT_CLASS is None:
        from nbclient import NotebookClient
        from nbclient.util import run_hook

        class Client(NotebookClient):
            @contextlib.asynccontextmanager
            async def async_setup_kernel(self, **kwargs):
                """Start kernel and client; always shut both down (``finally``)."""
                cleanup_kc = kwargs.pop("cleanup_kc", self.owns_km)
                if self.km is None:
                    self.km = self.create_kernel_manager()
                try:
                    if not self.km.has_kernel:
                        await self.async_start_new_kernel(**kwargs)
                    if self.kc is None:
                        await self.async_start_new_kernel_client()
                    yield
                finally:
                    if cleanup_kc and self.km is not None:
                        await self._async_cleanup_kernel()
                    await run_hook(self.on_notebook_complete, notebook=self.nb)

        _CLIENT_CLASS = Client
    return _CLIENT_CLASS


_CLIENT_CLASS = None


def _run_client(client) -> None:
    """``client.execute()`` on a private event loop; Ctrl-C kills the kernel, then raises.

    On the first SIGINT the execution is cancelled and nbclient's cleanup shuts the kernel
    down immediately; if that takes longer than :data:`INTERRUPT_GRACE_SECONDS`, or on a
    second SIGINT, the kernel's process group is killed. Any other way out (an exception,
    a KeyboardInterrupt raised by a Python-level signal handler such as the command line's
    SIGTERM handler) also ends with no kernel left running.
    """
    if client.km is None:
        client.km = client.create_kernel_manager()  # kept: nbclient forgets it on cleanup
    km = client.km
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # called from a running loop (inside Jupyter): nbclient runs it in a thread
        try:
            client.execute()
        finally:
            _kill_kernel(km)
        return
    loop = asyncio.new_event_loop()
    task = loop.create_task(client.async_execute())
    interrupted = []  # the grace timer, once Ctrl-C was pressed

    def force_stop():
        _kill_kernel(km)
        raise KeyboardInterrupt

    def on_sigint():
        if interrupted:  # second Ctrl-C: stop waiting for the cleanup
            force_stop()
        client.shutdown_kernel = "immediate"
        task.cancel()
        interrupted.append(loop.call_later(INTERRUPT_GRACE_SECONDS, force_stop))

    handled = False
    try:
        with contextlib.suppress(RuntimeError, ValueError, NotImplementedError):
            loop.add_signal_handler(signal.SIGINT, on_sigint)  # main thread, POSIX only
            handled = True
        try:
            loop.run_until_complete(task)
        except BaseException:
            if interrupted:
                raise KeyboardInterrupt from None
            raise
        if interrupted:  # Ctrl-C as the last cell finished
            raise KeyboardInterrupt
    finally:
        try:
            for timer in interrupted:
                timer.cancel()
            if handled:
                loop.remove_signal_handler(signal.SIGINT)
            if not task.done():  # left by an exception raised outside the task
                client.shutdown_kernel = "immediate"
                task.cancel()
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(asyncio.wait({task}, timeout=INTERRUPT_GRACE_SECONDS))
                if task.done() and not task.cancelled():
                    task.exception()  # retrieved: no "Task exception was never retrieved"
            _close_loop(loop)
        finally:
            _kill_kernel(km)


def _close_loop(loop) -> None:
    """Cancel what is left on ``loop`` (nbclient's polling tasks) and close it."""
    with contextlib.suppress(BaseException):
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for leftover in pending:
            leftover.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
        loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _kill_kernel(km) -> None:
    """Kill the kernel's process group if it is still running (no orphan kernels)."""
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    if process is None or process.poll() is not None:
        return
    try:
        pgid = getattr(provisioner, "pgid", None)
        if pgid and hasattr(os, "killpg"):
            os.killpg(pgid, signal.SIGKILL)  # the kernel and what it started
        else:
            process.kill()
    except OSError:
        with contextlib.suppress(OSError):
            process.kill()
    with contextlib.suppress(Exception):  # subprocess.TimeoutExpired: nothing more to do
        process.wait(timeout=2)
    with contextlib.suppress(Exception):
        km.cleanup_connection_file()
