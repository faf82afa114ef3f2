"""Wiring: settings -> the engine's services, with real or embedded parts."""

from __future__ import annotations

import logging

from engine.billing.providers import build_payment_provider
from engine.config import Settings
from engine.context import Services
from engine.counters import InProcessCounters, RedisCounters, SharedErrorRate
from engine.delivery.deliver import continue_after_vote
from engine.events import InProcessEventBus, RedisEventBus
from engine.governance.policies import Policies
from engine.notify import KeyedNotifier
from engine.pipeline.stages import Stage
from engine.ports import LogNotifier, Notifier
from storage.db import create_engine, create_session_factory

log = logging.getLogger("grace")


async def build_services(settings: Settings) -> Services:
    settings.ensure_data_dir()
    settings.resolved_secret_key()
    # A bad policies file stops start-up before anything opens.
    policies = Policies.from_settings(settings, stages=frozenset(s.value for s in Stage))
    db = create_engine(settings.resolved_database_url, pool_size=settings.db_pool_size,
                       max_overflow=settings.db_max_overflow, pre_ping=settings.db_pre_ping,
                       pool_recycle=settings.db_pool_recycle_seconds)
    services = Services(settings=settings, db=db, session_factory=create_session_factory(db),
                        policies=policies)
    services.notifier = KeyedNotifier(build_notifier(settings), services.session_factory)
    services.vote_decided = continue_after_vote
    services.payments = build_payment_provider(settings)
    if settings.slack_bot_token:
        # deferred for start-up time: Slack's SDK only when Slack is configured
        from bot.slack.announcer import SlackLeadAnnouncer
        from bot.slack.vote_board import SlackVoteBoard

        services.vote_board = SlackVoteBoard(services)
        services.lead_announcer = SlackLeadAnnouncer(services.notifier, settings.leads_channel or None)
    if settings.redis_url:
        bus = RedisEventBus(settings.redis_url)
        await bus.start()
        services.events = bus
        from workers.queue import ArqQueue  # deferred for start-up time: arq and Redis only when configured

        services.queue = ArqQueue(settings.redis_url, settings.queue_name)
        from engine.cache import RedisCache  # deferred for start-up time: Redis only when configured

        services.cache = RedisCache(settings.redis_url)
        services.counters = RedisCounters(settings.redis_url, settings.resolved_database_url)
    else:
        services.events = InProcessEventBus()
        # deferred for start-up time: the job table only for the in-process queue
        from bot.jobs import job_table
        from workers.queue import InProcessQueue

        services.queue = InProcessQueue(job_table(slack=bool(settings.slack_bot_token)), {"services": services})
        from engine.cache import InProcessCache  # deferred: beside RedisCache, chosen by the settings

        services.cache = InProcessCache()
        services.counters = InProcessCounters()
    # The error-rate alert reads every API process's answers, wherever the check runs.
    services.error_rate = SharedErrorRate(services.counters)
    if settings.model != "offline":
        from tools.architect_llm import LLMArchitect  # deferred for start-up time: only with an LLM model

        services.architect = LLMArchitect.from_settings(settings)
    return services


def build_notifier(settings: Settings) -> Notifier:
    if not settings.slack_bot_token:
        log.info("Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on "
                 "(see README, 'Slack'); messages go to this log meanwhile.")
        return LogNotifier()
    from bot.slack.client import SlackNotifier, build_client  # deferred for start-up time: Slack's SDK

    return SlackNotifier(build_client(settings), settings.alerts_channel or None)


async def close_services(services: Services) -> None:
    if services.payments is not None:  # the Stripe provider holds an HTTP client
        await services.payments.close()
    close = getattr(services.queue, "close", None)
    if close:
        await close()
    close_cache = getattr(services.cache, "close", None)
    if close_cache:
        await close_cache()
    if services.counters is not None:
        await services.counters.close()
    await services.events.close()
    await services.db.dispose()
