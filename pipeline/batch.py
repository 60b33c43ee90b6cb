"""A batch: many inputs (files, folders, URLs) through the pipeline into one dataset.

    0 inputs    folders expanded, URLs fetched, every file read and hashed once (bytes not kept);
                the same file given twice is one input; identical bytes under several names are one
                document (the first source by sorted path; a finding names the others); doc_ids
                assigned (pipeline.ids)
    1 extract   every document not in the cache (pipeline.cache), in worker processes (--jobs),
                each within its time budget (--doc-timeout); results go to the cache on disk: the
                document's JSON and its rows as Arrow record batches (made by the worker, so that
                the parent, the one part that does not run in parallel, only maps and writes them)
    2 notices   documents that are the same notice (same 文号, title and issuer, or the same text)
                become one: the published page (HTML) before a text capture, then the first by
                sorted source; a finding on the kept one names both
    3 write     a new generation, documents in doc_id order: JSON files and Parquet rows streamed
    4 commit    the generation replaces the dataset in one step (pipeline.store)

A failing input is one line on stderr and never stops the batch; the others are written. The
dataset holds exactly the documents of the run. Memory does not grow with the number of documents:
the parent keeps one small summary per document, each document is extracted, then written, alone.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from .cache import CACHE_DIRNAME, Cache, Summary, code_digest, entry_key, rules_digest
from .errors import PipelineError, ReadError, TimeBudgetError, WriteError
from .extract import extract_raw
from .ids import assign_doc_ids
from .read import read
from .records import TABLES, Extraction
from .rules import DEFAULT_RULES_DIR, load_rules
from .workers import Lost, default_jobs, run_tasks

#: File types a folder is searched for.
INPUT_SUFFIXES = (".html", ".htm", ".shtml", ".txt", ".xhtml")
#: Suffixes of a published page (kept before a text capture of the same notice).
PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
#: Seconds one document may take by default (``--doc-timeout``); the sample takes well under one.
DOC_TIMEOUT = 60.0
#: A worker's first-generation threshold of the cyclic garbage collector (Python's default is 700). An
#: extraction makes tens of thousands of short-lived containers and no reference cycle; at 700 the
#: collector runs about 18 times per sample notice for nothing (1.8 % of its instructions), at 5,000 it
#: stays a safety net (an error's traceback does make cycles).
WORKER_GC_THRESHOLD = 5000
#: Name of the generation's manifest: what it is made of (to know when a run would change nothing).
MANIFEST = ".manifest.json"


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Files as given, folders expanded to their notice files (sorted; hidden files and folders skipped), URLs kept.

    A folder is walked with ``os.scandir`` (no path object per file); links to folders are not followed,
    links to files are kept.
    """
    out: list[str] = []
    for item in inputs:
        if "://" in item:
            out.append(item)
        elif os.path.isdir(item):
            base = str(Path(item))  # the folder as pathlib prints it: "raw/" and "./raw" are "raw"
            found: list[tuple[str, ...]] = []
            _notice_files(base, (), found)
            prefix = "" if base == "." else base.rstrip("/") + "/"
            out.extend(prefix + "/".join(parts) for parts in sorted(found))
        else:
            out.append(item)
    return out


def _notice_files(directory: str, parts: tuple[str, ...], found: list[tuple[str, ...]]) -> None:
    """Add the path parts (below the folder walked) of every notice file in ``directory`` and its sub-folders."""
    try:
        entries = list(os.scandir(directory))
    except OSError:  # unreadable: skipped, as pathlib's rglob does
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                _notice_files(entry.path, (*parts, name), found)
            elif os.path.splitext(name)[1].lower() in INPUT_SUFFIXES and entry.is_file():
                found.append((*parts, name))
        except OSError:
            continue


@dataclass(frozen=True, slots=True)
class Input:
    """One distinct document to extract: where it is, what it is, what it will be called."""

    source: str  # the path as given (the first by sorted path among identical bytes)
    sha256: str
    content_type: str | None = None
    doc_id: str = ""
    key: str = ""  # cache key (pipeline.cache.entry_key)
    same_bytes: tuple[str, ...] = ()  # other sources with exactly these bytes


