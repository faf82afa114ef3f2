"""The offline Architect and the catalog."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.errors import InvalidInput
from engine.proposals.architect import Draft, DraftDeliverable, DraftRequest, OfflineArchitect, complete_draft
from engine.proposals.catalog import DEFAULT_CATALOG, load_catalog, parse_catalog


def compose(text: str) -> Draft:
    return OfflineArchitect().compose(DraftRequest(requirements=text, client_name="Ada", company="Acme"),
                                      load_catalog())


@pytest.mark.parametrize(("text", "service"), [
    ("A chatbot for customer support that answers FAQs", "Conversational AI assistant"),
    ("We need an iOS and Android app for our members", "Mobile application"),
    ("Forecast demand for our stores with machine learning", "Predictive model"),
    ("Move our servers to AWS with Terraform and CI/CD", "Cloud infrastructure and DevOps"),
    ("Semantic search over thousands of PDF contracts", "Document search and knowledge assistant"),
    ("Detect defects on the production line from camera images", "Computer vision"),
])
def test_requirements_pick_the_matching_service_line_first(text: str, service: str) -> None:
    assert compose(text).services[0] == service


def test_nothing_recognisable_falls_back_to_custom_software() -> None:
    assert compose("zzz qqq").services == ["Custom software development"]


def test_discovery_qa_and_hand_over_are_always_there() -> None:
    d = compose("A chatbot for customer support with CRM integration")
    names = [x.name for x in d.deliverables]
    assert names[0] == "Discovery and scoping workshop"
    assert names[-2:] == ["Quality assurance", "Hand-over and documentation"]
    assert "Acme" in d.title and "chatbot for customer support" in d.summary


def test_same_requirements_same_draft_across_instances() -> None:
    text = "A web portal for our customers with payments, and a dashboard of KPIs"
    assert compose(text) == compose(text)
    assert compose(text).model_dump_json() == compose(text).model_dump_json()


def test_complete_draft_fixes_roles_hours_duplicates_and_standard_items() -> None:
    catalog = load_catalog()
    raw = Draft(architect="x", title="t", summary="s", deliverables=[
        DraftDeliverable(name="Quality assurance", hours=Decimal("3"), role="qa"),
        DraftDeliverable(name="App", hours=Decimal("10.005"), role="wizard"),
        DraftDeliverable(name="app ", hours=Decimal("5"), role="engineer"),
    ])
    names = [(d.name, d.role, d.hours) for d in complete_draft(raw, catalog).deliverables]
    assert names == [("Discovery and scoping workshop", "consultant", Decimal("12")),
                     ("App", "engineer", Decimal("10.01")),
                     ("Quality assurance", "qa", Decimal("16")),
                     ("Hand-over and documentation", "project_manager", Decimal("8"))]


def test_catalog_errors_name_the_place(tmp_path: Path) -> None:
    text = DEFAULT_CATALOG.read_text().replace("role: qa\n", "role: tester\n", 1)
    with pytest.raises(InvalidInput, match="role 'tester'"):
        parse_catalog(text)
    with pytest.raises(InvalidInput, match="not valid YAML"):
        parse_catalog("roles: [")
    with pytest.raises(InvalidInput, match="does not exist"):
        load_catalog(tmp_path / "missing.yml")


def test_a_custom_catalog_file_is_read_and_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yml"
    path.write_text(DEFAULT_CATALOG.read_text())
    assert load_catalog(path).roles["engineer"].rate == Decimal("150")
    import os

    path.write_text(DEFAULT_CATALOG.read_text().replace("engineer: {rate: 150", "engineer: {rate: 175"))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert load_catalog(path).roles["engineer"].rate == Decimal("175")
