"""A conversation turn: load the thread's history, run the agent as the speaker, save.

Edges (Slack, the terminal) call `converse` with a message and `decide` with a
speaker's Confirm/Cancel, and render the `ChatReply` they get back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic_ai import DeferredToolRequests, DeferredToolResults, ToolDenied
from pydantic_ai.exceptions import ModelAPIError, UnexpectedModelBehavior
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart, ToolReturnPart

from engine.actors import Actor
from engine.context import Services
from engine.inbound import record_inbound
from engine.team import NOT_ON_THE_TEAM, has_role
from tools.agent import GraceAgent
from tools.deps import AgentDeps
from tools.history import Thread, load_thread, save_thread
from tools.offline import rules as R
from tools.offline.replies import confirm_question
from tools.offline.turn import choices_in
from tools.replies import ChatReply, PendingCall, ToolOutcome

MODEL_DOWN = ("The language model did not answer ({detail}); nothing was changed and this message was not kept. "
              "Try again in a moment.")
MODEL_DOWN_AFTER = ("Your answer was recorded, but the language model did not report back ({detail}). "
                    "Check the result (e.g. “show lead 12”) before asking again.")


def get_agent(services: Services) -> GraceAgent:
    """The process's agent, built on first use and kept in `Services.agent`."""
    agent = services.agent
    if not isinstance(agent, GraceAgent):
        agent = services.agent = GraceAgent(services.settings)
    return agent


def _reply(new: list[ModelMessage], output: Any, speaker: Actor) -> tuple[ChatReply, dict[str, dict[str, Any]]]:
    calls: dict[str, ToolCallPart] = {}
    outcomes: list[ToolOutcome] = []
    for msg in new:
        for part in msg.parts:
            if isinstance(part, ToolCallPart):
                calls[part.tool_call_id] = part
            elif isinstance(part, ToolReturnPart) and part.outcome not in ("denied", "retried", "interrupted"):
                call = calls.get(part.tool_call_id)
                ok = part.outcome == "success" and not (isinstance(part.content, dict) and "error" in part.content)
                outcomes.append(ToolOutcome(part.tool_name, call.args_as_dict() if call else {}, part.content, ok))
    tool_calls = [{"tool": c.tool_name, "args": c.args_as_dict()} for c in calls.values()]
    pending: dict[str, dict[str, Any]] = {}
    if isinstance(output, DeferredToolRequests):
        questions = []
        for call in output.approvals:
            q = confirm_question(call.tool_name, call.args_as_dict())
            questions.append(q)
            pending[call.tool_call_id] = {"tool": call.tool_name, "args": call.args_as_dict(),
                                          "speaker": speaker.ref, "question": q}
        text = " ".join(questions)
    else:
        text = str(output)
    reply = ChatReply(text, outcomes, [PendingCall(k, v["tool"], v["args"], v["question"]) for k, v in pending.items()],
                      tool_calls, choices=[] if pending else choices_in(text))
    return reply, pending


@asynccontextmanager
async def _one_turn_at_a_time(services: Services, key: str) -> AsyncIterator[None]:
    """Turns of one thread run one after the other in this process, so none is lost when two
    messages arrive together. (Across processes the last save wins.)"""
    locks = services.conversation_locks
    lock = locks.get(key)
    if lock is None:
        lock = locks[key] = asyncio.Lock()
    async with lock:
        yield


async def converse(services: Services, actor: Actor, key: str, text: str) -> ChatReply:
    """Answer one message of a thread as `actor`; the thread's history is loaded and saved."""
    async with _one_turn_at_a_time(services, key):
        return await _converse(services, actor, key, text)


async def _converse(services: Services, actor: Actor, key: str, text: str) -> ChatReply:
    if not has_role(actor):  # not on the team, a guest or an external user: only how to be added
        return ChatReply(NOT_ON_THE_TEAM.format(user=actor.ref), refused=True)
    thread = await load_thread(services, key)
    if refused := _someone_elses_confirmation(thread, actor):
        return refused
    if thread.pending:
        # A new message while the speaker's own confirmation waits: the waiting call is dropped
        # (denied), so the history stays a valid sequence of calls and results.
        await _resolve(services, actor, thread, {k: ToolDenied(R.CANCELLED) for k in thread.pending})
        thread = await load_thread(services, key)
    agent = get_agent(services)
    try:
        result = await agent.run(AgentDeps(services, actor), text, thread.messages)
    except (ModelAPIError, UnexpectedModelBehavior) as e:
        # The thread is left as it was: the message can simply be sent again.
        return ChatReply(MODEL_DOWN.format(detail=_short(e)))
    reply, thread.pending = _reply(result.new_messages(), result.output, actor)
    thread.messages = result.all_messages()
    await save_thread(services, thread)
    return reply


