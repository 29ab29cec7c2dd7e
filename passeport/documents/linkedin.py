"""LinkedIn « Add to profile » for a guaranteed certification (credentials.md §8).

Every value is URL-encoded (names with accents, spaces or « & » would break the link), and
``certUrl`` is the holder's revocable share link of a sealed attestation, never the raw
credential.
"""

import urllib.parse

from passeport.documents.models import IssuedDocument
from passeport.records.models import CertificationItem

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(item: CertificationItem, attestation: IssuedDocument, share_url: str) -> str:
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": item.label or item.code,
        "organizationName": item.certifier_name or item.certifier_bcr,
        "issueYear": str(item.valid_from.year),
        "issueMonth": str(item.valid_from.month),
    }
    if item.valid_until:
        query["expirationYear"] = str(item.valid_until.year)
        query["expirationMonth"] = str(item.valid_until.month)
    query["certUrl"] = share_url
    query["certId"] = attestation.credential_id
    return ADD_TO_PROFILE + "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
