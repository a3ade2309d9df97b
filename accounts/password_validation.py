"""Password rules whose messages Django 5.2 cannot translate: its MinimumLengthValidator asks for
a msgid ("… at least %d character.") that its own zh_Hans catalog still holds in the older form
("… at least %(min_length)d character."), so the set-password page said this one rule in English
among Chinese ones. The older msgid is asked for here; the rule itself is Django's."""
from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

