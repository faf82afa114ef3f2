"""What every tool gets besides its arguments: who is speaking, and the services.

Identity and the database come from here, never from the model's arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.actors import Actor
    from engine.context import Services


@dataclass
class AgentDeps:
    services: Services
    actor: Actor
    # Set by `--dry-run`: tools record their calls here instead of running.
    recorded: list[dict[str, Any]] | None = None

    @property
    def dry_run(self) -> bool:
        return self.recorded is not None
