"""Worker processes that one file cannot take down with the whole run.

`concurrent.futures.ProcessPoolExecutor` fails every pending task when one worker dies (a native
parser's crash, the kernel's OOM killer), and its workers outlive a killed parent, blocked
forever. Here each worker is handed a chunk of tasks only when it is idle, answers the whole
chunk at once (a message per task kept the parent busy on the cores the workers need), and
writes in memory shared with the parent which task it is on. So when one dies the parent knows
the task it died on: that task alone is reported as crashed, the rest of its chunk goes back in
the queue, and a new worker takes its place. Workers die with their parent (Linux), or notice
it is gone within a second (elsewhere).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Sequence

# How often a worker checks that its parent is alive where the kernel cannot tell it.
_PARENT_CHECK_SECONDS = 1.0


def run_in_workers(
    function: Callable, tasks: Sequence[tuple], jobs: int, chunk: int, crashed: Callable[[tuple, str], object]
) -> list:
    """``[function(*task) for task in tasks]`` in ``jobs`` processes, ``chunk`` tasks at a time.
    A task whose worker dies is ``crashed(task, why)`` instead (``why`` names the signal or exit
    status); so is one whose ``function`` raises. Every worker is gone when this returns or raises."""
    results: list = [None] * len(tasks)
    waiting = deque(range(len(tasks)))
    context = multiprocessing.get_context()
    workers: list[_Worker] = []
    try:
        while waiting or any(worker.queued for worker in workers):
            while len(workers) < jobs and len(workers) < len(waiting) + sum(len(w.queued) for w in workers):
                workers.append(_Worker(context, function))
            for worker in workers:
                if not worker.queued and waiting:
                    worker.hand(tasks, [waiting.popleft() for _ in range(min(chunk, len(waiting)))])
            busy = [worker for worker in workers if worker.queued]
            ready = set(wait([w.connection for w in busy] + [w.process.sentinel for w in busy]))
            for worker in busy:
                if worker.connection in ready or worker.process.sentinel in ready:
                    for index, answer in worker.answers():
                        results[index] = crashed(tasks[index], answer.why) if isinstance(answer, _Failed) else answer
                    if not worker.alive:
                        workers.remove(worker)
                        if worker.queued:  # the task it died on; the rest of its chunk waits again
                            index = worker.died_on()
                            results[index] = crashed(tasks[index], worker.death())
                            waiting.extendleft(reversed([i for i in worker.queued if i != index]))
                        worker.close()
    finally:
        for worker in workers:
            worker.close()
    return results


class _Failed:
    """A worker's answer for a task whose function raised."""

    def __init__(self, why: str) -> None:
        self.why = why


_BETWEEN_TASKS = -1


class _Worker:
    def __init__(self, context, function: Callable) -> None:
        self.connection, theirs = context.Pipe()
        self.current = context.RawValue("q", _BETWEEN_TASKS)  # the task it is on, written by it
        self.process = context.Process(target=_serve, args=(theirs, function, os.getpid(), self.current), daemon=True)
        self.process.start()
        theirs.close()
        self.queued: deque[int] = deque()  # indexes handed over and not yet answered, in order
        self.alive = True

    def hand(self, tasks: Sequence[tuple], indexes: list[int]) -> None:
        try:
            self.connection.send([(index, tasks[index]) for index in indexes])
        except OSError:  # it died meanwhile: `answers` finds out
            pass
        self.queued.extend(indexes)

    def answers(self):
        """Its answers so far; marks it dead when its end of the pipe closed."""
        try:
            while self.connection.poll():
                for index, answer in self.connection.recv():  # a chunk, answered in order
                    self.queued.popleft()
                    yield index, answer
        except (EOFError, OSError):
            self.alive = False
        if not self.process.is_alive():
            self.alive = False

    def died_on(self) -> int:
        """The task a dead worker was on; the first of its chunk when it died between tasks (so
        a worker that dies however it is started still uses up the tasks it is handed)."""
        index = self.current.value
        return index if index in self.queued else self.queued[0]

    def death(self) -> str:
        self.process.join()
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                return f"its process died of {signal.Signals(-code).name}"
            except ValueError:
                return f"its process died of signal {-code}"
        return f"its process exited with status {code}"

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


def _serve(connection, function: Callable, parent: int, current) -> None:
    """A worker's life: answer each chunk, task by task, until the parent hangs up; ``current``
    says which task it is on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent ends us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    _die_with(parent)
    while True:
        try:
            chunk = connection.recv()
        except (EOFError, OSError):
            return
        answers = []
        for index, task in chunk:
            current.value = index
            try:
                answer = function(*task)
            except Exception as error:  # the caller reports it against this task
                answer = _Failed(f"{type(error).__name__}: {error}")
            current.value = _BETWEEN_TASKS
            answers.append((index, answer))
        connection.send(answers)


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL, so no worker is left behind."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            raise OSError("prctl failed")
    except (OSError, AttributeError):  # not Linux: watch the parent instead
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it ended before the kernel was told to watch it
        os._exit(1)


def _watch(parent: int) -> None:
    event = threading.Event()
    while not event.wait(_PARENT_CHECK_SECONDS):
        if os.getppid() != parent:
            os._exit(1)
