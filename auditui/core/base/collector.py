"""Fewer runs of Python's cycle collector while a history is read and walked.

A catalogue's walk allocates millions of small containers that then live for the
whole run (parsed configs, World tables, raw diff lines). The collector starts a pass
every 700 new containers and keeps rescanning the ones that survived: on models.dev's
whole history that was 30% of a cold run. Like mypy does for its builds, the first
threshold is raised while a walk runs; cyclic garbage is still collected, later.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FIRST_THRESHOLD = 200_000

_held = 0  # walks running (the app's replaced load may still end beside the new one)
_saved: tuple[int, ...] | None = None
_lock = threading.Lock()


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _held, _saved
    with _lock:
        if _held == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(_saved[0], FIRST_THRESHOLD), *_saved[1:])
        _held += 1
    try:
        yield
    finally:
        with _lock:
            _held -= 1
            if _held == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
