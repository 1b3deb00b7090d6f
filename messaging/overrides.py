"""Owners' own e-mail texts: which variables each e-mail offers, and what an override may contain.

An override is plain text with Django template variables and a few tags
({% if %}, {% for %}, {% with %}, {% comment %}); the HTML part is made from
that text, so an owner never writes (or breaks) HTML. A text that would not
render as the owner expects is refused on save with the line and the name:
a syntax error, an unknown variable (it would silently print nothing, "in
einer -Filiale"), a tag we do not offer, or HTML markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.template import Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, TokenType, VariableNode
from django.template.defaulttags import CommentNode, ForNode, IfNode, TemplateLiteral, WithNode
from django.template.loader_tags import BlockNode, ExtendsNode, IncludeNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The owner's texts are parsed and rendered by an engine of their own: builtin tags and filters
# only (no {% load %} of the project's libraries), and debug on so a syntax error knows its line.
OVERRIDE_ENGINE = Engine(debug=True, autoescape=False)

ALLOWED_NODES = (TextNode, VariableNode, IfNode, ForNode, WithNode, CommentNode)

# Every variable an e-mail may name, as the owner reads it next to the editor.
DESCRIPTIONS = {
    "greeting": _(
        "The greeting line in the buyer's language and the shop's style, e.g. “Guten Tag Frau Hofmann,”"
    ),
    "shop_name": _("Your shop's name"),
    "support_email": _("Your support e-mail address"),
    "support_phone": _("Your support phone number"),
    "support_url": _("Your support page"),
    "case_reference": _("The case number, e.g. C-2026-000123"),
    "case_subject": _("The case's subject"),
    "buyer_name": _("The buyer's full name"),
    "buyer_first_name": _("The buyer's first name, when known"),
    "buyer_last_name": _("The buyer's last name, when known"),
    "order_number": _("The order number"),
    "order_link": _("A link that opens this order in the buyer portal"),
    "portal_url": _("The buyer portal"),
    "carrier_name": _("The carrier of the parcel, e.g. DHL"),
    "tracking_number": _("The parcel's tracking number"),
    "tracking_link": _("The carrier's tracking page for the parcel"),
    "delivered_at": _("When the carrier says the parcel was delivered"),
    "delivery_place": _("Where the carrier says it left the parcel"),
    "signed_by": _("Who signed for the parcel"),
    "refund_amount": _("The refund, written as money in the buyer's language (59,20 €)"),
    "refund_expected": _("When the refund should reach the buyer"),
    "refund_method": _("How the money goes back"),
    "refund_method_code": _("original_payment or store_credit"),
    "refund_credit_code": _("The voucher code of a store credit"),
    "amount": _("The amount, written as money in the reader's language"),
    "reason": _("The reason given to the buyer"),
    "with_return_label": _("Whether a return label comes with the replacement"),
    "carrier_claim_reference": _("The carrier's reference for our claim"),
    "claim_deadline": _("The last day to file the carrier claim"),
    "attachment_names": _("The names of the attached files"),
    "qr_code_url": _("The link to the return's QR code"),
    "label_kind": _("carrier_qr, carrier or own: which return label the buyer got"),
    "method": _("How the return travels: drop_off or pickup"),
    "rma": _("The return number"),
    "return_deadline": _("The last day to send the return"),
    "pickup_date": _("The day the carrier collects the return"),
    "pickup_from": _("Start of the pickup window"),
    "pickup_until": _("End of the pickup window"),
    "pickup_confirmation": _("The carrier's pickup confirmation"),
    "items": _("The returned items (each with title, received, accepted, note)"),
    "all_accepted": _("Whether every returned item was accepted"),
    "outcome": _("refund or exchange"),
    "keep_item": _("Whether the buyer keeps the items and is refunded straight away"),
    "feedback_links": _("The rating links (each with rating, stars, url)"),
    "body": _("The agent's message"),
    "agent_name": _("The agent's name"),
    "agent_signature": _("The agent's signature for your shop, if they wrote one"),
    "buyer_message": _("The message the agent wrote to the buyer for this action (empty: the standard text)"),
    "invoice_reduced": _("By how much an unpaid invoice was reduced, as money (empty when nothing was)"),
    "invoice_left": _("What the buyer still has to pay on a reduced invoice, as money"),
    "invoice_cancelled": _("Whether the unpaid invoice was cancelled altogether"),
    "subject": _("The subject the agent gave"),
    "photos_link": _("The link where the buyer uploads photos"),
    "deadline": _("The date by which we need an answer"),
    "deadline_word": _("That date in words"),
    "passed": _("Whether that date has passed"),
    "due_today": _("Whether that date is today"),
    "not_yet_shipped": _("Whether the exchange is not yet shipped"),
    "respond_by": _("When the case must be answered"),
    "desk_url": _("The case in the desk (owners' e-mails)"),
    "provider": _("The payment provider of a dispute"),
    "limit": _("The agent's refund limit, as money"),
    "action": _("The action that waits for approval"),
    "currency": _("The currency code, e.g. EUR"),
    "refund_currency": _("The refund's currency code"),
    "recipient_name": _("The recipient's name as the e-mail is addressed"),
    "pickup_point": _("The pickup point's name and address"),
    "pickup_last_day": _("The last day the parcel waits at the pickup point"),
    "estimated_delivery": _("The day the carrier expects to deliver"),
    "status_label": _("The parcel's status in the buyer's language"),
}

# In every e-mail, whatever it is about.
COMMON = (
    "greeting",
    "shop_name",
    "support_email",
    "support_phone",
    "support_url",
    "case_reference",
    "buyer_name",
    "buyer_first_name",
    "buyer_last_name",
    "order_number",
    "order_link",
    "portal_url",
    "carrier_name",
    "tracking_number",
    "tracking_link",
)
# Variables of the template language itself, not of our context.
BUILTIN = {"forloop", "True", "False", "None"}
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return gettext("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


def _roots(expression: FilterExpression) -> list[str]:
    """The context names an expression reads: its variable and its filters' arguments."""
    found = []
    var = expression.var
    if getattr(var, "lookups", None):
        found.append(var.lookups[0])
    for _func, args in expression.filters:
        for is_lookup, arg in args:
            if is_lookup and getattr(arg, "lookups", None):
                found.append(arg.lookups[0])
    return found


