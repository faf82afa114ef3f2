"""Inbound e-mail parsing: sender, reply stripping, signatures."""

import hashlib
import hmac

import pytest

from engine.errors import InvalidInput
from engine.sources.mail import (
    mailgun_timestamp_fresh,
    parse_mailgun,
    parse_sendgrid,
    strip_reply,
    verify_mailgun_signature,
)


def test_strip_reply_removes_quotes_and_signature():
    text = ("Can we move the call to Friday?\n\nBest regards,\nTom\n-- \nTom Baker\nHead of Ops\n\n"
            "On Mon, 23 Nov 2026 at 09:12, Grace <grace@agency.example> wrote:\n> Shall we meet Thursday?\n")
    assert strip_reply(text) == "Can we move the call to Friday?"
    assert strip_reply("") == ""


def test_mailgun_prefers_its_stripped_text_and_reads_message_id():
    fields = {"from": '"Doe, Jane" <Jane@Acme.io>', "subject": " Hello ", "body-plain": "full\n> quoted",
              "stripped-text": "Just the new text", "message-headers": '[["Message-Id", "<abc@acme.io>"]]'}
    msg = parse_mailgun(fields)
    assert (msg.from_name, msg.from_address, msg.subject, msg.body, msg.message_id) == \
        ("Doe, Jane", "Jane@Acme.io", "Hello", "Just the new text", "<abc@acme.io>")


def test_sendgrid_message_id_from_headers_and_missing_sender():
    msg = parse_sendgrid({"from": "x@y.io", "text": "hi", "headers": "Message-ID: <m1@y.io>\nSubject: s\n"})
    assert msg.message_id == "<m1@y.io>" and msg.from_name == ""
    with pytest.raises(InvalidInput):
        parse_sendgrid({"from": "no address here", "text": "hi"})


def test_mailgun_signature():
    sig = hmac.new(b"k", b"1700000000tok", hashlib.sha256).hexdigest()
    assert verify_mailgun_signature("k", "1700000000", "tok", sig, now=1700000000 + 300)
    assert not verify_mailgun_signature("k", "1700000001", "tok", sig, now=1700000000)
    assert not verify_mailgun_signature("", "1700000000", "tok", sig, now=1700000000)


def test_mailgun_timestamps_older_than_five_minutes_are_refused():
    sig = hmac.new(b"k", b"1700000000tok", hashlib.sha256).hexdigest()
    assert not verify_mailgun_signature("k", "1700000000", "tok", sig, now=1700000000 + 301)
    assert not verify_mailgun_signature("k", "1700000000", "tok", sig, now=1700000000 - 301)  # from the future
    for stamp in ["", "soon", "1700000000.5", "9" * 40, "\ud800"]:
        assert not mailgun_timestamp_fresh(stamp, now=1700000000)
