"""Python names derived from catalog names, checked in one place.

Every identifier that reaches generated source passes `is_safe_identifier`; that and
the format's strict patterns are why no catalog text can inject code through a name.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Mapping, Sequence, Set

_LOWER_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*\Z")
_MEMBER_IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9_]*\Z")

# --- the names the generated module reserves (one list, in four parts) ---------------

# The contract with the runtime: the names below are those of `codex_otel.runtime._contract`
# (its `HELPERS`, `CONSTANTS`, `CATALOG_REGISTRATION`, `CONVERSATION_MEMBERS`), kept here
# because the generator never imports the runtime; tests/generator/test_contract.py holds
# the two sides equal and checks that generated modules use no other name of the runtime.

#: The helpers the runtime offers generated code (runtime/_arguments.py, _truncation.py,
#: _deprecation.py, _metric_tags.py). A module imports the ones it calls
#: (`module_model.module_view`).
RUNTIME_HELPERS = (
    "deprecated",
    "is_array_of",
    "not_a_member",
    "not_members",
    "out_of_range",
    "metric_tag_value",
    "truncate",
    "wire_members",
    "wrong_int_items",
    "wrong_items",
    "wrong_type",
)

#: The other names the module may import from the runtime: types and the 64-bit limits;
#: a catalog with spans adds the span types (`runtime/spans.py`): a constant per span
#: (`SpanDefinition`), the base of its handle (`SpanHandle`) and what its helper returns.
RUNTIME_CONSTANTS = (
    "Attributes",
    "Conversation",
    "INT64_MAX",
    "INT64_MIN",
    "MetricDefinition",
    "SpanDefinition",
    "SpanHandle",
    "SpanScope",
)

#: What the generated package's `__init__` calls to hand the catalog's toggles, service
#: name and scope to the runtime.
CATALOG_REGISTRATION = "register_catalog"

#: The members of `Conversation` generated emitters, recorders and span helpers read or call.
CONVERSATION_MEMBERS = (
    "allows",
    "emit",
    "metric_attributes",
    "metrics_recording",
    "protect",
    "record_point",
    "recording",
    "start_span",
)

#: The generated module's alias of an array argument's type, `list[T] | tuple[T, ...]`, and
#: its type variable.
ARRAY_ALIAS = "ArrayOf"
ARRAY_ITEM = "_Item"

#: Names the module defines or imports from the standard library at top level, besides
#: emitters and enum classes.
MODULE_NAMES = (
    ARRAY_ALIAS,
    ARRAY_ITEM,
    "TypeAlias",
    "TypeVar",
    "Metadata",
    "CATALOG_VERSION",
    "TOGGLES",
    "EVENT_NAMES",
    "METRIC_NAMES",
    "ClassVar",
    "Final",
    "Literal",
    "Mapping",
    "Sequence",
    "annotations",
    "enum",
    "typing",
    "dataclasses",
    "dataclass",
    "warnings",
    "overload",
)

#: Names of emitters' and `Metadata`'s parameters, locals and methods (`_attributes` is
#: the local of `attributes`).
LOCAL_NAMES = ("conversation", "metadata", "self", "cls", "attributes", "to_attributes")

#: The parameter a metric recorder takes besides the conversation and the attributes: no
#: attribute of a metric may take its name (emitters have no such parameter).
RECORDER_VALUE = "value"

#: Every name above: no parameter, emitter or enum class may take one.
RESERVED = frozenset((*RUNTIME_HELPERS, *RUNTIME_CONSTANTS, *MODULE_NAMES, *LOCAL_NAMES))


#: Soft keywords of every supported Python (3.12 added `type`), fixed here so that a catalog
#: is judged the same whichever Python runs the generator.
SOFT_KEYWORDS = frozenset({"_", "case", "match", "type"})

#: Builtins that Pythons newer than 3.10 added, refused on every Python for the same reason.
LATER_BUILTINS = frozenset({"ExceptionGroup", "BaseExceptionGroup", "PythonFinalizationError"})


#: Names pycodestyle and ruff reject as ambiguous (E741-E743): `l`, `I` and `O` look like digits.
AMBIGUOUS = frozenset({"l", "I", "O"})


def python_name_for_key(key: str) -> str:
    """`http.response.status_code` -> `http_response_status_code`."""
    return key.replace(".", "_")


def function_name_for_event(name: str, namespace: str | None) -> str:
    """`codex.api_request` in namespace `codex` -> `api_request`."""
    if namespace and name.startswith(namespace + "."):
        name = name[len(namespace) + 1 :]
    return name.replace(".", "_")


def recorder_name_for_metric(name: str, namespace: str | None) -> str:
    """`codex.tool.call.duration_ms` in namespace `codex` -> `record_tool_call_duration_ms`."""
    return "record_" + function_name_for_event(name, namespace)


def metric_constant_for(recorder: str) -> str:
    """The module constant of a recorder's metric: `record_api_request` -> `_METRIC_API_REQUEST`
    (a `python_name` without the `record_` prefix keeps all of it)."""
    return "_METRIC_" + recorder.removeprefix("record_").upper()


#: What a span's helper name adds to its base name (`tool_call` -> `tool_call_span`); its
#: handle class and its constant derive from the helper's name.
SPAN_SUFFIX = "_span"


def span_function_name(span_id: str, namespace: str | None, python_name: str | None) -> str:
    """`codex.tool_call` in namespace `codex` -> `tool_call_span` (from `python_name`, the
    base without the suffix, when the catalog sets one)."""
    return (python_name or function_name_for_event(span_id, namespace)) + SPAN_SUFFIX


def span_handle_name(function_name: str) -> str:
    """The handle class of a span helper: `tool_call_span` -> `ToolCallSpan`."""
    return class_name_for(function_name)


def span_constant_name(function_name: str) -> str:
    """The module constant holding a span's definition: `tool_call_span` -> `TOOL_CALL_SPAN`."""
    return function_name.upper()


