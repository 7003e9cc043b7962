"""The project's exception hierarchy: every expected failure says what a user needs to fix it."""


class CobrowseError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(CobrowseError):
    """The configuration file is unreadable, has an unknown key or a value of the wrong type."""


class SessionError(CobrowseError):
    """A session cannot do what was asked (it is unknown, ended, or already has an agent)."""


class SessionNotFound(SessionError):
    """No live session has that identifier (it never existed, or it has ended)."""


class InvalidTransition(SessionError):
    """The session's state does not allow this step (for example joining an ended session)."""


class BrowserUnavailable(CobrowseError):
    """No Chromium could be found or started for the render pages."""


class ChatError(CobrowseError):
    """A chat cannot take that message or step; ``code`` is the wire's error name."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class ChatNotFound(ChatError):
    """No live chat has that identifier (or the token does not match it)."""
