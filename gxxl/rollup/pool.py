"""A process pool that survives its workers, for scanning many workbooks.

``multiprocessing.Pool`` never notices a worker that dies (an abort in a native library,
an out-of-memory kill, ``os._exit``): the run then waits forever.  Here the parent hands
each worker a small batch of items over its own pipe and knows, at every moment, which
items a worker still owes.  A worker handles its batch in order and sends one result per
item, so when it dies (its pipe closes, its process sentinel fires) the first item it
still owed is the one it died on: that item gets ``crashed(item)`` as its result, the
rest of the batch goes back to the queue, and a fresh worker takes the dead one's place.
A worker that sends nothing for ``ITEM_TIMEOUT`` seconds while it owes an item (a
deadlock inside a native library under memory pressure was seen) is killed the same way.

Workers ignore SIGINT (Ctrl-C reaches the whole process group; only the parent reacts)
and die silently on SIGTERM; the parent terminates and reaps every worker on any exit,
including ``KeyboardInterrupt`` and :class:`gxxl.errors.Interrupted`.  A worker whose
parent disappeared sees its pipe close and exits, so no orphan lingers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import select
import selectors
import signal
import time
from collections import deque
from typing import Callable, Iterable

Item = tuple[int, str]


#: seconds a worker may spend on one item before it is taken for hung and killed
#: (a normal workbook takes milliseconds; the largest one the input gate admits, seconds)
ITEM_TIMEOUT = float(os.environ.get("GXXL_ITEM_TIMEOUT", "120"))


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the parent dies (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux: the closed pipe ends the worker at its next item
        pass


def _worker(conn, fn: Callable, inherited: list) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    for c in inherited:  # the parent's pipe ends, copied by fork: closed, so a dead parent means EOF
        try:
            c.close()
        except OSError:
            pass
    try:
        while True:
            try:
                batch = conn.recv()
            except (EOFError, OSError):
                return
            if batch is None:
                return
            for i, arg in batch:
                result = fn(arg)
                conn.send((i, result))
    except (BrokenPipeError, EOFError, OSError):
        return  # the parent is gone or stopping: nothing to report to


class _Slot:
    __slots__ = ("proc", "conn", "owed", "since", "_poller")

    def __init__(self, proc, conn):
        self.proc = proc
        self.conn = conn
        self.owed: deque[Item] = deque()
        #: when the worker last sent a result or was given work
        self.since = time.monotonic()
        self._poller = None
        if hasattr(select, "poll"):  # POSIX; Windows pipes are not pollable this way
            self._poller = select.poll()
            self._poller.register(conn.fileno(), select.POLLIN)

    def readable(self) -> bool:
        """``conn.poll()`` without the selector that ``Connection.poll`` builds at every call
        (where ``select.poll`` exists); True at end of file too (then ``recv`` raises EOFError)."""
        return bool(self._poller.poll(0)) if self._poller is not None else self.conn.poll()


def run(fn: Callable[[str], object], items: Iterable[Item], *, jobs: int, chunk: int,
        crashed: Callable[[str], object], done: Callable[[int, object], None],
        item_timeout: float | None = None) -> None:
    """Call ``fn(arg)`` for every ``(i, arg)`` in worker processes; ``done(i, result)`` in the parent.

    An item whose worker died, or hung longer than ``item_timeout`` seconds on it (then
    it is killed), gets ``crashed(arg)`` as its result; the run goes on.
    """
    for i, result in results(fn, items, jobs=jobs, chunk=chunk, crashed=crashed, item_timeout=item_timeout):
        done(i, result)


def results(fn: Callable[[object], object], items: Iterable[Item], *, jobs: int, chunk: int,
            crashed: Callable[[object], object], item_timeout: float | None = None):
    """``(i, fn(arg))`` for every ``(i, arg)``, as they come (any order), computed in worker
    processes; see :func:`run`.  Closing the generator (or an exception in the consumer,
    Ctrl-C included) stops and reaps every worker."""
    emitted: deque[tuple[int, object]] = deque()

    def done(i: int, result: object) -> None:
        emitted.append((i, result))

    item_timeout = ITEM_TIMEOUT if item_timeout is None else item_timeout
    queue: deque[Item] = deque(items)
    total = len(queue)
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else None)
    slots: list[_Slot] = []
    finished = 0
    selector = _Waiter()

    def start() -> _Slot:
        parent, child = ctx.Pipe()
        # the child inherits SIGINT ignored from the very first instruction (no window)
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            inherited = [parent] + [s.conn for s in slots]
            proc = ctx.Process(target=_worker, args=(child, fn, inherited), daemon=True)
            proc.start()
        finally:
            signal.signal(signal.SIGINT, old)
        child.close()
        slot = _Slot(proc, parent)
        slots.append(slot)
        selector.register(parent, (slot, True))
        selector.register(proc.sentinel, (slot, False))
        return slot

    def feed(slot: _Slot) -> None:
        if slot.owed or not queue:
            return
        n = min(chunk, max(1, len(queue) // max(1, len(slots))), len(queue))
        batch = [queue.popleft() for _ in range(n)]
        slot.owed.extend(batch)
        slot.since = time.monotonic()
        try:
            slot.conn.send(batch)
        except (BrokenPipeError, OSError):
            pass  # found dead at the next wait

    def receive(slot: _Slot) -> bool:
        """Take every result waiting in the slot's pipe; False when the pipe is closed."""
        nonlocal finished
        try:
            while slot.readable():
                i, result = slot.conn.recv()
                if slot.owed and slot.owed[0][0] == i:
                    slot.owed.popleft()
                else:  # cannot happen with in-order workers; stay correct anyway
                    slot.owed = deque(x for x in slot.owed if x[0] != i)
                finished += 1
                slot.since = time.monotonic()
                done(i, result)
        except (EOFError, OSError):
            return False
        return True

    def bury(slot: _Slot) -> None:
        nonlocal finished
        receive(slot)
        slots.remove(slot)
        selector.unregister(slot.conn)
        selector.unregister(slot.proc.sentinel)
        slot.conn.close()
        slot.proc.join(timeout=1)
        if slot.owed:
            i, arg = slot.owed.popleft()
            finished += 1
            done(i, crashed(arg))
            queue.extendleft(reversed(slot.owed))
            slot.owed.clear()

    try:
        for _ in range(max(1, min(jobs, total))):
            feed(start())
        while finished < total:
            for slot in list(slots):
                feed(slot)
            if not slots:  # every worker died with nothing owed: start again
                feed(start())
                continue
            now = time.monotonic()
            for slot in list(slots):  # hung on one item (a deadlock in a native library): killed
                if slot.owed and now - slot.since > item_timeout:
                    slot.proc.kill()
            for slot, is_conn in selector.select(min(5.0, item_timeout)):
                if slot not in slots:
                    continue
                alive = receive(slot) if is_conn else True
                if not alive or not is_conn:
                    bury(slot)
                    if queue and len(slots) < jobs:
                        feed(start())
                else:
                    feed(slot)
            while emitted:
                yield emitted.popleft()
        while emitted:
            yield emitted.popleft()
    finally:
        selector.close()
        stop(slots)


