"""The agency's service catalog: service lines, their deliverables, rates by role (in
GRACE_CURRENCY, and optionally in other currencies under `currencies`).

A YAML file the agency edits; a default for an AI/software consultancy ships next to
this module. `load_catalog` validates it and names the offending entry on error.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engine.errors import InvalidInput
from engine.money import cents, currency_code

DEFAULT_CATALOG = Path(__file__).with_name("catalog.yml")
MAX_HOURS = Decimal("5000")


class RoleRate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="Price of an hour to the client.")
    cost: Decimal = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2,
                          description="What an hour costs the agency: no discount goes below it.")


class CatalogDeliverable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    hours: Decimal = Field(gt=0, le=MAX_HOURS, decimal_places=2)
    role: str
    optional: bool = False


class ServiceLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    keywords: list[str] = Field(default_factory=list)
    rates: dict[str, RoleRate] = Field(default_factory=dict, description="Overrides of the catalog's rates.")
    deliverables: list[CatalogDeliverable] = Field(min_length=1)
    assumptions: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)


class Standard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: list[CatalogDeliverable] = Field(default_factory=list)
    end: list[CatalogDeliverable] = Field(default_factory=list)


class Prose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = "{services} for {company}"
    summary: str = '{company} asked us for: "{requirements}". We propose {services}.'
    assumptions: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)


class CurrencyRates(BaseModel):
    """The catalog's own prices in one more currency: every role's rate, and each service line's
    overrides, so nothing in that currency is ever a conversion."""

    model_config = ConfigDict(extra="forbid")

    roles: dict[str, RoleRate] = Field(min_length=1)
    services: dict[str, dict[str, RoleRate]] = Field(default_factory=dict,
                                                     description="Per service key, its overrides in this currency.")


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: dict[str, RoleRate] = Field(min_length=1)
    currencies: dict[str, CurrencyRates] = Field(
        default_factory=dict, description="Rates in other currencies than GRACE_CURRENCY, by ISO code.")
    default_role: str
    standard: Standard = Field(default_factory=Standard)
    fallback: str | None = None
    match_threshold: float = Field(default=0.08, ge=0, le=1)
    max_services: int = Field(default=3, ge=1, le=20)
    services: list[ServiceLine] = Field(min_length=1)
    prose: Prose = Field(default_factory=Prose)

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        if self.default_role not in self.roles:
            raise ValueError(f"default_role {self.default_role!r} is not one of the roles")
        keys = [s.key for s in self.services]
        if len(set(keys)) != len(keys):
            raise ValueError("service keys must be unique")
        if self.fallback is not None and self.fallback not in keys:
            raise ValueError(f"fallback {self.fallback!r} is not a service key")
        for where, items in [("standard.start", self.standard.start), ("standard.end", self.standard.end),
                             *[(f"services.{s.key}", s.deliverables) for s in self.services]]:
            for d in items:
                if d.role not in self.roles:
                    raise ValueError(f"{where}: deliverable {d.name!r} has role {d.role!r}, "
                                     f"which is not one of the roles ({', '.join(self.roles)})")
        for code, table in self.currencies.items():
            self._check_table(code, table)
        return self

    def _check_table(self, code: str, table: CurrencyRates) -> None:
        """A currency's table prices exactly what the main one does: a gap would be a silent mix."""
        if currency_code(code, f"currencies.{code[:10]}") != code:
            raise ValueError(f"currencies.{code}: write the code in capitals ({code.upper()})")
        for missing, extra, where in (
            (set(self.roles) - set(table.roles), set(table.roles) - set(self.roles), "roles"),
            *[(set(s.rates) - set(table.services.get(s.key, {})), set(table.services.get(s.key, {})) - set(s.rates),
               f"services.{s.key}") for s in self.services],
        ):
            if missing:
                raise ValueError(f"currencies.{code}.{where}: no {code} rate for {', '.join(sorted(missing))}")
            if extra:
                raise ValueError(f"currencies.{code}.{where}: {', '.join(sorted(extra))} is not in the main table")
        unknown = set(table.services) - {s.key for s in self.services}
        if unknown:
            raise ValueError(f"currencies.{code}.services: {', '.join(sorted(unknown))} is not a service key")

    def service(self, key: str) -> ServiceLine:
        for s in self.services:
            if s.key == key:
                return s
        raise KeyError(key)

    def in_currency(self, code: str) -> Catalog | None:
        """The catalog priced from its own table for `code` (None when it has none)."""
        table = self.currencies.get(code)
        if table is None:
            return None
        return self.model_copy(update={
            "roles": dict(table.roles),
            "services": [s.model_copy(update={"rates": dict(table.services.get(s.key, {}))}) for s in self.services]})

    def converted(self, factor: Decimal) -> Catalog:
        """The catalog with every rate and cost multiplied by `factor` (to the cent): its prices in
        another currency, at an exchange rate."""
        def scaled(r: RoleRate) -> RoleRate:
            return RoleRate(rate=cents(r.rate * factor), cost=cents(r.cost * factor))

        return self.model_copy(update={
            "roles": {k: scaled(v) for k, v in self.roles.items()},
            "services": [s.model_copy(update={"rates": {k: scaled(v) for k, v in s.rates.items()}})
                         for s in self.services]})

    def rate_for(self, role: str, service_key: str | None = None) -> RoleRate:
        """The rate of a role, the service line's own if it sets one; unknown roles get the default role's."""
        if service_key is not None:
            try:
                own = self.service(service_key).rates.get(role)
            except KeyError:
                own = None
            if own is not None:
                return own
        return self.roles.get(role) or self.roles[self.default_role]


def parse_catalog(text: str, source: str = "catalog") -> Catalog:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InvalidInput(f"The catalog {source} is not valid YAML: {e}", field="catalog") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"The catalog {source} must be a YAML mapping.", field="catalog")
    try:
        return Catalog.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "catalog"
        raise InvalidInput(f"The catalog {source} is invalid at {where}: {err.get('msg')}", field="catalog") from None


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog at `path` (or the shipped default), re-read when the file changes."""
    path = Path(path) if path else DEFAULT_CATALOG
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise InvalidInput(f"The catalog file {path} does not exist.", field="catalog_path") from None
    return _load(str(path.resolve()), mtime)


@lru_cache(maxsize=8)
def _load(path: str, _mtime: int) -> Catalog:
    return parse_catalog(Path(path).read_text(encoding="utf-8"), path)
