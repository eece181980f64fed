"""What the runtime does around `os.fork`: hooks that reach objects without keeping them
alive, and the fresh connection pools an OTLP/HTTP exporter needs in a child.

Standard library only; imported with the pipeline and the background start.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable

logger = logging.getLogger("codex_otel")


def at_fork(
    *, after_in_child: Callable[[], None], before: Callable[[], None] | None = None
) -> None:
    """Call the bound methods before a fork (in the parent) and after it in the child,
    without keeping their object alive: a hook registered with `os.register_at_fork`
    stays for the life of the process, the object it calls need not."""
    if not hasattr(os, "register_at_fork"):
        return
    child_ref = weakref.WeakMethod(after_in_child)
    if before is None:
        os.register_at_fork(after_in_child=lambda: _call(child_ref))
        return
    before_ref = weakref.WeakMethod(before)
    os.register_at_fork(before=lambda: _call(before_ref), after_in_child=lambda: _call(child_ref))


def _call(ref: weakref.WeakMethod[Callable[[], None]]) -> None:
    alive = ref()
    if alive is not None:
        alive()


def fresh_connection_pools(exporter: object) -> list[object]:
    """In a forked child, give an OTLP/HTTP exporter new, empty connection pools.

    The pools hold the parent's keep-alive connections. A child that reused one would
    share a TCP stream with its parent: requests interleaved (answered 400), answers
    read by the wrong process, batches sent twice or lost. The inherited pools are
    returned for the caller to keep: closing them, even by the garbage collector, takes
    locks that a thread of the parent may have held at fork time, and would only close
    the child's copies of the sockets. (gRPC handles fork itself.)

    Where the pools are is the exporters' private business (`_sdk_compat`).
    """
    from ._sdk_compat import connection_pool_holders

    inherited: list[object] = []
    for holder, attribute in connection_pool_holders(exporter):
        pool = getattr(holder, attribute, None)
        settings = getattr(pool, "connection_pool_kw", None)
        if pool is None or not isinstance(settings, dict):
            continue
        try:
            setattr(holder, attribute, type(pool)(headers=pool.headers, **settings))
        except Exception:
            logger.debug("codex-otel: cannot renew connections after fork", exc_info=True)
            continue
        inherited.append(pool)
        proxies = getattr(holder, "proxy_manager", None)
        if isinstance(proxies, dict) and proxies:  # requests recreates these on demand
            inherited.append(dict(proxies))
            proxies.clear()
    return inherited
