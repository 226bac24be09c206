"""Run the teaching notebooks: execute, inject parameters, build the report, student copies.

The notebooks are jupytext percent scripts (``notebooks/NN_name.py``): reviewable diffs and no
stored outputs. This module reads them with jupytext, executes them with nbclient, renders
them with nbconvert, and writes

* ``build/report/NN_name.html``: each executed notebook (figures embedded as PNG);
* ``build/report/index.html``: each notebook's headline figure and one-line finding
  (marked by :func:`simlib.teaching.headline`), readable offline;
* a student edition without the cells tagged ``solution``.

Names and output folders are checked before any kernel starts; every file is written
atomically (:mod:`simlib.files`). Ctrl-C while a notebook runs kills its kernel and raises
``KeyboardInterrupt`` (nbclient's own handler would swallow it): :mod:`simlib.kernels` runs
the kernel.

Parameters are injected papermill-style: a cell tagged ``injected-parameters`` is inserted
after the cell tagged ``parameters``.
"""

from __future__ import annotations

import base64
import contextlib
import difflib
import html
import os
import tempfile
import time
from pathlib import Path

from . import notebook_cache
from .errors import ParameterError, SimlibError
from .files import check_output_folder, write_text
from .kernels import INTERRUPT_GRACE_SECONDS as INTERRUPT_GRACE_SECONDS  # re-exported
from .kernels import _client_class, _run_client
from .teaching import HEADLINE_KEY, QUICK_ENV
from .widgets import STATIC_ENV

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTION_TAG = "solution"
PARAMETERS_TAG = "parameters"


class NotebookError(SimlibError):
    """A notebook cell failed; the message names the notebook and the cell."""


def notebook_paths(directory: str | os.PathLike | None = None) -> list[Path]:
    """The suite's notebooks, in teaching order (``NN_*.py``)."""
    directory = Path(directory) if directory is not None else NOTEBOOK_DIR
    return sorted(p for p in directory.glob("[0-9][0-9]_*.py"))


def select(names: list[str] | str | None, directory=None) -> list[Path]:
    """Notebooks by number or stem (``"01"`` or ``"01_latitude"``); all when ``names`` is None.

    ``names`` is a list or the text of ``--notebooks`` (``"01,02"``). Names are stripped; a
    name given twice runs once (where first named). A list that is empty or holds an empty
    name (``--notebooks ''``, ``--notebooks 01,,02``) is an error, not "everything".

    Raises
    ------
    ParameterError
        An empty name, or a name that is not a notebook; the one-line message suggests the
        nearest notebook (``'1'`` -> ``'01'``, ``'latitde'`` -> ``'01_latitude_ecological'``)
        or lists the valid numbers.
    """
    paths = notebook_paths(directory)
    if names is None:
        return paths
    if isinstance(names, str):
        names = names.split(",")
    names = [str(name).strip() for name in names]
    if not names or all(not name for name in names):
        raise ParameterError(f"--notebooks {','.join(names)!r} names no notebook: use numbers "
                             "like 01,02 or names, or leave --notebooks out to run them all")
    if any(not name for name in names):
        raise ParameterError(f"--notebooks {','.join(names)!r} has an empty name: separate "
                             "numbers or names by single commas, like 01,02")
    chosen: list[Path] = []
    for name in names:
        hits = [p for p in paths if name in (p.stem, p.stem.split("_")[0])]
        if not hits:
            hint = _suggest(name, paths)
            raise ParameterError(f"--notebooks {name!r} is not a notebook{hint}: "
                                 f"use {_allowed(paths, list_names=not (hint or name.isdigit()))}")
        chosen.extend(hit for hit in hits if hit not in chosen)
    return chosen


def _numbers(paths: list[Path]) -> str:
    """The notebooks' numbers: ``"00-11"`` when they run without a gap, else a list."""
    numbers = [p.stem.split("_")[0] for p in paths]
    values = [int(number) for number in numbers]
    if len(values) > 2 and values == list(range(values[0], values[0] + len(values))):
        return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(numbers)


def _allowed(paths: list[Path], list_names: bool) -> str:
    if not paths:
        return "a notebook number or name (no notebooks NN_*.py found)"
    if list_names:
        return f"a number {_numbers(paths)} or a name ({', '.join(p.stem for p in paths)})"
    return f"a number {_numbers(paths)} or a name like {paths[min(1, len(paths) - 1)].stem}"


