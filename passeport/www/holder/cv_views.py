"""« Mes CV »: compose CVs, issue sealed versions, download them (thin: ``documents``)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from passeport.core.downloads import download
from passeport.documents import issuance, sharing
from passeport.documents import linkedin as linkedin_links
from passeport.documents.models import Cv, IssuedDocument, ShareLink
from passeport.records.models import CertificationItem
from passeport.www.holder.forms import CvForm
from passeport.www.holder.views import holder_required


@require_GET
@holder_required
def cv_list(request: HttpRequest) -> HttpResponse:
    holder = request.holder_account.holder
    cvs = Cv.objects.filter(holder=holder)
    issued = IssuedDocument.objects.filter(holder=holder, kind=IssuedDocument.Kind.CV)
    issued = issued.prefetch_related("links")
    by_cv: dict[int, list] = {}
    for document in issued.order_by("-version"):
        by_cv.setdefault(document.cv_id, []).append(document)
    rows = [{"cv": cv, "issued": by_cv.get(cv.pk, [])} for cv in cvs]
    attestations = IssuedDocument.objects.filter(
        holder=holder, kind=IssuedDocument.Kind.ATTESTATION
    ).prefetch_related("links")
    context = {
        "title": _("Mes CV"),
        "rows": rows,
        "attestations": attestations,
        "durations": sharing.DURATIONS,
    }
    return render(request, "www/holder/mes-cv.html", context)


@require_http_methods(["GET", "POST"])
@holder_required
def cv_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    holder = request.holder_account.holder
    cv = get_object_or_404(Cv, holder=holder, pk=pk) if pk else Cv(holder=holder)
    form = CvForm(request.POST or None, instance=cv, entries=issuance.offered_entries(holder))
    if request.method == "POST" and form.is_valid():
        cv = form.save()
        messages.success(
            request, _("Le brouillon « %(title)s » est enregistré.") % {"title": cv.title}
        )
        return redirect("www:mes-cv")
    title = _("Modifier le CV") if pk else _("Nouveau CV")
    status = 400 if form.is_bound else 200
    return render(request, "www/holder/cv.html", {"title": title, "form": form}, status=status)


@require_POST
@holder_required
def cv_issue(request: HttpRequest, pk: int) -> HttpResponse:
    cv = get_object_or_404(Cv, holder=request.holder_account.holder, pk=pk)
    try:
        document = issuance.issue_cv(cv)
    except issuance.IssueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("La version %(version)s de « %(title)s » est émise et scellée.")
            % {"version": document.version, "title": document.title},
        )
    return redirect("www:mes-cv")


def _own_document(request, pk: int) -> IssuedDocument:
    document = IssuedDocument.objects.filter(holder=request.holder_account.holder, pk=pk).first()
    if document is None:
        raise Http404
    return document


@require_GET
@holder_required
def issued_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = _own_document(request, pk)
    file = issuance.storage().open(document.stored_name, "rb")
    name = f"{document.title}.pdf"
    if document.kind == IssuedDocument.Kind.CV:
        name = f"CV - {document.title} - v{document.version}.pdf"
    return download(file, name, "application/pdf", private=True)


@require_POST
@holder_required
def share_create(request: HttpRequest, pk: int) -> HttpResponse:
    document = _own_document(request, pk)
    try:
        days = int(request.POST.get("duree", "30"))
        token = sharing.create(
            document, days, request.POST.get("code", "").strip(), request.POST.get("libelle", "")
        )
    except ValueError:
        messages.error(request, _("Durée de partage non proposée."))
        return redirect("www:mes-cv")
    url = request.build_absolute_uri(reverse("www:partage", args=[token]))
    messages.success(
        request,
        _("Lien de partage créé (à copier maintenant, il ne sera plus affiché) : %(url)s")
        % {"url": url},
    )
    return redirect("www:mes-cv")


@require_POST
@holder_required
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = ShareLink.objects.filter(document__holder=request.holder_account.holder, pk=pk).first()
    if link is None:
        raise Http404
    sharing.revoke(link)
    messages.success(request, _("Le lien de partage est révoqué."))
    return redirect("www:mes-cv")


@require_POST
@holder_required
def issued_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    document = _own_document(request, pk)
    issuance.revoke(document)
    messages.success(
        request,
        _("La version %(version)s de « %(title)s » est révoquée : toute vérification le dira.")
        % {"version": document.version, "title": document.title},
    )
    return redirect("www:mes-cv")


@require_POST
@holder_required
def attestation_issue(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CertificationItem, holder=request.holder_account.holder, pk=pk)
    document = issuance.issue_attestation(item)
    messages.success(request, _("« %(title)s » est émise et scellée.") % {"title": document.title})
    return redirect("www:mes-cv")


@require_POST
@holder_required
def linkedin(request: HttpRequest, pk: int) -> HttpResponse:
    """A sealed attestation and a one-year share link, then LinkedIn's « add to profile »."""
    item = get_object_or_404(CertificationItem, holder=request.holder_account.holder, pk=pk)
    attestation = issuance.issue_attestation(item)
    token = sharing.create(attestation, 365, label="LinkedIn")
    share_url = request.build_absolute_uri(reverse("www:partage", args=[token]))
    context = {
        "title": _("Ajouter à LinkedIn"),
        "item": item,
        "url": linkedin_links.add_to_profile_url(item, attestation, share_url),
        "share_url": share_url,
    }
    return render(request, "www/holder/linkedin.html", context)


@require_POST
@holder_required
def issued_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    document = _own_document(request, pk)
    suspended = request.POST.get("suspendre") == "1"
    issuance.suspend(document, suspended)
    messages.success(
        request,
        _("Le document est suspendu : toute vérification le dira jusqu'à son rétablissement.")
        if suspended
        else _("Le document est rétabli."),
    )
    return redirect("www:mes-cv")
