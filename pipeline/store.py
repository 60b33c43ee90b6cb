"""The output directory as one dataset: generations switched by one link, under a lock.

Layout of ``out/``::

    out/current -> .gen-7                 the one pointer a commit switches
    out/.gen-7/{documents,...}.parquet    a generation: every file of one run
    out/.gen-7/json/<doc_id>.json
    out/documents.parquet -> current/documents.parquet   (fixed links, one per table)
    out/json -> current/json
    out/dictionary.json -> current/dictionary.json   (the data dictionary of these tables)
    out/.lock                             held by the run writing the dataset
    out/.cache/                           per-document results (pipeline.cache)

A run writes a new generation beside the current one, syncs the file system once, then replaces
``current`` with a link to it by one ``rename`` (atomic): a reader that opens ``out/items.parquet``
gets the old generation or the new one, and the six tables and the JSON files of a generation are
always from one run. A run killed at any point leaves the previous dataset whole (an unfinished
generation is removed by the next run). After the switch, older generations are deleted; a reader
that needs several files of one generation across a run opens them through the resolved
``current`` (``os.path.realpath("out/current")``). Anything else in ``out/`` (``compare/``, files
of your own) is left alone.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import WriteError
from .records import TABLES

CURRENT = "current"
LOCK = ".lock"
GEN_PREFIX = ".gen-"
#: The fixed links readers use: ``<table>.parquet`` and ``json``, each through ``current``.
LINKED = tuple(f"{t}.parquet" for t in TABLES) + ("json", "dictionary.json")
_GEN = re.compile(r"\.gen-(\d+)$")


def checkpoint(point: str) -> None:
    """A named moment of a commit (``written``, ``synced``, ``switched``, ``cleaned``).

    Does nothing: the crash tests replace it to kill the process exactly there.
    """


class Dataset:
    """The dataset in one output directory."""

    def __init__(self, out: Path | str) -> None:
        self.out = Path(out)

    # ---- lock -----------------------------------------------------------

    @contextmanager
    def locked(self, warn: Callable[[str], None] = print) -> Iterator[int]:
        """Hold ``out/.lock`` (a second run waits, saying so); yields the lock's file descriptor."""
        with _oserrors(self.out):
            self.out.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.out / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                warn(f"fenjie: {self.out}: another run (pid {holder}) is writing this dataset; "
                     "waiting until it is done")
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield fd
        finally:
            os.close(fd)  # releases the lock

    # ---- generations ------------------------------------------------------

    def current(self) -> Path | None:
        """The committed generation, or None."""
        link = self.out / CURRENT
        if not link.is_symlink():
            return None
        target = self.out / os.readlink(link)
        return target if target.is_dir() else None

    def _numbers(self) -> list[int]:
        return [int(m[1]) for p in self.out.iterdir() if (m := _GEN.match(p.name))]

    def new_generation(self) -> Path:
        """A fresh, empty generation directory (not visible to readers until committed)."""
        with _oserrors(self.out):
            self.adopt_legacy()
            n = max(self._numbers(), default=0) + 1
            gen = self.out / f"{GEN_PREFIX}{n}"
            gen.mkdir()
        return gen

    def discard(self, gen: Path) -> None:
        """Remove an uncommitted generation (after a failed run)."""
        shutil.rmtree(gen, ignore_errors=True)

    def commit(self, gen: Path, warn: Callable[[str], None] = print) -> None:
        """Make ``gen`` the dataset: sync once, make sure the fixed links exist, switch ``current``, clean up."""
        checkpoint("written")
        with _oserrors(gen):
            _sync_filesystem(gen)
        checkpoint("synced")
        with _oserrors(self.out):
            for name in LINKED:
                self._ensure_link(name)
            _replace_link(self.out / CURRENT, gen.name)
            _fsync_dir(self.out)
        checkpoint("switched")
        self.clean(warn)
        checkpoint("cleaned")

    def clean(self, warn: Callable[[str], None] = print) -> None:
        """Remove every generation but the current one, and leftovers of interrupted runs."""
        current = self.current()
        for p in self.out.iterdir():
            stale = (_GEN.match(p.name) and (current is None or p.name != current.name)) or \
                p.name.startswith((".current.", ".legacy-"))
            if not stale:
                continue
            try:
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()
            except OSError as exc:
                warn(f"fenjie: {p}: could not remove an old generation: {exc.strerror or exc}")

    # ---- links --------------------------------------------------------------

    def repair_links(self) -> None:
        """Put back a fixed link someone removed (the dataset itself is untouched)."""
        with _oserrors(self.out):
            for name in LINKED:
                self._ensure_link(name)

    def _ensure_link(self, name: str) -> None:
        link, target = self.out / name, f"{CURRENT}/{name}"
        if link.is_symlink() and os.readlink(link) == target:
            return
        if link.exists() and not link.is_symlink():
            raise WriteError(f"{name} is in the way of the dataset's link (not written by this version of fenjie?)",
                             source=str(link))
        _replace_link(link, target)

    def adopt_legacy(self) -> None:
        """Turn an output directory of an earlier fenjie (plain files, no ``current``) into generation 0.

        The tables are hard-linked into ``.gen-0/`` and the fixed links replace them one by one (each
        an atomic rename, same bytes before and after); ``json/`` is moved in, so for a moment during
        this one-time migration ``out/json`` is absent.
        """
        if (self.out / CURRENT).is_symlink():
            return
        legacy = [n for n in LINKED if (self.out / n).exists() and not (self.out / n).is_symlink()]
        if not legacy:
            return
        gen = self.out / f"{GEN_PREFIX}0"
        shutil.rmtree(gen, ignore_errors=True)
        gen.mkdir()
        for name in LINKED:
            src = self.out / name
            if name == "json":
                (gen / "json").mkdir()
                if src.is_dir() and not src.is_symlink():
                    for f in src.iterdir():
                        if f.suffix == ".json" and f.is_file():
                            os.link(f, gen / "json" / f.name)
            elif src.is_file() and not src.is_symlink():
                os.link(src, gen / name)
        _sync_filesystem(gen)
        _replace_link(self.out / CURRENT, gen.name)
        for name in LINKED:
            src = self.out / name
            if name == "json" and src.is_dir() and not src.is_symlink():
                os.rename(src, self.out / ".legacy-json")
            if not src.is_symlink():
                _replace_link(src, f"{CURRENT}/{name}")
        shutil.rmtree(self.out / ".legacy-json", ignore_errors=True)
        _fsync_dir(self.out)


def _replace_link(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` in one rename (a symlink made beside it, then moved over it)."""
    tmp = link.with_name(f".current.{os.getpid()}.{link.name}.tmp")
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_filesystem(path: Path) -> None:
    """Flush every file written under ``path`` to disk with one call (``syncfs``; ``sync`` where missing)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = getattr(libc, "syncfs", None)
        if syncfs is None or syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


@contextmanager
def _oserrors(path: Path) -> Iterator[None]:
    """An OSError becomes a WriteError naming the path it happened on."""
    try:
        yield
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(path)
        raise WriteError(exc.strerror or str(exc), source=where) from None
