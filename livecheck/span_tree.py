"""Which catalog span each received span is, so a span's parent can be named.

A span's parent is the span of its trace whose id is its `parent_span_id`. Exporters send
a span when it ends, so a child usually arrives before its parent (in the same batch, or
an earlier one): a child whose parent has not arrived waits for it, and is resolved when
it comes, or at the end of the run as a span whose parent was never received (a foreign
parent, such as a `TRACEPARENT` the sender was started with: no catalog span, so the span
must be allowed as a root). Memory is bounded: past `limit` spans remembered or waiting,
the oldest go (a waiting one is then resolved as never received).
"""

from __future__ import annotations

from typing import Final, Generic, TypeVar

#: What a resolution says the parent was, when it is not a catalog span.
ROOT: Final = "(none: a root span)"
NOT_IN_CATALOG: Final = "(a span not in the catalog)"
NOT_RECEIVED: Final = "(a span never received)"

Item = TypeVar("Item")
#: A span to check, the catalog id of its parent (None: no catalog span), and the parent
#: in words for the report (the catalog id, or one of the texts above).
Resolution = tuple[Item, str | None, str]


class SpanTree(Generic[Item]):
    def __init__(self, limit: int = 65536) -> None:
        self.limit = limit
        #: (trace id, span id) -> the catalog id of a received span (None: not a catalog span).
        self._received: dict[tuple[str, str], str | None] = {}
        #: (trace id, parent span id) -> the spans waiting for that parent.
        self._waiting: dict[tuple[str, str], list[Item]] = {}
        self._waiting_count = 0

    def received(
        self,
        trace_id: str,
        span_id: str,
        parent_span_id: str,
        catalog_id: str | None,
        item: Item | None,
    ) -> list[Resolution[Item]]:
        """A span arrived: `item` (None: nothing to check, an unknown span) and the spans
        that waited for it, each with its parent, when known now."""
        out: list[Resolution[Item]] = []
        if span_id:
            key = (trace_id, span_id)
            self._received[key] = catalog_id
            if len(self._received) > self.limit:
                del self._received[next(iter(self._received))]
            children = self._waiting.pop(key, None)
            if children:
                self._waiting_count -= len(children)
                shown = catalog_id or NOT_IN_CATALOG
                out.extend((child, catalog_id, shown) for child in children)
        if item is None:
            return out
        if not parent_span_id:
            out.append((item, None, ROOT))
            return out
        parent = (trace_id, parent_span_id)
        if parent in self._received:
            parent_id = self._received[parent]
            out.append((item, parent_id, parent_id or NOT_IN_CATALOG))
            return out
        self._waiting.setdefault(parent, []).append(item)
        self._waiting_count += 1
        while self._waiting_count > self.limit:
            oldest = next(iter(self._waiting))
            given_up = self._waiting.pop(oldest)
            self._waiting_count -= len(given_up)
            out.extend((child, None, NOT_RECEIVED) for child in given_up)
        return out

    def finish(self) -> list[Resolution[Item]]:
        """The spans still waiting: their parents never came."""
        out: list[Resolution[Item]] = [
            (child, None, NOT_RECEIVED) for children in self._waiting.values() for child in children
        ]
        self._waiting.clear()
        self._waiting_count = 0
        return out


__all__ = ["NOT_IN_CATALOG", "NOT_RECEIVED", "ROOT", "Resolution", "SpanTree"]
