"""The trail every interaction carries: did Grace write it, did it run on its own, who approved it."""

from __future__ import annotations

from typing import Any

from engine.actors import Actor


def grace_trail(actor: Actor, *, generated: bool = True) -> dict[str, Any]:
    """Interaction columns for something Grace wrote (`generated`) on behalf of `actor`: automated
    when no person started it (a job, a cron); otherwise the person who had it sent approved it."""
    automated = actor.kind == "system"
    person = not automated and actor.kind != "client"
    return {"grace_generated": generated, "automated": automated,
            "human_approved": True if person and generated else None,
            "approved_by": actor.label if person and generated else None}


def person_trail(actor: Actor) -> dict[str, Any]:
    """Interaction columns for something a person (or a client) wrote: nothing for anyone to approve."""
    return {"grace_generated": False, "automated": actor.kind == "system", "human_approved": None,
            "approved_by": None}
