"""OpenAPI description of our bearer credentials (POS device keys, API tokens)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "stores.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A POS device key (rtl_pos_...) or a personal API token (rtl_api_...).",
        }
