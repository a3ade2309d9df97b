"""Password rules whose messages Django 5.2 cannot translate:

- its MinimumLengthValidator asks for a msgid ("… at least %d character.") that its own zh_Hans
  catalog still holds in the older form ("… at least %(min_length)d character."), so the
  set-password page said this one rule in English among Chinese ones. The older msgid is asked
  for here;
- its UserAttributeSimilarityValidator names the attribute by the model field's verbose_name,
  and User's are English source strings: a Chinese page said "密码跟 email 太相似了". Here each
  attribute has a label of its own, and the defaults are User's fields (Django's name
  username/first_name/last_name, which User does not have).

The rules themselves are Django's."""
from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import pgettext_lazy
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}



class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    # In the middle of a sentence ("… too similar to the email."): a context of their own.
    LABELS = {"email": pgettext_lazy("password similarity", "电子邮箱"),
              "full_name": pgettext_lazy("password similarity", "姓名")}
    DEFAULT_USER_ATTRIBUTES = ("email", "full_name")

    def __init__(self, user_attributes=DEFAULT_USER_ATTRIBUTES, max_similarity=0.7):
        super().__init__(user_attributes, max_similarity)

    def validate(self, password, user=None):
        for attribute in self.user_attributes:
            one = password_validation.UserAttributeSimilarityValidator((attribute,), self.max_similarity)
            try:
                one.validate(password, user)
            except ValidationError:
                raise ValidationError(self.get_error_message(), code="password_too_similar",
                                      params={"verbose_name": str(self.LABELS.get(attribute, attribute))}) from None