class _Waiter:
    """Waits for any worker's pipe or process sentinel.  On POSIX one selector serves the
    whole run (``multiprocessing.connection.wait`` builds one per call: a third of this
    process's CPU while 10,000 results arrive); elsewhere (Windows pipes and process
    handles are not selectable) ``connection.wait`` it is."""

    def __init__(self, posix: bool = os.name == "posix"):
        self._selector = selectors.DefaultSelector() if posix else None
        self._data: dict = {}

    def register(self, obj, data) -> None:
        if self._selector is not None:
            self._selector.register(obj, selectors.EVENT_READ, data)
        else:
            self._data[obj] = data

    def unregister(self, obj) -> None:
        if self._selector is not None:
            self._selector.unregister(obj)
        else:
            del self._data[obj]

    def select(self, timeout: float) -> list:
        """The data of every registered object that is ready."""
        if self._selector is not None:
            return [key.data for key, _ in self._selector.select(timeout=timeout)]
        from multiprocessing.connection import wait

        return [self._data[obj] for obj in wait(list(self._data), timeout=timeout)]

    def close(self) -> None:
        if self._selector is not None:
            self._selector.close()


def stop(slots: list[_Slot]) -> None:
    """Terminate and reap every worker (quietly: SIGTERM is their default, silent death)."""
    for s in slots:
        try:
            s.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
    for s in slots:
        if s.proc.is_alive() and s.owed:
            s.proc.terminate()
    for s in slots:
        s.proc.join(timeout=2)
        if s.proc.is_alive():
            s.proc.kill()
            s.proc.join(timeout=1)
        try:
            s.conn.close()
        except OSError:
            pass
    slots.clear()
