"""DRF authentication for bearer credentials.

Why our own opaque tokens rather than DRF's authtoken or JWT: authtoken stores the key in
clear; JWTs cannot be revoked before they expire without a deny-list, and a lost till
must be cut off at once. Ours are hashed at rest, revocable immediately, and looked up by
an indexed prefix.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from .access import DevicePrincipal
from .credentials import verify
from .models import PosDevice


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <key>'.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid key.") from exc
        credential = verify(key)
        if credential is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked key.")
        if isinstance(credential, PosDevice):
            request._request.device_id = credential.prefix
            return DevicePrincipal(credential), credential
        if not credential.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive.")
        return credential.user, credential

    def authenticate_header(self, request) -> str:
        return self.keyword
