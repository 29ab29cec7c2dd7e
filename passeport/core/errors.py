"""Errors that carry a French message and, when known, where in the input they are."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.line or 0}:{self.column or 0}"


class InputError(Exception):
    """Bad input from outside: the message is shown to the user as is."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.location = Location(line, column)
