"""Data Integrity proofs with Ed25519: ``eddsa-rdfc-2022`` (our default) and
``eddsa-jcs-2022`` (W3C vc-di-eddsa; docs: ../shared/docs/credentials.md §2).

hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document without its
proof); the signature of hashData, multibase base58btc, is the ``proofValue``. RDFC-1.0
canonicalisation (URDNA2015 in pyld) runs offline (``contexts``) and in "safe mode": a term
no context defines is an error, not a silently dropped property (else a verifier would
accept a credential carrying unsigned extra claims). Verification fails closed: unknown
cryptosuite, context, key or purpose → invalid, with the reason.

No Django request here; used by the CV/attestation issuance and by verification.
"""

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

from passeport.documents import contexts, multikey

RDFC, JCS = "eddsa-rdfc-2022", "eddsa-jcs-2022"


class ProofError(Exception):
    """Why a document cannot be signed or a proof not checked."""


@dataclass
class Verification:
    verified: bool
    proofs: list[dict] = field(default_factory=list)  # one {"cryptosuite", "ok", "reason"} each

    @property
    def reasons(self) -> list[str]:
        checked = [p for p in self.proofs if p["checked"]]
        failed = [p["reason"] for p in checked if not p["ok"]]
        return failed or ([] if checked else [p["reason"] for p in self.proofs])