def _condition_roots(condition) -> list[str]:
    if condition is None:
        return []
    if isinstance(condition, TemplateLiteral):
        return _roots(condition.value)
    return _condition_roots(getattr(condition, "first", None)) + _condition_roots(
        getattr(condition, "second", None)
    )


def _line(node: Node) -> int:
    token = getattr(node, "token", None)
    return getattr(token, "lineno", 0) or 0


def _walk(nodes, local: frozenset, allow_all: bool):
    """Yield (line, name used, None) or (line, None, tag refused) for every node, depth first."""
    for node in nodes:
        line = _line(node)
        if not allow_all and not isinstance(node, ALLOWED_NODES):
            yield line, None, (getattr(node, "token", None) and node.token.contents.split()[0]) or "?"
            continue
        if isinstance(node, VariableNode):
            yield from ((line, name, None) for name in _roots(node.filter_expression) if name not in local)
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                yield from ((line, n, None) for n in _condition_roots(condition) if n not in local)
                yield from _walk(nodelist, local, allow_all)
        elif isinstance(node, ForNode):
            yield from ((line, n, None) for n in _roots(node.sequence) if n not in local)
            inner = local | set(node.loopvars) | {"forloop"}
            yield from _walk(node.nodelist_loop, frozenset(inner), allow_all)
            yield from _walk(node.nodelist_empty, local, allow_all)
        elif isinstance(node, WithNode):
            for value in node.extra_context.values():
                yield from ((line, n, None) for n in _roots(value) if n not in local)
            yield from _walk(node.nodelist, frozenset(local | set(node.extra_context)), allow_all)
        elif isinstance(node, BlockTranslateNode):
            for value in node.extra_context.values():
                yield from ((line, n, None) for n in _roots(value) if n not in local)
            own = set(node.extra_context)
            for token in [*node.singular, *(node.plural or [])]:
                if token.token_type == TokenType.VAR and token.contents not in own | local:
                    yield line, token.contents, None
        elif isinstance(node, TranslateNode):
            continue
        elif isinstance(node, ExtendsNode | BlockNode):
            yield from _walk(node.nodelist, local, allow_all)
        elif isinstance(node, IncludeNode):
            continue
        else:
            for attr in getattr(node, "child_nodelists", ()):
                yield from _walk(getattr(node, attr, None) or [], local, allow_all)


def _translate_as_names(source: str) -> set[str]:
    return set(re.findall(r"\{%\s*translate\s+\"[^\"]*\"\s+as\s+(\w+)\s*%\}", source))


@cache
def event_variables(event: str) -> tuple[str, ...]:
    """The variables an e-mail offers: the common ones and those its own default text uses."""
    from django.template import engines

    engine = engines["django"].engine
    names = list(COMMON)
    for suffix in ("subject.txt", "txt"):
        name = f"emails/{event}.{suffix}"
        source = engine.find_template(name)[0].source
        template = engine.from_string(source)
        own = _translate_as_names(source)
        for _line_no, used, _tag in _walk(template.nodelist, frozenset(own), allow_all=True):
            if used and used not in names and used not in BUILTIN:
                names.append(used)
    return tuple(names)


def documented_variables(event: str) -> list[tuple[str, str]]:
    return [(name, str(DESCRIPTIONS.get(name, ""))) for name in event_variables(event)]


def problems(source: str, *, event: str) -> list[Problem]:
    """What is wrong with an owner's text, each with its line; empty when it will render as written."""
    found = []
    for number, text in enumerate(source.splitlines(), start=1):
        match = HTML_TAG.search(text)
        if match:
            found.append(
                Problem(
                    number,
                    gettext(
                        "“%(tag)s” is HTML. Write plain text: the HTML part of the e-mail is made from it."
                    )
                    % {"tag": match.group(0)},
                )
            )
    try:
        template = OVERRIDE_ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        return [*found, Problem(debug.get("line", 0), str(exc.args[0] if exc.args else exc))]
    known = set(event_variables(event)) | BUILTIN
    for line, used, tag in _walk(template.nodelist, frozenset(), allow_all=False):
        if tag:
            found.append(
                Problem(
                    line, gettext("The tag {%% %(tag)s %%} cannot be used in an e-mail text.") % {"tag": tag}
                )
            )
        elif used not in known:
            found.append(
                Problem(
                    line,
                    gettext("“%(name)s” is not a variable of this e-mail. It would print nothing.")
                    % {"name": used},
                )
            )
    return found
