"""Messaging: the outbox of e-mails to buyers and owners, replies that come back, canned texts.

An `OutboundMessage` is written in the same transaction as the change that
causes it and sent afterwards by a Celery worker (`messaging.tasks`), which
renders it in the reader's language at send time. Its status moves
queued → sending → sent → delivered / bounced / complained, or failed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.choices import Action
from cases.models import Case, CaseStatus
from cases.tags import tag_name
from orders.files import CONTENT_TYPES, PrivateFileField
from orders.models import Language, Shipment, Shop


class Audience(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    OWNER = "owner", _("Owner")


class BuyerEvent(models.TextChoices):
    CLAIM_RECEIVED = "claim_received", _("Claim received")
    CHECK_HOUSEHOLD_NEIGHBOURS = "check_household_neighbours", _("Please check household and neighbours")
    PHOTOS_REQUESTED = "photos_requested", _("Photos requested")
    CARRIER_INVESTIGATION_STARTED = "carrier_investigation_started", _("Carrier investigation started")
    CARRIER_CLAIM_FILED = "carrier_claim_filed", _("Carrier claim filed")
    REPLACEMENT_SHIPPED = "replacement_shipped", _("Replacement shipped")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    CLAIM_DECLINED = "claim_declined", _("Claim declined")
    SHIPMENT_DELAYED = "shipment_delayed", _("Shipment delayed")
    RETURN_REQUESTED = "return_requested", _("Return request received")
    RETURN_LABEL = "return_label", _("Return label")
    RETURN_RECEIVED = "return_received", _("Return received")
    INSPECTION_RESULT = "inspection_result", _("Inspection result")
    REFUND_INITIATED = "refund_initiated", _("Refund initiated")
    EXCHANGE_SHIPPED = "exchange_shipped", _("Exchange shipped")
    RETURN_EXPIRED = "return_expired", _("Return expired")
    RETURN_DECLINED = "return_declined", _("Return request declined")
    FEEDBACK_REQUEST = "feedback_request", _("Feedback request")
    AGENT_REPLY = "agent_reply", _("Reply from an agent")
    # News of a parcel, sent when the shop has opted in to that status (Shop.tracking_updates).
    TRACKING_SHIPPED = "tracking_shipped", _("Parcel shipped")
    TRACKING_OUT_FOR_DELIVERY = "tracking_out_for_delivery", _("Parcel out for delivery")
    TRACKING_AVAILABLE_FOR_PICKUP = "tracking_available_for_pickup", _("Parcel waiting at a pickup point")
    TRACKING_DELIVERED = "tracking_delivered", _("Parcel delivered")
    TRACKING_DELIVERY_FAILED = "tracking_delivery_failed", _("Parcel delivery failed")
    TRACKING_RETURNED_TO_SENDER = "tracking_returned_to_sender", _("Parcel returned to sender")


class OwnerEvent(models.TextChoices):
    OWNER_ESCALATION = "owner_escalation", _("A case was escalated to the owner")
    OWNER_DISPUTE = "owner_dispute", _("A new dispute arrived")
    CARRIER_CLAIM_DEADLINE = "carrier_claim_deadline", _("A carrier claim's deadline is near")


ALL_EVENTS = [*BuyerEvent.choices, *OwnerEvent.choices]


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    # Every e-mail is about a case, except news of a parcel nobody has a problem with (yet).
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbound_messages",
        verbose_name=_("case"),
    )
    shipment = models.ForeignKey(
        Shipment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbound_messages",
        verbose_name=_("parcel"),
    )
    event = models.CharField(_("event"), max_length=40, choices=ALL_EVENTS)
    # The n-th message of this event on this case; a caller that may run twice
    # passes its own number so the second run finds the first row.
    sequence = models.PositiveIntegerField(_("sequence"), default=1)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.BUYER
    )
    to_email = models.EmailField(_("to"))
    to_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("written by"),
    )
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Fixed when the row is made so a re-send carries the same id and threads as one message.
    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    reply_token = models.CharField(_("reply token"), max_length=40, unique=True)
    esp_message_id = models.CharField(_("ESP message id"), max_length=250, blank=True, db_index=True)
    # What was actually sent, in the language it was sent in.
    language = models.CharField(_("language"), max_length=2, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "event", "sequence"], name="outbound_unique_case_event_seq"
            ),
            # A parcel's news is told once per status, however often the carrier repeats the scan.
            models.UniqueConstraint(
                fields=["shipment", "event"],
                condition=Q(case__isnull=True),
                name="outbound_one_tracking_update_per_status",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(shipment__isnull=False), name="outbound_about_something"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OutboundStatus.values), name="outbound_status_valid"
            ),
        ]
        indexes = [
            # The sweep: rows whose task never ran or whose worker died.
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="outbound_pending",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.to_email}"

    @property
    def shop(self) -> Shop:
        return self.case.shop if self.case_id else self.shipment.order.shop


class OutboundAttachment(models.Model):
    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    mimetype = models.CharField(_("type"), max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename


class DeliveryEvent(models.Model):
    """One ESP tracking event; the unique key drops webhooks the ESP delivers twice."""

    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery_events"
    )
    esp = models.CharField(_("ESP"), max_length=40)
    event_id = models.CharField(_("event id"), max_length=250)
    event_type = models.CharField(_("event"), max_length=40)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    description = models.TextField(_("description"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        constraints = [models.UniqueConstraint(fields=["esp", "event_id"], name="deliveryevent_unique")]

    def __str__(self):
        return f"{self.esp} {self.event_type}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Being read")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    LIMITED = "limited", _("Held: too many at once")
    FAILED = "failed", _("Failed")


class InboundDelivery(models.Model):
    """One inbound webhook post of the ESP, stored as it came and read later by a worker.

    The web request only checks the ESP's secret and stores the body: nothing a
    stranger writes into an e-mail is parsed while the ESP waits for its answer.
    """

    esp = models.CharField(_("ESP"), max_length=40)
    # The anymail route it came in on ("mailgun/inbound/"); empty for a raw e-mail (message/rfc822).
    route = models.CharField(_("route"), max_length=100, blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    body = models.BinaryField(_("body"))
    # The request's HTTP headers the ESP's parser may read (never Authorization or Cookie).
    meta = models.JSONField(_("request headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    # Known once a worker has read it: who wrote, and to which shop.
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("shop")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    # Released by a superuser after it was held: read in whatever the rate limits say.
    limit_waived = models.BooleanField(_("read in past the limits"), default=False)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(_("being read since"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("inbound delivery")
        verbose_name_plural = _("inbound deliveries")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InboundStatus.values), name="inbounddelivery_status_valid"
            )
        ]
        indexes = [
            # The rate limits count a sender's and a shop's recent deliveries.
            models.Index(fields=["sender", "received_at"], name="inbounddelivery_sender"),
            models.Index(fields=["shop", "received_at"], name="inbounddelivery_shop"),
            # The sweep: deliveries whose task never ran or whose worker died.
            models.Index(
                fields=["status", "received_at"],
                condition=Q(status__in=["received", "processing"]),
                name="inbounddelivery_pending",
            ),
        ]

    def __str__(self):
        return f"{self.esp} {self.received_at:%Y-%m-%d %H:%M} {self.sender}"


class SenderDiffers(models.TextChoices):
    """Why a mail that claims to answer a case was kept out of that case's thread."""

    NO = "", _("No")
    NOT_A_RECIPIENT = "not_a_recipient", _("neither the case's buyer nor a recipient of its e-mails")
    NOT_AUTHENTICATED = (
        "not_authenticated",
        _("the sender's domain did not confirm the sender (SPF, DKIM, DMARC)"),
    )


