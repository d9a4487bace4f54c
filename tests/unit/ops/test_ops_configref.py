"""docs/ops.md's configuration reference is generated from the settings classes and up to date."""

from types import ModuleType

from support import REPO, load_script


def _configref() -> ModuleType:
    return load_script("deploy/configref.py")


def test_docs_ops_configuration_reference_is_up_to_date() -> None:
    configref = _configref()
    doc = (REPO / "docs" / "ops.md").read_text()
    assert configref.updated(doc) == doc, "stale: run `uv run python deploy/configref.py`"


def test_the_reference_lists_every_setting_of_every_service() -> None:
    configref = _configref()
    rendered = configref.render()
    for service, cls in configref.SERVICES.items():
        for field in cls.model_fields:
            assert f"`JANGKAU_{service.upper()}_{field.upper()}`" in rendered


def test_required_settings_are_marked_required() -> None:
    rendered = _configref().render()
    for line in rendered.splitlines():
        if "_DATABASE_URL`" in line or "_NIK_HMAC_KEY`" in line:
            assert "**required**" in line, line
