"""JupyterLab end to end in a real browser: what a seminar participant does.

Debian's Chromium (``/usr/bin/chromium``), driven by Playwright for Python, opens a
notebook in a JupyterLab served from a copy of ``notebooks/`` (small simulations,
``VITD_SIM_QUICK=1``), runs all cells, waits for the figures and the slider panel, moves a
slider and checks that the panel's figure and readout were redrawn, and that no cell shows
an error. Screenshots go to ``build/screenshots/``.

No browser is ever downloaded (``executable_path``, never ``playwright install``). Without
Chromium or the playwright package the tests are skipped with a message saying how to
enable them; in CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
from dataclasses import dataclass

import pytest
from labserver import (
    CHROMIUM,
    NOTEBOOK_DIR,
    SCREENSHOTS,
    TEST_USER_SETTINGS,
    lab_server,
    skip_or_fail,
)

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--no-default-browser-check",
                  "--disable-extensions", "--mute-audio"]
VIEWPORT = {"width": 1400, "height": 1000}
# The kernels inherit the server's environment: small simulations, one BLAS thread each
# (a shared 2-core machine), JupyterLab's own inline figures whatever MPLBACKEND says here.
KERNEL_ENV = {"VITD_SIM_QUICK": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}

# timeouts, milliseconds: generous for a busy 2-core machine, bounded
OPEN_MS = 60_000  # the notebook view appears
KERNEL_MS = 90_000  # the kernel is started and idle
RUN_ALL_MS = 180_000  # every cell has run (quick sizes: ~5-30 s)
RENDER_MS = 60_000  # figures and widgets are on the page
REDRAW_MS = 60_000  # the panel redrew after the slider move
ACTION_MS = 30_000  # anything else: a click, a key press, reading an element

STATUS_BAR = "#jp-main-statusbar"
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
KERNEL_IDLE = re.compile(r"^(?!No Kernel).+ \| Idle$")  # e.g. "Python 3 (ipykernel) | Idle"
ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


@dataclass(frozen=True)
class Case:
    """A notebook, the slider the test moves (its label) and that slider's maximum, which
    the readout must show after End is pressed on it."""

    stem: str
    slider: str
    maximum: float


CASES = [
    Case("00_start_here", "latitude (degrees)", 62.0),
    Case("09_dose_and_safety", "daily dose (IU/day)", 50_000.0),
]

# the value the readout ("settings: label = value, ...") shows for `label`, whatever the
# number format ("5e+04", "50,000", "62"); null when the label is not there
READOUT_VALUE_JS = """(text, label) => {
    const at = text.indexOf(label + ' = ');
    if (at < 0) return null;
    const match = text.slice(at + label.length + 3).match(/^[-+0-9.,e]+/);
    const value = match ? parseFloat(match[0].replace(/,/g, '')) : NaN;
    return Number.isNaN(value) ? null : value;
}"""


@pytest.fixture(scope="module")
def sync_api():
    try:
        from playwright import sync_api
    except ImportError:
        skip_or_fail("the playwright Python package is missing: `make venv` installs it "
                     "(or `pip install playwright`; no `playwright install` needed)")
    return sync_api


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium "
                     "(`sudo apt-get install -y chromium`) to run the JupyterLab browser "
                     "tests; .ci/run installs it")
    return CHROMIUM


@pytest.fixture(scope="module")
def lab(tmp_path_factory, sync_api, chromium):
    """JupyterLab serving a COPY of notebooks/ (autosave writes outputs into what it serves)."""
    served = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, served, ignore=shutil.ignore_patterns(
        ".ipynb_checkpoints", "__pycache__", "*.ipynb"))
    with lab_server(served, env=KERNEL_ENV, user_settings=TEST_USER_SETTINGS) as server:
        yield server


@pytest.fixture(scope="module")
def browser(sync_api, chromium):
    """Debian's Chromium, headless, with a fresh profile in a persistent context (which
    needs no first-run set-up); never a downloaded browser."""
    with tempfile.TemporaryDirectory(prefix="vitd-chromium-") as profile:
        playwright = sync_api.sync_playwright().start()
        try:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS,
                viewport=VIEWPORT, chromium_sandbox=False)
            try:
                yield context
            finally:
                context.close()
        finally:
            playwright.stop()


def wait_for(locator, what: str, timeout: int, state: str = "visible"):
    """``locator.wait_for`` that fails with a sentence saying what did not happen."""
    try:
        locator.wait_for(state=state, timeout=timeout)
    except Exception as error:
        raise AssertionError(f"{what} (waited {timeout / 1000:.0f} s)") from error


def shot(page, name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def show_at_top(cell):
    """Scroll the notebook so that ``cell`` starts at the top of the view (for screenshots).

    Off-screen cells are not painted (content-visibility) and their heights are estimates,
    so a scroll can land short; scroll again until the cell stays at the top.
    """
    for _ in range(5):
        cell.evaluate("e => e.scrollIntoView({block: 'start'})")
        cell.page.wait_for_timeout(150)  # settle: the cells now shown are painted
        offset = cell.evaluate("""e => {
            const view = e.closest('.jp-WindowedPanel-outer') || e.parentElement;
            return e.getBoundingClientRect().top - view.getBoundingClientRect().top;
        }""")
        if abs(offset) < 20:
            return


def wait_for_kernel_idle(page, what: str, timeout: int = KERNEL_MS):
    """Wait for the status bar's kernel state (the toolbar reads idle before the kernel has
    even started, so it cannot be trusted)."""
    status = page.locator(STATUS_BAR).get_by_text(KERNEL_IDLE)
    try:
        status.wait_for(state="visible", timeout=timeout)
    except Exception as error:
        bar = page.locator(STATUS_BAR).inner_text(timeout=5_000).replace("\n", " / ")
        raise AssertionError(f"{what}: kernel not idle after {timeout / 1000:.0f} s; "
                             f"status bar: {bar!r}") from error


def open_notebook(page, lab, stem: str):
    """Open ``stem``.py through the default viewer, as a double-click does."""
    page.goto(f"{lab.url}/lab/tree/{stem}.py?reset&token={lab.token}")
    view = page.locator(f"{NOTEBOOK}, .jp-FileEditor").first
    view.wait_for(state="visible", timeout=OPEN_MS)
    assert page.locator(NOTEBOOK).count() == 1, (
        f"{stem}.py opened in the text editor, not as a notebook: the Jupytext Notebook "
        "viewer is not the default for .py files (`make venv` sets it)")
    page.locator(f"{NOTEBOOK} .jp-CodeCell").first.wait_for(timeout=OPEN_MS)


def run_all(page, stem: str):
    """Run > Run All Cells (command runmenu:run-all); wait until every code cell has run or
    a cell has failed (Run All stops there)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    prompts = f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt"
    try:
        page.wait_for_function(
            """(sel) => {
                const prompts = [...document.querySelectorAll(sel.prompts)]
                    .map(e => e.textContent.trim());
                if (prompts.length === 0 || prompts.some(p => p === '[*]:')) return false;
                const failed = [...document.querySelectorAll(sel.errors)]
                    .some(e => e.textContent.includes('Traceback'));
                return failed || prompts.every(p => /^\\[\\d+\\]:$/.test(p));
            }""",
            arg={"prompts": prompts, "errors": f"{NOTEBOOK} {ERROR_OUTPUT}"},
            timeout=RUN_ALL_MS, polling=250)
    except Exception as error:
        states = [p.strip() for p in page.locator(prompts).all_text_contents()]
        raise AssertionError(f"{stem}: Run All did not finish within {RUN_ALL_MS / 1000:.0f} s;"
                             f" cell prompts: {states}") from error
    wait_for_kernel_idle(page, f"{stem} after Run All")


