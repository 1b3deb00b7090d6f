"""Errors of the domain that every layer may raise and every interface answers the same way."""


class Conflict(Exception):
    """A move the current state does not allow: the API answers 409 with the code, the desk shows the message."""

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code
