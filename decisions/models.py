"""The decision matrix: per shop, versioned, in the shop's currency.

A matrix is an ordered list of rules: claim type × order value band × buyer
risk × evidence × urgency → action, and whether the action may apply itself.
Every evaluation on a case is kept as a `DecisionRecord`. Writes go through
`decisions.services`; the engine itself (`decisions.engine`) never touches the
database.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.choices import RULE_ACTIONS, Action, ClaimType, choices_of
from cases.models import Case
from orders.models import Shop

from . import engine

ANY = engine.ANY


class MatrixStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


# What a rule may recommend, and what an agent may choose instead (store credit too).
RULE_ACTION_CHOICES = choices_of(RULE_ACTIONS)
RULE_ACTION_VALUES = [value for value, _label in RULE_ACTION_CHOICES]
OVERRIDE_ACTION_CHOICES = Action.choices
OVERRIDE_ACTION_VALUES = Action.values


class BuyerRisk(models.TextChoices):
    ANY = engine.ANY, _("Any buyer")
    NORMAL = "normal", _("Normal")
    FLAGGED = "flagged", _("Flagged")


class Evidence(models.TextChoices):
    ANY = engine.ANY, _("Any evidence")
    DELIVERY_CONFIRMED = engine.DELIVERY_CONFIRMED, _("Delivery confirmed")
    SIGNATURE = engine.SIGNATURE, _("Signed for")
    WEIGHT_CONSISTENT = engine.WEIGHT_CONSISTENT, _("Packed weight matches the order")
    WEIGHT_INCONSISTENT = engine.WEIGHT_INCONSISTENT, _("Packed weight too low for the order")
    PHOTOS_PROVIDED = engine.PHOTOS_PROVIDED, _("The buyer sent photos")


CLAIM_TYPE_CHOICES = [(ANY, _("Any claim type")), *ClaimType.choices]
# A buyer with more other claims than this in 365 days is not settled automatically: three
# "wrong item" claims in a row are a pattern an agent should look at, not a rule.
AUTO_APPLY_MAX_CLAIMS = 2
CLAIM_TYPE_VALUES = [value for value, _label in CLAIM_TYPE_CHOICES]


class DecisionMatrix(models.Model):
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="decision_matrices", verbose_name=_("shop")
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=MatrixStatus.choices, default=MatrixStatus.DRAFT
    )
    # Copied from the shop: the value bands mean nothing in another currency.
    currency = models.CharField(_("currency"), max_length=3)
    auto_apply_limit = models.DecimalField(
        _("auto-apply limit"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Refunds and replacements up to this order value may apply themselves under auto-apply rules."
        ),
    )
    # A buyer who claims again and again is not settled automatically, whatever the rule says.
    auto_apply_max_claims = models.PositiveSmallIntegerField(
        _("auto-apply up to claims in 365 days"),
        default=AUTO_APPLY_MAX_CLAIMS,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "A buyer with more other claims than this in the last 365 days gets no automatic decision: "
            "an agent decides."
        ),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Part of the compiled-matrix cache key: an owner's edit is seen by the next decision.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("activated by"),
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["shop", "-version"]
        verbose_name = _("decision matrix")
        verbose_name_plural = _("decision matrices")
        constraints = [
            models.UniqueConstraint(fields=["shop", "version"], name="decisionmatrix_unique_version"),
            models.UniqueConstraint(
                fields=["shop"],
                condition=Q(status=MatrixStatus.ACTIVE),
                name="decisionmatrix_one_active_per_shop",
                violation_error_message=_("A shop has exactly one active matrix; activate it instead."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=MatrixStatus.values), name="decisionmatrix_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(auto_apply_limit__gte=0), name="decisionmatrix_auto_limit_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.shop.slug} v{self.version} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        # Retired versions are history: the records that name them must stay explainable.
        return self.status != MatrixStatus.RETIRED


class Rule(models.Model):
    matrix = models.ForeignKey(
        DecisionMatrix, on_delete=models.CASCADE, related_name="rules", verbose_name=_("matrix")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    claim_type = models.CharField(_("claim type"), max_length=30, choices=CLAIM_TYPE_CHOICES, default=ANY)
    min_value = models.DecimalField(
        _("from order value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Included. Empty: no lower bound."),
    )
    max_value = models.DecimalField(
        _("below order value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Excluded. Empty: no upper bound."),
    )
    buyer_risk = models.CharField(_("buyer risk"), max_length=10, choices=BuyerRisk.choices, default=ANY)
    evidence = models.CharField(_("evidence"), max_length=24, choices=Evidence.choices, default=ANY)
    needed_within_days = models.PositiveIntegerField(
        _("needed within days"),
        null=True,
        blank=True,
        help_text=_("Matches when the buyer's needed-by date is at most this many days ahead."),
    )
    min_prior_resolutions = models.PositiveSmallIntegerField(
        _("resolved before, at least"),
        null=True,
        blank=True,
        help_text=_(
            "Matches when the order was already resolved at least this many times (claims, refunded or "
            "exchanged returns). Empty: any order."
        ),
    )
    min_claims_last_365_days = models.PositiveSmallIntegerField(
        _("buyer's claims in 365 days, at least"),
        null=True,
        blank=True,
        help_text=_(
            "Matches when the buyer made at least this many other claims in the last 365 days. Empty: any buyer."
        ),
    )
    action = models.CharField(_("action"), max_length=30, choices=RULE_ACTION_CHOICES)
    refund_percent = models.PositiveSmallIntegerField(
        _("refund %"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    auto_apply = models.BooleanField(_("may apply itself"), default=False)
    reason = models.TextField(_("reason shown to the agent"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["matrix", "position", "id"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lt=models.F("max_value")),
                name="rule_min_below_max",
                violation_error_message=_("The lower bound of the value band must be below the upper bound."),
            ),
            models.CheckConstraint(
                condition=Q(refund_percent__isnull=True) | Q(refund_percent__gte=0, refund_percent__lte=100),
                name="rule_refund_percent_range",
                violation_error_message=_("The refund percentage lies between 0 and 100."),
            ),
            models.CheckConstraint(condition=Q(action__in=RULE_ACTION_VALUES), name="rule_action_valid"),
            models.CheckConstraint(
                condition=Q(buyer_risk__in=BuyerRisk.values), name="rule_buyer_risk_valid"
            ),
            models.CheckConstraint(condition=Q(evidence__in=Evidence.values), name="rule_evidence_valid"),
        ]
        indexes = [models.Index(fields=["matrix", "position"], name="rule_matrix_position")]

    def __str__(self):
        return f"#{self.position} {self.claim_type} → {self.action}"


class DecisionRecord(models.Model):
    """One evaluation of the matrix on a case: what it looked at, what it said, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("case"))
    # Copied from the case so the simulation reads a shop's recent records from one index.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    matrix = models.ForeignKey(
        DecisionMatrix,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
        verbose_name=_("matrix"),
    )
    matrix_version = models.PositiveIntegerField(_("matrix version"), null=True, blank=True)
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="records", verbose_name=_("rule")
    )
    rule_position = models.PositiveIntegerField(_("rule position"), null=True, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict)
    action = models.CharField(_("action"), max_length=30, choices=RULE_ACTION_CHOICES)
    refund_percent = models.PositiveSmallIntegerField(_("refund %"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    auto_apply = models.BooleanField(_("rule allowed auto-apply"), default=False)
    auto_applied = models.BooleanField(_("applied automatically"), default=False)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("overridden by"),
    )
    override_action = models.CharField(
        _("override action"), max_length=30, choices=OVERRIDE_ACTION_CHOICES, blank=True
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=RULE_ACTION_VALUES), name="decisionrecord_action_valid"
            ),
            models.CheckConstraint(
                condition=Q(override_action="") | Q(override_action__in=OVERRIDE_ACTION_VALUES),
                name="decisionrecord_override_action_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="decisionrecord_case_latest"),
            models.Index(fields=["shop", "created_at"], name="decisionrecord_shop_created"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.action}"

    @property
    def effective_action(self) -> str:
        return self.override_action or self.action
