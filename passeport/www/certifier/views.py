"""The certifiers' portal: staff of an organisation deposit files and read the answers.

Views stay thin: they check who asks, call ``passeport.certifiers.services``, and render.
Every deposit is looked up within the person's organisation (404 otherwise).
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.formats import number_format
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from passeport.accounts.forms import StaffLoginForm
from passeport.certifiers import services
from passeport.certifiers.models import Channel, Deposit, DepositStatus
from passeport.certifiers.processing import progress_key
from passeport.core import progress
from passeport.core.downloads import xml_download
from passeport.core.errors import InputError
from passeport.www.certifier.access import own_deposit, staff_required
from passeport.www.certifier.forms import DepositForm
from passeport.www.certifier.uploads import SizeLimitHandler

DEPOSITS_PER_PAGE = 20
LINES_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    """Password and TOTP code in one form (django-otp); a verified session skips it."""

    template_name = "www/certifier/connexion.html"
    authentication_form = StaffLoginForm
    extra_context = {"title": "Connexion"}

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Not ``redirect_authenticated_user``: a password-only session (admin) must still be
        # able to log in here with its second factor, and must not loop.
        if request.user.is_verified():
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("www:accueil")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "Vous êtes déconnecté·e du portail des certificateurs.")
        return response


def _page(request: HttpRequest, qs: QuerySet, param: str, per_page: int) -> Page:
    return Paginator(qs, per_page).get_page(request.GET.get(param))


@require_GET
@staff_required()
def portal(request: HttpRequest) -> HttpResponse:
    return redirect("www:depots")


@require_GET
@staff_required()
def deposit_list(request: HttpRequest) -> HttpResponse:
    deposits = services.deposits_of(request.organisation).defer("file_errors")
    page = _page(request, deposits, "page", DEPOSITS_PER_PAGE)
    return render(
        request,
        "www/certifier/depots.html",
        {
            "title": "Mes dépôts",
            "organisation": request.organisation,
            "page": page,
            "breadcrumb_data": {"current": "Mes dépôts"},
        },
    )


@csrf_exempt  # the upload handler must be in place before the CSRF check reads the body
@require_http_methods(["GET", "POST"])
@staff_required()
def deposit_new(request: HttpRequest) -> HttpResponse:
    limiter = None
    if request.method == "POST":
        limiter = SizeLimitHandler(services.max_bytes(), request)
        request.upload_handlers.insert(0, limiter)
    return _deposit_new(request, limiter)


@csrf_protect
def _deposit_new(request: HttpRequest, limiter: SizeLimitHandler | None) -> HttpResponse:
    if request.method == "POST":
        files = request.FILES  # reading the body runs the upload handlers, limiter first
        form = DepositForm(request.POST, files, too_large=bool(limiter and limiter.too_large))
        if form.is_valid():
            uploaded = form.cleaned_data["fichier"]
            try:
                receipt = services.receive(
                    uploaded,
                    uploaded.name,
                    Channel.PORTAL,
                    request.organisation,
                    uploaded_by=request.user,
                )
            except InputError as exc:
                form.add_error("fichier", exc.message)
            else:
                deposit = receipt.deposit
                messages.success(
                    request,
                    f"Fichier « {deposit.file_name} » reçu : dépôt n° {deposit.pk}. "
                    "Son accusé de réception est disponible ci-dessous ; le traitement suit.",
                )
                return redirect("www:depot", pk=deposit.pk)
    else:
        form = DepositForm()
    return render(
        request,
        "www/certifier/deposer.html",
        {
            "title": "Déposer un fichier",
            "form": form,
            "organisation": request.organisation,
            "breadcrumb_data": {
                "links": [{"url": reverse_lazy("www:depots"), "title": "Mes dépôts"}],
                "current": "Déposer un fichier",
            },
        },
    )


@require_GET
@staff_required()
def deposit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = own_deposit(request, pk, select=("uploaded_by",))
    ko = _page(request, deposit.results.order_by("index"), "ko", LINES_PER_PAGE)
    warnings = _page(request, deposit.warnings.all(), "avertissements", LINES_PER_PAGE)
    return render(
        request,
        "www/certifier/depot.html",
        {
            "title": f"Dépôt n° {deposit.pk}",
            "deposit": deposit,
            "ko_page": ko,
            "warnings_page": warnings,
            "progress": None if deposit.is_final else progress_payload(deposit),
            "breadcrumb_data": {
                "links": [{"url": reverse_lazy("www:depots"), "title": "Mes dépôts"}],
                "current": f"Dépôt n° {deposit.pk}",
            },
        },
    )


def progress_payload(deposit: Deposit) -> dict:
    """Status and progress of a deposit, with the sentence the page announces."""
    current = None if deposit.is_final else progress.read(progress_key(deposit.pk))
    if deposit.is_final:
        message = f"Traitement terminé : {deposit.get_status_display()}."
    elif deposit.status == DepositStatus.RECEIVED:
        message = "Fichier reçu, en attente de traitement."
    elif current and current.get("phase") == "traitement":
        done = number_format(current.get("passages", 0), force_grouping=True)
        message = (
            f"Traitement en cours : {current.get('percent', 0)} % du fichier lu, "
            f"{done} passage(s) traité(s)."
        )
    else:
        message = "Traitement en cours : lecture du fichier."
    return {
        "id": deposit.pk,
        "status": deposit.status,
        "status_label": deposit.get_status_display(),
        "final": deposit.is_final,
        "progress": current,
        "message": message,
    }


@never_cache
@require_GET
@staff_required(json=True)
def deposit_progress(request: HttpRequest, pk: int) -> JsonResponse:
    deposit = own_deposit(request, pk, only=("status",))
    return JsonResponse(progress_payload(deposit))


@require_GET
@staff_required()
def reception_download(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = own_deposit(request, pk)
    return xml_download(services.reception_xml(deposit), services.reception_file_name(deposit))


@require_GET
@staff_required()
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = own_deposit(request, pk, only=("report_name", "report_file_name"))
    report = services.open_report(deposit)
    if report is None:
        raise Http404("L'accusé de traitement n'est pas encore disponible.")
    return xml_download(report, deposit.report_file_name)
