"""Executed notebooks cached with jupyter-cache, so the report reruns only what changed.

jupyter-cache (the Executable Books cache that myst-nb and Jupyter Book use) matches a
notebook by a hash of its code cells and kernelspec. A teaching notebook's outputs also
depend on what no code cell shows: the ``simlib`` source, the parameter files in
``data/``, the versions of the numerical libraries, and the mode it ran in (full or quick
size, static panels or live). So each combination of those has its own jupyter-cache
folder, ``ROOT/<mode>-<fingerprint>/``: editing ``simlib/world.py`` opens a fresh folder
(every notebook reruns), editing one notebook's code reruns only that notebook, and a
prose-only edit reruns none. The :data:`KEEP` most recently used folders are kept.

Only the report's parent process reads and writes a cache (its workers execute and
return notebooks), so the cache's SQLite index has a single writer.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR.parent / "data"
#: Distributions whose version changes the numbers or the figures a notebook shows.
LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels", "matplotlib")
#: Cache folders kept under the root (older fingerprints are removed).
KEEP = 4
_FOLDER = re.compile(r"^(full|quick)-(static|live)-[0-9a-f]{16}$")
_PAGES = re.compile(r"^calibration-n\d+-seed\d+-[0-9a-f]{16}$")


def fingerprint(package_dir: Path = PACKAGE_DIR, data_dir: Path = DATA_DIR) -> str:
    """SHA-256 (16 hex digits) of the simlib source, the data files and library versions."""
    digest = hashlib.sha256()
    for folder, pattern in ((package_dir, "*.py"), (data_dir, "*")):
        for path in sorted(p for p in Path(folder).rglob(pattern) if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    versions = [f"python {sys.version_info.major}.{sys.version_info.minor}"]
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:16]


def folder(root: str | os.PathLike, *, quick: bool, static: bool) -> Path:
    """The jupyter-cache folder for this source, these libraries and this mode."""
    mode = f"{'quick' if quick else 'full'}-{'static' if static else 'live'}"
    return Path(root) / f"{mode}-{fingerprint()}"


def open_cache(root: str | os.PathLike, *, quick: bool, static: bool):
    """The jupyter-cache for this mode (made if needed); older folders beyond KEEP go."""
    from jupyter_cache import get_cache

    path = folder(root, quick=quick, static=static)
    path.mkdir(parents=True, exist_ok=True)
    os.utime(path)  # most recently used
    _prune(Path(root), keep=path)
    return get_cache(str(path))


def _prune(root: Path, keep: Path, pattern: re.Pattern = _FOLDER) -> None:
    folders = sorted((p for p in root.iterdir() if p.is_dir() and pattern.match(p.name)),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in folders if p != keep][KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def cached(cache, nb):
    """``(notebook with the cached outputs merged in, data)``, or ``None`` on a miss.

    ``data`` is what :func:`store` saved with it (the execution seconds).
    """
    try:
        pk, merged = cache.merge_match_into_notebook(nb)
    except KeyError:
        return None
    return merged, dict(cache.get_cache_record(pk).data or {})


def store(cache, nb, uri: str, seconds: float) -> None:
    """Save an executed notebook (replacing an older copy with the same code).

    nbclient's per-cell timing metadata is left out: jupyter-cache hashes cell metadata,
    and the notebook as read (which the next report matches) has none.
    """
    import copy

    from jupyter_cache.base import CacheBundleIn

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    cache.cache_notebook_bundle(CacheBundleIn(nb, uri, data={"seconds": seconds}),
                                overwrite=True)


def cached_pages(root: str | os.PathLike, out: str | os.PathLike, n: int, seed: int, write,
                 force: bool = False) -> tuple[Path, bool]:
    """The calibration pages (``write(folder, n, seed)``), from the cache when unchanged.

    They depend on nothing but the source, the data, the libraries, ``n`` and ``seed``, so
    they are kept in ``ROOT/calibration-n<n>-seed<seed>-<fingerprint>/`` and copied into
    ``out`` when present (``force``: written anew). Returns ``(page, from_cache)``.
    """
    from .files import atomic_write

    root, out = Path(root), Path(out)
    folder = root / f"calibration-n{n}-seed{seed}-{fingerprint()}"
    hit = not force and (folder / "calibration.html").is_file()
    if not hit:
        staging = root / f".{folder.name}.part{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            write(staging, n, seed)
        except BaseException:  # Ctrl-C included: no half-written pages in the cache
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)  # whole or not at all
    os.utime(folder)
    _prune(root, folder, _PAGES)
    for path in sorted(folder.iterdir()):
        with atomic_write(out / path.name) as temporary:
            shutil.copyfile(path, temporary)
    return out / "calibration.html", hit
