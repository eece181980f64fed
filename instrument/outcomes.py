"""Reading HTTP outcomes by duck typing: status codes, the `cf-ray` header, error text, timeouts.

Nothing here imports an HTTP library. What is read:

- a response's status: `.status_code` (httpx, requests, the OpenAI SDK) or `.status`
  (aiohttp, urllib3, `http.client`), an int;
- an exception's status: the same attributes on the exception itself (the OpenAI SDK's
  `APIStatusError.status_code`, aiohttp's `ClientResponseError.status`, urllib's
  `HTTPError.status`), else on its `.response` (`httpx.HTTPStatusError`,
  `requests.HTTPError`); transport errors (timeouts, refused connections) have none;
- `cf-ray` from the response's `.headers` mapping: its own `get` first (case-insensitive in
  httpx, requests, aiohttp and `email.message`), then a case-insensitive scan for a plain dict.

Reading an attribute never raises out of this module: a property that raises counts as absent.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Protocol, TypeAlias


class HasStatusCode(Protocol):
    """A response with `.status_code`, like `httpx.Response` and `requests.Response`."""

    @property
    def status_code(self) -> int: ...


class HasStatus(Protocol):
    """A response with `.status`, like aiohttp's `ClientResponse` and urllib3's responses."""

    @property
    def status(self) -> int: ...


#: What `RequestAttempt.response` accepts.
ResponseLike: TypeAlias = HasStatusCode | HasStatus

_CF_RAY = "cf-ray"
_TIMEOUT_SUFFIXES = ("Timeout", "TimeoutError", "TimeoutException")


def _attribute(obj: object, name: str) -> object:
    try:
        return getattr(obj, name, None)
    except Exception:  # e.g. httpx's `.request` property raises when unset
        return None


def _status(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)  # an IntEnum such as http.HTTPStatus becomes a plain int
    return None


def response_status(response: object) -> int | None:
    """The HTTP status code of a response-like object, or None."""
    if response is None:
        return None
    for name in ("status_code", "status"):
        status = _status(_attribute(response, name))
        if status is not None:
            return status
    return None


def error_response(error: BaseException) -> object:
    """The response an exception carries (`.response`), or None."""
    return _attribute(error, "response")


def error_status(error: BaseException) -> int | None:
    """The HTTP status code an exception carries, itself or through its `.response`."""
    status = response_status(error)
    if status is None:
        status = response_status(error_response(error))
    return status


def cf_ray(response: object) -> str | None:
    """The `cf-ray` header of a response-like object, or None when absent or empty."""
    if response is None:
        return None
    headers = _attribute(response, "headers")
    if headers is None:
        return None
    try:
        value = _header(headers)
    except Exception:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value if isinstance(value, str) and value else None


def _header(headers: object) -> object:
    get = getattr(headers, "get", None)
    if callable(get):
        value = get(_CF_RAY)
        if value is not None:
            return value
    items = getattr(headers, "items", None)
    if not callable(items):
        return None
    pairs: Iterable[tuple[object, object]] = items()
    for key, value in pairs:
        name = key.decode("latin-1") if isinstance(key, bytes) else key
        if isinstance(name, str) and name.lower() == _CF_RAY:
            return value
    return None


def error_text(error: BaseException) -> str:
    """`str(error)`; the class name when that is empty or fails, so a failure never reads ""."""
    try:
        text = str(error)
    except Exception:
        text = ""
    return text or type(error).__name__


def is_timeout(error: BaseException) -> bool:
    """True for a timeout of any HTTP stack: `TimeoutError` (`socket.timeout` included), or an
    exception class whose name, or a base's, ends in Timeout/TimeoutError/TimeoutException
    (`httpx.ReadTimeout`, `requests.Timeout`, aiohttp's `ServerTimeoutError`, the OpenAI SDK's
    `APITimeoutError`, asyncio's `TimeoutError` on Python 3.10)."""
    if isinstance(error, TimeoutError):
        return True
    return any(cls.__name__.endswith(_TIMEOUT_SUFFIXES) for cls in type(error).__mro__)


def discard_coroutine(value: object) -> None:
    """Close a coroutine that will never be awaited, so Python does not warn about it."""
    if inspect.iscoroutine(value):
        value.close()


def refuse_awaitable(value: object, wrapper: str) -> None:
    """Raise `TypeError` when a sync wrapper's callable gave an awaitable.

    An async function called by a sync wrapper returns at once, unawaited: recording that as
    a 0 ms success would be a lie, so nothing is recorded and the caller is told which
    wrapper to use.
    """
    if inspect.isawaitable(value):
        discard_coroutine(value)
        raise TypeError(
            f"{wrapper}: the callable returned an awaitable ({type(value).__name__}); "
            f"use {wrapper}_async for async functions"
        )
