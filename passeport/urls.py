from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from passeport.accounts.forms import AdminLoginForm
from passeport.api.urls import api

# Staff log in with password + TOTP code, as on the certifiers' portal.
admin.site.__class__ = OTPAdminSite
admin.site.login_form = AdminLoginForm
admin.site.site_header = "Passeport — administration"
admin.site.site_title = "Passeport"
admin.site.index_title = "Exploitation"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("passeport.www.urls")),
]
if settings.DEMO_IDENTITY_PROVIDER:
    urlpatterns.append(path("fournisseur-demo/", include("passeport.www.demo_provider.urls")))
