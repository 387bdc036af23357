"""The API's JSON parser: DRF's, with a limit on nesting.

Python's json module recurses once per nesting level, so a body such as `[[[[...]]]]` 1 000
levels deep ends in RecursionError (a 500) inside DRF's parser. Real requests of this API nest
three or four levels; bodies nested deeper than MAX_DEPTH are refused with 400 before parsing.
"""

from __future__ import annotations

import json
import math

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def nesting_depth(text: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, counted without parsing it
    (brackets inside strings do not count). Linear in the length, no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not valid JSON")


class DepthLimitedJSONParser(JSONParser):
    """JSON bodies nested at most MAX_DEPTH levels; deeper ones answer 400 `parse_error`."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if nesting_depth(raw) > MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        try:
            # Numbers beyond a float's range (1e400) would become infinity, which id fields
            # then fail to convert: refuse them here, as DRF refuses NaN and Infinity.
            return json.loads(raw.decode("utf-8"), parse_float=_finite_float, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
