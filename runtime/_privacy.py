"""What a policy attribute carries (its toggle's mode), and every scanned value cleaned
before anything leaves the process: credentials scrubbed, the user's mask, the final cut.

Two halves, on two threads:

- `Privacy.protect` runs in the emitter, on the caller's thread (`Conversation.protect`):
  `keep` stores the value cut to `max_length + SCRUB_MARGIN` characters (a credential that
  straddles the cap is still whole for the scrubber), `redact` the placeholder, `hash` a
  keyed HMAC-SHA256 of the whole value (64 lowercase hex digits; the key from
  `[otel.privacy] hash_key`, else the installation's key file, `_privacy_key.py`), `length`
  the companion `<key>.length` (code points) instead of the value, `drop` nothing.
- `Privacy.clean` runs once per event on the export thread, before the write-ahead file,
  the spool and the exporter see it (`clean_records`, called by `GuardedExporter.export`
  and the spool's keeper): every string (and string array item) of a key the catalogs
  registered as `scanned` is scrubbed (`_secrets.scrub`: `[SECRET:<kind>]`), then given to
  the mask hook, then cut to its `max_length` with the truncation marker. When in-process
  subscribers exist, the caller's thread cleans the event instead (they see what the wire
  carries) and marks it, so the export thread does not clean it twice (a mask need not be
  idempotent).

Nothing here raises into the host: a failing mask puts `[MASK-FAILED]` in place of the
value, a key that cannot be had makes `hash` send the placeholder; each reported once on
the `codex_otel` logger.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ._catalogs import catalog_defaults
from ._truncation import truncate
from .types import Attributes, AttributeValue

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import ReadableLogRecord

    from .config import OtelConfig

logger = logging.getLogger("codex_otel")

#: Characters kept beyond a `keep` value's `max_length` until the export thread has
#: scrubbed it: a credential that straddles the cap is found whole, then cut.
SCRUB_MARGIN: Final = 4096
#: What replaces a value the mask hook failed on (raised, or returned no `str`).
MASK_FAILED: Final = "[MASK-FAILED]"
#: Marks an event the caller's thread cleaned (for subscribers): the export thread removes
#: it and leaves the values as they are.
CLEANED_KEY: Final = "codex_otel.privacy.cleaned"
#: Beside a `keep` value the caller pre-cut (`CUT_PREFIX + key`): the characters it cut
#: (an int, or a tuple of ints for an array), so the final cut's marker counts what is
#: missing from the original, not from the pre-cut value. Removed by `clean`.
CUT_PREFIX: Final = "codex_otel.privacy.cut:"

Mask = Callable[[str], str]


class Cleaned(dict[str, AttributeValue]):
    """A record's attributes once cleaned: the type marks them, so no path cleans twice."""


