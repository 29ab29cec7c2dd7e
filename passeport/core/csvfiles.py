"""Reading the CSV files our import commands take: UTF-8, exact header, numbered rows."""

import csv
from collections.abc import Iterator
from pathlib import Path

from passeport.core.errors import InputError


def _lines(fh) -> Iterator[str]:
    """Decode the binary file line by line, so that a non-UTF-8 byte is reported on the
    physical line where it is (a text-mode file decodes by 8 KiB chunks and would blame
    whatever line was being read when the chunk failed)."""
    for number, raw in enumerate(fh, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("Le fichier n'est pas encodé en UTF-8.", line=number) from exc
        yield text.removeprefix("\ufeff") if number == 1 else text


def rows(path: Path | str, header: list[str], delimiter: str = ",") -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, row)``; refuse a file whose header is not exactly ``header``."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"Impossible de lire le fichier {path} : {exc.strerror}") from exc
    with fh:
        reader = csv.reader(_lines(fh), delimiter=delimiter)
        try:
            first = next(reader, None)
        except csv.Error as exc:
            raise InputError(f"Le fichier CSV est mal formé : {exc}.", line=1) from exc
        if first is None:
            raise InputError("Le fichier est vide.")
        if [c.strip() for c in first] != header:
            raise InputError(
                "En-tête inattendu. L'en-tête doit être exactement : " + delimiter.join(header),
                line=1,
            )
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(
                    f"Le fichier CSV est mal formé : {exc}.", line=reader.line_num
                ) from exc
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield line, {"__error__": f"{len(values)} colonnes au lieu de {len(header)}"}
                continue
            yield line, {k: v.strip() for k, v in zip(header, values, strict=True)}


def batched(iterable, size: int):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
