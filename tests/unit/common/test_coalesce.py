"""Group commit (services/common/coalesce.py): a lone call runs at once; calls that come while a
batch is in flight run together as the next batch, each getting its own result; an error
reaches every call of its batch and no other."""

import threading
import time

import pytest

from services.common.coalesce import Coalescer


class Gate:
    """A `run` that records its batches and holds the first one until opened."""

    def __init__(self, fail_on=None):
        self.batches: list[list[int]] = []
        self.opened = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items):
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.opened.wait(5)
        if self.fail_on in items:
            raise ValueError(f"bad {self.fail_on}")
        return [item * 10 for item in items]


def call_in_threads(coalescer, items):
    results, errors = {}, {}

    def one(item):
        try:
            results[item] = coalescer(item)
        except ValueError as exc:
            errors[item] = str(exc)

    threads = [threading.Thread(target=one, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # in this order
    return threads, results, errors


def test_a_lone_call_runs_at_once_alone():
    gate = Gate()
    gate.opened.set()
    coalescer = Coalescer(gate)
    assert coalescer(4) == 40
    assert coalescer(5) == 50
    assert gate.batches == [[4], [5]]


def test_calls_that_come_while_a_batch_runs_are_run_together_next():
    gate = Gate()
    coalescer = Coalescer(gate)
    threads, results, _ = call_in_threads(coalescer, [1, 2, 3, 4, 5])
    gate.opened.set()
    for thread in threads:
        thread.join(5)
    assert gate.batches == [[1], [2, 3, 4, 5]]
    assert results == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}
    assert coalescer.largest == 4
    assert coalescer(6) == 60  # the way is free again
    assert gate.batches[-1] == [6]


@pytest.mark.parametrize("bad", [1, 3])
def test_an_error_reaches_every_call_of_its_batch_and_no_other(bad):
    gate = Gate(fail_on=bad)
    coalescer = Coalescer(gate)
    threads, results, errors = call_in_threads(coalescer, [1, 2, 3])
    gate.opened.set()
    for thread in threads:
        thread.join(5)
    failed = [1] if bad == 1 else [2, 3]
    assert sorted(errors) == failed
    assert sorted(results) == [n for n in (1, 2, 3) if n not in failed]
    assert coalescer(7) == 70


def test_a_run_that_answers_for_fewer_calls_is_an_error_for_all():
    coalescer = Coalescer(lambda items: items[:-1])
    with pytest.raises(RuntimeError, match="0 results for 1 calls"):
        coalescer(1)