def _suggest(name: str, paths: list[Path]) -> str:
    """``" (did you mean 'x'?)"`` for the notebook ``name`` most likely meant, or ``""``."""
    stems = [p.stem for p in paths]
    if name.isdigit():  # "1" -> "01"; "99" -> nothing (the message lists the numbers)
        numbers = [stem.split("_")[0] for stem in stems]
        same = [number for number in numbers if int(number) == int(name)]
        return f" (did you mean '{same[0]}'?)" if same else ""
    lowered = name.lower()
    lowered = Path(lowered).stem if lowered.endswith((".py", ".ipynb", ".html")) else lowered
    if lowered in stems:  # a file name or a differently cased stem
        return f" (did you mean '{lowered}'?)"
    # compare with each stem, the part after its number and each word of that part
    keys: dict[str, str] = {}
    for stem in stems:
        rest = stem.split("_", 1)[1] if "_" in stem else stem
        for key in (stem, rest, *(word for word in rest.split("_") if len(word) > 3)):
            keys.setdefault(key, stem)
    found = difflib.get_close_matches(lowered, list(keys), n=1, cutoff=0.5)
    if found:
        return f" (did you mean '{keys[found[0]]}'?)"
    contains = [stem for stem in stems if len(lowered) >= 3 and lowered in stem]
    return f" (did you mean '{contains[0]}'?)" if len(contains) == 1 else ""


def read(path: str | os.PathLike):
    """A notebook (nbformat node) from a jupytext script or an ``.ipynb``."""
    import jupytext

    return jupytext.read(Path(path))


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def inject_parameters(nb, parameters: dict):
    """Insert a cell assigning ``parameters`` after the cell tagged ``parameters``."""
    import nbformat

    if not parameters:
        return nb
    index = next((i for i, cell in enumerate(nb.cells) if PARAMETERS_TAG in tags(cell)), None)
    if index is None:
        raise ParameterError("this notebook has no cell tagged 'parameters' to override")
    source = "# Injected parameters\n" + "\n".join(
        f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, cell)
    return nb


