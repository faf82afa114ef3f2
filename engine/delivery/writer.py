"""What writes a milestone's deliverable documents during a build.

`BuildWriter` (engine/ports.py) is the engine's port; the offline writer below turns the
project's deliverables and the milestone into structured Markdown, deterministically (the
same input always gives the same documents, hence the same sha256). A model-backed writer
can be installed at start-up in `Services.build_writer`.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from engine.context import Services
from engine.ports import BuildWriter, Document, MilestoneBrief


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "milestone"


def deliverable_items(value: Any) -> list[str]:
    """Project deliverables as a list of lines, whatever shape the proposal stored them in."""
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip(" -*") for line in value.splitlines() if line.strip(" -*")]
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict):
                name = item.get("name") or item.get("title") or item.get("deliverable") or ""
                desc = item.get("description") or item.get("details") or ""
                out.append(f"{name}: {desc}".strip(": ") if desc else str(name))
            else:
                out.append(str(item))
        return [o for o in out if o]
    if isinstance(value, dict):
        for key in ("items", "deliverables", "list"):
            if key in value:
                return deliverable_items(value[key])
        return [f"{k}: {v}" if not isinstance(v, (dict, list)) else str(k) for k, v in value.items()]
    return [str(value)]


def describe_timeline(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items() if not isinstance(v, (dict, list)))
    return str(value)


class OfflineBuildWriter:
    """Deterministic Markdown: a milestone report and an acceptance checklist per milestone."""

    def __init__(self, delay_seconds: float = 0.0) -> None:
        self.delay_seconds = delay_seconds

    async def write(self, brief: MilestoneBrief) -> list[Document]:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        base = f"{brief.milestone_seq:02d}-{slug(brief.milestone_name)}"
        items = brief.deliverables or [brief.milestone_name]
        client = brief.client_name + (f" ({brief.client_company})" if brief.client_company else "")
        due = f"{brief.milestone_due_at:%Y-%m-%d}" if brief.milestone_due_at else "as planned"
        report = "\n".join([
            f"# {brief.project_title} — milestone {brief.milestone_seq} of {brief.milestone_count}: {brief.milestone_name}",
            "",
            f"- Client: {client}",
            f"- Due: {due}",
            *([f"- Timeline: {brief.timeline}"] if brief.timeline else []),
            "",
            "## Scope",
            "",
            brief.milestone_description or brief.scope or brief.description or "As agreed in the proposal.",
            "",
            "## Deliverables",
            "",
            *[f"{i}. {item}" for i, item in enumerate(items, 1)],
            "",
            "## Work completed",
            "",
            *[f"- {item}: designed, built and reviewed for this milestone." for item in items],
            "",
        ])
        checklist = "\n".join([
            f"# Acceptance checklist — {brief.milestone_name}",
            "",
            *[f"- [ ] {item} meets the agreed scope" for item in items],
            "- [ ] Documentation handed over",
            "- [ ] Client sign-off recorded",
            "",
        ])
        return [Document(name=f"{base}/report.md", content=report),
                Document(name=f"{base}/acceptance.md", content=checklist)]


def build_writer_for(services: Services) -> BuildWriter:
    if services.build_writer is not None:
        return services.build_writer
    return OfflineBuildWriter(services.settings.build_step_delay_seconds)
