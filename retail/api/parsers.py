"""Request parsers: DRF's JSON parser, hardened."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's parser turns ``ValueError`` into a 400 but lets ``RecursionError`` through
    as a 500: ``[[[[...]]]]`` nested a few thousand deep is enough. Bad input is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