@contextlib.contextmanager
def _environment(**values):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update({key: value for key, value in values.items() if value is not None})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute(nb, name: str, *, cwd=None, timeout: int = 600, quick: bool = False,
            static: bool = False):
    """Execute ``nb`` in a fresh Python kernel; raise :class:`NotebookError` on a failing cell.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Modified in place (outputs added) and returned.
    name : str
        The notebook's name, used in error messages.
    quick : bool
        Set ``VITD_SIM_QUICK=1`` in the kernel: smaller simulations, same code (tests).
    static : bool
        Set ``VITD_SIM_STATIC=1``: slider panels draw static figures (report pages).
    """
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    # one BLAS thread per kernel: on a shared 2-core machine, threaded BLAS made the
    # statsmodels fits several times slower
    env = {QUICK_ENV: "1" if quick else None, STATIC_ENV: "1" if static else None,
           "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    with _environment(**env), tempfile.TemporaryDirectory(prefix="vitd-kernel-") as sockets:
        # IPC sockets in a private folder: kernels started at the same time over TCP
        # could race for ports and leave the client waiting
        # (configured, not passed in: a client that makes its kernel also shuts it down)
        config = Config()
        config.AsyncKernelManager.transport = "ipc"
        config.AsyncKernelManager.ip = str(Path(sockets) / "kernel")
        client = _client_class()(nb, config=config, timeout=timeout, kernel_name="python3",
                                 resources={"metadata": {"path": str(cwd or NOTEBOOK_DIR)}})
        try:
            _run_client(client)
        except CellExecutionError as error:
            cell = _failing_cell(nb)
            raise NotebookError(f"{name}: cell {cell} failed: {error.ename}: "
                                f"{error.evalue}") from None
    return nb


def _failing_cell(nb) -> str:
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return f"{number} (code cell {number} of {len(code_cells)}: {first[:60]!r})"
    return "?"


def images(nb) -> list[bytes]:
    """Every PNG the executed notebook displayed, in order."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                found.append(base64.b64decode(data["image/png"]))
    return found


def headline(nb) -> tuple[str | None, str]:
    """The headline figure (base64 PNG) and finding (text) marked by ``teaching.headline``."""
    figure, finding = None, ""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            mark = out.get("metadata", {}).get(HEADLINE_KEY)
            data = out.get("data", {})
            if mark == "headline-figure" and "image/png" in data:
                figure = data["image/png"].replace("\n", "")
            elif mark == "headline-finding":
                finding = data.get("text/markdown", data.get("text/plain", ""))
    return figure, finding.replace("**Finding.**", "").strip()


def title(nb, fallback: str) -> str:
    """The first markdown heading of the notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def to_html(nb) -> str:
    """The executed notebook as a standalone HTML page (images embedded)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb)
    return body


def strip_solutions(nb):
    """Remove the cells tagged ``solution`` (and outputs) for the student edition."""
    nb.cells = [cell for cell in nb.cells if SOLUTION_TAG not in tags(cell)]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def student_copy(out_dir: str | os.PathLike, directory=None) -> list[Path]:
    """Write the student edition: every notebook as ``.ipynb`` without solution cells.

    The folder is checked (and made) first; each file is written whole or not at all.

    Raises
    ------
    OutputError
        ``out_dir`` is a file, a parent of it is a file, or it cannot be made or written.
    """
    import jupytext

    out_dir = check_output_folder(out_dir, "student-copy")
    written = []
    for path in notebook_paths(directory):
        nb = strip_solutions(read(path))
        text = jupytext.writes(nb, fmt="ipynb")
        target = write_text(out_dir / f"{path.stem}.ipynb",
                            text if text.endswith("\n") else text + "\n")
        written.append(target)
    return written


def run_notebook(path, parameters: dict | None = None, *, quick: bool = False,
                 static: bool = False, timeout: int = 600):
    """Read, inject ``parameters`` into, and execute one notebook; return the executed node."""
    path = Path(path)
    nb = inject_parameters(read(path), parameters or {})
    return execute(nb, path.name, cwd=path.parent, quick=quick, static=static,
                   timeout=timeout)


def build_report(out_dir: str | os.PathLike, names: list[str] | None = None, *,
                 quick: bool = False, progress: bool = True, directory=None,
                 workers: int | None = None, cache: str | os.PathLike | None = None,
                 force: bool = False) -> Path:
    """Execute the notebooks and write one HTML per notebook plus ``index.html``.

    The names and the folder are checked before any notebook runs (:class:`ParameterError`,
    :class:`~simlib.errors.OutputError`). Notebooks run ``workers`` at a time, each in its
    own process and kernel (default :func:`report_workers`: one per core, as many as
    memory allows); pages are written as each finishes and the index lists them in
    notebook order. A failing cell stops the build with :class:`NotebookError` naming
    notebook and cell, and stops the other notebooks' kernels. Every page is written
    atomically, so an interrupted build leaves whole pages (and the previous
    ``index.html``), never a truncated one. Returns the path of ``index.html``.

    With ``cache`` (a folder, ``build/notebook-cache`` from the CLI) executed notebooks are
    kept with jupyter-cache (:mod:`simlib.notebook_cache`): a notebook whose code cells,
    ``simlib`` source, data files and library versions are unchanged is not rerun, its
    page is rendered from the cached outputs; ``force=True`` reruns (and re-caches) all.
    """
    from tqdm.auto import tqdm

    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool)
                                or workers < 1):
        raise ParameterError(f"workers {workers!r} is not allowed: use a whole number >= 1")
    paths = select(names, directory)  # bad names and a bad folder fail before any kernel
    out_dir = check_output_folder(out_dir, "--out")
    store = _open_cache(cache, quick)
    entries, todo = {}, []
    with tqdm(total=len(paths), desc="notebooks", unit="nb", disable=not progress) as bar:
        for path in paths:
            hit = None if store is None or force else notebook_cache.cached(store, read(path))
            if hit is None:
                todo.append(path)
                continue
            entry, page = _page(path, *hit, cached=True)
            entries[path.stem] = entry
            write_text(out_dir / f"{path.stem}.html", page)
            bar.update()
        workers = report_workers(len(todo)) if workers is None else workers
        for entry, page, nb in _executed_pages(todo, quick, max(1, min(workers, len(todo)))):
            write_text(out_dir / f"{entry['stem']}.html", page)
            if store is not None:
                notebook_cache.store(store, nb, entry["stem"], entry["seconds"])
            entries[entry["stem"]] = entry
            bar.set_postfix_str(entry["stem"])
            bar.update()
    ordered = [entries[path.stem] for path in paths]
    return write_text(out_dir / "index.html", index_page(ordered))


#: Memory one notebook's kernel may take at full size (GiB): the report runs no more
#: notebooks at once than the available memory holds (the largest, 05 and 10, peak near
#: 3 GiB on 4 million people).
NOTEBOOK_MEMORY_GIB = 4.0


def report_workers(notebooks: int) -> int:
    """Notebooks to run at once: one per core, as many as the available memory holds."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    except (ValueError, OSError, AttributeError):
        available = NOTEBOOK_MEMORY_GIB
    by_memory = int(available // NOTEBOOK_MEMORY_GIB)
    return max(1, min(notebooks, cores or 1, by_memory))


_EXECUTING = []  # in a report worker: non-empty while a notebook runs
_STOPPED = []  # in a report worker: non-empty once the parent sent SIGTERM


def _executed_page(path: Path, quick: bool) -> tuple[dict, str, object]:
    """Execute one notebook for the report: (index entry, HTML page, executed notebook)."""
    started = time.perf_counter()
    _EXECUTING.append(path.stem)
    try:
        nb = run_notebook(path, quick=quick, static=True)
    except KeyboardInterrupt:
        if _STOPPED:  # the parent stopped this worker: the kernel is dead, end the process
            os._exit(130)
        raise
    finally:
        _EXECUTING.pop()
    entry, page = _page(path, nb, {"seconds": time.perf_counter() - started})
    return entry, page, nb


def _page(path: Path, nb, data: dict, cached: bool = False) -> tuple[dict, str]:
    """The index entry and HTML page of an executed (or cached) notebook."""
    figure, finding = headline(nb)
    entry = {"stem": path.stem, "title": title(nb, path.stem), "figure": figure,
             "finding": finding, "seconds": float(data.get("seconds", 0.0)), "cached": cached}
    return entry, to_html(nb)


def _open_cache(cache, quick: bool):
    """The report's jupyter-cache (static pages), or None without a cache folder."""
    if cache is None:
        return None
    check_output_folder(cache, "--cache")
    return notebook_cache.open_cache(cache, quick=quick, static=True)


def _executed_pages(paths: list[Path], quick: bool, workers: int):
    """Yield ``(entry, page, nb)`` per notebook as each finishes, ``workers`` at a time."""
    if not paths:
        return
    if workers == 1:
        for path in paths:
            yield _executed_page(path, quick)
        return
    import concurrent.futures as cf
    import multiprocessing

    from .pools import results_as_completed

    # spawned, not forked: a parent that has run a kernel holds ZeroMQ threads, and a
    # forked copy of them can deadlock
    pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_report_worker_init)
    futures = [pool.submit(_executed_page, path, quick) for path in paths]
    # a failing notebook or Ctrl-C terminates the other workers: SIGTERM raises
    # KeyboardInterrupt in a running notebook, whose kernel is then killed
    yield from results_as_completed(pool, futures)


def _report_worker_init() -> None:
    """Report worker: Ctrl-C is the parent's to handle (it stops the workers); SIGTERM
    from the parent raises KeyboardInterrupt in a running notebook, so its kernel is
    killed (:func:`simlib.kernels._run_client`), and ends an idle worker quietly."""
    import signal

    def interrupt(signum, frame):
        _STOPPED.append(signum)
        if _EXECUTING:
            raise KeyboardInterrupt  # unwinds through the kernel's cleanup, then exits
        os._exit(130)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, interrupt)


