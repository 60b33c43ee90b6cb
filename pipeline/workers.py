"""Worker processes with a time budget per task: a task that overruns is killed, the others go on.

A thread cannot stop a runaway regex or a quadratic loop; killing the process that runs it can. So
every task of a batch runs in a worker process (``--jobs 1`` too): the parent hands each worker the
task it runs and the next one (so that a worker never waits for the parent between two, e.g. while
the parent writes a row group), waits on all of them, and SIGKILLs a worker whose running task is
past its deadline, then starts a fresh one for the remaining tasks (the one it held but had not
started included). Workers are forked where the platform can (they
share the parent's loaded rules and imported modules at no cost), else spawned.

The worker's function must catch its own errors and return a picklable result; an exception that
escapes it, or a worker that dies (a crash, the OOM killer), becomes a :class:`Lost` result.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any


@dataclass(frozen=True)
class Lost:
    """A task without a result: it ran out of time, or its worker died."""

    reason: str  # one line, e.g. "took longer than 60 s" or "the worker process died (signal 11)"
    timed_out: bool = False


#: Tasks a worker holds at once: the one it runs and the next (while there are more tasks left than workers).
DEPTH = 2


def default_jobs() -> int:
    """Worker processes by default: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def no_state() -> None:
    """The default worker initializer: no per-worker state."""
    return None


def _context() -> mp.context.BaseContext:
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _die_with_parent(parent: int) -> None:
    """Linux: have the kernel SIGKILL this worker when the parent dies (a killed batch leaves no worker
    finishing a long document for nobody). Elsewhere the closed pipe ends the worker after its task."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _worker_main(conn: Connection, init: Callable[..., Any], init_args: tuple, run: Callable[[Any, Any], Any],
                 close_fds: tuple[int, ...], parent: int = 0) -> None:
    """Loop of one worker: receive a task, send its result, until told to stop (None) or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if parent:
        _die_with_parent(parent)
    # close_fds: the dataset lock (it must die with the parent, not linger in a worker) and, forked, the
    # parent's ends of the workers' pipes: a worker holding its own pipe's other end never sees the parent go
    for fd in close_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    state = init(*init_args)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, task = msg
        try:
            result: Any = run(state, task)
        except BaseException as exc:  # the run function should not raise; never let a worker die silently
            result = Lost(f"internal error: {type(exc).__name__}: {exc}".replace("\n", " "))
        try:
            conn.send((index, result))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, ctx: Any, init: Callable[..., Any], init_args: tuple,
                 run: Callable[[Any, Any], Any], close_fds: tuple[int, ...]) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        forked = ctx.get_start_method() == "fork"
        if forked:  # the child's copies of the parent's pipe ends (fd numbers are the same in a fork)
            close_fds = (*close_fds, self.conn.fileno())
        self.process = ctx.Process(target=_worker_main, args=(child, init, init_args, run, close_fds,
                                                              os.getpid() if forked else 0), daemon=True)
        self.process.start()
        child.close()
        self.held: deque[int] = deque()  # the tasks given, in order: the first one runs
        self.deadline = 0.0  # of the running task

    @property
    def task(self) -> int | None:
        """The task it runs (None when idle)."""
        return self.held[0] if self.held else None

    def give(self, index: int, task: Any, budget: float | None) -> None:
        if not self.held:  # it starts at once; else when the task before it reports
            self.deadline = time.monotonic() + budget if budget else float("inf")
        self.held.append(index)
        self.conn.send((index, task))

    def reported(self, budget: float | None) -> None:
        """Its running task reported: the next one it holds started as it did (its deadline from now)."""
        self.held.popleft()
        if self.held:
            self.deadline = time.monotonic() + budget if budget else float("inf")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _outcome(w: _Worker, ready: bool, budget: float | None) -> tuple[tuple[int | None, Any] | None, bool]:
    """(what worker ``w`` reports, or None while it works; whether it is gone): its result when ``ready``,
    :class:`Lost` when it died or ran past its deadline (then it is killed). A worker gone still holds,
    after its running task, the tasks it never started."""
    if ready:
        try:
            outcome = w.conn.recv()
        except (EOFError, OSError):  # the pipe closed: the worker died
            w.process.join()
            code = w.process.exitcode
            why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            w.conn.close()
            return (w.task, Lost(f"internal error: the worker process died ({why})")), True
        w.reported(budget)
        return outcome, False
    if time.monotonic() >= w.deadline:
        budget_s = f"{budget:g}" if budget is not None else "?"
        outcome = (w.task, Lost(f"took longer than {budget_s} s", timed_out=True))
        w.kill()
        return outcome, True
    return None, False


def run_tasks(tasks: Sequence[Any], run: Callable[[Any, Any], Any], *, jobs: int, budget: float | None,
              init: Callable[..., Any] = no_state, init_args: tuple = (), close_fds: tuple[int, ...] = (),
              meanwhile: Callable[[], Any] | None = None) -> Generator[tuple[int, Any], None, None]:
    """Run ``run(state, task)`` for every task in ``jobs`` worker processes; yield ``(index, result)``.

    Results come in completion order. ``state`` is ``init(*init_args)``, built once per worker, which holds
    up to DEPTH tasks. A task still running ``budget`` seconds after it started (as the task before it
    reported, or as it was handed out) yields :class:`Lost` (``timed_out``) and its worker is killed and
    replaced, the task it held next handed out again; ``budget=None`` means no limit. ``meanwhile`` is called once the
    workers have their first tasks (the parent's own preparation, done while they work).
    """
    if not tasks:
        return
    ctx = _context()
    todo = list(range(len(tasks)))[::-1]  # a stack: pop() hands out tasks in order
    workers: list[_Worker] = []

    def start() -> _Worker:
        others = tuple(w.conn.fileno() for w in workers) if ctx.get_start_method() == "fork" else ()
        w = _Worker(ctx, init, init_args, run, (*close_fds, *others))
        workers.append(w)
        return w

    def fill(w: _Worker) -> None:
        """Hand ``w`` tasks up to DEPTH; only the one it will run when few are left (the last tasks are not
        queued behind a long one while another worker waits)."""
        while todo and len(w.held) < (DEPTH if len(todo) > len(workers) else 1):
            w.give(todo[-1], tasks[todo.pop()], budget)

    try:
        for _ in range(min(max(1, jobs), len(tasks))):
            w = start()
            w.give(todo[-1], tasks[todo.pop()], budget)
        for w in workers:
            fill(w)
        if meanwhile is not None:
            meanwhile()
        while any(w.held for w in workers):
            busy = [w for w in workers if w.held]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy], timeout=None if timeout == float("inf") else timeout)
            for w in busy:
                outcome, gone = _outcome(w, w.conn in ready, budget)
                if outcome is None:
                    continue
                if gone:  # died or killed: the tasks it held but never started go first to a new worker
                    todo.extend(reversed(list(w.held)[1:]))
                    w.held.clear()
                    workers.remove(w)
                    if todo:
                        w = start()
                if w in workers:  # the next tasks first: the worker must not wait while the caller
                    fill(w)       # handles this result (e.g. writes it)
                index, value = outcome
                assert index is not None  # a worker only reports on a task it was given
                yield index, value
    finally:
        for w in workers:
            if w.held:
                w.kill()
            else:
                w.stop()
