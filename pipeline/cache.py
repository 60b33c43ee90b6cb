"""Per-document results kept between runs: an unchanged input is not extracted again.

An entry is keyed by everything its result depends on: the input's SHA-256, its path as given (the
``source`` column), its ``doc_id``, the HTTP content type of a fetched page, a digest of every rule
file, and a digest of the code (every module of the package and the versions of the libraries the
stages use). Change any of them and the key changes, so exactly the affected documents are
extracted again; nothing is ever invalidated by a clock.

An entry is three files in ``<out>/.cache/<key[:2]>/``: ``<key>.json``, the document's published JSON
(hard-linked into the dataset when unchanged), ``<key>.columns``, the same rows as Arrow record batches,
which the tables are built from (:func:`pipeline.write.columns_bytes`), and ``<key>.meta``, a small JSON written after them with
what the batch needs without parsing the document (its summary line, 文号/title/issuer and a digest
of its text for finding duplicate notices) — or the one-line error of an input that failed
(errors of the pipeline only: a time-out or a crash is tried again next run). After a successful
commit, entries that the new dataset does not use are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .files import atomic_write_bytes

#: Bump when the layout of an entry changes.
CACHE_FORMAT = "2"
#: Libraries whose behaviour shapes an extraction (a different version may give a different result).
LIBRARIES = ("lxml", "regex", "jieba", "charset-normalizer", "opencc-python-reimplemented", "orjson", "pyarrow")
#: Name of the cache directory inside the output directory.
CACHE_DIRNAME = ".cache"


def rules_digest(rules_dir: Path) -> str:
    """SHA-256 over every rule file (relative path and bytes) under ``rules_dir``."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(rules_dir).rglob("*.toml") if p.is_file()):
        rel = path.relative_to(rules_dir).as_posix().encode()
        data = path.read_bytes()
        h.update(b"%d:%s%d:" % (len(rel), rel, len(data)))
        h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over the package's modules, its version, Python's and the stage libraries' versions."""
    h = hashlib.sha256()
    h.update(f"fenjie {__version__}; python {sys.version_info[:3]}\n".encode())
    for lib, version in installed_versions(LIBRARIES).items():
        h.update(f"{lib} {version}\n".encode())
    package = Path(__file__).resolve().parent
    for name in code_files():
        data = (package / name).read_bytes()
        h.update(b"%s %d\n" % (name.encode(), len(data)))
        h.update(data)
    return h.hexdigest()


def installed_versions(names: Iterable[str], path: list[str] | None = None) -> dict[str, str]:
    """The installed version of each distribution in ``names`` (``-`` when it is not installed), as
    ``importlib.metadata.version`` gives it.

    Read from the name of its ``<name>-<version>.dist-info`` folder in the first entry of ``path``
    (``sys.path``) that has one: the wheel format fixes that name (the distribution's name with runs of
    ``-_.`` as ``_``, then the version). Anything else (an ``.egg-info``, two candidates in one folder, a
    distribution not found) is asked of importlib.metadata itself, whose import alone (email, zipfile,
    csv) costs about 15 ms of every run's start.

    >>> from importlib import metadata
    >>> installed_versions(["regex", "charset-normalizer"]) == {
    ...     "regex": metadata.version("regex"), "charset-normalizer": metadata.version("charset-normalizer")}
    True
    >>> installed_versions(["no-such-distribution"])
    {'no-such-distribution': '-'}
    """
    wanted = {_normalized(n): n for n in names}
    folders: dict[str, list[str]] = {}  # normalized name -> its metadata folders in the first entry with any
    for entry in sys.path if path is None else path:
        try:
            listing = sorted(os.listdir(entry or "."))
        except OSError:  # not a folder (a zip file: importlib.metadata reads those)
            continue
        here: dict[str, list[str]] = {}
        for folder in listing:
            if folder.endswith((".dist-info", ".egg-info")):
                key = _normalized(folder.partition("-")[0])
                if key in wanted and key not in folders:
                    here.setdefault(key, []).append(folder)
        folders.update(here)
    versions = {}
    for key, name in wanted.items():
        found = folders.get(key, [])
        m = _DIST_INFO.fullmatch(found[0]) if len(found) == 1 else None
        versions[name] = m.group(1) if m else _version_from_metadata(name)
    return versions


