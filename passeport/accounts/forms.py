"""Login of organisation staff: password and the TOTP code of their device, in one step."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from passeport.accounts.services import organisation_of


class StaffLoginForm(OTPAuthenticationFormMixin, AuthenticationForm):
    """django-otp's two-factor form, with the staff member's only TOTP device chosen for them.

    ``OTPAuthenticationForm`` asks for the device on a second submission; staff have exactly
    one, so the code is checked against it at once (with django-otp's throttling).
    """

    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
        "no_organisation": (
            "Ce compte n'est rattaché à aucune organisation : il ne donne pas accès au portail."
        ),
    }
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Saisissez le code de vérification à 6 chiffres.",
        "invalid_token": (
            "Code de vérification incorrect ou expiré. Saisissez le code affiché à l'instant "
            "par votre application d'authentification."
        ),
        "n_failed_attempts": (
            "Trop d'essais infructueux (%(failure_count)d) : la vérification est suspendue "
            "quelques instants. Réessayez plus tard."
        ),
        "verification_not_allowed": "La vérification du code est momentanément suspendue.",
        "device_required": (
            "Aucun dispositif de double authentification n'est associé à ce compte : "
            "contactez l'opérateur."
        ),
    }

    otp_token = forms.CharField(
        label="Code de vérification",
        help_text="Les 6 chiffres affichés par votre application d'authentification (TOTP).",
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "fr-input",
            }
        ),
    )

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["password"].label = "Mot de passe"
        for name in ("username", "password"):
            self.fields[name].widget.attrs["class"] = "fr-input"

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if organisation_of(user) is None:
            raise ValidationError(self.error_messages["no_organisation"], code="no_organisation")

    def clean(self) -> dict:
        cleaned = super().clean()
        self.clean_otp(self.get_user())
        return cleaned

    def _chosen_device(self, user) -> TOTPDevice | None:
        # Locked like django-otp's own choice (for_verify), so throttling counts every try.
        return (
            TOTPDevice.objects.devices_for_user(user, confirmed=True)
            .select_for_update()
            .order_by("pk")
            .first()
        )


class AdminLoginForm(StaffLoginForm):
    """The operator's staff (``is_staff``) log in to the admin the same way, in one step."""

    error_messages = {
        **StaffLoginForm.error_messages,
        "invalid_login": (
            "Identifiant ou mot de passe incorrect, ou compte sans accès à l'administration."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)
        if not user.is_staff:
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
