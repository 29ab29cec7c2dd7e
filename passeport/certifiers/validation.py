"""Local check of a flux, without the database (``passeport valider``).

Runs what needs nothing but the file: security, schema, certification type/code format,
duplicate idTechnique within the file, the date and conditional rules, and the warnings.
Contracts, registers and holders are checked when the file is deposited.
"""

from dataclasses import dataclass, field
from pathlib import Path

from passeport.certifiers import rules
from passeport.certifiers.parsing import precheck
from passeport.certifiers.reader import FluxReader, SchemaInvalid
from passeport.certifiers.schema import list_errors, locate


@dataclass(frozen=True)
class Problem:
    line: int
    column: int
    message: str
    blocking: bool = True


@dataclass
class Result:
    problems: list[Problem] = field(default_factory=list)
    passages: int = 0

    @property
    def valid(self) -> bool:
        return not any(p.blocking for p in self.problems)


def validate_file(path: str | Path) -> Result:
    result = Result()
    with open(path, "rb") as fh:
        rejection = precheck(fh)
    if rejection:
        result.problems.append(Problem(rejection.line, rejection.column, rejection.message))
        return result
    try:
        context = FluxReader(path).scan()
        found = []  # (line, message, blocking)
        emetteur = context.header.emetteur_bcr or ""
        seen: set[str] = set()
        for p in FluxReader(path, known=context).passages():
            result.passages += 1
            cert = context.certifications[p.cert_index]
            if p.id_technique in seen:
                message = rules.duplicate(emetteur, p)
            elif not rules.certification_format_ok(cert):
                message = rules.certification_ko(emetteur, p)
            else:
                message = rules.passage_ko(emetteur, p)
            seen.add(p.id_technique)
            if message:
                found.append((p.line, message, True))
            for warning in rules.passage_warnings(p):
                found.append((p.line, "avertissement : " + warning, False))
        for line, message in rules.flux_warnings(
            context.header, list(context.certifications.values())
        ):
            found.append((line, "avertissement : " + message, False))
    except SchemaInvalid:
        for e in list_errors(path):
            result.problems.append(Problem(e.line, e.column, e.message))
        return result
    located = locate([(line, "", msg) for line, msg, _ in found], path, {})
    for (_, _, blocking), loc in zip(found, located, strict=True):
        result.problems.append(Problem(loc.line, loc.column, loc.message, blocking))
    result.problems.sort(key=lambda p: (p.line, p.column))
    return result
