"""The owner's settings: every page where an owner sets up their shops, grouped as an owner thinks of them.

The pages themselves are the desk's (team, approvals, reports) or the shop-scoped admin's, in
Postsale's look; this page is the one place to start from instead of the admin's model index.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .approvals import owner_only
from .common import desk_access


def _admin(label: str) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_changelist")


GROUPS = (
    (
        _("People"),
        (
            ("desk:team", _("Team"), _("Add agents to your shops, set what each may give back, take them off.")),
            ("desk:approvals", _("Approvals"), _("Refunds and exchanges above an agent's limit, waiting for you.")),
            ("desk:reports", _("Reports"), _("How buyers rated the help; what each agent resolved, and how fast.")),
        ),
    ),
    (
        _("Decisions"),
        (
            ("admin:decisions.decisionmatrix", _("Decision matrix"), _(
                "What Postsale recommends for each problem, and what it may do by itself. The first "
                "matching rule wins; a change is a draft you simulate on past cases before it counts."
            )),
            ("admin:returns.returnpolicy", _("Return policy"), _("How long buyers may return, what is excluded, who pays the label.")),
            ("admin:claims.stallthreshold", _("Stalled parcels"), _("After how many days without a scan a parcel counts as stalled.")),
            ("admin:claims.carriercontract", _("Carrier contracts"), _("Liability caps and claim deadlines per carrier.")),
        ),
    ),
    (
        _("What buyers read"),
        (
            ("admin:messaging.emailtemplateoverride", _("E-mail texts"), _("Your own wording of the e-mails buyers get, per language.")),
            ("admin:messaging.cannedreply", _("Canned replies and macros"), _("Ready answers for agents, and what sending them also does.")),
            ("admin:messaging.ownernotificationsetting", _("Your notifications"), _("Which events reach you by e-mail.")),
        ),
    ),
    (
        _("Connections"),
        (
            ("admin:integrations.integration", _("Integrations"), _("Shop systems, payment providers and carriers Postsale talks to.")),
            ("admin:orders.shop", _("Shops"), _("Name, addresses, language, currency and time zone of each shop.")),
        ),
    ),
)  # fmt: skip


def _url(target: str) -> str:
    if target.startswith("admin:"):
        return _admin(target.removeprefix("admin:"))
    return reverse(target)


@login_required
@desk_access
def settings_view(request):
    owner_only(request)
    groups = [
        (title, [{"url": _url(target), "title": name, "about": about} for target, name, about in pages])
        for title, pages in GROUPS
    ]
    return render(request, "desk/settings.html", {"groups": groups})
