"""The README documents every setting, and shows the two commands."""

from pathlib import Path

from engine.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = []
    for name, field in Settings.model_fields.items():
        names = [f"GRACE_{name.upper()}"]
        if field.validation_alias is not None:
            names += list(field.validation_alias.choices)  # type: ignore[union-attr]
        if not any(n in README for n in names):
            missing.append(names[0])
    assert missing == []


def test_the_two_commands_are_shown():
    assert "make run" in README and "make test" in README
