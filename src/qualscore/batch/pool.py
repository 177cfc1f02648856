"""Worker processes that outlive none of their work: replaced when one dies, never
left behind when the process that started them ends.

A :class:`Pool` sends tasks to processes a few at a time and gives back what
they return in the order the tasks came. It is built on pebble's
``ProcessPool``, chosen over ``concurrent.futures`` and loky for what a batch
needs most: when a worker process dies, only the task it held fails (pebble
replaces the process and tells that task's future ``ProcessExpired``), where
``ProcessPoolExecutor`` and loky break every task in flight; and it stops its
workers through a public ``stop()``. That task is then done again one unit at
a time, so that a unit that kills a process a second time is the only thing
lost (and told). A worker process dies with its parent (:func:`die_with`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from pebble import ProcessExpired, ProcessPool

__all__ = ["IN_FLIGHT", "STOP_SECONDS", "Pool", "die_with"]

IN_FLIGHT = 4
"""Tasks per process queued at once: bounds memory, however many entities."""
STOP_SECONDS = 5
"""How long a stopped pool waits for its worker processes to end."""

Task = TypeVar("Task")
Out = TypeVar("Out")


class Pool(Generic[Task, Out]):
    """Worker processes that are replaced when one dies, the task it held done again.

    Args:
        size: How many processes.
        initializer: Sets a worker process up, given ``os.getpid()`` of this
            process and then ``initargs``.
        initargs: Its other arguments (inherited by a forked worker; pickled
            where processes are spawned).
        work: What a worker does with a task (a top-level function).
        alone: A task's units, each as a task of its own (for the second try).
        lost: What to give back for a task of one unit that killed a process twice.
    """

    def __init__(
        self,
        size: int,
        initializer: Callable[..., None],
        initargs: tuple[Any, ...],
        work: Callable[[Task], list[Out]],
        alone: Callable[[Task], Iterable[Task]],
        lost: Callable[[Task], list[Out]],
    ) -> None:
        self.size = size
        self.work, self.alone, self.lost = work, alone, lost
        self.pool = ProcessPool(size, initializer=initializer, initargs=(os.getpid(), *initargs))

    def stream(self, tasks: Iterable[Task | Out]) -> Iterator[Out]:
        """What the tasks give, in their order, a few in flight per process. An item of
        ``tasks`` that ``is_done`` (a problem found reading the inputs) passes through."""
        pending: deque[tuple[Any, Future[list[Out]] | None]] = deque()
        for task in tasks:
            future = None if self.is_done(task) else self.pool.schedule(self.work, (task,))
            pending.append((task, future))
            if len(pending) >= self.size * IN_FLIGHT:
                yield from self._collect(*pending.popleft())
        while pending:
            yield from self._collect(*pending.popleft())

    def is_done(self, item: Any) -> bool:
        """Whether ``item`` is passed through rather than sent (not a list of units)."""
        return not isinstance(item, list)

    def _collect(self, task: Any, future: Future[list[Out]] | None) -> Iterator[Out]:
        """What one task gave; if its worker died, what each of its units gives alone."""
        if future is None:
            yield task
            return
        try:
            yield from future.result()
        except ProcessExpired:
            for unit in self.alone(task):
                yield from self._alone(unit)

    def _alone(self, unit: Task) -> list[Out]:
        """A task of one unit done alone; told as lost if its worker dies again."""
        try:
            return self.pool.schedule(self.work, (unit,)).result()
        except ProcessExpired:
            return self.lost(unit)

    def close(self) -> None:
        """Wait for the workers to finish and end them."""
        self.pool.close()  # type: ignore[no-untyped-call]
        self.pool.join()

    def stop(self) -> None:
        """End the workers now, whatever they are doing (Ctrl-C, SIGTERM, a consumer
        that stopped reading)."""
        self.pool.stop()  # type: ignore[no-untyped-call]
        self.pool.join(STOP_SECONDS)


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal a process gets when its parent dies."""


def die_with(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL; leave Ctrl-C to the parent.

    On Linux the kernel sends SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere, or
    if that fails, a daemon thread checks every half second that the parent
    is still there.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent shuts the pool down
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    if sys.platform.startswith("linux") and _pdeathsig():
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def _pdeathsig() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(0.5)
    os._exit(1)