@dataclass(frozen=True)
class Failed:
    """An input that failed: its one-line message."""

    line: str


@dataclass(frozen=True)
class Fatal:
    """A failure of the run, not of one document (e.g. the disk is full): the batch stops."""

    reason: str
    path: str


@dataclass
class BatchReport:
    """What a batch did."""

    documents: list[Summary] = field(default_factory=list)  # in the dataset, in doc_id order
    failures: list[str] = field(default_factory=list)  # one line each
    merged: list[str] = field(default_factory=list)  # inputs that were the same document as another
    extracted: int = 0  # documents extracted in this run
    reused: int = 0  # documents taken from the cache
    generation: Path | None = None  # the generation committed (None: nothing written)
    unchanged: bool = False  # the dataset already held exactly this

    @property
    def ok(self) -> bool:
        return not self.failures


class ProgressLine:
    """``extracting 120/1000 documents, 45.2 docs/s``, rewritten in place on a terminal.

    Shown only once a batch has run ``after`` seconds (a short batch prints nothing), at most every
    ``every`` seconds, and erased at the end.
    """

    def __init__(self, stream: TextIO, every: float = 0.2, after: float = 1.0) -> None:
        self.stream, self.every, self.after = stream, every, after
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        now = time.monotonic()
        if done < total and (elapsed < self.after or now - self._last < self.every):
            return
        if done >= total and not self._shown:
            return
        self._last, self._shown = now, True
        rate = done / elapsed if elapsed > 0 else 0.0
        end = "\r\x1b[K" if done >= total else ""
        self.stream.write(f"\rextracting {done}/{total} documents, {rate:.1f} docs/s\x1b[K{end}")
        self.stream.flush()


# --------------------------------------------------------------------------
# Step 1 — in a worker process
# --------------------------------------------------------------------------


def _init_worker(rules_dir: str | None, cache_root: str) -> tuple:
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])
    _prepare_columns()  # already done when forked from the parent
    return load_rules(rules_dir), Cache(Path(cache_root))


def restamp(ex: Extraction, doc_id: str) -> Extraction:
    """The same extraction under another doc_id (every row's ``doc_id``)."""
    def re(rows):
        return tuple(replace(r, doc_id=doc_id) for r in rows)

    return replace(ex, document=replace(ex.document, doc_id=doc_id), items=re(ex.items),
                   assignments=re(ex.assignments), targets=re(ex.targets), repairs=re(ex.repairs),
                   findings=re(ex.findings))


def extract_one(state: tuple, task: Input) -> Summary | Failed | Fatal:
    """Read, extract and serialize one input; keep the result in the cache. Never raises."""
    from .write import columns_bytes, document_bytes

    rules, cache = state
    try:
        raw = read(task.source)
        if raw.sha256 != task.sha256:
            return Failed(str(ReadError("the file changed while the batch was running", source=task.source)))
        ex = extract_raw(raw, rules)
        if ex.document.doc_id != task.doc_id:
            ex = restamp(ex, task.doc_id)
        data = document_bytes(ex)
        columns = columns_bytes(ex)
    except PipelineError as exc:
        line = str(exc)
        try:
            cache.store_error(task.key, line)
        except OSError:
            pass  # not kept: it is extracted again next time
        return Failed(line)
    except Exception as exc:  # a bug must not stop the batch: report it on one line, go on
        return Failed(f"{task.source}: internal error: {type(exc).__name__}: {exc}".replace("\n", " "))
    d = ex.document
    summary = Summary(doc_id=d.doc_id, source=d.source, doc_number=d.doc_number, title=d.title, issuer=d.issuer,
                      text_sha256=hashlib.sha256(ex.text.encode("utf-8", "surrogatepass")).hexdigest(),
                      n_items=d.n_items, n_assignments=d.n_assignments, n_targets=d.n_targets,
                      n_repairs=d.n_repairs, n_findings=d.n_findings)
    try:
        cache.store(task.key, data, columns, summary)
    except OSError as exc:
        return Fatal(exc.strerror or str(exc), exc.filename if isinstance(exc.filename, str) else str(cache.root))
    return summary


