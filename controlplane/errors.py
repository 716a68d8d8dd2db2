"""Error types that carry enough context for a one-line, actionable message.

Operators fix input from the message alone, so every input error names the file, the field
path inside it and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One defect in an input file: where it is and why it is wrong."""

    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return _printable(f"{where}: {self.reason}")


def _printable(text: str) -> str:
    """Control characters from the input (a key holding a newline...) escaped: a message stays
    one line and cannot forge another line in a log."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class InputError(Exception):
    """Bad operator input (config, catalog, CLI filter). Exit code 2, nothing written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        super().__init__(self.one_line())

    @classmethod
    def single(cls, file: str, field: str, reason: str) -> InputError:
        return cls([Problem(file, field, reason)])

    def one_line(self) -> str:
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return f"{first} (and {more} more problem{'s' if more > 1 else ''})" if more else first


class TransientError(Exception):
    """Raised by a plugin for a failure worth retrying (throttling, 5xx, reset connection)."""


class PluginContractError(Exception):
    """A plugin broke the hook contract (duplicate check id, bad target kind...)."""
