"""Masking of personal numbers for callers who need not see them."""

from __future__ import annotations


def mask_id_number(number: str | None) -> str | None:
    """``420102199001011234`` -> ``420***********1234``: region prefix and last four kept."""
    if not number:
        return number
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``; other numbers keep their first 3 and last 4."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
