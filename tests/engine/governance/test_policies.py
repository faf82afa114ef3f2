"""Policies as data: the shipped file, decisions with context, rate limits, lint."""

import pytest
from sqlalchemy import select

from bot.services import build_services, close_services
from engine.actors import Actor, Role
from engine.errors import PolicyDenied, RateLimited
from engine.governance import rules
from engine.governance.limits import SlidingWindow
from engine.governance.policies import ALLOWED_ROLES, Policies, known_actions, register_action
from engine.governance.rules import PolicyFileError
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.pipeline.stages import Stage
from storage.models import AuditEntry
from tests.conftest import SALES, lead_data, op

KEY = Actor(kind="api_key", ref="42", role=Role.SALES, name="website form")
ONE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def policies() -> Policies:
    """The shipped rules, the default threshold and fresh rate-limit windows (what `Services` holds)."""
    return Policies()


def test_every_action_of_the_code_table_is_in_the_shipped_file():
    shipped = rules.shipped()
    assert set(ALLOWED_ROLES) <= set(shipped.actions)
    for action, roles in ALLOWED_ROLES.items():
        assert set(shipped.actions[action].roles) == {r.value for r in roles}, action


def test_check_policy_keeps_its_old_behaviour(policies):
    policies.check("capture_lead", SALES)
    with pytest.raises(PolicyDenied, match="A viewer may not capture lead"):
        policies.check("capture_lead", Actor(kind="test", ref="v", role=Role.VIEWER))
    with pytest.raises(KeyError):
        policies.check("no_such_action", SALES)
    assert policies.allowed("manage_team", "admin") and not policies.allowed("manage_team", "sales")
    assert "view_leads" in policies.actions_for("viewer") and "capture_lead" not in policies.actions_for("viewer")


def test_conditions_on_the_context(policies):
    d = policies.evaluate("generate_proposal", "sales", {"discount": "0.10"})
    assert d.allowed and not d.requires_vote
    d = policies.evaluate("generate_proposal", "sales", {"discount": 0.25})
    assert not d.allowed and "25%" in d.reason and "15%" in d.reason
    assert not policies.evaluate("collect_payment", "finance", {"amount": "300000"}).allowed
    assert policies.evaluate("collect_payment", "finance", {"amount": "1200.50"}).allowed
    d = policies.evaluate("deliver_project", "delivery", {"amount": 4000, "stage": "ACTIVE"})
    assert d.allowed and not d.requires_vote
    d = policies.evaluate("deliver_project", "delivery", {"amount": 9000, "stage": "ACTIVE"})
    assert d.allowed and d.requires_vote and "Parliament" in d.reason
    assert not policies.evaluate("deliver_project", "delivery", {"amount": 9000, "vote_approved": False}).allowed
    assert not policies.evaluate("deliver_project", "delivery", {"amount": 9000, "vote_approved": True}).requires_vote
    d = policies.evaluate("deliver_project", "delivery", {"stage": "PROPOSAL"})
    assert not d.allowed and "ACTIVE" in d.reason
    # Conditions bind admins too; roles do not.
    assert not policies.evaluate("generate_proposal", "admin", {"discount": 0.5}).allowed


def test_vote_threshold_follows_the_parliament_setting():
    high = Policies.load(None, parliament_threshold=20000)
    assert not high.evaluate("deliver_project", "delivery", {"amount": 9000}).requires_vote
    low = Policies.load(None, parliament_threshold=5000)
    assert low.evaluate("deliver_project", "delivery", {"amount": 9000}).requires_vote
    # Each process's policies are its own: loading one leaves another as it was.
    assert not high.evaluate("deliver_project", "delivery", {"amount": 9000}).requires_vote


def test_rate_limit_per_api_key_sliding_window(policies):
    for i in range(30):
        assert policies.evaluate("capture_lead", KEY, now=1000 + i).allowed
    d = policies.evaluate("capture_lead", KEY, now=1030)
    assert not d.allowed and d.retry_after == pytest.approx(30) and "at most 30" in d.reason
    other = Actor(kind="api_key", ref="43", role=Role.SALES)
    assert policies.evaluate("capture_lead", other, now=1030).allowed  # per key
    assert policies.evaluate("capture_lead", KEY, now=1060.5).allowed  # the first call left the window
    with pytest.raises(RateLimited) as e:
        for _ in range(40):
            policies.check("capture_lead", KEY)
    assert e.value.status == 429


def test_rate_limit_exempts_admins_the_cli_and_jobs(policies):
    admin_key = Actor(kind="api_key", ref="1", role=Role.ADMIN)
    cli = Actor(kind="cli", ref="ops", role=Role.ADMIN)
    for _ in range(50):
        assert policies.evaluate("capture_lead", admin_key).allowed
        assert policies.evaluate("capture_lead", cli).allowed
        assert policies.evaluate("capture_lead", Actor.system()).allowed


