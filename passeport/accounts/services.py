"""Staff accounts of organisations (portal: password + TOTP) and API tokens."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from passeport.accounts.models import ApiToken, Membership
from passeport.certifiers.models import Organisation


@dataclass(frozen=True)
class StaffAccount:
    user: object
    device: TOTPDevice

    @property
    def otpauth_uri(self) -> str:
        return self.device.config_url

    @property
    def secret_base32(self) -> str:
        import base64

        return base64.b32encode(self.device.bin_key).decode()


@transaction.atomic
def create_staff(
    organisation: Organisation, username: str, password: str, email: str = ""
) -> StaffAccount:
    """A portal account for ``organisation`` with a TOTP second factor (idempotent)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(user=user, defaults={"organisation": organisation})
    return StaffAccount(user=user, device=ensure_totp_device(user))


def ensure_totp_device(user) -> TOTPDevice:
    """The user's TOTP second factor, created once (portal and admin both require it)."""
    device = TOTPDevice.objects.filter(user=user, name="principal").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="principal", confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """The TOTP code the device shows now (demo and tests only)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def organisation_of(user) -> Organisation | None:
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.organisation if membership else None


def issue_token(organisation: Organisation, label: str) -> str:
    _, token = ApiToken.issue(organisation, label)
    return token
