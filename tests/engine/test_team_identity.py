"""Who has a role: team members; not strangers, workspace guests or Slack Connect users."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.actors import Role
from engine.errors import InvalidInput, PolicyDenied
from engine.governance.policies import known_actions
from engine.governance.rules import lint
from engine.team import actor_for_slack_user, add_team_member, has_role
from tests.conftest import ADMIN, op

ONE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@ONE
async def test_strangers_guests_and_external_users_have_no_role(services):
    await op(services, ADMIN, add_team_member, "U0SAM", "Sam Sales", "sales")
    async with services.session_factory() as s:
        sam = await actor_for_slack_user(s, "U0SAM")
        stranger = await actor_for_slack_user(s, "U0NOBODY")
        guest = await actor_for_slack_user(s, "U0SAM", guest=True)
        external = await actor_for_slack_user(s, "U0SAM", external=True)
        long_id = await actor_for_slack_user(s, "U" + "9" * 40)
    assert sam.role == Role.SALES and has_role(sam)
    for nobody in (stranger, guest, external, long_id):
        assert nobody.role == Role.NONE and not has_role(nobody)


@ONE
async def test_no_role_may_do_or_read_anything(services):
    async with services.session_factory() as s:
        stranger = await actor_for_slack_user(s, "U0NOBODY")
    for action in sorted(known_actions()):
        with pytest.raises(PolicyDenied):
            services.policies.check(action, stranger)


@ONE
async def test_no_role_cannot_be_granted(services, tmp_path: Path):
    with pytest.raises(InvalidInput) as e:
        await op(services, ADMIN, add_team_member, "U0X", "X", "none")
    assert e.value.field == "role"
    f = tmp_path / "p.yml"
    f.write_text("version: 1\nactions:\n  view_leads:\n    roles: [none]\n")
    assert any("unknown role none" in p for p in lint(f, known_actions()))
