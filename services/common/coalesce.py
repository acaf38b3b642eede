"""Group commit: calls of one kind from a process's concurrent workers, sent as one command.

`Coalescer(run)` is called with one item at a time from any number of (green) threads. A call
that finds nothing in flight runs at once, alone: no wait when the way is free. Calls that come
while a batch is in flight queue up, and the first of them runs them all as the next batch, in
one `run(items)`, once the batch before has finished. So a call is never run before it was
made, a caller's calls run in the order it makes them, and under load the commands grow fewer
instead of queueing one by one at the server.

`run` returns one result per item, in order; if it raises, every call of that batch raises the
same error. No I/O here: `run` is the caller's.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any


class _Call:
    def __init__(self, item: Any):
        self.item = item
        self.result: Any = None
        self.error: BaseException | None = None
        self.lead = False
        self._woken = threading.Event()

    def finish(self, result: Any, error: BaseException | None) -> None:
        self.result, self.error = result, error
        self._woken.set()

    def take_lead(self) -> None:
        self.lead = True
        self._woken.set()

    def wait(self) -> None:
        self._woken.wait()


class Coalescer:
    """One kind of call (say, reads by `_id` of one collection), run in batches: see the
    module's docstring. `largest` is the largest batch run so far."""

    def __init__(self, run: Callable[[list[Any]], Sequence[Any]]):
        self._run = run
        self._lock = threading.Lock()
        self._queue: list[_Call] = []
        self._busy = False
        self.largest = 0

    def __call__(self, item: Any) -> Any:
        call = _Call(item)
        with self._lock:
            self._queue.append(call)
            call.lead = not self._busy
            self._busy = True
        if not call.lead:
            call.wait()  # until its batch has run, or it is to run the next one
        if call.lead:
            self._run_batch()
        if call.error is not None:
            raise call.error
        return call.result

    def _run_batch(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        self.largest = max(self.largest, len(batch))
        try:
            results = list(self._run([c.item for c in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} results for {len(batch)} calls")
        except Exception as exc:  # each caller gets it, as if its call had run alone
            for c in batch:
                c.finish(None, exc)
        except BaseException:  # the runner itself is being stopped: the others are not
            for c in batch:
                c.finish(None, RuntimeError("the batch was stopped with the worker running it"))
            raise
        else:
            for c, result in zip(batch, results, strict=True):
                c.finish(result, None)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].take_lead()
                else:
                    self._busy = False
