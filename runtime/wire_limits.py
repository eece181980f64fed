"""Limits of the wire that the catalog format's types mean, for the generator and the runtime.

The catalog's `int` is an OTLP int: 64-bit signed. The generator writes these bounds into
the emitters' range checks and the runtime checks array items against them: one
definition for both sides. It lives in the runtime because the runtime (with the
generated package) must work on its own, installed without the generator or the schema;
the generator imports this module of no imports, which loads only the runtime package's
`__init__` (standard library only, no OpenTelemetry).
"""

#: The range of an OTLP int (64-bit signed); the SDK's encoder fails a batch holding more.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
