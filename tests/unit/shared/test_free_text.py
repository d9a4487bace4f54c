"""Free text of the HTTP contracts: any script, no control characters."""

import pytest
from pydantic import BaseModel, ValidationError

from jangkau_shared.text import Line, Text


class Note(BaseModel):
    title: Line
    body: Text


def test_any_script_mark_or_symbol_is_kept_as_sent() -> None:
    title = "\u202eمخيم\u202c Bada\u0300ung 👩🏽‍🌾 '; DROP TABLE x; --"
    assert Note(title=title, body="line one\nline two\tend").title == title


@pytest.mark.parametrize(("field", "value"), [("title", "a\x00b"), ("title", "a\nb"), ("body", "\x1b[31m")])
def test_a_control_character_is_refused_naming_the_field_and_code_point(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Note.model_validate({"title": "ok", "body": "ok"} | {field: value})
    [error] = caught.value.errors()
    assert error["loc"] == (field,)
    assert f"U+{ord(next(c for c in value if not c.isprintable())):04X}" in error["msg"]
