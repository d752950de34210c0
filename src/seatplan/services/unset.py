"""`UNSET`: "leave it as it is", the default of a partial update's fields that None clears.

One member of an enum, so that type checkers narrow `value is not UNSET` to the field's
own type.
"""

from __future__ import annotations

import enum
from typing import Final


class Unset(enum.Enum):
    UNSET = "UNSET"


UNSET: Final = Unset.UNSET
