"""A JupyterLab server for the browser tests, started and stopped by the tests themselves.

:func:`lab_server` starts ``jupyter lab`` on 127.0.0.1, on a free port, with a random
token, a temporary runtime, config, settings and workspaces directory, and stops it (by its
process id) when the ``with`` block ends, whatever happened inside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
STARTUP_SECONDS = 90
# JupyterLab user settings for the tests: no news pop-up (it covers part of the page) and
# no update check (no network). The default viewer of .py files is NOT set here: it comes
# from the environment's overrides.json (written by `make venv`), as for `make lab`.
TEST_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def in_ci() -> bool:
    """True on a CI runner (``CI=true``): missing browser tools fail instead of skipping."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(message: str):
    """Skip locally with ``message``; fail in CI, where the browser test must run."""
    if in_ci():
        pytest.fail(f"CI=true, but {message}", pytrace=False)
    pytest.skip(message)


def jupyter_command() -> list[str]:
    """The ``jupyter`` of this environment (``.venv/bin/jupyter``, as ``make lab`` runs it)."""
    beside = Path(sys.executable).with_name("jupyter")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jupyter")
    return [found] if found else [sys.executable, "-m", "jupyter"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path  # the directory it serves
    process: subprocess.Popen
    log: Path

    def api(self, path: str, method: str = "GET", timeout: float = 10.0):
        """(status, decoded JSON or None) of a REST call authenticated by the token header."""
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
                return response.status, json.loads(body) if body else None
        except urllib.error.HTTPError as error:
            return error.code, None

    def log_tail(self, chars: int = 3000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-chars:]

    def shutdown_kernels(self):
        """Shut down every kernel of the server (one notebook's kernel must not slow the next)."""
        status, kernels = self.api("/api/kernels")
        for kernel in kernels if status == 200 else []:
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE", timeout=30)


def _wait_until_serving(lab: Lab):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with status {lab.process.returncode} "
                               f"before serving:\n{lab.log_tail()}")
        try:
            status, _ = lab.api("/api/status", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"jupyter lab did not answer within {STARTUP_SECONDS} s:\n"
                       f"{lab.log_tail()}")


def _stop(lab: Lab):
    """Stop the server we started, by its process id: its kernels through its API, then
    SIGTERM (it shuts down what is left), SIGKILL if it does not exit within 20 s."""
    process = lab.process
    if process.poll() is None:
        with contextlib.suppress(OSError):
            lab.shutdown_kernels()
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def lab_server(root: Path, *, cwd: Path | None = None, env: dict | None = None,
               user_settings: dict | None = None):
    """Run ``jupyter lab ROOT`` for the duration of the block; yield a :class:`Lab`.

    ``ROOT`` is passed as ``make lab`` passes ``notebooks``, relative to ``cwd`` when given.
    """
    token = secrets.token_hex(24)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="vitd-lab-") as tmp:
        tmp = Path(tmp)
        settings = tmp / "user-settings"
        for name, values in (user_settings or {}).items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        server_env = {**os.environ, **(env or {}),
                      "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
                      # no personal config, kernels or extensions: what this environment has
                      "JUPYTER_CONFIG_DIR": str(tmp / "config"),
                      "JUPYTER_DATA_DIR": str(tmp / "data"),
                      "JUPYTERLAB_SETTINGS_DIR": str(settings),
                      "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
                      "PYTHONUNBUFFERED": "1"}
        command = jupyter_command() + [
            "lab", str(root), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        log = tmp / "server.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(command, cwd=cwd, env=server_env, stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        lab = Lab(url=f"http://127.0.0.1:{port}", token=token,
                  root=(cwd / root) if cwd else root, process=process, log=log)
        try:
            _wait_until_serving(lab)
            yield lab
        finally:
            _stop(lab)
