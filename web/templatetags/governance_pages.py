"""The governance menu: which of its pages the signed-in person may open."""
from django import template

from dangan.web.governance_pages.access import pages_for

register = template.Library()


@register.simple_tag
def governance_pages(user) -> list[dict]:
    return pages_for(user)
