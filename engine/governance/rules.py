"""Policies as data: the schema of `policies.yml`, loading, merging and linting."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from engine.actors import Role

SHIPPED = "policies.yml"
ROLE_NAMES = frozenset(r.value for r in Role if r != Role.NONE)  # "no role" can be granted nothing


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max: int = Field(ge=1, description="Calls allowed in the window.")
    per_seconds: float = Field(gt=0, description="Length of the sliding window.")
    # Callers from outside are limited; the CLI operator, jobs and tests are not.
    applies_to: list[str] = Field(default_factory=lambda: ["api_key", "team_member"],
                                  description="Actor kinds the limit counts.")
    exempt_roles: list[str] = Field(default_factory=lambda: ["admin", "system"])

    @field_validator("exempt_roles")
    @classmethod
    def _exempt(cls, v: list[str]) -> list[str]:
        return _check_roles(v)


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_amount: Decimal | None = Field(default=None, ge=0)
    required_stage: list[str] | None = None
    max_discount: Decimal | None = Field(default=None, ge=0, le=1)
    require_vote_over: Decimal | Literal["parliament_threshold"] | None = None

    @field_validator("required_stage", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("required_stage")
    @classmethod
    def _stages(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        """Stage names are checked against the stages the caller knows (`load(..., stages=)`,
        `lint(..., known_stages=)`): governance sits below the pipeline and does not import it.
        Unchecked, an unknown name only ever refuses (no lead is in it)."""
        if v is None:
            return v
        known: frozenset[str] | None = (info.context or {}).get("stages")
        if known is not None and (bad := [s for s in v if s.upper() not in known]):
            raise ValueError(f"unknown stage {', '.join(bad)}; one of: {', '.join(sorted(known))}")
        return [s.upper() for s in v]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] = Field(default_factory=list)
    conditions: Conditions = Field(default_factory=Conditions)
    rate_limit: RateLimit | None = None

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return _check_roles(v)


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    always: list[str] = Field(default_factory=lambda: ["admin", "system"])
    actions: dict[str, Rule] = Field(default_factory=dict)

    @field_validator("always")
    @classmethod
    def _always(cls, v: list[str]) -> list[str]:
        return _check_roles(v)


def _check_roles(v: list[str]) -> list[str]:
    bad = [r for r in v if r not in ROLE_NAMES]
    if bad:
        raise ValueError(f"unknown role {', '.join(bad)}; one of: {', '.join(sorted(ROLE_NAMES))}")
    return v


class PolicyFileError(ValueError):
    """A policies file that cannot be used; `problems` lists every error found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


def _read(text: str, source: str, stages: frozenset[str] | None = None) -> PolicyFile:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise PolicyFileError(source, [f"not valid YAML: {e}"]) from None
    if not isinstance(raw, dict):
        raise PolicyFileError(source, ["the file must be a mapping with an 'actions' key"])
    try:
        return PolicyFile.model_validate(raw, context={"stages": stages} if stages is not None else None)
    except ValidationError as e:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        raise PolicyFileError(source, problems) from None


@cache
def shipped() -> PolicyFile:
    text = resources.files("engine.governance").joinpath(SHIPPED).read_text(encoding="utf-8")
    return _read(text, SHIPPED)


def load(path: Path | str, *, stages: frozenset[str] | None = None) -> PolicyFile:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyFileError(str(p), [f"cannot read: {e.strerror or e}"]) from None
    return _read(text, str(p), stages)


def lint(path: Path | str | None, known_actions: set[str], known_stages: frozenset[str] | None = None) -> list[str]:
    """Every problem of a policies file (the shipped one when `path` is None); [] when it is fine."""
    try:
        if path is None:
            text = resources.files("engine.governance").joinpath(SHIPPED).read_text(encoding="utf-8")
            policy = _read(text, SHIPPED, known_stages)
        else:
            policy = load(path, stages=known_stages)
    except PolicyFileError as e:
        return e.problems
    return [f"actions.{a}: unknown action (known: shipped policies.yml and actions registered in code)"
            for a in policy.actions if a not in known_actions]