class InboundMessage(models.Model):
    """A buyer's e-mail, threaded onto a case, with the quoted history cut off."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="inbound_messages", verbose_name=_("case")
    )
    in_reply_to = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    from_email = models.EmailField(_("from"))
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    to_email = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"))
    full_body = models.TextField(_("full text"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True)
    # Out-of-office notes and the like: kept on the case, but they neither count as
    # the buyer's answer nor get an answer themselves.
    auto_submitted = models.BooleanField(_("automatic reply"), default=False)
    # Dropped attachments are listed with the reason, so the agent knows to ask again.
    rejected_attachments = models.JSONField(_("rejected attachments"), default=list, blank=True)
    delivery = models.ForeignKey(
        InboundDelivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # Set when the mail answers one of our e-mails (in_reply_to) but does not come from someone we
    # wrote to, or is forged: it opened a case of its own instead of entering that thread.
    sender_differs = models.CharField(
        _("sender differs"), max_length=20, choices=SenderDiffers.choices, blank=True, default=""
    )
    # What the receiving mail server found out about the sender, as its headers say
    # ("pass", "fail", "softfail", …; empty: not stated).
    spf = models.CharField(_("SPF"), max_length=12, blank=True)
    dkim = models.CharField(_("DKIM"), max_length=12, blank=True)
    dmarc = models.CharField(_("DMARC"), max_length=16, blank=True)
    spam_score = models.FloatField(_("spam score"), null=True, blank=True)
    spam_detected = models.BooleanField(_("spam"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        constraints = [
            # An ESP that posts the same inbound webhook twice stores one message.
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="inbound_unique_message_id"
            ),
            models.CheckConstraint(
                condition=Q(sender_differs__in=SenderDiffers.values), name="inbound_sender_differs_valid"
            ),
        ]

    def __str__(self):
        return f"{self.from_email}: {self.subject}"

    @property
    def authentication_failed(self) -> bool:
        return "fail" in (self.spf, self.dkim, self.dmarc)


# The old way of naming uploads, which the first migrations still name; files are stored under
# random names now (orders.files.RandomName).
def inbound_upload_path(instance, filename):
    return f"inbound/{instance.message_id}/{filename}"


class InboundAttachment(models.Model):
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="attachments")
    file = PrivateFileField(
        _("file"), kind="inbound-attachments", extensions=CONTENT_TYPES, download_name="filename"
    )
    # The sender's name for it, shown to agents and offered when they download it; never the stored name.
    filename = models.CharField(_("file name"), max_length=200)
    mimetype = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename


class OwnerNotificationSetting(models.Model):
    """An owner switches a notification off; no row means it is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    event = models.CharField(_("event"), max_length=40, choices=OwnerEvent.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("owner notification setting")
        verbose_name_plural = _("owner notification settings")
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="ownernotification_unique")]

    def __str__(self):
        return f"{self.user} {self.event} {'on' if self.enabled else 'off'}"