#: A wheel's metadata folder: ``<escaped name>-<version>.dist-info``.
_DIST_INFO = re.compile(r"[^-]+-([^-]+)\.dist-info")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _version_from_metadata(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def code_files() -> list[str]:
    """Every module of the package (subpackages included: ``rules/`` compiles the rules), as sorted relative paths.

    >>> [n for n in code_files() if n in ("extract.py", "rules/sets.py")]
    ['extract.py', 'rules/sets.py']
    """
    package = Path(__file__).resolve().parent
    return sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py"))


def entry_key(*, sha256: str, source: str, doc_id: str, content_type: str | None, rules: str, code: str) -> str:
    """The cache key of one input's result (hex SHA-256 of everything the result depends on)."""
    parts = [CACHE_FORMAT, sha256, source, doc_id, content_type or "", rules, code]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Summary:
    """What the batch keeps of one extracted document (the document itself stays on disk; slots: a batch
    holds one per document)."""

    doc_id: str
    source: str
    doc_number: str | None
    title: str | None
    issuer: str | None
    text_sha256: str  # SHA-256 of the repaired full text: the same text is the same notice
    n_items: int
    n_assignments: int
    n_targets: int
    n_repairs: int
    n_findings: int

    def line(self, more_findings: int = 0) -> str:
        """The line printed for the document (``more_findings``: findings the batch adds)."""
        return (f"{self.doc_id}: {self.n_items} items, {self.n_assignments} assignments, {self.n_targets} targets, "
                f"{self.n_repairs} repairs, {self.n_findings + more_findings} findings  "
                f"[{self.doc_number or '-'} {self.title or ''}]")


def write_new(path: Path, data: bytes) -> None:
    """Write a file under a temporary name, then rename it: readers see all of it or nothing.

    Not fsynced: the commit of a generation syncs the file system once (see :mod:`pipeline.store`).
    """
    atomic_write_bytes(path, data, sync=False)


class Cache:
    """The entries under ``root`` (``<out>/.cache``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def document_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def _meta_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.meta"

    def buckets(self) -> set[str]:
        """The folders of entries there are (an entry of key ``k`` is in ``k[:2]``): no lookup is needed
        for a key whose folder is missing (a new cache has none)."""
        try:
            return {e.name for e in os.scandir(self.root) if len(e.name) == 2}
        except OSError:
            return set()

    def lookup(self, key: str) -> Summary | str | None:
        """The cached outcome: a :class:`Summary`, the error line of a failed input, or None (not cached)."""
        try:
            meta = json.loads(self._meta_path(key).read_bytes())
            if "error" in meta:
                return str(meta["error"])
            summary = Summary(**meta["ok"])
            if not self.document_path(key).is_file():
                return None
            return summary
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def columns_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.columns"

    def store(self, key: str, document: bytes, columns: bytes, summary: Summary) -> None:
        """Keep a document's JSON, its columns and its summary (the summary last: it marks the entry complete)."""
        directory = self.root / key[:2]
        directory.mkdir(parents=True, exist_ok=True)
        write_new(self.document_path(key), document)
        write_new(self.columns_path(key), columns)
        write_new(self._meta_path(key), _meta_bytes({"ok": asdict(summary)}))

    def store_error(self, key: str, line: str) -> None:
        """Keep the one-line error of an input that failed in the pipeline (it fails the same way next run)."""
        directory = self.root / key[:2]
        directory.mkdir(parents=True, exist_ok=True)
        write_new(self._meta_path(key), _meta_bytes({"error": line}))

    def prune(self, keep: Iterable[str]) -> int:
        """Remove every entry (and leftover temporary file) whose key is not in ``keep``; return how many files."""
        keep = set(keep)
        removed = 0
        try:
            folders = [e.path for e in os.scandir(self.root) if e.is_dir(follow_symlinks=False)]
        except OSError:  # no cache yet
            return 0
        for directory in folders:  # (os.scandir: a path object per cached file costs more than the scan)
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            stale = [n for n in names if n.startswith(".") or n.split(".")[0] not in keep]
            for name in stale:
                try:
                    os.unlink(os.path.join(directory, name))
                    removed += 1
                except OSError:
                    pass
            if len(stale) == len(names):
                try:
                    os.rmdir(directory)
                except OSError:
                    pass
        return removed


def _meta_bytes(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
