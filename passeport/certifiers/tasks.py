"""Background work of the certifiers' channel (Django Tasks, database-backed queue)."""

from django_tasks import task

from passeport.certifiers import processing

SKIPPED = "ignoré : dépôt déjà traité ou en cours de traitement par un autre travailleur"


@task()
def process_deposit(deposit_id: int) -> str:
    """Process one deposit; run twice or by two workers, it does the work once."""
    outcome = processing.process(deposit_id)
    return SKIPPED if outcome.skipped else outcome.status