def sign(
    document: dict,
    key: Ed25519PrivateKey,
    *,
    cryptosuite: str = RDFC,
    verification_method: str | None = None,
    created: str | None = None,
    purpose: str = "assertionMethod",
    extra: dict | None = None,
) -> dict:
    """``document`` with one more proof (added to those it may already carry: a set)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": cryptosuite,
        "created": created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method or multikey.did_key_method(key.public_key()),
        "proofPurpose": purpose,
        **(extra or {}),
    }
    signature = key.sign(_hash_data(unsecured, options))
    proof = {**options, "proofValue": multikey.multibase_encode(signature)}
    existing = document.get("proof")
    proofs = [] if existing is None else existing if isinstance(existing, list) else [existing]
    return {**unsecured, "proof": proof if not proofs else [*proofs, proof]}


def verify(document: dict, purpose: str = "assertionMethod") -> Verification:
    """Every proof of ``document`` (a set: each alone; a chain: with those it names)."""
    if not isinstance(document, dict) or "proof" not in document:
        return Verification(
            False, [{"cryptosuite": None, "ok": False, "checked": False, "reason": "aucune preuve"}]
        )
    raw = document["proof"]
    proofs = raw if isinstance(raw, list) else [raw]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    results = []
    for proof in proofs:
        suite = proof.get("cryptosuite") if isinstance(proof, dict) else None
        if not _ours(proof):
            reason = f"preuve non vérifiable ici ({_kind(proof)}) : elle n'apporte aucune garantie"
            results.append({"cryptosuite": suite, "ok": False, "checked": False, "reason": reason})
            continue
        try:
            _verify_one(unsecured, proof, proofs, purpose)
            results.append({"cryptosuite": suite, "ok": True, "checked": True, "reason": ""})
        except ProofError as exc:
            results.append({"cryptosuite": suite, "ok": False, "checked": True, "reason": str(exc)})
    # Verified: some proof we can check holds, and none we can check fails. A proof of a
    # kind we do not implement (beside ours, in a proof set) adds nothing and takes nothing.
    checked = [r for r in results if r["checked"]]
    return Verification(bool(checked) and all(r["ok"] for r in checked), results)


def _ours(proof) -> bool:
    return (
        isinstance(proof, dict)
        and proof.get("type") == "DataIntegrityProof"
        and proof.get("cryptosuite") in (RDFC, JCS)
    )


def _kind(proof) -> str:
    if not isinstance(proof, dict):
        return "mal formée"
    return str(proof.get("cryptosuite") or proof.get("type") or "sans type")


def _verify_one(unsecured: dict, proof, all_proofs: list, purpose: str) -> None:
    if not isinstance(proof, dict):
        raise ProofError("preuve mal formée")
    if proof.get("proofPurpose") != purpose:
        raise ProofError(f"objet de la preuve inattendu : {proof.get('proofPurpose')!r}")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise ProofError("proofValue absente")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    target = dict(unsecured)
    previous = proof.get("previousProof")
    if previous:  # a chain: the proofs this one builds on are part of what it signed
        wanted = [previous] if isinstance(previous, str) else list(previous)
        found = [p for p in all_proofs if isinstance(p, dict) and p.get("id") in wanted]
        if len(found) != len(wanted):
            raise ProofError("preuve précédente introuvable dans le document")
        target["proof"] = found[0] if len(found) == 1 else found
    try:
        key = multikey.resolve_did_key(str(proof.get("verificationMethod", "")))
        signature = multikey.multibase_decode(value)
    except multikey.KeyError_ as exc:
        raise ProofError(str(exc)) from exc
    try:
        key.verify(signature, _hash_data(target, options))
    except InvalidSignature as exc:
        raise ProofError("signature invalide : le document ou la preuve a été modifié") from exc


def _hash_data(unsecured: dict, options: dict) -> bytes:
    suite = options.get("cryptosuite")
    config = copy.deepcopy(options)
    if suite == RDFC:
        if "@context" in config and config["@context"] != unsecured.get("@context"):
            raise ProofError("le contexte de la preuve diffère de celui du document")
        config["@context"] = unsecured.get("@context")
        canonical_config, canonical_doc = rdfc(config), rdfc(unsecured)
    elif suite == JCS:
        if "@context" in unsecured:
            config["@context"] = unsecured["@context"]
        canonical_config, canonical_doc = jcs(config), jcs(unsecured)
    else:
        raise ProofError(f"suite cryptographique non prise en charge : {suite!r}")
    return (
        hashlib.sha256(canonical_config.encode()).digest()
        + hashlib.sha256(canonical_doc.encode()).digest()
    )


# ------------------------------------------------------------------------------------------
# Canonicalisation


def rdfc(document: dict) -> str:
    """RDFC-1.0 N-Quads of a JSON-LD document, offline and in safe mode."""
    options = {"documentLoader": contexts.load}
    try:
        _require_defined_terms(document, options)
        return jsonld.normalize(
            document,
            {**options, "algorithm": "URDNA2015", "format": "application/n-quads"},
        )
    except contexts.UnknownContext as exc:
        raise ProofError(str(exc)) from exc
    except jsonld.JsonLdError as exc:
        cause = exc
        while getattr(cause, "__cause__", None) is not None:
            if isinstance(cause.__cause__, contexts.UnknownContext):
                raise ProofError(str(cause.__cause__)) from exc
            cause = cause.__cause__
        raise ProofError(f"JSON-LD invalide : {exc}") from exc


def _require_defined_terms(document: dict, options: dict) -> None:
    """Safe mode: expansion drops a property no context defines, with its values. So every
    value of the document must still be in its expanded form: count them on both sides."""
    expanded = jsonld.expand(document, options)
    lost = _values(document) - _expanded_values(expanded)
    if lost > 0:
        raise ProofError(
            f"{lost} valeur(s) sous des termes que les contextes ne définissent pas (mode sûr)"
        )


def _values(value) -> int:
    if isinstance(value, dict):
        return sum(_values(v) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(_values(v) for v in value)
    return 0 if value is None else 1


_EXPANDED_LEAVES = ("@value", "@id", "@language", "@direction", "@index")


def _expanded_values(value) -> int:
    if isinstance(value, list):
        return sum(_expanded_values(v) for v in value)
    if not isinstance(value, dict):
        return 0
    count = sum(1 for k in _EXPANDED_LEAVES if k in value)
    kinds = value.get("@type")
    count += len(kinds) if isinstance(kinds, list) else 0  # a node's types
    return count + sum(
        _expanded_values(v) for k, v in value.items() if not k.startswith("@") or k == "@graph"
    )


def jcs(value) -> str:
    """JSON Canonicalization Scheme (RFC 8785)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ProofError("nombre non représentable en JSON")
        return _es6_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(f"{jcs(k)}:{jcs(v)}" for k, v in items) + "}"
    raise ProofError(f"valeur non JSON : {type(value).__name__}")


def _es6_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{'+' if int(exponent) > 0 else '-'}{abs(int(exponent))}"
    return text