def class_name_for(python_name: str) -> str:
    """`http_response_status_code` -> `HttpResponseStatusCode`."""
    return "".join(part[:1].upper() + part[1:] for part in python_name.split("_") if part)


def member_name_for(value: str | int) -> str:
    """Enum member name from a value: `approved_for_session` -> `APPROVED_FOR_SESSION`."""
    return re.sub(r"[^0-9A-Za-z]+", "_", str(value)).strip("_").upper()


def problem_with_name(name: str) -> str | None:
    """Why `name` cannot be a lower-case Python identifier in generated code, or None."""
    if not _LOWER_IDENTIFIER.match(name):
        return "is not a lower-case Python identifier"
    if keyword.iskeyword(name) or name in SOFT_KEYWORDS:
        return "is a Python keyword"
    if hasattr(builtins, name):
        return "shadows a Python builtin"
    if name in RESERVED:
        return "is reserved by the generated module"
    if name in AMBIGUOUS:
        return "is ambiguous (it looks like a digit)"
    return None


def problem_with_class(name: str) -> str | None:
    """Why `name` (CamelCase, from a checked python name) cannot be an enum class, or None."""
    if keyword.iskeyword(name):  # `true` -> `True`
        return "is a Python keyword"
    # `deprecation_warning` -> `DeprecationWarning`, `exception_group` -> `ExceptionGroup`
    if hasattr(builtins, name) or name in LATER_BUILTINS:
        return "shadows a Python builtin"
    if name in AMBIGUOUS:
        return "is ambiguous (it looks like a digit)"
    return None


def problem_with_member(name: str) -> str | None:
    """Why `name` cannot be an enum member name, or None."""
    if not _MEMBER_IDENTIFIER.match(name) or keyword.iskeyword(name):
        return "is not a valid upper-case Python identifier"
    if name in {"NAME", "VALUE"}:  # would confuse readers next to Enum's .name/.value
        return "is reserved by enum.Enum"
    if name in AMBIGUOUS:
        return "is ambiguous (it looks like a digit)"
    return None


def problem_with_function(
    function: str, owners: Sequence[tuple[Mapping[str, str], str]], enum_classes: Set[str]
) -> str | None:
    """What is wrong with an emitter's or recorder's name, or None: not an identifier (or
    a keyword), the function of an earlier item (`owners`: which names each role has
    taken, and for whom), or a name the generated module uses already."""
    problem = problem_with_name(function)
    for taken, role in owners:
        if problem is None and function in taken:
            problem = f"is also the {role} of {taken[function]!r}"
    if problem is None and (function in enum_classes or function in RESERVED):
        problem = "is already used in the generated module"
    return problem
