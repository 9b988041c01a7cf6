"""One exception hierarchy holding clinician-facing text."""

from __future__ import annotations

from dataclasses import dataclass


class B12KError(Exception):
    """Base class of every error the program explains to its user."""


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field: where it is and what to do about it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ProblemListError(B12KError):
    """An error made of one or more field problems."""

    heading = "Problems found"

    def __init__(self, problems: list[FieldProblem], heading: str | None = None) -> None:
        self.problems = list(problems)
        if heading is not None:
            self.heading = heading
        super().__init__(self.render())

    def render(self) -> str:
        """Return the heading and one line per problem."""
        lines = [f"{self.heading}:"]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


class ProtocolError(ProblemListError):
    """The protocol file cannot be used; each problem names the field path."""

    heading = "The protocol file cannot be used"


class ProtocolVersionError(ProtocolError):
    """The protocol file was written for a newer major schema than this program reads."""


class InputError(ProblemListError):
    """The patient inputs cannot be planned from; each problem names the field."""

    heading = "The plan cannot be made until these inputs are fixed"


class PlanFileError(B12KError):
    """A plan file could not be read or written; the message says what to do."""


class ApprovalError(B12KError):
    """A key, trust or approval command cannot go on; the message says why and what to do."""
