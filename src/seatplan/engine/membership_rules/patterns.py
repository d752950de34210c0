"""Regular expressions of -match and -notMatch, in linear time.

Rules run against every user on every change, so one pathological pattern (`(a+)+$`)
must not be able to stall the worker. Python's `re` backtracks, and no static check
catches every exponential or polynomial pattern; RE2 guarantees time linear in the
input and bounds the memory of a compiled pattern, so every pattern is safe by
construction. Its time is also proportional to the size of the compiled program when
its cache of states overflows, so programs are limited to `MAX_PROGRAM_SIZE` steps: the
worst pattern then costs well under a millisecond on a value of 1,000 characters. What
RE2 leaves out (backreferences, lookaround) is refused with its reason. Matching is a
case-insensitive search, as Entra's: `^Da.*` matches "David", `.*vid` matches "David".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import re2

#: RE2's memory budget per pattern, for the program and its cache of states.
MAX_MEMORY_BYTES = 2 << 20
#: The most steps a compiled pattern may have (`.` alone is 8: UTF-8 takes up to 4 bytes).
MAX_PROGRAM_SIZE = 1000


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the reason goes into the RuleSyntaxError, not stderr
    options.max_mem = MAX_MEMORY_BYTES
    return options


_OPTIONS = _options()
#: RE2's complaints about what .NET's regular expressions (Entra's) have and RE2 has not.
_UNSUPPORTED = re.compile(r"invalid perl operator: \(\?<?[=!]|invalid escape sequence: \\\d")


@dataclass(frozen=True, slots=True)
class Pattern:
    source: str
    _compiled: Any = field(compare=False, repr=False)

    def search(self, value: str) -> bool:
        return self._compiled.search(value) is not None


def compile_pattern(source: str) -> Pattern:
    """The pattern, or ValueError with the reason it is refused."""
    try:
        compiled = re2.compile(source, _OPTIONS)
    except re2.error as error:
        detail = error.args[0] if error.args else "invalid"
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        if "pattern too large" in str(detail):
            detail = "the pattern is too large"
        if _UNSUPPORTED.search(str(detail)):
            detail = f"{detail} (lookaround and backreferences are not supported)"
        raise ValueError(f"invalid regular expression: {detail}") from None
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise ValueError(
            f"the regular expression is too large ({compiled.programsize:,} steps compiled; "
            f"at most {MAX_PROGRAM_SIZE:,})"
        )
    return Pattern(source, compiled)
