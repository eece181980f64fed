"""The range of an OTLP int (64-bit signed), which the runtime checks ints against.

A leaf module (no imports): the argument checks, the contract for generated code and
hand-written helpers all read these two numbers from here. The generator keeps the same
range for checking catalogs (`generator/wire_limits.py`; it never imports the runtime),
and a test holds the two equal.
"""

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
