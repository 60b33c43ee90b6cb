"""The worker pool: each worker holds the task it runs and the next; the time budget is the running task's."""

from __future__ import annotations

import time

from pipeline.workers import DEPTH, Lost, run_tasks


def _sleep(state, seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_held_task_gets_its_whole_budget_from_when_it_starts():
    # one worker holds two tasks of 0.6 s: the second, handed out with the first, starts 0.6 s later and
    # must not be charged for the wait (from its hand-out it would take 1.2 s, past the budget of 1 s)
    assert DEPTH == 2
    t = time.monotonic()
    results = dict(run_tasks([0.6, 0.6, 0.6], _sleep, jobs=1, budget=1.0))
    assert results == {0: 0.6, 1: 0.6, 2: 0.6}
    assert time.monotonic() - t < 5


def test_the_task_a_killed_worker_held_next_is_run_by_its_successor():
    results = dict(run_tasks([30.0, 0.0, 0.0, 0.0], _sleep, jobs=1, budget=0.5))
    lost = results.pop(0)
    assert isinstance(lost, Lost) and lost.timed_out and lost.reason == "took longer than 0.5 s"
    assert results == {1: 0.0, 2: 0.0, 3: 0.0}


def test_results_come_as_tasks_finish_and_every_task_reports_once():
    tasks = [0.05, 0.0, 0.02, 0.0, 0.01, 0.0, 0.0]
    seen = [i for i, _ in run_tasks(tasks, _sleep, jobs=2, budget=None)]
    assert sorted(seen) == list(range(len(tasks)))


def _gc_threshold(state, task) -> tuple[int, int, int]:
    import gc

    return gc.get_threshold()


def test_a_batch_worker_runs_the_garbage_collector_less_often(tmp_path):
    import gc

    from pipeline.batch import WORKER_GC_THRESHOLD, _init_worker

    [(index, threshold)] = run_tasks([0], _gc_threshold, jobs=1, budget=None, init=_init_worker,
                                     init_args=(None, str(tmp_path)))
    assert threshold == (WORKER_GC_THRESHOLD, *gc.get_threshold()[1:]) and WORKER_GC_THRESHOLD == 5000
    assert gc.get_threshold()[0] != WORKER_GC_THRESHOLD  # the parent's own is left alone
