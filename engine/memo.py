"""A value kept for as long as the same objects come back.

Edits never change a layout object in place: they build new lists and models
and share the ones they do not touch. So "is this the same object as last time"
answers "has this input changed" at the cost of an ``is`` per object, which is
what the hot paths of a drag (the id index of a layout, the digests of its trays
and fabrics) need when hashing or indexing thousands of items would cost more
than the edit itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["LastValue"]

T = TypeVar("T")


class LastValue(Generic[T]):
    """The value computed from the last sources, while the same sources come back.

    The sources are held (so their ids are not reused) and compared by identity.

    Examples
    --------
    >>> calls = []
    >>> memo = LastValue()
    >>> a, b = [1], [2]
    >>> memo.get((a, b), lambda: calls.append(1) or "v"), memo.get((a, b), lambda: "w")
    ('v', 'v')
    >>> memo.get((a, [2]), lambda: "w"), len(calls)
    ('w', 1)
    """

    def __init__(self) -> None:
        self._sources: tuple | None = None
        self._value: T | None = None

    def get(self, sources: tuple, compute: Callable[[], T]) -> T:
        """Return the last value if ``sources`` are the same objects, else ``compute()``."""
        old = self._sources
        if old is not None and len(old) == len(sources) and all(
                a is b for a, b in zip(old, sources, strict=True)):
            return self._value  # type: ignore[return-value]
        value = compute()
        self._sources, self._value = tuple(sources), value
        return value
