"""Import of organisations and contracts from CSV (``passeport organisations|contrats importer``).

Both are idempotent: a known BCR or contract is updated in place, never duplicated.
"""

from pathlib import Path

from django.db import transaction

from passeport.certifiers.models import Contract, Organisation
from passeport.core.csvfiles import rows
from passeport.identity.register import ImportReport

ORG_HEADER = ["bcr", "siret", "raison_sociale", "roles"]
CONTRACT_HEADER = ["id_contrat", "certificateur_bcr", "deposant_bcr"]
ROLES = {"certificateur", "deposant"}


def import_organisations(path: Path | str) -> ImportReport:
    report = ImportReport()
    seen: set[str] = set()
    with transaction.atomic():
        for line, row in rows(path, ORG_HEADER):
            error = row.get("__error__") or _check_org(row)
            if not error and row["bcr"] in seen:
                error = f"le BCR {row['bcr']} figure déjà plus haut dans le fichier"
            if error:
                report.errors.append((line, error))
                continue
            seen.add(row["bcr"])
            roles = set(row["roles"].split("|"))
            values = {
                "siret": row["siret"],
                "name": row["raison_sociale"],
                "is_certifier": "certificateur" in roles,
                "is_depositor": "deposant" in roles,
            }
            org = Organisation.objects.filter(bcr=row["bcr"]).first()
            if org is None:
                Organisation.objects.create(bcr=row["bcr"], **values)
                report.created += 1
            elif any(getattr(org, k) != v for k, v in values.items()):
                Organisation.objects.filter(pk=org.pk).update(**values)
                report.updated += 1
            else:
                report.unchanged += 1
    return report


def _check_org(row: dict) -> str | None:
    if len(row["bcr"]) != 8:
        return f"le BCR « {row['bcr']} » doit compter exactement 8 caractères"
    if row["siret"] and (len(row["siret"]) != 14 or not row["siret"].isdigit()):
        return f"le SIRET « {row['siret']} » doit compter 14 chiffres"
    if not row["raison_sociale"]:
        return "la raison sociale est obligatoire"
    roles = set(row["roles"].split("|"))
    if not roles or not roles <= ROLES:
        return (
            f"rôles « {row['roles']} » inconnus : certificateur, deposant ou certificateur|deposant"
        )
    return None


def import_contracts(path: Path | str) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        orgs = {o.bcr: o for o in Organisation.objects.all()}
        for line, row in rows(path, CONTRACT_HEADER):
            if "__error__" in row:
                report.errors.append((line, row["__error__"]))
                continue
            contract_id = row["id_contrat"]
            if not 1 <= len(contract_id) <= 20:
                report.errors.append((line, "l'idContrat doit compter de 1 à 20 caractères"))
                continue
            certifier = orgs.get(row["certificateur_bcr"])
            depositor = orgs.get(row["deposant_bcr"])
            if certifier is None or depositor is None:
                missing = row["certificateur_bcr"] if certifier is None else row["deposant_bcr"]
                report.errors.append(
                    (line, f"l'organisation {missing} est inconnue : importez-la d'abord")
                )
                continue
            if not certifier.is_certifier or not depositor.is_depositor:
                org, role = (
                    (certifier, "certificateur")
                    if not certifier.is_certifier
                    else (depositor, "déposant")
                )
                report.errors.append((line, f"l'organisation {org.bcr} n'a pas le rôle {role}"))
                continue
            _, created = Contract.objects.get_or_create(
                contract_id=contract_id, certifier=certifier, depositor=depositor
            )
            if created:
                report.created += 1
            else:
                report.unchanged += 1
    return report
