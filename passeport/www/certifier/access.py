"""Who may use the certifiers' portal, and which deposits they may see."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, resolve_url

from passeport.accounts.services import organisation_of
from passeport.certifiers import services
from passeport.certifiers.models import Deposit

View = Callable[..., HttpResponse]


def staff_required(json: bool = False) -> Callable[[View], View]:
    """Password + TOTP verified (django-otp) and member of an organisation.

    Sets ``request.organisation``. A JSON endpoint answers 401 instead of redirecting, so the
    page polling it can tell the person their session has ended.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_verified():
                if json:
                    return JsonResponse(
                        {"erreur": "Votre session a expiré : reconnectez-vous."}, status=401
                    )
                return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
            organisation = organisation_of(request.user)
            if organisation is None:
                raise PermissionDenied("Ce compte n'est rattaché à aucune organisation.")
            request.organisation = organisation
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def own_deposit(
    request: HttpRequest, pk: int, only: tuple[str, ...] = (), select: tuple[str, ...] = ()
) -> Deposit:
    """The deposit if it belongs to the person's organisation; 404 otherwise (never 403,
    which would confirm that another organisation's deposit exists)."""
    qs = services.deposits_of(request.organisation)
    if only:
        qs = qs.only(*only)
    if select:
        qs = qs.select_related(*select)
    return get_object_or_404(qs, pk=pk)
