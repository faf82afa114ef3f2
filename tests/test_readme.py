"""The README documents every setting in one table, and shows the two commands."""

import re
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


def _documented_variables(table_lines: list[str]) -> set[str]:
    """The variables named in the first column of the settings table's rows."""
    names: set[str] = set()
    for line in table_lines:
        first = line.split("|")[1]
        names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return names


def _settings_section() -> list[str]:
    lines = README.splitlines()
    start = lines.index("## Settings")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    return lines[start:end]


def _accepted_names() -> dict[str, set[str]]:
    """Each field of Settings -> the variable names it is read from."""
    out: dict[str, set[str]] = {}
    for name, field in Settings.model_fields.items():
        names = {f"GRACE_{name.upper()}"}
        if field.validation_alias is not None:
            names = set(field.validation_alias.choices)  # type: ignore[union-attr]
        out[name] = names
    return out


def test_settings_are_one_table_that_matches_the_settings_class():
    """One table (header, separator, rows without a break), naming exactly the fields of Settings:
    a setting added, renamed or removed in engine/config.py fails here until the README follows."""
    section = _settings_section()
    rows = [i for i, line in enumerate(section) if line.startswith("|")]
    assert rows, "the Settings section has no table"
    assert rows == list(range(rows[0], rows[-1] + 1)), "the settings table is broken by other lines"
    assert section[rows[0] + 1].startswith("|---"), "the settings table has no header separator"
    documented = _documented_variables(section[rows[0] + 2: rows[-1] + 1])
    accepted = _accepted_names()
    missing = sorted(field for field, names in accepted.items() if not names & documented)
    assert missing == [], "settings missing from the README's table"
    unknown = sorted(documented - set().union(*accepted.values()))
    assert unknown == [], "the README's table names settings that do not exist"


def test_no_settings_rows_outside_the_settings_table():
    outside = [line for line in README.splitlines() if line.startswith("| `GRACE_")
               and line not in _settings_section()]
    assert outside == []
