"""The JSON API, one router per audience."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Passeport — API",
    version="1",
    description="API du Passeport d'orientation, de formation et de compétences.",
    urls_namespace="api",
)
