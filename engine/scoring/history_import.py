"""Importing past leads with their outcome: each row becomes a won (CONTRACT) or LOST lead,
so the model can learn from the agency's history."""

from __future__ import annotations

from collections.abc import Callable

from engine.errors import InvalidInput
from engine.pipeline.stages import Stage
from engine.scoring.dataset import outcome_of
from engine.scoring.features import parse_when
from storage.models import Lead


def outcome_hook(outcome: str, positive: str | None = None,
                 created_at: str | None = None) -> Callable[[dict[str, str], Lead], None]:
    """A `row_hook` for `import_leads`: sets the stage from the outcome column and the dates."""

    def hook(row: dict[str, str], lead: Lead) -> None:
        y = outcome_of(row.get(outcome, ""), positive)
        when = parse_when(row.get(created_at, "")) if created_at else None
        if created_at and row.get(created_at, "").strip() and when is None:
            raise InvalidInput(f"{created_at}: {row[created_at]!r} is not a date", field=created_at)
        if when is not None:
            lead.created_at = when
        if y is None:
            return  # no outcome: an open lead
        lead.stage = Stage.CONTRACT.value if y else Stage.LOST.value
        lead.stage_changed_at = lead.closed_at = when or lead.created_at
        if not y:
            lead.lost_reason = "imported outcome"

    return hook
