"""The Architect drafts a proposal's content; the engine prices it.

`Architect` (engine/ports.py) is the port; `OfflineArchitect` is the deterministic default that
matches the requirements to the catalog with TF-IDF (scikit-learn, no network) and
writes the prose from the catalog's templates. The model-backed one lives in
`tools/architect_llm.py` and is chosen at start-up.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from engine.proposals.catalog import MAX_HOURS, Catalog, CatalogDeliverable

HOURS_STEP = Decimal("0.01")


class DraftRequest(BaseModel):
    requirements: str
    client_name: str = ""
    company: str = ""


class DraftDeliverable(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    hours: Decimal = Field(gt=0, le=MAX_HOURS)
    role: str
    optional: bool = False
    phase: str = Field(default="Build", description="Milestone the deliverable belongs to.")
    service: str | None = None


class Draft(BaseModel):
    """What an Architect writes: prose and deliverables with hours. No prices."""

    architect: str
    title: str
    summary: str
    services: list[str] = Field(default_factory=list)
    deliverables: list[DraftDeliverable]
    assumptions: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(default_factory=list)


DISCOVERY_PHASE = "Discovery"
CLOSING_PHASE = "Quality assurance and hand-over"


def standard_items(catalog: Catalog) -> tuple[list[DraftDeliverable], list[DraftDeliverable]]:
    def conv(items: list[CatalogDeliverable], phase: str) -> list[DraftDeliverable]:
        return [DraftDeliverable(**d.model_dump(), phase=phase) for d in items]

    return conv(catalog.standard.start, DISCOVERY_PHASE), conv(catalog.standard.end, CLOSING_PHASE)


def complete_draft(draft: Draft, catalog: Catalog) -> Draft:
    """Make any draft safe to price: known roles, hours in steps of 0.01, unique names,
    and the catalog's standard discovery, QA and hand-over items present exactly once."""
    start, end = standard_items(catalog)
    standard_names = {d.name.casefold() for d in start + end}
    seen: set[str] = set()
    body: list[DraftDeliverable] = []
    for d in draft.deliverables:
        key = d.name.strip().casefold()
        if key in seen or key in standard_names:
            continue
        seen.add(key)
        hours = d.hours.quantize(HOURS_STEP, rounding=ROUND_HALF_UP)
        if hours <= 0:
            continue
        role = d.role if d.role in catalog.roles else catalog.default_role
        body.append(d.model_copy(update={"name": d.name.strip(), "hours": hours, "role": role}))
    return draft.model_copy(update={"deliverables": start + body + end})


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Values(values)).strip()


def _excerpt(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _join(names: list[str]) -> str:
    names = [n[0].lower() + n[1:] if i else n for i, n in enumerate(names)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class OfflineArchitect:
    """Deterministic: the same requirements and catalog always give the same draft."""

    name = "offline"

    def __init__(self) -> None:
        self._fitted: tuple[Catalog, object, object] | None = None

    def _model(self, catalog: Catalog) -> tuple[object, object]:
        if self._fitted is None or self._fitted[0] is not catalog:
            from sklearn.feature_extraction.text import TfidfVectorizer  # deferred: heavy, first draft only

            docs = [" ".join([s.name, s.description, *(s.keywords * 3)]) for s in catalog.services]
            vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english",
                                         token_pattern=r"(?u)\b\w[\w/+-]*\b")
            matrix = vectorizer.fit_transform(docs)
            self._fitted = (catalog, vectorizer, matrix)
        return self._fitted[1], self._fitted[2]

    def match(self, requirements: str, catalog: Catalog) -> list[tuple[str, float]]:
        """Service keys with their similarity to the requirements, best first (catalog order on ties)."""
        vectorizer, matrix = self._model(catalog)
        query = vectorizer.transform([requirements])  # type: ignore[attr-defined]
        scores = (matrix @ query.T).toarray().ravel()  # type: ignore[operator]
        ranked = sorted(range(len(catalog.services)), key=lambda i: (-round(float(scores[i]), 9), i))
        return [(catalog.services[i].key, round(float(scores[i]), 6)) for i in ranked]

    def select(self, requirements: str, catalog: Catalog) -> list[str]:
        ranked = self.match(requirements, catalog)
        chosen = [k for k, score in ranked if score >= catalog.match_threshold and score > 0]
        chosen = chosen[: catalog.max_services]
        if not chosen:
            chosen = [catalog.fallback or ranked[0][0]]
        return chosen

    async def draft(self, request: DraftRequest, catalog: Catalog) -> Draft:
        return self.compose(request, catalog)

    def compose(self, request: DraftRequest, catalog: Catalog) -> Draft:
        lines = [catalog.service(k) for k in self.select(request.requirements, catalog)]
        body = [DraftDeliverable(**d.model_dump(), phase=s.name, service=s.key) for s in lines for d in s.deliverables]
        names = [s.name for s in lines]
        values = {
            "client": request.client_name or "the client",
            "company": request.company or request.client_name or "you",
            "services": _join(names),
            "requirements": _excerpt(request.requirements),
            "deliverable_count": str(len(body) + len(catalog.standard.start) + len(catalog.standard.end)),
        }
        draft = Draft(
            architect=self.name,
            title=render(catalog.prose.title, values)[:300],
            summary=render(catalog.prose.summary, values),
            services=names,
            deliverables=body,
            assumptions=[*catalog.prose.assumptions, *(a for s in lines for a in s.assumptions)],
            risks=[*catalog.prose.risks, *(r for s in lines for r in s.risks)],
            out_of_scope=[*(o for s in lines for o in s.out_of_scope), *catalog.prose.out_of_scope],
        )
        return complete_draft(draft, catalog)
