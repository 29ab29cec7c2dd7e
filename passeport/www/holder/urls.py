"""URLs of the holders' space, in the ``www`` namespace."""

from django.urls import path

from passeport.www.holder import cv_views, views

urlpatterns = [
    path("connexion/", views.login_page, name="titulaire-connexion"),
    path("connexion/<slug:provider>/", views.login_start, name="titulaire-connexion-debut"),
    path("connexion-retour/", views.login_return, name="titulaire-retour"),
    path("deconnexion/", views.logout_view, name="titulaire-deconnexion"),
    path("oidc/jwks", views.jwks, name="jwks"),
    path("mon-passeport/", views.my_passport, name="mon-passeport"),
    path("mon-passeport/declarer/", views.declared_new, name="declarer"),
    path(
        "mon-passeport/certifications/<int:pk>/", views.certification_detail, name="certification"
    ),
    path("mon-passeport/declares/<int:pk>/", views.declared_detail, name="declare"),
    path("mon-passeport/declares/<int:pk>/modifier/", views.declared_edit, name="declare-modifier"),
    path(
        "mon-passeport/declares/<int:pk>/supprimer/",
        views.declared_delete,
        name="declare-supprimer",
    ),
    path(
        "mon-passeport/declares/<int:pk>/attestations/",
        views.attestation_add,
        name="attestation-ajouter",
    ),
    path("mon-passeport/attestations/<int:pk>/", views.attestation_download, name="attestation"),
    path(
        "mon-passeport/attestations/<int:pk>/supprimer/",
        views.attestation_delete,
        name="attestation-supprimer",
    ),
    path("mon-passeport/<slug:source>/<int:pk>/masquer/", views.hide, name="masquer"),
    path("bienvenue/", views.welcome, name="bienvenue"),
    path("bienvenue/visite/", views.tour, name="visite"),
    path("mes-cv/", cv_views.cv_list, name="mes-cv"),
    path("mes-cv/nouveau/", cv_views.cv_edit, name="cv-nouveau"),
    path("mes-cv/<int:pk>/", cv_views.cv_edit, name="cv-modifier"),
    path("mes-cv/<int:pk>/emettre/", cv_views.cv_issue, name="cv-emettre"),
    path("mes-cv/documents/<int:pk>.pdf", cv_views.issued_download, name="document-emis"),
    path("mes-cv/documents/<int:pk>/partager/", cv_views.share_create, name="partager"),
    path("mes-cv/liens/<int:pk>/revoquer/", cv_views.share_revoke, name="lien-revoquer"),
    path("mes-cv/documents/<int:pk>/revoquer/", cv_views.issued_revoke, name="document-revoquer"),
    path(
        "mes-cv/documents/<int:pk>/suspendre/", cv_views.issued_suspend, name="document-suspendre"
    ),
    path(
        "mon-passeport/certifications/<int:pk>/attestation/",
        cv_views.attestation_issue,
        name="attestation-certification",
    ),
    path("mon-passeport/certifications/<int:pk>/linkedin/", cv_views.linkedin, name="linkedin"),
    path("mes-donnees/", views.my_data, name="mes-donnees"),
    path("mes-donnees/mon-passeport.json", views.my_data_download, name="mes-donnees-export"),
]
