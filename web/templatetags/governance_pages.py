"""The governance menu (which of its pages the signed-in person may open), and how an audit
event's action code reads."""
from django import template

from dangan.governance.audit_labels import audit_action_label
from dangan.web.governance_pages.access import pages_for

register = template.Library()


@register.simple_tag
def governance_pages(user) -> list[dict]:
    return pages_for(user)


@register.filter
def audit_action(code: str) -> str:
    return audit_action_label(code)