def _someone_elses_confirmation(thread: Thread, actor: Actor) -> ChatReply | None:
    """Someone else's confirmation waits in the thread: only they may answer or drop it."""
    waiting_for = sorted({v["speaker"] for v in thread.pending.values() if v["speaker"] != actor.ref})
    if not waiting_for:
        return None
    return ChatReply(f"<@{waiting_for[0]}> has a confirmation waiting in this thread, and only they can "
                     "confirm or cancel it. Ask me in another thread, or once they have answered.", refused=True)


async def choose(services: Services, actor: Actor, key: str, number: int) -> ChatReply:
    """The speaker picks reading 1 or 2 of an unsure answer (a Slack button, the terminal's numbered choice).
    It is said as a message, so it runs as any message does: role filtering and confirmations apply."""
    if number not in (1, 2):
        raise ValueError("choice: expected 1 or 2")
    return await converse(services, actor, key, str(number))


async def decide(services: Services, actor: Actor, key: str, tool_call_id: str, approve: bool) -> ChatReply:
    """The speaker's Confirm (approve=True) or Cancel of a waiting tool call; answered once."""
    async with _one_turn_at_a_time(services, key):
        return await _decide(services, actor, key, tool_call_id, approve)


async def _decide(services: Services, actor: Actor, key: str, tool_call_id: str, approve: bool) -> ChatReply:
    thread = await load_thread(services, key)
    waiting = thread.pending.get(tool_call_id)
    if waiting is None:
        return ChatReply("Nothing is waiting for confirmation there any more.", refused=True)
    if waiting["speaker"] != actor.ref:
        return ChatReply(f"Only <@{waiting['speaker']}>, who asked, can confirm or cancel this.", refused=True)
    if not await record_inbound(services.session_factory, "approval", f"{key}:{tool_call_id}", "approval",
                                {"approve": approve, "by": actor.ref}):
        return ChatReply("This was already answered.", refused=True)
    answers: dict[str, Any] = {k: ToolDenied(R.CANCELLED) for k in thread.pending}
    answers[tool_call_id] = True if approve else ToolDenied(R.CANCELLED)
    return await _resolve(services, actor, thread, answers)


def _short(e: Exception) -> str:
    return f"{type(e).__name__}: {str(e)[:160]}"


async def _resolve(services: Services, actor: Actor, thread: Thread, answers: dict[str, Any]) -> ChatReply:
    agent = get_agent(services)
    try:
        result = await agent.run(AgentDeps(services, actor), None, thread.messages,
                                 DeferredToolResults(approvals=answers))
    except (ModelAPIError, UnexpectedModelBehavior) as e:
        # A confirmed call ran before the model was asked to report on it: say so, not "nothing changed".
        return ChatReply(MODEL_DOWN_AFTER.format(detail=_short(e)))
    reply, thread.pending = _reply(result.new_messages(), result.output, actor)
    thread.messages = result.all_messages()
    await save_thread(services, thread)
    return reply


async def dry_run(services: Services, actor: Actor, text: str, key: str | None = None) -> ChatReply:
    """What the agent would do: every tool replaced by a recorder; nothing is written, not even history.
    (A first message to the offline model needs no agent: `tools.dry_run.offline_dry_run`.)"""
    if services.dry_run_agent is None:
        services.dry_run_agent = GraceAgent(services.settings, dry_run=True)
    agent = services.dry_run_agent
    deps = AgentDeps(services, actor, recorded=[])
    history: list[ModelMessage] = []
    if key:
        # The thread as `converse` would take it up: refused while someone else's confirmation waits;
        # the speaker's own waiting call dropped first (here in memory only).
        thread = await load_thread(services, key)
        if refused := _someone_elses_confirmation(thread, actor):
            return refused
        history = thread.messages
        if thread.pending:
            dropped = await agent.run(deps, None, history, DeferredToolResults(
                approvals={k: ToolDenied(R.CANCELLED) for k in thread.pending}))
            history = dropped.all_messages()
    result = await agent.run(deps, text, history)
    reply, _ = _reply(result.new_messages(), result.output, actor)
    reply.tool_calls = list(deps.recorded or [])
    return reply


__all__ = ["ChatReply", "ModelResponse", "PendingCall", "ToolOutcome", "choose", "converse", "decide", "dry_run", "get_agent"]
