"""Limits of the wire that the catalog format's types mean: the one definition.

The catalog's `int` is an OTLP int, 64-bit signed. The generator writes these bounds into
the emitters' range checks, and writes the constants into the generated package, where the
runtime reads them (with the bundled catalog's toggles): the runtime must work installed
with the generated package alone, and the generator must not import the runtime, whose
import reads the generated package (which the generator may be about to rewrite).
"""

#: The range of an OTLP int (64-bit signed); the SDK's encoder fails a batch holding more.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
