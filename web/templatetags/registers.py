"""Template helpers of the register pages (借阅登记, 合同领取登记). Presentation only: who may
do what is the services' rule (governance.selectors.loan_actions mirrors it for buttons)."""
from django import template

register = template.Library()


@register.filter
def actions_of(actions: dict, pk) -> set:
    """The buttons of one loan, from the {pk: {actions}} map the view computed."""
    return (actions or {}).get(pk, set())


@register.inclusion_tag("governance/partials/_paper_loans.html", takes_context=True)
def paper_loans(context, customer):
    """On the 360 page: which paper of the file is out now, where it came from, who holds it,
    until when — and the links to the file's registers."""
    from dangan.accounts import roles
    from dangan.governance.selectors import open_paper_loans

    user = context.get("user")
    return {"customer": customer, "loans": list(open_paper_loans(customer=customer)),
            "may_see_pickups": bool(user) and (roles.is_tenant_admin(user)
                                               or roles.has_role(user, roles.CUSTODIAN, roles.AUDITOR))}


@register.filter
def reads_pickups(user) -> bool:
    """Whether to show the pick-up register in the menu; its selectors refuse others regardless."""
    from dangan.accounts import roles
    from dangan.governance.selectors import PICKUP_READERS

    return roles.is_tenant_admin(user) or roles.has_role(user, *PICKUP_READERS)
