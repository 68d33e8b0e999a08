"""The local download of a report file: the signed token in the URL is the authority (it
names one report and is valid for five minutes), so the link works from a mail client or a
plain browser download without the API's session. On S3 the link is a presigned URL and
this view is not used."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core import signing
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from . import reports
from .models import ReportRequest


@require_GET
def download(request: HttpRequest, token: str) -> FileResponse:
    try:
        report = reports.report_for_token(token)
    except (signing.BadSignature, ValueError, ReportRequest.DoesNotExist) as exc:
        raise Http404("This link has expired or is not valid; ask for a new one.") from exc
    storage = reports.reports_storage()
    if not report.file.name or not storage.exists(report.file.name):
        raise Http404("The file has expired.")
    response = FileResponse(
        storage.open(report.file.name, "rb"), as_attachment=True, filename=PurePosixPath(report.file.name).name
    )
    response["Cache-Control"] = "private, no-store"
    return response
