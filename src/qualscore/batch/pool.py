"""Worker processes that outlive none of their work: replaced when one dies, never
left behind when the process that started them ends.

A :class:`Pool` sends tasks to processes a few at a time and gives back what
they return in the order the tasks came. When a process dies, every task not
yet back is done again, alone; if a process dies again, each of that task's
units alone, and a unit that kills a process twice is told as lost. A worker
process dies with its parent (:func:`die_with`), and :meth:`Pool.stop` ends
them all at once, for Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

__all__ = ["IN_FLIGHT", "STOP_SECONDS", "Pool", "die_with"]

IN_FLIGHT = 4
"""Tasks per process queued at once: bounds memory, however many entities."""
STOP_SECONDS = 5
"""How long a stopped pool waits for each worker process to end."""

Task = TypeVar("Task")
Out = TypeVar("Out")


class Pool(Generic[Task, Out]):
    """Worker processes that are replaced when one dies, the tasks it held done again.

    Args:
        size: How many processes.
        initializer: Sets a worker process up, given ``os.getpid()`` of this
            process and then ``initargs``.
        initargs: Its other arguments (picklable).
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
        self.initializer, self.initargs = initializer, initargs
        self.work, self.alone, self.lost = work, alone, lost
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.size, initializer=self.initializer, initargs=(os.getpid(), *self.initargs)
        )

    def restart(self) -> None:
        """Replace a broken pool with a fresh one."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def submit(self, task: Task) -> Future[list[Out]] | None:
        """The task sent to a worker; None when the pool is already broken."""
        try:
            return self.executor.submit(self.work, task)
        except BrokenProcessPool:
            return None

    def stream(self, tasks: Iterable[Task | Out]) -> Iterator[Out]:
        """What the tasks give, in their order, a few in flight per process. An item of
        ``tasks`` that ``is_done`` (a problem found reading the inputs) passes through."""
        pending: deque[tuple[Any, Future[list[Out]] | None, bool]] = deque()
        for task in tasks:
            passed = self.is_done(task)
            future = None if passed else self.submit(task)  # type: ignore[arg-type]
            pending.append((task, future, passed))
            if len(pending) >= self.size * IN_FLIGHT:
                yield from self._collect(pending)
        while pending:
            yield from self._collect(pending)

    def is_done(self, item: Any) -> bool:
        """Whether ``item`` is passed through rather than sent (not a list of units)."""
        return not isinstance(item, list)

    def _collect(self, pending: deque[tuple[Any, Future[list[Out]] | None, bool]]) -> Iterator[Out]:
        """The oldest task's results; after a worker died, every task in flight's."""
        task, future, passed = pending.popleft()
        if passed:
            yield task
            return
        try:
            if future is None:
                raise BrokenProcessPool("the pool broke before the task was sent")
            yield from future.result()
            return
        except BrokenProcessPool:
            pass
        # A worker died: every task not yet back is done again, carefully, in order.
        held = [(task, future, passed), *pending]
        pending.clear()
        self.restart()
        for task, future, passed in held:
            if passed:
                yield task
                continue
            done = future is not None and future.done() and future.exception() is None
            yield from future.result() if done and future else self._retry(task)

    def _retry(self, task: Task) -> list[Out]:
        """A task done alone; if a worker dies again, each of its units alone."""
        done = self._alone(task)
        if done is not None:
            return done
        out: list[Out] = []
        for unit in self.alone(task):
            found = self._alone(unit)
            out.extend(self.lost(unit) if found is None else found)
        return out

    def _alone(self, task: Task) -> list[Out] | None:
        """What the task gives, sent on its own; None when its worker died (then replaced)."""
        future = self.submit(task)
        try:
            if future is not None:
                return future.result()
        except BrokenProcessPool:
            pass
        self.restart()
        return None

    def close(self) -> None:
        """Wait for the workers to finish and end them."""
        self.executor.shutdown(wait=True)

    def stop(self) -> None:
        """End the workers now, whatever they are doing.

        The executor's own thread is then waited for (a few seconds at most):
        left running, it races Python's exit handler, which prints a traceback.
        """
        processes = dict(getattr(self.executor, "_processes", None) or {})
        manager = getattr(self.executor, "_executor_manager_thread", None)
        # The queue's feeder thread may be blocked writing to the pipe of workers that
        # are about to die; left to be joined at exit, it would hang the process.
        call_queue = getattr(self.executor, "_call_queue", None)
        if call_queue is not None:
            call_queue.cancel_join_thread()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            process.kill()
        for process in processes.values():
            process.join(STOP_SECONDS)
        if isinstance(manager, threading.Thread):
            manager.join(STOP_SECONDS)


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
