"""``passeport demo``: a working service with synthetic data, from a fresh clone, in one command.

The set-up goes through the production code only (``init``, the CSV imports, the deposit
service, the processing task); then the web server and a task worker run as two child
processes until Ctrl-C. ``--sans-serveur`` stops after the set-up, the demo deposit processed
in this very process by the worker's task.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse

from passeport.accounts.services import current_code
from passeport.certifiers.models import Deposit
from passeport.core.management.base import PasseportCommand
from passeport.demo import synthetic, world

HOST = "127.0.0.1"
PROCESSING_WAIT = 300  # seconds to wait for the worker to process the demo deposit
STOP_WAIT = 10  # seconds a child gets to stop cleanly before it is killed


class Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: stop the children, then leave."""


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _program() -> str:
    """The command as it was called (``.venv/bin/passeport`` under ``make demo``) and the
    var folder when it is not the default, so that the printed commands work as they are."""
    argv0 = Path(sys.argv[0])
    program = _relative(argv0.absolute()) if argv0.name == "passeport" else "passeport"
    if "PASSEPORT_VAR_DIR" in os.environ:
        program = f"PASSEPORT_VAR_DIR={settings.VAR_DIR} {program}"
    return program


class Command(PasseportCommand):
    help = (
        "Démonstration avec des données fictives : base, référentiels, organisations, "
        "répertoire d'identité, un flux déposé et traité, des comptes ; puis lance le serveur "
        "web et un travailleur jusqu'à Ctrl-C. Jamais en production."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--sans-serveur",
            action="store_true",
            help="tout préparer (dépôt traité dans ce processus) sans lancer le service",
        )
        parser.add_argument("--port", type=int, default=8000, help="port du serveur web (8000)")
        parser.add_argument(
            "--personnes", type=int, default=2000, help="taille du répertoire d'identité (2000)"
        )
        parser.add_argument(
            "--passages", type=int, default=200, help="passages valides du flux déposé (200)"
        )
        parser.add_argument(
            "--graine",
            type=int,
            default=synthetic.DEFAULT_SEED,
            help=f"graine des données fictives ({synthetic.DEFAULT_SEED})",
        )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "La démonstration crée des comptes aux mots de passe connus : elle est refusée "
                "en production (PASSEPORT_ENV=production)."
            )
        if options["personnes"] < 10:
            raise CommandError("--personnes : 10 au moins.")
        if not 1 <= options["passages"] <= 100_000:
            raise CommandError("--passages : de 1 à 100 000.")
        serve = not options["sans_serveur"]
        port = options["port"]
        if serve:
            self._check_port(port)
        try:
            call_command("init", stdout=self.stdout, stderr=self.stderr)
            demo = world.build(
                Path(settings.VAR_DIR) / "demo",
                people=options["personnes"],
                passages=options["passages"],
                seed=options["graine"],
                process_now=not serve,
                say=self.stdout.write,
            )
        except world.DemoError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt as exc:  # what is done stays done: a new run goes on from it
            raise CommandError("Préparation de la démonstration interrompue.") from exc
        if serve:
            self._serve(demo, port)
        else:
            self.stdout.write(self._summary(demo, f"http://{HOST}:{port}", serving=False))

    # -- the service ----------------------------------------------------------------------

    def _check_port(self, port: int) -> None:
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError as exc:
                raise CommandError(
                    f"Le port {port} est déjà pris ({exc.strerror}) : choisissez-en un autre "
                    "avec --port."
                ) from exc

    def _serve(self, demo: world.DemoWorld, port: int) -> None:
        base = f"http://{HOST}:{port}"
        connections.close_all()  # the children open their own

        def stop(signum, frame):
            raise Stop

        # SIGINT too: a shell starting us in the background has it ignored, not raised.
        stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {sig: signal.signal(sig, stop) for sig in stopping}
        children: dict[str, subprocess.Popen] = {}
        # Own process groups: Ctrl-C reaches this process only, which stops them in order.
        command = [sys.executable, "-m", "passeport"]
        try:
            children["serveur web"] = subprocess.Popen(
                [*command, "runserver", f"{HOST}:{port}", "--noreload"], process_group=0
            )
            children["travailleur"] = subprocess.Popen([*command, "worker"], process_group=0)
            self._wait_ready(base, children)
            self._wait_processed(demo, children)
            self.stdout.write(self._summary(demo, base, serving=True))
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        raise CommandError(
                            f"Le {name} s'est arrêté (code {child.returncode}) : démonstration "
                            "interrompue."
                        )
                time.sleep(0.5)
        except Stop:
            self.stdout.write("\nArrêt de la démonstration…")
        finally:
            self._stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Serveur web et travailleur arrêtés.")

    def _check_alive(self, children: dict[str, subprocess.Popen]) -> None:
        for name, child in children.items():
            if child.poll() is not None:
                raise CommandError(f"Le {name} n'a pas démarré (code {child.returncode}).")

    def _wait_ready(self, base: str, children: dict[str, subprocess.Popen]) -> None:
        """Until the web server answers, so that the printed URLs work when they appear."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self._check_alive(children)
            try:
                with urllib.request.urlopen(base + "/", timeout=2):  # noqa: S310 (our server)
                    return
            except urllib.error.HTTPError:
                return  # it answers, even if with an error page
            except OSError:
                time.sleep(0.3)
        raise CommandError(f"Le serveur web ne répond pas sur {base} après 60 s.")

    def _wait_processed(self, demo: world.DemoWorld, children: dict[str, subprocess.Popen]) -> None:
        """Until the worker has processed the demo deposit, so that the summary tells how."""
        deposit = demo.deposit
        if not deposit.is_final:
            self.stdout.write(f"Le travailleur traite le dépôt n° {deposit.pk}…")
        deadline = time.monotonic() + PROCESSING_WAIT
        while not deposit.is_final and time.monotonic() < deadline:
            self._check_alive(children)
            time.sleep(0.5)
            deposit = Deposit.objects.get(pk=deposit.pk)
        connections.close_all()
        demo.deposit = deposit

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for name, child in children.items():
            try:
                child.wait(STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.stderr.write(f"Le {name} ne s'arrête pas : arrêt forcé.")
                child.kill()
                child.wait()

    # -- what to open -----------------------------------------------------------------------

    def _summary(self, demo: world.DemoWorld, base: str, serving: bool) -> str:
        d, staff, prog = demo.deposit, demo.staff, _program()
        now = current_code(staff.device)
        if "comptes" in get_commands():
            code = f"{prog} comptes code-totp {world.STAFF_USERNAME} (à cet instant : {now})"
        else:
            code = f"{now} (à cet instant ; il change toutes les 30 s)"
        spare = _relative(demo.spare_path)
        bearer = f"curl -H 'Authorization: Bearer {demo.token}'"
        deposit_url = base + reverse("api:depot", kwargs={"id": d.pk})
        opening = (
            "À ouvrir :"
            if serving
            else f"Service non lancé (--sans-serveur) : « {prog} demo » le lance, puis :"
        )
        lines = [
            "",
            "═" * 78,
            "Démonstration Passeport — données fictives, mots de passe de démonstration",
            "═" * 78,
            f"Répertoire d'identité : {demo.register_size} personnes fictives "
            f"({_relative(demo.folder / 'registre.csv')}).",
            f"Certificateur : {demo.certifier}, SIRET {demo.certifier.siret}, habilité "
            f"pour {', '.join(demo.codes)}.",
            f"Tiers de confiance : {demo.depositor}, contrat {synthetic.CONTRACT_ID}.",
            f"Dépôt n° {d.pk} ({d.file_name}{', réutilisé' if demo.deposit_reused else ''}) : "
            f"{d.get_status_display()}, {d.passages_ok} passages OK, {d.passages_ko} KO.",
            "  KO exprès : " + " ; ".join(synthetic.KO_CASES.values()) + ".",
            "",
            opening,
            f"  Mon passeport (titulaires) : {base}{reverse('www:titulaire-connexion')}",
            f"    FranceConnect+ de démonstration : choisir par exemple « {_demo_person()} », "
            "qui a une certification du dépôt",
            f"  Portail des certificateurs : {base}{reverse('www:connexion')}",
            f"  Administration             : {base}{reverse('admin:index')}",
            f"  API (documentation)        : {base}{reverse('api:openapi-view')}",
            "",
            f"Agent du tiers de confiance (portail) : {world.STAFF_USERNAME} / "
            f"{world.STAFF_PASSWORD}",
            f"  Secret TOTP (base32) : {staff.secret_base32}",
            f"  URI otpauth          : {staff.otpauth_uri}",
            f"  Code TOTP            : {code}",
            f"Administrateur (/admin/) : {world.ADMIN_USERNAME} / {world.ADMIN_PASSWORD}",
            f"  Secret TOTP (base32) : {demo.admin.secret_base32}",
            f"  Code TOTP            : {prog} comptes code-totp {world.ADMIN_USERNAME} "
            f"(à cet instant : {current_code(demo.admin.device)})",
            "",
            f"Jeton d'API du tiers de confiance : {demo.token}",
            f"  {bearer} {deposit_url}",
            f"  {bearer} -F fichier=@{spare} {base}{reverse('api:depots')}",
            "",
            "En ligne de commande :",
            f"  {prog} valider {spare}",
            f"  {prog} deposer {spare} --attendre --accuse accuse.xml",
            f"  {prog} titulaire exporter --nir {demo.example.nir} --motif 'démonstration'",
            f"{spare} : {world.SPARE_PASSAGES} passages neufs, acceptés une fois par le canal "
            "de votre choix (portail, API ou commande) ; chaque lancement en écrit un autre.",
            "",
            f"CV et attestation scellés de démonstration : "
            f"{_relative(demo.cv_path) if demo.cv_path else '—'}, "
            f"{_relative(demo.folder / 'attestation-demo.pdf')}"
            f" (racine de la PKI de démonstration : {_relative(demo.folder / 'racine-demo.pem')})",
            f"  {prog} verifier {_relative(demo.cv_path) if demo.cv_path else '…'}  "
            f"ou {base}{reverse('www:verification')}",
            "",
            "Guide : docs/demo.md." + (" Arrêt : Ctrl-C." if serving else ""),
            "",
        ]
        return "\n".join(lines)


def _demo_person() -> str:
    """The first person the demo identity provider lists: one with a certification."""
    from passeport.accounts.demo_provider import persons

    first = persons(limit=1)[0]
    return f"{first['given_name']} {first['family_name']}"
