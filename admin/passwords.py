"""Kept for the callers outside admin/: password hashing lives in negotiation/passwords.py."""

from negotiation.passwords import hash_password, verify_password

__all__ = ["hash_password", "verify_password"]
