"""The conversation metadata tests and benchmarks emit with: one factory, one realistic set.

`make_metadata()` fills every required field of the generated `Metadata` with a short
placeholder, so a test names only the fields it is about; `CODEX_METADATA` is what a real
Codex session sends, every optional field known (the benchmarks' widest event uses it).
Scripts that tests run in a child process build theirs by hand: they are standalone
programs, as a host application would write them.
"""

from __future__ import annotations

from codex_otel.generated import events


def make_metadata(
    conversation_id: str = "c",
    app_version: str = "1",
    terminal_type: str = "t",
    model: str = "m",
    slug: str = "s",
    *,
    auth_mode: str | None = None,
    user_account_id: str | None = None,
    originator: str | None = None,
    session_source: str | None = None,
) -> events.Metadata:
    """`events.Metadata` with placeholders for the required fields not given."""
    return events.Metadata(
        conversation_id=conversation_id,
        app_version=app_version,
        auth_mode=auth_mode,
        user_account_id=user_account_id,
        originator=originator,
        session_source=session_source,
        terminal_type=terminal_type,
        model=model,
        slug=slug,
    )


#: A Codex session's metadata as Codex's reference implementation fills it.
CODEX_METADATA = make_metadata(
    conversation_id="0199a213-81c0-7800-8aa1-bbab2a035a53",
    app_version="0.42.0",
    auth_mode="ChatGPT",
    user_account_id="acct_123",
    terminal_type="vscode/1.95.0",
    model="gpt-5-codex",
    slug="gpt-5-codex",
)
