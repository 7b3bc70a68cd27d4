"""L1: an in-process LRU with a TTL, and generations that keep a slow reader from storing a
value older than the last invalidation of its key."""

from __future__ import annotations

import itertools
from typing import Generic, TypeVar

from cachetools import LRUCache, TTLCache

K = TypeVar("K")
V = TypeVar("V")


class _Generations(LRUCache[K, int]):
    """Bounded: an evicted generation raises the floor that missing keys report, so a key
    invalidated and then evicted can never look unchanged to a reader that started before."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self.floor = 0

    def popitem(self) -> tuple[K, int]:
        key, generation = super().popitem()
        self.floor = max(self.floor, generation)
        return key, generation


class LocalCache(Generic[K, V]):
    def __init__(self, *, maxsize: int, ttl: float) -> None:
        self._values: TTLCache[K, V] = TTLCache(maxsize=maxsize, ttl=ttl)
        self._generations: _Generations[K] = _Generations(maxsize * 4)
        self._counter = itertools.count(1)

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def generation(self, key: K) -> int:
        """Read before loading a value; hand it back to ``put_if``."""
        return self._generations.get(key, self._generations.floor)

    def put_if(self, key: K, value: V, generation: int) -> bool:
        """Store unless the key was invalidated since ``generation`` was read."""
        if self.generation(key) != generation:
            return False
        self._values[key] = value
        return True

    def invalidate(self, key: K) -> None:
        self._generations[key] = next(self._counter)
        self._values.pop(key, None)

    def clear(self) -> None:
        """Forget every value (after missed invalidations); later fills are still guarded."""
        floor = next(self._counter)
        self._generations.clear()
        self._generations.floor = floor
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
