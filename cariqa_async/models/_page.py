from __future__ import annotations

from typing import Generic, TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen(slots=True, weakref_slot=False)
class Page(Generic[T]):
    """One page of a Django REST Framework page-number list.

    Attributes:
        count: the total number of items across all pages, as of this response.
        next: the server's link to the next page, or ``None`` on the last page.
            Informational only: the SDK builds page URLs itself.
        previous: the server's link to the previous page, or ``None``.
        results: the items of this page, in server order.
    """

    count: int
    next: str | None
    previous: str | None
    results: tuple[T, ...]

    def __len__(self) -> int:
        return len(self.results)