def index_page(entries: list[dict]) -> str:
    """The report's front page: one section per notebook, no external resources."""
    sections = []
    for entry in entries:
        image = (f'<img alt="headline figure of {html.escape(entry["stem"])}" '
                 f'src="data:image/png;base64,{entry["figure"]}">'
                 if entry["figure"] else "<p><i>(no headline figure)</i></p>")
        sections.append(
            f'<section><h2><a href="{entry["stem"]}.html">{html.escape(entry["title"])}</a>'
            f'</h2>{image}<p class="finding">{html.escape(entry["finding"] or "")}</p>'
            f'<p class="meta">executed in {entry["seconds"]:.0f} s'
            f'{" (outputs from the cache)" if entry.get("cached") else ""}</p></section>')
    return INDEX_TEMPLATE.format(sections="\n".join(sections))


INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>vitd-sim: does vitamin D prevent MS? The notebook report</title>
<style>
body {{ font-family: sans-serif; max-width: 980px; margin: 2em auto; line-height: 1.45; }}
section {{ border-top: 1px solid #ccc; padding: 1em 0; }}
img {{ max-width: 100%; }}
.finding {{ font-size: 1.05em; }}
.meta {{ color: #777; font-size: 0.85em; }}
</style></head><body>
<h1>vitd-sim: does vitamin D prevent MS?</h1>
<p>Each notebook below was executed for this report. The headline figure and finding are
shown here; follow the title for the whole notebook. Population summaries and the calibration
against published figures are in <a href="calibration.html">calibration.html</a>.</p>
{sections}
</body></html>
"""
