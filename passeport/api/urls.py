"""The JSON API, one router per audience. OpenAPI at ``/api/v1/openapi.json``."""

from ninja import NinjaAPI

from passeport.api import errors
from passeport.api.certifiers import router as certifiers_router
from passeport.api.transparency import router as transparency_router

api = NinjaAPI(
    title="Passeport — API",
    version="1",
    description=(
        "API du Passeport d'orientation, de formation et de compétences. Les certificateurs "
        "et leurs tiers de confiance y déposent leurs flux XML et en suivent le traitement "
        "(voir docs/api-certificateurs.md). Le journal de transparence des documents émis est "
        "public (voir docs/preuves-numeriques.md)."
    ),
    urls_namespace="api",
)
errors.install(api)
api.add_router("/", certifiers_router)
api.add_router("/", transparency_router)