class EmailTemplateOverride(models.Model):
    """An owner's own wording for one e-mail in one language; the template files are the fallback.

    Subject and body are Django template text with the same variables as the
    files ({{ buyer_name }}, {{ case_reference }}, …); the HTML part is made from
    the body.
    """

    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop")
    )
    event = models.CharField(_("event"), max_length=40, choices=ALL_EVENTS)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["event", "language"]
        verbose_name = _("e-mail text override")
        verbose_name_plural = _("e-mail text overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "event", "language"], name="emailoverride_unique_per_shop"
            ),
            models.UniqueConstraint(
                fields=["event", "language"],
                condition=Q(shop__isnull=True),
                name="emailoverride_unique_global",
            ),
        ]

    def __str__(self):
        return f"{self.event} ({self.language})"


class MacroAssign(models.TextChoices):
    ME = "me", _("to the agent who uses it")
    NOBODY = "nobody", _("back to the queue")


class CannedReply(models.Model):
    """A ready answer an agent picks; placeholders like {buyer_name} are filled from the case.

    With actions it is a macro: sending it also changes the status, assigns, tags, notes or
    does a playbook step ("photos" asks for photos with the portal's upload link), all or nothing.
    """

    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    set_status = models.CharField(
        _("then set the status to"), max_length=20, blank=True, choices=CaseStatus.choices
    )
    assign = models.CharField(_("then assign"), max_length=10, blank=True, choices=MacroAssign.choices)
    add_tags = models.CharField(
        _("then add the tags"), max_length=200, blank=True, help_text=_("Separated by commas.")
    )
    add_note = models.TextField(_("then add the private note"), blank=True)
    playbook_step = models.CharField(
        _("then do the playbook step"),
        max_length=40,
        blank=True,
        help_text=_('A step of the claim\'s playbook, e.g. "photos": ask for photos with the upload link.'),
    )
    # A text for one desk action (decline, refund, …): the message to the buyer starts from it.
    action = models.CharField(
        _("prefills the message for"),
        max_length=30,
        choices=Action.choices,
        blank=True,
        help_text=_(
            "The desk action whose message to the buyer starts with this text; empty: a plain reply."
        ),
    )

    class Meta:
        ordering = ["language", "title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self):
        return f"{self.title} ({self.language})"

    def clean(self):
        for tag in (part for part in self.add_tags.split(",") if part.strip()):
            try:
                tag_name(tag)
            except ValidationError as error:
                raise ValidationError({"add_tags": error.message_dict["tag"]}) from None


class AgentSignature(models.Model):
    """How an agent signs e-mails to one shop's buyers: the name they read and the lines under it.

    The login name ("agent") means nothing to a buyer and is sometimes a shared account. An empty
    language is the agent's signature for every language the shop writes in.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="buyer_signatures"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    display_name = models.CharField(_("name the buyer reads"), max_length=120)
    signature = models.TextField(_("signature"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("agent signature")
        verbose_name_plural = _("agent signatures")
        constraints = [
            models.UniqueConstraint(fields=["user", "shop", "language"], name="agentsignature_unique"),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.shop_id}, {self.language or '*'})"


COMMENT_CHARS = 2000


class FeedbackRating(models.Model):
    """The buyer's one-click rating after a case was closed: one per case, the last click counts."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("case")
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    # What the buyer wrote on the thank-you page, if anything: the owner reads it in the CSAT report.
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_CHARS)
    rated_at = models.DateTimeField(_("rated at"), auto_now=True)

    class Meta:
        verbose_name = _("feedback rating")
        verbose_name_plural = _("feedback ratings")
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5")
        ]

    def __str__(self):
        return f"{self.case_id}: {self.rating}"
