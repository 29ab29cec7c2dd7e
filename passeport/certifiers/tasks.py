"""Background work of the certifiers' channel (Django Tasks, database-backed queue)."""

from django_tasks import task

from passeport.certifiers import processing


@task()
def process_deposit(deposit_id: int) -> str:
    """Process one deposit; run twice or by two workers, it does the work once."""
    return processing.process(deposit_id).status