# --------------------------------------------------------------------------
# Steps 0-4
# --------------------------------------------------------------------------


def read_inputs(paths: list[str], report: BatchReport, *, raw_dir: Path, echo: Callable[[str], None]) -> list[Input]:
    """Step 0: fetch URLs, read and hash every file once; one :class:`Input` per distinct content."""
    seen: dict[str, str] = {}  # real path -> source
    real = _RealPaths()
    for item in sorted(set(paths)):
        if "://" in item:
            try:
                from .fetch import fetch  # only this path touches the network

                item = str(fetch(item, raw_dir, progress=echo).path)
            except PipelineError as exc:
                report.failures.append(str(exc))
                continue
        seen.setdefault(real(item), item)
    by_digest: dict[str, list[tuple[str, str | None]]] = {}  # sha256 -> (source, content type) of each file
    for source in sorted(seen.values()):
        try:
            raw = read(source)
        except PipelineError as exc:
            report.failures.append(str(exc))
            continue
        by_digest.setdefault(raw.sha256, []).append((source, raw.content_type))
    firsts = {sha: min(same) for sha, same in by_digest.items()}  # the first source by sorted path
    ids = assign_doc_ids((source, sha) for sha, (source, _) in firsts.items())
    return sorted((Input(source, sha, content_type, ids[sha],
                         same_bytes=tuple(sorted(s for s, _ in by_digest[sha] if s != source)))
                   for sha, (source, content_type) in firsts.items()), key=lambda i: i.doc_id)


class _RealPaths:
    """``os.path.realpath`` of many files, most of them in a few folders: each folder is resolved once.

    The real path of ``folder/name`` is that of the folder's real path joined with ``name``, resolved
    again only when ``name`` is itself a link (or ``.``/``..``).
    """

    def __init__(self) -> None:
        self.folders: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        head, name = os.path.split(path)
        if name in ("", ".", ".."):
            return os.path.realpath(path)
        folder = self.folders.get(head)
        if folder is None:
            folder = self.folders[head] = os.path.realpath(head or ".")
        full = os.path.join(folder, name)
        return os.path.realpath(full) if os.path.islink(full) else full


def _notice_keys(s: Summary) -> list[tuple]:
    keys: list[tuple] = [("text", s.text_sha256)]
    if s.doc_number and s.title and s.issuer:
        keys.append(("notice", s.doc_number, s.title, s.issuer))
    return keys


