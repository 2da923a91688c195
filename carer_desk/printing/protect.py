"""Password protection for exported PDFs (AES-256, readable by any PDF reader)."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter

from carer_desk.errors import ValidationError

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8


def protect_pdf(pdf: bytes, password: str) -> bytes:
    """The same PDF, encrypted with AES-256 so it opens only with ``password``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            [("password", f"use a password of at least {MIN_PASSWORD_LENGTH} characters")]
        )
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    logger.debug("encrypted a PDF of %d pages", len(writer.pages))
    return out.getvalue()
