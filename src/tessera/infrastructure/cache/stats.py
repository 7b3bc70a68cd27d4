"""Cache hit and miss counts per level, for metrics and tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

Listener = Callable[[str, bool], None]


class CacheStats:
    """``record(level, hit)``; listeners (the metrics layer) hear every record."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, bool]] = Counter()
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def record(self, level: str, *, hit: bool) -> None:
        self.counts[(level, hit)] += 1
        for listener in self._listeners:
            listener(level, hit)

    def hits(self, level: str) -> int:
        return self.counts[(level, True)]

    def misses(self, level: str) -> int:
        return self.counts[(level, False)]
