"""Duck-typed outcome reading: statuses, `cf-ray`, error text and timeouts, library-free."""

from __future__ import annotations

import asyncio
import http
from typing import Any

import pytest

from codex_otel.instrument import cf_ray, error_status, error_text, is_timeout, response_status


class Obj:
    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


@pytest.mark.parametrize(
    ("response", "status"),
    [
        (Obj(status_code=200), 200),
        (Obj(status=404), 404),
        (Obj(status_code=http.HTTPStatus.TOO_MANY_REQUESTS), 429),
        (Obj(status_code=None, status=500), 500),
        (Obj(status_code="200"), None),
        (Obj(status_code=False), None),
        (Obj(), None),
        (None, None),
    ],
)
def test_response_status(response: object, status: int | None) -> None:
    value = response_status(response)
    assert value == status
    assert value is None or type(value) is int  # an IntEnum is sent as a plain int


def test_error_status_prefers_the_error_itself() -> None:
    error = Exception("x")
    error.status_code = 400  # type: ignore[attr-defined]
    error.response = Obj(status_code=500)  # type: ignore[attr-defined]
    assert error_status(error) == 400
    plain = Exception("x")
    plain.response = None  # type: ignore[attr-defined]  # requests' transport errors
    assert error_status(plain) is None


@pytest.mark.parametrize(
    ("headers", "ray"),
    [
        ({"cf-ray": "a"}, "a"),
        ({"CF-RAY": "b"}, "b"),
        ({b"Cf-Ray": b"c"}, "c"),
        ({"cf-ray": ["d"]}, None),
        ({"cf-ray": ""}, None),
        ({}, None),
        ([("cf-ray", "e")], None),  # not a mapping
        (None, None),
    ],
)
def test_cf_ray(headers: object, ray: str | None) -> None:
    assert cf_ray(Obj(headers=headers)) == ray


def test_cf_ray_from_library_headers() -> None:
    httpx = pytest.importorskip("httpx")
    requests = pytest.importorskip("requests")
    assert cf_ray(httpx.Response(200, headers={"Cf-Ray": "h"})) == "h"
    response = requests.Response()
    response.headers["CF-Ray"] = "r"
    assert cf_ray(response) == "r"
    assert cf_ray(Obj()) is None
    assert cf_ray(None) is None


def test_cf_ray_never_raises() -> None:
    class Headers:
        def get(self, key: str) -> str:
            raise KeyError(key)

    assert cf_ray(Obj(headers=Headers())) is None


def test_error_text() -> None:
    assert error_text(ValueError("bad")) == "bad"
    assert error_text(ConnectionResetError()) == "ConnectionResetError"

    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError

    assert error_text(Unprintable()) == "Unprintable"


@pytest.mark.parametrize(
    ("error", "timeout"),
    [
        (TimeoutError(), True),
        (asyncio.TimeoutError(), True),
        (type("ReadTimeout", (Exception,), {})(), True),
        (type("APITimeoutError", (Exception,), {})(), True),
        (type("Sub", (type("TimeoutException", (Exception,), {}),), {})(), True),
        (ConnectionError(), False),
        (ValueError("timeout"), False),
    ],
)
def test_is_timeout(error: BaseException, timeout: bool) -> None:
    assert is_timeout(error) is timeout


def test_is_timeout_with_libraries() -> None:
    httpx = pytest.importorskip("httpx")
    requests = pytest.importorskip("requests")
    assert is_timeout(httpx.ReadTimeout("x"))
    assert is_timeout(httpx.PoolTimeout("x"))
    assert not is_timeout(httpx.ConnectError("x"))
    assert is_timeout(requests.Timeout())
    assert is_timeout(requests.exceptions.ReadTimeout())
    assert not is_timeout(requests.ConnectionError())
