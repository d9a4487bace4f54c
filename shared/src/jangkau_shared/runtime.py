"""Process-wide tuning of the Python runtime for services that fold events in batches."""

import gc
from typing import Final

#: Python's default (700) runs a young-generation collection every few dozen events of a batch:
#: each batch allocates tens of thousands of short-lived tuples, and the survivors of every
#: collection (the batch still in flight) are promoted and traversed again by the older
#: generations. A threshold above one batch's allocations lets the objects die by reference
#: count first (docs/performance.md).
GEN0_THRESHOLD: Final = 50_000


def tune_gc(gen0_threshold: int = GEN0_THRESHOLD) -> None:
    """Collect young objects less often, and move everything alive now out of the collector's way.

    Call once the long-lived state is loaded (at start): ``gc.freeze`` puts the modules, the
    settings and the loaded counts into the permanent generation, so later full collections do
    not traverse them. Reference-counted memory is freed as before; only cyclic garbage waits
    for the (rarer) collections.
    """
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)
    gc.freeze()