def test_sliding_window_counts_only_the_window():
    w = SlidingWindow()
    assert [w.hit("k", 2, 10, now=t) for t in (0, 1)] == [None, None]
    assert w.hit("k", 2, 10, now=5) == pytest.approx(5)
    assert w.hit("k", 2, 10, now=10.01) is None


async def test_capture_rate_limit_is_audited(services):
    for _ in range(30):
        await op(services, KEY, capture_lead, LeadInput(**lead_data()))
    with pytest.raises(RateLimited):
        await op(services, KEY, capture_lead, LeadInput(**lead_data()))
    async with services.session_factory() as s:
        denied = (await s.execute(select(AuditEntry).where(AuditEntry.action == "policy.denied"))).scalars().all()
    assert len(denied) == 1 and denied[0].actor == "api_key:42" and "Too many requests" in denied[0].details["reason"]


def test_override_file_replaces_shipped_rules(tmp_path):
    path = tmp_path / "policies.yml"
    path.write_text("version: 1\nactions:\n  capture_lead:\n    roles: [sales, viewer]\n"
                    "    rate_limit: {max: 2, per_seconds: 60}\n")
    policies = Policies.load(path)
    viewer_key = Actor(kind="api_key", ref="9", role=Role.VIEWER)
    assert policies.evaluate("capture_lead", viewer_key).allowed
    assert policies.evaluate("capture_lead", viewer_key).allowed
    assert not policies.evaluate("capture_lead", viewer_key).allowed
    assert not policies.evaluate("manage_team", "sales").allowed  # other actions: shipped rules


@ONE
async def test_the_settings_policies_file_belongs_to_the_services_built_from_them(settings, tmp_path):
    """`GRACE_POLICIES_PATH` reaches the operations through `Services.policies`: two processes' services,
    one with the file and one without, each decide by their own rules and count their own windows."""
    path = tmp_path / "policies.yml"
    path.write_text("version: 1\nactions:\n  capture_lead:\n    roles: [sales, viewer]\n"
                    "    rate_limit: {max: 1, per_seconds: 60}\n")
    viewer = Actor(kind="team_member", ref="U0VIC", role=Role.VIEWER)
    overridden = await build_services(settings.model_copy(update={"policies_path": path}))
    plain = await build_services(settings)
    try:
        assert overridden.policies.override_path == str(path) and plain.policies.override is None
        lead = await op(overridden, viewer, capture_lead, LeadInput(**lead_data()))
        assert lead.lead_id
        with pytest.raises(RateLimited):  # this file's limit, in this services' window
            await op(overridden, viewer, capture_lead, LeadInput(**lead_data()))
        with pytest.raises(PolicyDenied, match="A viewer may not capture lead"):
            await op(plain, viewer, capture_lead, LeadInput(**lead_data()))
        assert await op(plain, SALES, capture_lead, LeadInput(**lead_data()))
    finally:
        await close_services(overridden)
        await close_services(plain)


@ONE
async def test_a_bad_policies_file_stops_start_up_naming_the_problem(settings, tmp_path):
    path = tmp_path / "policies.yml"
    path.write_text("version: 1\nactions:\n  deliver_project:\n    conditions: {required_stage: SHIPPED}\n")
    with pytest.raises(PolicyFileError, match="unknown stage SHIPPED"):
        await build_services(settings.model_copy(update={"policies_path": path}))


def test_code_registered_actions_are_known(policies):
    register_action("issue9_test_action", {Role.FINANCE})
    try:
        assert "issue9_test_action" in known_actions()
        assert policies.evaluate("issue9_test_action", "finance").allowed
        assert not policies.evaluate("issue9_test_action", "sales").allowed
    finally:
        ALLOWED_ROLES.pop("issue9_test_action")


def test_lint(tmp_path):
    assert rules.lint(None, known_actions()) == []
    bad = tmp_path / "bad.yml"
    bad.write_text("actions:\n  capture_lead:\n    roles: [sales, wizard]\n  launch_rockets:\n    roles: [admin]\n"
                   "  deliver_project:\n    conditions: {required_stage: SHIPPED, max_speed: 3}\n")
    problems = rules.lint(bad, known_actions(), frozenset(s.value for s in Stage))
    text = "\n".join(problems)
    assert "unknown role wizard" in text
    assert "unknown stage SHIPPED" in text
    assert "max_speed" in text
    broken = tmp_path / "broken.yml"
    broken.write_text("actions: [\n")
    assert "not valid YAML" in rules.lint(broken, known_actions())[0]
    unknown = tmp_path / "unknown.yml"
    unknown.write_text("actions:\n  launch_rockets:\n    roles: [admin]\n")
    assert rules.lint(unknown, known_actions()) == [
        "actions.launch_rockets: unknown action (known: shipped policies.yml and actions registered in code)"]