def same_notices(summaries: list[Summary]) -> tuple[list[Summary], dict[str, list[tuple[Summary, str]]]]:
    """Step 2: the documents to keep (doc_id order) and, per kept doc_id, the documents merged into it.

    Two documents are the same notice when their 文号, title and issuer all agree, or their repaired
    texts are identical. Of a group, the published page (HTML) is kept before a text capture, then
    the first by sorted source.
    """
    parent = list(range(len(summaries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for i, s in enumerate(summaries):
        for key in _notice_keys(s):
            j = first.setdefault(key, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[Summary]] = {}
    for i, s in enumerate(summaries):
        groups.setdefault(find(i), []).append(s)
    kept, merged = [], {}
    for members in groups.values():
        keep = min(members, key=lambda s: (not s.source.lower().endswith(PAGE_SUFFIXES), s.source))
        kept.append(keep)
        others = [(s, "the same text" if s.text_sha256 == keep.text_sha256 else "文号, title and issuer agree")
                  for s in sorted(members, key=lambda s: s.source) if s is not keep]
        if others:
            merged[keep.doc_id] = others
    return sorted(kept, key=lambda s: s.doc_id), merged


def _finding(doc_id: str, code: str, message: str) -> dict:
    return {"doc_id": doc_id, "severity": "info", "code": code, "message": message,
            "span_start": None, "span_end": None}


def merge_findings(kept: list[Summary], merged: dict[str, list[tuple[Summary, str]]], by_id: dict[str, Input],
                   report: BatchReport) -> dict[str, list[dict]]:
    """The findings the batch adds to each kept document about the inputs merged into it (and lines for them)."""
    extra: dict[str, list[dict]] = {}
    for s in kept:
        found = extra.setdefault(s.doc_id, [])
        for copy in by_id[s.doc_id].same_bytes:
            found.append(_finding(s.doc_id, "duplicate_input",
                                  f"{copy} has the same bytes as {s.source}: read once, one document"))
            report.merged.append(f"{copy}: the same bytes as {s.source} -> {s.doc_id}")
        for other, why in merged.get(s.doc_id, []):
            found.append(_finding(s.doc_id, "duplicate_notice", f"{other.source} and {s.source} are the same notice "
                                  f"({why}): {s.source} is kept, {other.source} is not a document of its own"))
            report.merged.append(f"{other.source}: the same notice as {s.source} ({why}) -> {s.doc_id}")
            for same in by_id[other.doc_id].same_bytes:
                found.append(_finding(s.doc_id, "duplicate_input", f"{same} has the same bytes as {other.source}, "
                                      f"the same notice as {s.source}: one document"))
                report.merged.append(f"{same}: the same bytes as {other.source}, the same notice as {s.source} "
                                     f"-> {s.doc_id}")
        if not found:
            del extra[s.doc_id]
    return extra


def _with_findings(document: bytes, extra: list[dict]) -> bytes:
    """A document's JSON with more findings (sorted as the extraction sorts them) and its count updated."""
    from .write import dumps

    doc = json.loads(document)
    doc["findings"] = sorted(doc["findings"] + extra, key=lambda f: (
        f["span_start"] if f["span_start"] is not None else -1, f["code"], f["message"]))
    doc["n_findings"] = len(doc["findings"])
    return dumps(doc)


def run_extract(inputs: list[str], out_dir: Path, *, rules_dir: str | None = None, raw_dir: Path = Path("raw"),
                jobs: int | None = None, doc_timeout: float | None = DOC_TIMEOUT, use_cache: bool = True,
                echo: Callable[[str], None] = print, warn: Callable[[str], None] = print,
                progress: Callable[[int, int, float], None] | None = None) -> BatchReport:
    """Extract every input (files, folders, URLs) into the dataset in ``out_dir``; see the module doc."""
    from .store import Dataset

    rules_root = Path(rules_dir).resolve() if rules_dir else DEFAULT_RULES_DIR
    load_rules(rules_dir)  # a bad rule file stops the run before anything is read or written
    report = BatchReport()
    paths = expand_inputs(inputs)
    if not paths:
        raise ReadError("no input files found (looked for " + ", ".join(INPUT_SUFFIXES) + ")",
                        source=" ".join(inputs))
    docs = read_inputs(paths, report, raw_dir=raw_dir, echo=echo)
    if not docs:
        for line in sorted(report.failures):
            warn(f"error: {line}")
        return report

    try:
        return _run_locked(docs, report, Dataset(out_dir), rules_dir=rules_dir, rules_root=rules_root, jobs=jobs,
                           doc_timeout=doc_timeout, use_cache=use_cache, echo=echo, warn=warn, progress=progress)
    except WriteError as exc:  # nothing was committed: say so
        raise WriteError(f"{exc.reason}; {out_dir} still holds the previous dataset", source=exc.source) from None


def _run_locked(docs: list[Input], report: BatchReport, dataset, *, rules_dir: str | None, rules_root: Path,
                jobs: int | None, doc_timeout: float | None, use_cache: bool, echo: Callable[[str], None],
                warn: Callable[[str], None], progress: Callable[[int, int, float], None] | None) -> BatchReport:
    """Steps 1-4, holding the dataset's lock.

    While the workers extract, the parent already writes the documents that are done, in doc_id order,
    into a new generation (the write costs no wall time). If step 2 then merges documents (rare), that
    generation is dropped and written again from the cache.
    """
    out_dir = dataset.out
    with dataset.locked(warn) as lock_fd:
        cache = Cache(out_dir / CACHE_DIRNAME)
        digests = {"rules": rules_digest(rules_root), "code": code_digest()}
        docs = [replace(d, key=entry_key(sha256=d.sha256, source=d.source, doc_id=d.doc_id,
                                         content_type=d.content_type, **digests)) for d in docs]
        by_id = {d.doc_id: d for d in docs}
        early = _Generation(dataset, cache, by_id) if not any(d.same_bytes for d in docs) else None
        stream = _InOrder([d.doc_id for d in docs], early.add) if early else None
        try:
            summaries = _extract_all(docs, cache, report, rules_dir=rules_dir, jobs=jobs, doc_timeout=doc_timeout,
                                     use_cache=use_cache, lock_fd=lock_fd, progress=progress,
                                     on_done=stream.done if stream else None)
        except BaseException:
            if early:
                early.discard()
            raise
        for line in sorted(report.failures):
            warn(f"error: {line}")
        kept, merged = same_notices(summaries)
        extra = merge_findings(kept, merged, by_id, report)
        report.documents = kept
        manifest = json.dumps({"documents": [[s.doc_id, by_id[s.doc_id].key, extra.get(s.doc_id, [])] for s in kept]},
                              ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        current = dataset.current()
        if early and (extra or not kept or not early.started or not report.extracted):
            early.discard()  # merged documents (or nothing new): the generation is written again below
            early = None
        if not kept:
            warn(f"fenjie: nothing written: no input could be extracted; {out_dir} is unchanged")
            return report
        if early:
            report.generation = early.commit(manifest, warn)
        elif current is not None and use_cache and _read_or_none(current / MANIFEST) == manifest:
            report.unchanged, report.generation = True, current
            dataset.repair_links()
            dataset.clean(warn)  # what a run killed after its switch left
        else:
            gen = _Generation(dataset, cache, by_id)
            for s in kept:
                gen.add(s, extra.get(s.doc_id))
            report.generation = gen.commit(manifest, warn)
        for s in kept:
            echo(s.line(len(extra.get(s.doc_id, ()))))
        for line in report.merged:
            echo(line)
        cache.prune(d.key for d in docs)
    echo(_closing_line(report, out_dir))
    return report


def _closing_line(report: BatchReport, out_dir: Path) -> str:
    """The run's last line: what the dataset holds now, and how much was extracted or reused."""
    tables = f"{out_dir}/{{{','.join(TABLES)}}}.parquet and {out_dir}/json/"
    counts = f"{report.extracted} extracted, {report.reused} from the cache"
    if report.unchanged:
        return f"{len(report.documents)} document(s) in {tables}: nothing changed ({counts})"
    return f"wrote {len(report.documents)} document(s): {tables} ({counts})"


class _InOrder:
    """Calls ``sink(summary)`` for each successful document in doc_id order, as soon as all before it are done."""

    def __init__(self, doc_ids: list[str], sink: Callable[[Summary], None]) -> None:
        self.order, self.sink = doc_ids, sink
        self.next = 0
        self.waiting: dict[str, Summary | None] = {}

    def done(self, doc_id: str, summary: Summary | None) -> None:
        self.waiting[doc_id] = summary
        while self.next < len(self.order) and self.order[self.next] in self.waiting:
            ready = self.waiting.pop(self.order[self.next])
            self.next += 1
            if ready is not None:
                self.sink(ready)


class _Generation:
    """Steps 3 and 4: a generation written document by document (doc_id order), then committed or discarded.

    The directory and the table writers are created with the first document.
    """

    def __init__(self, dataset, cache: Cache, by_id: dict[str, Input]) -> None:
        self.dataset, self.cache, self.by_id = dataset, cache, by_id
        self.gen: Path | None = None
        self.writer: Any = None  # a write.DatasetWriter once the first document comes

    @property
    def started(self) -> bool:
        return self.gen is not None

    def add(self, s: Summary, extra: list[dict] | None = None) -> None:
        from .write import DatasetWriter

        try:
            if self.gen is None:
                self.gen = self.dataset.new_generation()
                self.writer = DatasetWriter(self.gen)
            key = self.by_id[s.doc_id].key
            path = self.cache.document_path(key)
            columns = None if extra else _read_or_none(self.cache.columns_path(key))
            if columns is not None:  # the JSON is linked from the cache, not read (unless it must be copied)
                self.writer.add(s.doc_id, None, columns=columns, link_from=path)
                return
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise WriteError(f"cached document unreadable: {exc.strerror or exc}", source=str(path)) from None
            if extra:
                self.writer.add(s.doc_id, _with_findings(data, extra))  # its columns made from the new JSON
            else:
                self.writer.add(s.doc_id, data, link_from=path)
        except BaseException:
            self.discard()
            raise

    def commit(self, manifest: bytes, warn: Callable[[str], None]) -> Path:
        from .cache import write_new

        assert self.gen is not None and self.writer is not None
        try:
            self.writer.close()
            try:
                write_new(self.gen / MANIFEST, manifest)
            except OSError as exc:
                raise WriteError(exc.strerror or str(exc), source=str(self.gen / MANIFEST)) from None
            self.dataset.commit(self.gen, warn)
        except BaseException:
            self.discard()
            raise
        return self.gen

    def discard(self) -> None:
        """Drop the generation unless it is already the dataset (a failure after the switch)."""
        if self.writer is not None:
            self.writer.abort()
        if self.gen is not None:
            current = self.dataset.current()
            if current is None or current.name != self.gen.name:
                self.dataset.discard(self.gen)
        self.gen = self.writer = None


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _prepare_columns() -> None:
    """Import pyarrow and make the tables' row types: a worker makes each document's columns with them.

    Done by the parent before the workers start: forked, they share what it loaded.
    """
    from .write import prepare_columns

    prepare_columns()


def _extract_all(docs: list[Input], cache: Cache, report: BatchReport, *, rules_dir: str | None, jobs: int | None,
                 doc_timeout: float | None, use_cache: bool, lock_fd: int,
                 progress: Callable[[int, int, float], None] | None,
                 on_done: Callable[[str, Summary | None], None] | None = None) -> list[Summary]:
    """Step 1: a summary per document extracted or found in the cache; failures into ``report``.

    ``on_done(doc_id, summary or None)`` is called for every document as it is done (cached ones once the
    workers are started), when there is anything to extract.
    """
    summaries: list[Summary] = []
    todo: list[Input] = []
    hits: list[tuple[str, Summary | None]] = []
    buckets = cache.buckets() if use_cache else set()
    for d in docs:
        hit = cache.lookup(d.key) if d.key[:2] in buckets else None
        if isinstance(hit, Summary):
            summaries.append(hit)
            hits.append((d.doc_id, hit))
            report.reused += 1
        elif isinstance(hit, str):
            report.failures.append(hit)
            hits.append((d.doc_id, None))
            report.reused += 1
        else:
            todo.append(d)
    done_ = on_done or (lambda doc_id, summary: None)

    def meanwhile() -> None:
        for doc_id, summary in hits:
            done_(doc_id, summary)

    if todo:  # (an unchanged run extracts nothing: it needs no pyarrow)
        _prepare_columns()
    start = time.monotonic()
    results = run_tasks(todo, extract_one, jobs=jobs or default_jobs(), budget=doc_timeout or None,
                        init=_init_worker, init_args=(rules_dir, str(cache.root)), close_fds=(lock_fd,),
                        meanwhile=meanwhile)
    try:
        for done, (index, result) in enumerate(results, 1):
            task = todo[index]
            done_(task.doc_id, result if isinstance(result, Summary) else None)
            if isinstance(result, Summary):
                summaries.append(result)
            elif isinstance(result, Failed):
                report.failures.append(result.line)
            elif isinstance(result, Lost) and result.timed_out:
                report.failures.append(str(TimeBudgetError(
                    f"not done within {doc_timeout:g} s (--doc-timeout); skipped", source=task.source)))
            elif isinstance(result, Lost):
                report.failures.append(f"{task.source}: {result.reason}")
            elif isinstance(result, Fatal):
                raise WriteError(result.reason, source=result.path)
            report.extracted += 1
            if progress:
                progress(done, len(todo), time.monotonic() - start)
    finally:
        results.close()  # stops the workers, also when the run is interrupted
    return sorted(summaries, key=lambda s: s.doc_id)
