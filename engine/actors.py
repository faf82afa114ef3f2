"""Who is acting: a team member, an API key, the system, or a client through a link."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SALES = "sales"
    DELIVERY = "delivery"
    FINANCE = "finance"
    APPROVER = "approver"
    VIEWER = "viewer"
    SYSTEM = "system"
    CLIENT = "client"
    # No role: a Slack user who is not on the team, a guest, or an external (Slack Connect)
    # user. No policy names it, so every action is refused; they get only help.
    NONE = "none"


ASSIGNABLE_ROLES = [r.value for r in Role if r not in (Role.SYSTEM, Role.CLIENT, Role.NONE)]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # team_member | api_key | system | client
    ref: str  # slack user id, api key id, job name, client id
    role: Role
    name: str = ""
    # The team member (Slack user id) an API key acts for, when the key is linked to one.
    member: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.ref}"

    @classmethod
    def system(cls, name: str = "grace") -> Actor:
        return cls(kind="system", ref=name, role=Role.SYSTEM, name=name)
