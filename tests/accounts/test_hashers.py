"""Password hashes use the OWASP Argon2id parameters, and hashes made with Django's default
Argon2 parameters still verify and are upgraded on the next login."""
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password
from django.test import override_settings

from dangan.accounts.hashers import OwaspArgon2PasswordHasher
from dangan.platform.settings import base

PASSWORD = "Qw7!archive-Ledger"


def test_production_settings_hash_with_the_owasp_parameters_first():
    assert base.PASSWORD_HASHERS[0] == "dangan.accounts.hashers.OwaspArgon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        encoded = make_password(PASSWORD)
        assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
        assert check_password(PASSWORD, encoded)
        assert not check_password("wrong" + PASSWORD, encoded)


def test_a_hash_with_django_default_parameters_verifies_and_is_upgraded():
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert "m=102400,t=2,p=8" in old
    upgraded = []
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        assert check_password(PASSWORD, old, setter=upgraded.append)
        assert upgraded == [PASSWORD]  # Django re-hashes through the setter with the current parameters
        assert isinstance(identify_hasher(old), OwaspArgon2PasswordHasher)
        assert identify_hasher(old).must_update(old)
        assert not OwaspArgon2PasswordHasher().must_update(make_password(PASSWORD))
