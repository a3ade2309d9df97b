"""Password hashing parameters.

Django's Argon2 defaults (100 MiB, 2 passes, 8 lanes) cost ~0.12 s of both cores per hash here
and 100 MiB of RAM per concurrent login: a few parallel logins, or an attacker posting wrong
passwords, exhaust a small server's memory. We use the OWASP Password Storage Cheat Sheet's
recommended Argon2id configuration instead — 19 MiB, 2 passes, 1 lane (~0.02 s). The algorithm
name stays "argon2", so hashes made with other parameters still verify, and Django re-hashes
them with these on the user's next login (`must_update`).
"""
from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