class Privacy:
    """One `Telemetry`'s privacy decisions: the toggles' modes, the hash key, the scrubber
    and the mask; with counts of what it replaced."""

    def __init__(self, config: OtelConfig) -> None:
        self.modes: Mapping[str, str] = dict(config.toggle_modes)
        self.scrub_secrets = config.privacy.scrub_secrets
        #: The user's hook (`[otel.privacy] mask`, or `Telemetry.set_mask`); read per value.
        self.mask: Mask | None = config.privacy.mask
        self._key: bytes | None = config.privacy.hash_key
        self._key_root = config.spool.path
        self._key_unavailable = False
        self._lock = threading.Lock()
        self._reported: set[str] = set()
        #: Credentials replaced by a marker so far.
        self.secrets_scrubbed = 0
        #: Values the mask failed on (replaced by `MASK_FAILED`).
        self.mask_failures = 0

    # --- the caller's thread -----------------------------------------------------------

    def protect(  # noqa: PLR0917 (the generated call's positional form is the contract)
        self,
        attributes: Attributes,
        key: str,
        value: AttributeValue,
        toggle: str,
        placeholder: str,
        off_mode: str,
        max_length: int | None,
    ) -> None:
        """Store what `toggle`'s mode sends for `value` into `attributes` (see the module)."""
        mode = self.modes.get(toggle, "off")
        if mode == "off":
            mode = off_mode
        if mode == "keep":
            kept, cut = _precut(value, key, max_length)
            attributes[key] = kept
            if cut is not None:
                attributes[CUT_PREFIX + key] = cut
        elif mode == "length":
            attributes[key + ".length"] = len(value) if isinstance(value, (str, list, tuple)) else 0
        elif mode == "hash":
            digest = self._hash(value)
            attributes[key] = placeholder if digest is None else digest
        elif mode != "drop":  # redact, and a mode this runtime does not know
            attributes[key] = placeholder

    def _hash(self, value: AttributeValue) -> AttributeValue | None:
        key = self._installation_key()
        if key is None:
            return None
        if isinstance(value, str):
            return _hmac(key, value)
        if isinstance(value, (list, tuple)):
            return tuple(_hmac(key, item if isinstance(item, str) else str(item)) for item in value)
        return _hmac(key, str(value))

    def _installation_key(self) -> bytes | None:
        key = self._key
        if key is not None or self._key_unavailable:
            return key
        with self._lock:
            if self._key is None and not self._key_unavailable:
                from ._privacy_key import KeyProblem, installation_key

                try:
                    self._key = installation_key(self._state_folder())
                except KeyProblem as problem:
                    self._key_unavailable = True
                    self.report_once(
                        "key", f"codex-otel: hash mode sends the placeholder: {problem}"
                    )
                except Exception:  # never into the host
                    self._key_unavailable = True
                    self.report_once("key", "codex-otel: hash mode sends the placeholder")
            return self._key

    def _state_folder(self) -> Path:
        if self._key_root is not None:
            return self._key_root
        from ._spool import default_root

        return default_root()

    # --- the export thread (or the caller's, for subscribers) -----------------------------

    def import_the_scrubber(self) -> None:
        """Import (and compile) the scrubber now, on the pipeline's start thread, so the
        first export imports nothing: a fork while the export thread held an import lock
        would leave the child that lock, and its own first export waiting for ever (see
        `_exporters.import_what_the_first_export_imports`)."""
        if self.scrub_secrets:
            from . import _secrets  # noqa: F401

    def clean(self, attributes: Mapping[str, AttributeValue]) -> Cleaned:
        """`attributes` with every scanned value scrubbed, masked and cut. Never raises."""
        cleaned = Cleaned(attributes)
        if cleaned.pop(CLEANED_KEY, None) is not None:
            return cleaned  # cleaned on the caller's thread already
        scanned = catalog_defaults().scanned
        try:
            cuts = [name for name in cleaned if name.startswith(CUT_PREFIX)]
            precut = {name[len(CUT_PREFIX) :]: cleaned.pop(name) for name in cuts}
            for key, cap in scanned.items():
                value = cleaned.get(key)
                cut = precut.get(key)
                if isinstance(value, str):
                    before = cut if type(cut) is int else 0
                    cleaned[key] = self._clean_text(value, cap, before)
                elif isinstance(value, (list, tuple)):
                    befores = cut if isinstance(cut, tuple) else ()
                    cleaned[key] = tuple(
                        self._clean_text(item, cap, _nth(befores, index))
                        if isinstance(item, str)
                        else item
                        for index, item in enumerate(value)
                    )
        except Exception:  # a bug: what could not be cleaned is not sent
            self.report_once("clean", "codex-otel: a value could not be cleaned; it is left out")
            return Cleaned({k: v for k, v in cleaned.items() if k not in scanned})
        return cleaned

    def clean_for_subscribers(self, attributes: Attributes) -> tuple[Cleaned, Attributes]:
        """What subscribers see, and the same marked as cleaned for the pipeline."""
        cleaned = self.clean(attributes)
        return cleaned, {**cleaned, CLEANED_KEY: True}

    def clean_records(self, records: Sequence[ReadableLogRecord]) -> None:
        """Clean each record's attributes in place, once (see the module). Never raises."""
        for record in records:
            log = record.log_record
            attributes = log.attributes
            if not attributes or type(attributes) is Cleaned:
                continue
            log.attributes = self.clean(attributes)  # type: ignore[arg-type]

    def _clean_text(self, text: str, cap: int | None, dropped_before: int = 0) -> str:
        if self.scrub_secrets:
            # Imported on first use (it compiles its rules): importing the runtime stays cheap.
            from ._secrets import scrub

            scrubbed = scrub(text)
            if scrubbed.kinds:
                self.secrets_scrubbed += len(scrubbed.kinds)
                text = scrubbed.text
        mask = self.mask
        if mask is not None:
            try:
                masked = mask(text)
                if type(masked) is not str:
                    raise TypeError(f"the mask returned {type(masked).__name__}, not str")
                text = masked
            except Exception as error:
                self.mask_failures += 1
                self.report_once(
                    "mask",
                    f"codex-otel: the mask hook failed ({type(error).__name__}); the value "
                    f"is replaced by {MASK_FAILED}",
                )
                text = MASK_FAILED
        return text if cap is None else truncate(text, cap, dropped_before)

    def report_once(self, kind: str, message: str) -> None:
        if kind not in self._reported:
            self._reported.add(kind)
            logger.warning(message)


def _precut(
    value: AttributeValue, key: str, max_length: int | None
) -> tuple[AttributeValue, int | tuple[int, ...] | None]:
    """A kept value as the caller stores it, and what was cut from it for `CUT_PREFIX`
    (None: nothing): cut with the scrub margin when the export thread cuts it (a scanned
    key), else cut to its cap now, marker included."""
    if max_length is None:
        return value, None
    if key not in catalog_defaults().scanned:
        if isinstance(value, str):
            return truncate(value, max_length), None
        if isinstance(value, (list, tuple)):
            return tuple(
                truncate(item, max_length) if isinstance(item, str) else item for item in value
            ), None
        return value, None
    limit = max_length + SCRUB_MARGIN
    if isinstance(value, str):
        return (value, None) if len(value) <= limit else (value[:limit], len(value) - limit)
    if isinstance(value, (list, tuple)):
        cuts = tuple(max(len(item) - limit, 0) if isinstance(item, str) else 0 for item in value)
        if not any(cuts):
            return value, None
        kept = tuple(item[:limit] if isinstance(item, str) else item for item in value)
        return kept, cuts
    return value, None


def _nth(counts: tuple[object, ...], index: int) -> int:
    count = counts[index] if index < len(counts) else 0
    return count if type(count) is int else 0


def _hmac(key: bytes, text: str) -> str:
    import hashlib  # here: hash mode is rare, and hashlib loads OpenSSL
    import hmac

    # Lone surrogates kept distinct (`surrogatepass`): two different values never hash alike.
    data = text.encode("utf-8", "surrogatepass")
    return hmac.new(key, data, hashlib.sha256).hexdigest()
