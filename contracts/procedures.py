"""Procedure catalog: route (levels and time per level), fee, required documents, postal return."""

from dataclasses import dataclass
from functools import cache

from contracts.offices import LEVELS

DAYS, HOURS = "days", "hours"
ANY_LEVEL = "any"  # the step of a "common" procedure: decided at the receiving office's level
SCOPES = (*LEVELS, "common")
FORMS = ("original", "certified_copy", "copy")


class UnknownProcedure(KeyError):
    """No procedure has this code."""


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # "days" (working days) or "hours" (working hours)

    def __post_init__(self) -> None:
        if self.unit not in (DAYS, HOURS) or self.amount < 0:
            raise ValueError(f"bad duration {self.amount} {self.unit}")


@dataclass(frozen=True)
class Step:
    level: str
    duration: Duration


@dataclass(frozen=True)
class RequiredDocument:
    id: str
    name: str
    form: str  # "original" | "certified_copy" | "copy"
    count: int


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str
    scope: str
    route: tuple[Step, ...]
    fee_vnd: int
    documents: tuple[RequiredDocument, ...]
    postal_return: bool
    same_day: bool
    weight: float
    financial_obligation: bool = False  # a tax or levy may be assessed in processing (status 6)


class ProcedureCatalog:
    def __init__(self, procedures: list[Procedure]):
        self._procedures = {p.code: p for p in procedures}

    def get(self, code: str) -> Procedure:
        try:
            return self._procedures[code]
        except KeyError:
            raise UnknownProcedure(code) from None

    def all(self) -> tuple[Procedure, ...]:
        return tuple(self._procedures.values())

    def weights(self) -> dict[str, float]:
        """Relative frequency of each procedure among received dossiers (sums to 1)."""
        return {p.code: p.weight for p in self._procedures.values()}


def missing_documents(procedure: Procedure, provided: dict[str, int]) -> list[RequiredDocument]:
    """The required documents not provided in the required count."""
    return [d for d in procedure.documents if provided.get(d.id, 0) < d.count]


@cache
def load_procedures() -> ProcedureCatalog:
    """The demo procedure catalog from contracts/data/procedures.yaml, validated, read once."""
    from contracts.procedure_loader import read_catalog  # it imports this module

    return read_catalog("procedures.yaml")
