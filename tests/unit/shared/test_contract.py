"""The published contract: committed JSON Schemas match the code; no personal data in any event."""

from pathlib import Path

from jangkau_shared.events import EVENT_SPECS
from jangkau_shared.schemas import drift, generate

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "schemas"
PERSONAL = {"nik", "full_name", "phone", "phone_number", "birth_date", "date_of_birth", "address"}


def test_the_committed_json_schemas_equal_the_ones_generated_from_the_models() -> None:
    assert drift(SCHEMAS) == [], "run: uv run python -m jangkau_shared.schemas"


def test_drift_is_detected_when_a_schema_file_is_edited(tmp_path: Path) -> None:
    for name, body in generate().items():
        (tmp_path / name).write_bytes(body)
    victim = next(iter(generate()))
    (tmp_path / victim).write_bytes(b"{}")
    assert drift(tmp_path) == [victim]


def test_no_event_type_has_a_field_for_personal_data() -> None:
    for spec in EVENT_SPECS:
        fields = set(spec.model.model_fields)
        assert not PERSONAL & fields, spec.type
        if "participant_id" in fields:  # a campaign's public name is fine; a person's is not
            assert "name" not in fields, spec.type


def test_every_field_of_every_event_is_described() -> None:
    for spec in EVENT_SPECS:
        undocumented = [n for n, f in spec.model.model_fields.items() if not f.description]
        assert undocumented == [], spec.type


def test_event_types_and_topics_carry_the_same_version_suffix() -> None:
    for spec in EVENT_SPECS:
        assert spec.type.endswith(".v1")
        assert spec.topic.endswith(".v1")
