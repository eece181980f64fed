"""`codex.user_prompt`: the text of the user's input items.

Codex keeps the `Text` items of the input, concatenated without a separator, and
skips the others (images, files). Items here may be:

- a mapping with `"type"` `"text"` or `"input_text"` (Codex's input item and the Responses
  API's input content part) and a string `"text"`;
- an object with `.type` and `.text` attributes of the same shapes (`.type` may be an
  enum whose value is one of those);
- a bare string, which is text.

A whole prompt given as one string is taken as it is, and a single item (a mapping or an
item object) as a list of one. Items are not searched recursively: pass the content parts
of a message, not the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol, TypeAlias

#: The `type` values of text items.
TEXT_ITEM_TYPES: Final = frozenset({"text", "input_text"})


class TypedItem(Protocol):
    """An input item object: a `type`, and a `text` when it is a text item."""

    @property
    def type(self) -> Any: ...


#: One input item.
InputItem: TypeAlias = str | Mapping[str, Any] | TypedItem


def _text_of(item: object) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        kind, text = item.get("type"), item.get("text")
    else:
        kind, text = getattr(item, "type", None), getattr(item, "text", None)
    kind = getattr(kind, "value", kind)  # an enum member stands for its value
    if isinstance(kind, str) and kind in TEXT_ITEM_TYPES and isinstance(text, str):
        return text
    return None


def prompt_text(items: str | InputItem | Iterable[InputItem]) -> str:
    """The prompt: the text items' text, concatenated."""
    if isinstance(items, str):
        return items
    # A mapping is iterable too, but over its keys: one item must not read as its keys.
    if isinstance(items, Mapping) or not isinstance(items, Iterable):
        items = [items]
    return "".join(text for text in map(_text_of, items) if text is not None)
