"""Set-password and password-reset tokens that only work in the company that issued them."""
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection


class TenantPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token, salted with the company's schema. Every company has its own users
    table, so user ids repeat across companies; the salt makes a link issued on acme's host
    worthless on any other host, whatever the user id in it."""

    @property
    def key_salt(self) -> str:
        return f"dangan.accounts.tokens.TenantPasswordReset:{connection.schema_name}"


password_token_generator = TenantPasswordResetTokenGenerator()
