"""Free text of the HTTP contracts: any script, mark or symbol, but no control characters.

PostgreSQL cannot store NUL in text, and escape sequences in names would reach the field teams'
terminals; so a control character is a 422 naming the field, never a 500 or stored data.
"""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

#: Control characters a multi-line note may hold.
LAYOUT = frozenset("\t\n\r")


def _without_controls(allowed: frozenset[str]) -> AfterValidator:
    def check(value: str) -> str:
        bad = next((c for c in value if unicodedata.category(c) == "Cc" and c not in allowed), None)
        if bad is not None:
            raise ValueError(f"may not hold the control character U+{ord(bad):04X}")
        return value

    return AfterValidator(check)


#: One line of text (a name, a place): no control character at all.
Line = Annotated[str, _without_controls(frozenset())]
#: Text that may span lines (notes): tab, line feed and carriage return only.
Text = Annotated[str, _without_controls(LAYOUT)]
