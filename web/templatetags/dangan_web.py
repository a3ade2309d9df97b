"""Template helpers of the web UI. Presentation only: who may do what is the services' rule
(and selectors.customer_actions mirrors it for buttons)."""
from django import template

from dangan.accounts import roles

register = template.Library()

# Badge colour per life-cycle state (site.css .state-*).
STATE_STYLES = {"draft": "draft", "returned": "warn", "submitted": "info", "approved": "info", "filed": "ok",
                "archived": "muted"}


@register.filter
def is_tenant_admin(user) -> bool:
    """Whether to show the settings menu; the settings services refuse others regardless."""
    return roles.is_tenant_admin(user)


@register.filter
def state_style(state: str) -> str:
    return STATE_STYLES.get(state, "muted")


@register.filter
def has(collection, item) -> bool:
    return item in collection


@register.filter
def zip_values(labels, values):
    return list(zip(labels or [], values or []))
