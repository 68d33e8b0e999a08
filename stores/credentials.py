"""Issue, verify and revoke bearer credentials (POS devices and personal API tokens).

A key looks like ``rtl_pos_<prefix>_<secret>``: the prefix finds the row with one indexed
lookup and is safe to show and log; only the SHA-256 of the whole key is stored, so the
key itself is shown once, at creation, and never again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import audit
from .models import ApiToken, PosDevice, Store

_KINDS = {"pos": PosDevice, "api": ApiToken}
LAST_USED_RESOLUTION_SECONDS = 60


@dataclass(frozen=True)
class Issued:
    credential: PosDevice | ApiToken
    key: str  # shown once


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key(kind: str) -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"rtl_{kind}_{prefix}_{secrets.token_urlsafe(32)}"


@transaction.atomic
def issue_device(*, store: Store, name: str, created_by=None) -> Issued:
    prefix, key = _new_key("pos")
    device = PosDevice.objects.create(
        store=store, name=name, prefix=prefix, key_hash=hash_key(key), created_by=created_by
    )
    audit.record(actor=created_by, action="device.create", obj=device, store=store, after={"name": name})
    return Issued(device, key)


@transaction.atomic
def issue_api_token(*, user, name: str, expires_at=None) -> Issued:
    prefix, key = _new_key("api")
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=hash_key(key), created_by=user, expires_at=expires_at
    )
    return Issued(token, key)


def verify(key: str) -> PosDevice | ApiToken | None:
    """The active credential for ``key``, or None. Constant-time comparison of hashes."""
    parts = key.split("_")
    if len(parts) < 4 or parts[0] != "rtl" or parts[1] not in _KINDS:
        return None
    model = _KINDS[parts[1]]
    related = "store" if model is PosDevice else "user"
    credential = model.objects.usable().select_related(related).filter(prefix=parts[2]).first()
    if credential is None or not hmac.compare_digest(credential.key_hash, hash_key(key)):
        return None
    now = timezone.now()
    if (
        credential.last_used_at is None
        or (now - credential.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        # Coarse on purpose: one write a minute per credential, not one per request.
        model.objects.filter(pk=credential.pk).update(last_used_at=now)
        credential.last_used_at = now
    return credential


@transaction.atomic
def revoke(credential: PosDevice | ApiToken, *, actor=None) -> None:
    changed = (
        type(credential).objects.filter(pk=credential.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )
    credential.refresh_from_db(fields=["revoked_at"])
    if changed:
        audit.record(
            actor=actor,
            action="credential.revoke",
            obj=credential,
            store=getattr(credential, "store", None),
            after={"revoked_at": credential.revoked_at.isoformat()},
        )
