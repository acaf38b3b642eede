"""A service process starts with what it made while starting frozen out of the collector's way,
and collects its youngest generation less often (observability.Observer.start)."""

import gc

from services.common.observability import GC_THRESHOLD, Observer


def test_a_started_process_freezes_what_it_made_and_collects_less_often():
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    made_while_starting = [{"n": i} for i in range(1000)]
    try:
        Observer().start()
        assert gc.get_threshold() == GC_THRESHOLD
        assert GC_THRESHOLD[0] > threshold[0]
        assert gc.get_freeze_count() >= frozen + len(made_while_starting)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
