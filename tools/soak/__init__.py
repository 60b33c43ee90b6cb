"""``make soak``: try fenjie as a hostile page or an unlucky day would, for N minutes (not in CI).

    crafted     the shapes that stalled a batch (issue 12), at their reported sizes and larger
    fuzz        hypothesis-generated notices and mutated real-shaped files through the real extraction,
                in worker processes with a per-input time budget; a share of them through `fenjie extract`
    kills       SIGKILL of `fenjie extract` at random moments and at every commit point, then the
                dataset must be the previous one or the new one, whole
    concurrent  two or three runs into one out/ at once: all finish, the dataset is one run's
    disk-full   a 3 MB tmpfs (root only): the previous dataset stays whole, the message names the path

Run: ``.venv/bin/python -m tools.soak --minutes 10`` (``make soak MINUTES=10``). Prints one summary and
exits 1 on any crash, hang or inconsistent dataset; crashing inputs are saved for ``--replay``.
"""
