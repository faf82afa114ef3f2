"""An e-mail from a client with an open lead becomes an interaction, not a capture: Hunter screens it too."""

import pytest
from sqlalchemy import select

from engine.actors import Actor, Role
from engine.errors import InputBlocked
from engine.pipeline.capture import capture_lead
from engine.pipeline.schemas import LeadInput
from engine.sources.mail import InboundEmail, receive_email
from storage.models import Interaction
from tests.conftest import SALES, lead_data, op

MAILER = Actor(kind="system", ref="mail", role=Role.ADMIN)


def mail(address, body, n):
    return InboundEmail(provider="mailgun", from_name="Ada", from_address=address, subject="Re: our project",
                        body=body, message_id=f"<m{n}-{address}>")


async def interactions(services):
    async with services.session_factory() as s:
        return list((await s.execute(select(Interaction).where(Interaction.kind == "email").order_by(Interaction.id))).scalars())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_secrets_in_a_reply_are_masked_and_markup_flagged(services):
    data = lead_data()
    await op(services, SALES, capture_lead, LeadInput(**data))
    body = ("Here is the card for the deposit: 4111 1111 1111 1111. Our Stripe key: "
            "sk_live_51HqLyjWDarjtT1zdp7dcXyz12. See <b>the brief</b>.")
    res = await op(services, MAILER, receive_email, mail(data["email"], body, 1))
    assert not res.created_lead and res.interaction_id
    [i] = await interactions(services)
    assert "4111 1111 1111 1111" not in i.summary and "sk_live_51Hq" not in i.summary
    assert "[redacted" in i.summary and "the brief" in i.summary
    found = {f["detector"] for f in i.metadata_["hunter"]["findings"]}
    assert {"payment_card", "secret", "markup"} <= found
    assert i.metadata_["provider"] == "mailgun"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_script_in_a_reply_is_refused_and_alerted(services):
    data = lead_data()
    await op(services, SALES, capture_lead, LeadInput(**data))
    with pytest.raises(InputBlocked):
        await op(services, MAILER, receive_email, mail(data["email"], "<script>alert(document.cookie)</script>", 2))
    assert await interactions(services) == []
    assert any("Hunter blocked" in m["text"] for m in services.notifier.inner.sent)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_an_ordinary_reply_is_stored_as_is(services):
    data = lead_data()
    await op(services, SALES, capture_lead, LeadInput(**data))
    await op(services, MAILER, receive_email, mail(data["email"], "Can we move the call to Friday at 10:00?", 3))
    [i] = await interactions(services)
    assert i.summary == "Re: our project\n\nCan we move the call to Friday at 10:00?" and "hunter" not in i.metadata_
