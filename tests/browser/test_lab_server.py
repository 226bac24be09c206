"""The server `make lab` starts (`jupyter lab notebooks` from the repository root) serves the
twelve notebooks, as notebooks, to a client holding the token (no browser needed)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from labserver import NOTEBOOK_DIR, ROOT, lab_server

pytestmark = pytest.mark.browser

EXPECTED = [f"{number:02d}" for number in range(12)]


@pytest.fixture(scope="module")
def make_lab_server():
    """`jupyter lab notebooks`, run from the repository root as `make lab` runs it."""
    with lab_server("notebooks", cwd=ROOT) as lab:
        yield lab


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def test_contents_api_lists_the_notebooks(make_lab_server):
    lab = make_lab_server
    status, listing = get(f"{lab.url}/api/contents/?token={lab.token}")
    assert status == 200, f"GET /api/contents/ answered {status}:\n{lab.log_tail()}"
    served = {item["name"]: item for item in listing["content"]}
    notebooks = sorted(name for name in served if name[:2].isdigit() and name.endswith(".py"))
    assert [name[:2] for name in notebooks] == EXPECTED, f"served notebooks: {notebooks}"
    assert notebooks == sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
    not_notebooks = [name for name in notebooks if served[name]["type"] != "notebook"]
    assert not not_notebooks, (f"jupytext does not serve {not_notebooks} as notebooks "
                               "(is jupytext installed in this environment?)")


def test_contents_api_with_authorization_header(make_lab_server):
    status, listing = make_lab_server.api("/api/contents/")
    assert status == 200
    assert sum(item["name"].endswith(".py") for item in listing["content"]) == 12


def test_token_is_required(make_lab_server):
    status, _ = get(f"{make_lab_server.url}/api/contents/")
    assert status in (401, 403), f"the contents API answered {status} without the token"


def test_python_files_open_as_notebooks_by_default(make_lab_server):
    """`make venv` makes "Jupytext Notebook" the default viewer of .py files, so a
    double-click on a notebook in `make lab` opens it as a notebook, not as text."""
    status, plugin = make_lab_server.api(
        "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    assert status == 200, f"settings API answered {status}"
    viewers = plugin["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers.get("python") == "Jupytext Notebook", (
        f"default viewers {viewers}: .py notebooks would open in the text editor; "
        "run `make venv` (it runs `jupytext-config --settings-file "
        ".venv/share/jupyter/lab/settings/overrides.json set-default-viewer python`)")
