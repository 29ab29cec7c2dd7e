"""Shared bits of our commands: French errors without traces, import reports."""

from django.core.management.base import BaseCommand, CommandError

from passeport.core.errors import InputError


class PasseportCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except InputError as exc:
            where = f" (ligne {exc.location.line})" if exc.location.line else ""
            raise CommandError(exc.message + where) from exc

    def print_report(self, report, what: str) -> None:
        self.stdout.write(
            f"{what} : {report.created} créé(s), {report.updated} mis à jour, "
            f"{report.unchanged} inchangé(s), {len(report.errors)} ligne(s) en erreur."
        )
        for line, message in report.errors:
            self.stderr.write(f"ligne {line} : {message}")
