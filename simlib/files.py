"""Output files: checked before work starts, written whole or not at all.

Every command that writes (``population --out``, ``study --out``, ``sweep --out``,
``report --out``, ``student-copy``) checks its destination *before* simulating, so a
typo in a path costs a second, not an hour: :func:`check_output_file` and
:func:`check_output_folder` raise a one-line :class:`~simlib.errors.OutputError`
(the command line exits with status 2). Files are then written with
:func:`atomic_write`: to a temporary file in the same folder, renamed over the target
only when complete, so an interrupted run (Ctrl-C, SIGTERM, a full disk) never leaves
a truncated file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


def _probe_writable(folder: Path, what: str) -> None:
    """Create and delete a file in ``folder``: the only reliable test (root ignores modes)."""
    try:
        handle, name = tempfile.mkstemp(prefix=".vitd-sim-probe-", dir=folder)
        os.close(handle)
        os.unlink(name)
    except OSError as err:
        raise OutputError(f"{what} {str(folder)!r} is not writable: {_reason(err)}") from None


def _reason(err: OSError) -> str:
    return (err.strerror or str(err)).lower()


def check_output_file(path, suffixes: tuple[str, ...], option: str = "--out") -> Path:
    """Check that ``path`` can be written as a new or replaced file with one of ``suffixes``.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    suffixes : tuple of str
        Allowed endings, e.g. ``(".csv", ".parquet")``.
    option : str
        The option's name, for the message.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputError
        The suffix is not allowed, the path is a folder, its folder is missing or is a
        file, or the folder is not writable.
    """
    path = Path(path)
    if path.suffix not in suffixes:
        raise OutputError(f"{option} {str(path)!r} is not allowed: use a "
                          f"{' or '.join(suffixes)} file")
    if path.is_dir():
        raise OutputError(f"{option} {str(path)!r} is a folder: give a file name ending in "
                          f"{' or '.join(suffixes)}")
    folder = path.parent
    if not folder.exists():
        raise OutputError(f"{option} {str(path)!r}: folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise OutputError(f"{option} {str(path)!r}: {str(folder)!r} is a file, not a folder")
    _probe_writable(folder, f"{option}: folder")
    return path


def check_output_folder(path, option: str = "--out") -> Path:
    """Check that ``path`` is (or can be made) a writable folder, and make it.

    Raises
    ------
    OutputError
        The path is a file, a parent is a file, or the folder cannot be made or written.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {str(path)!r} is a file, not a folder: give a folder")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{option} {str(path)!r}: {str(parent)!r} is a file, not a folder")
        if parent.exists():
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{option} {str(path)!r} cannot be made: {_reason(err)}") from None
    _probe_writable(path, option)
    return path


@contextlib.contextmanager
def atomic_write(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    On any exception (KeyboardInterrupt included) the temporary file is removed and
    ``path`` is left as it was.

    Examples
    --------
    >>> with atomic_write("out.csv") as tmp:  # doctest: +SKIP
    ...     table.to_csv(tmp)
    """
    path = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix,
                                    dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; a plain file is 0644
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)
