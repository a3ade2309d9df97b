from django.db import models


class NumberSequence(models.Model):
    """The last number handed out per numbering scope (e.g. "JXS-EAST-2026-").

    Incremented with INSERT … ON CONFLICT DO UPDATE … RETURNING inside the creating transaction:
    concurrent creators in one scope queue on the row, a rolled-back creation rolls back its
    number (gap-free), and values only ever grow (never reused, even after destruction).
    """

    scope = models.CharField(max_length=120, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)