def assert_no_errors(page, stem: str, when: str):
    """No error output (a traceback) and no widget that failed to display."""
    errors = page.locator(f"{NOTEBOOK} {ERROR_OUTPUT}", has_text="Traceback")
    if errors.count():
        text = errors.first.inner_text()
        pytest.fail(f"{stem}: {errors.count()} cell(s) show an error {when}:\n{text[-2000:]}",
                    pytrace=False)
    broken = page.locator(f"{NOTEBOOK} .jp-OutputArea-output",
                          has_text=re.compile("Error displaying widget|Failed to load model"))
    assert broken.count() == 0, (f"{stem}: a widget failed to display {when}: "
                                 f"{broken.first.inner_text()!r}")
    unexecuted = [p for p in page.locator(f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt")
                  .all_text_contents() if not re.fullmatch(r"\[\d+\]:", p.strip())]
    assert not unexecuted, f"{stem}: {len(unexecuted)} code cell(s) did not run {when}"


def readout_value(text: str, label: str) -> float | None:
    """Python twin of READOUT_VALUE_JS."""
    match = re.search(re.escape(label) + r" = ([-+0-9.,e]+)", text)
    try:
        return float(match.group(1).replace(",", "").rstrip(".")) if match else None
    except ValueError:
        return None


def panel_state(panel) -> tuple[str, str]:
    """(readout text, figure src) of a slider panel cell."""
    readout = panel.locator(".widget-html", has_text="settings:").inner_text().strip()
    figure = panel.locator(".jp-OutputArea-output img").last.get_attribute("src") or ""
    return readout, figure


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_notebook_runs_and_slider_redraws(lab, browser, case):
    stem = case.stem
    for old in SCREENSHOTS.glob(f"{stem}-*.png"):
        old.unlink()  # the screenshots show this run only
    page = browser.new_page()
    page.set_default_timeout(ACTION_MS)
    page_errors = []  # uncaught JavaScript errors, reported if the test fails
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    started = time.monotonic()
    try:
        open_notebook(page, lab, stem)
        wait_for_kernel_idle(page, f"{stem} on opening")
        run_all(page, stem)
        assert_no_errors(page, stem, "after Run All")

        images = page.locator(f"{NOTEBOOK} .jp-OutputArea-output img")
        wait_for(images.first, f"{stem}: no figure rendered", RENDER_MS, state="attached")
        assert images.count() >= 2, f"{stem}: only {images.count()} figure(s) rendered"
        show_at_top(page.locator(f"{NOTEBOOK} .jp-Cell",
                                 has=page.locator(".jp-OutputArea-output img")).first)
        shot(page, f"{stem}-1-first-figure")

        panel = page.locator(f"{NOTEBOOK} .jp-CodeCell", has=page.locator(".widget-slider"))
        slider = panel.locator(".widget-slider", has=page.get_by_text(case.slider, exact=True))
        wait_for(slider, f"{stem}: no slider {case.slider!r} rendered", RENDER_MS)
        assert panel.count() == 1, f"{stem}: {panel.count()} slider panels, expected 1"
        wait_for(panel.locator(".widget-html", has_text="settings:"),
                 f"{stem}: the panel shows no 'settings:' readout", RENDER_MS)
        wait_for(panel.locator(".jp-OutputArea-output img").first,
                 f"{stem}: the panel shows no figure", RENDER_MS)
        show_at_top(panel)
        readout_before, figure_before = panel_state(panel)
        value_before = readout_value(readout_before, case.slider)
        assert value_before is not None, f"{stem}: no {case.slider!r} in {readout_before!r}"
        assert value_before != case.maximum, f"{stem}: the slider starts at its maximum"
        shot(page, f"{stem}-2-panel-before")

        # keyboard, as a user can: focus the handle, End = the slider's maximum (one change,
        # so one redraw; released at once, continuous_update=False redraws on release)
        handle = slider.locator(".noUi-handle")
        handle.focus()
        handle.press("End")
        try:
            page.wait_for_function(
                f"""([cell, label, maximum]) => {{
                    const value = ({READOUT_VALUE_JS})(
                        [...cell.querySelectorAll('.widget-html')].map(e => e.textContent)
                            .find(t => t.includes('settings:')) || '', label);
                    return value !== null && Math.abs(value - maximum) <= 1e-9 * maximum;
                }}""",
                arg=[panel.element_handle(), case.slider, case.maximum], timeout=REDRAW_MS,
                polling=250)
        except Exception as error:
            raise AssertionError(
                f"{stem}: after End on {case.slider!r} the readout never showed its maximum "
                f"{case.maximum:g} ({REDRAW_MS / 1000:.0f} s); it reads "
                f"{panel_state(panel)[0]!r}") from error
        try:
            page.wait_for_function(
                """([cell, before]) => {
                    const imgs = cell.querySelectorAll('.jp-OutputArea-output img');
                    return imgs.length > 0 && imgs[imgs.length - 1].src !== before;
                }""",
                arg=[panel.element_handle(), figure_before], timeout=REDRAW_MS, polling=250)
        except Exception as error:
            raise AssertionError(f"{stem}: the panel's figure did not change after the "
                                 f"slider move ({REDRAW_MS / 1000:.0f} s)") from error
        wait_for_kernel_idle(page, f"{stem} after the slider move", timeout=REDRAW_MS)
        page.wait_for_timeout(300)  # settle: the last display update reaches the page
        readout_after, figure_after = panel_state(panel)
        show_at_top(panel)
        shot(page, f"{stem}-3-panel-after")
        assert readout_value(readout_after, case.slider) == case.maximum, (
            f"{stem}: readout {readout_after!r} after pressing End on {case.slider!r}")
        assert figure_after != figure_before, f"{stem}: the figure was not redrawn"
        assert figure_after.startswith("data:image/png"), figure_after[:40]
        assert_no_errors(page, stem, "after the slider move")
    except BaseException:
        with contextlib.suppress(Exception):  # keep the original error
            shot(page, f"{stem}-failure")
        print(f"{stem}: screenshot of the failure in {SCREENSHOTS / f'{stem}-failure.png'}\n"
              f"JavaScript errors: {page_errors or 'none'}\n"
              f"server log (end):\n{lab.log_tail()}")
        raise
    finally:
        print(f"{stem}: {time.monotonic() - started:.1f} s in the browser")
        with contextlib.suppress(Exception):
            page.close()
        with contextlib.suppress(OSError):
            lab.shutdown_kernels()  # the next notebook runs without this one's kernel
