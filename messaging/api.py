"""Messages API: a case's conversation with the buyer, and agent replies."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Case
from config.api import Idempotent, has_perms, validated
from orders import tenancy

from . import selectors, services
from .models import CannedReply


class OutboundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    status = serializers.CharField()
    to = serializers.EmailField(source="to_email")
    subject = serializers.CharField()
    body = serializers.SerializerMethodField()
    language = serializers.CharField()
    author = serializers.CharField(source="author.username", default=None, allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()

    def get_body(self, message) -> str:
        # Until it is sent the rendered text does not exist yet; an agent's own words do.
        return message.body_text or message.context.get("body", "")


class AttachmentSerializer(serializers.Serializer):
    filename = serializers.CharField()
    type = serializers.CharField(source="mimetype")
    size = serializers.IntegerField()
    url = serializers.CharField(source="file.url")


class RejectedAttachmentSerializer(serializers.Serializer):
    filename = serializers.CharField()
    reason = serializers.CharField()


@extend_schema_field(RejectedAttachmentSerializer(many=True))
class RejectedAttachmentsField(serializers.JSONField):
    """As stored when the e-mail came in: the files we did not keep, and why."""


class SenderCheckSerializer(serializers.Serializer):
    """What the receiving mail server found out about the sender: "pass", "fail", …, or "" (not stated)."""

    spf = serializers.CharField()
    dkim = serializers.CharField()
    dmarc = serializers.CharField()
    spam_score = serializers.FloatField(allow_null=True)
    spam_detected = serializers.BooleanField(allow_null=True)


class InboundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_email = serializers.EmailField()
    from_name = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    auto_submitted = serializers.BooleanField()
    # Not empty: the mail answers another case's e-mail but was kept out of it (see SenderDiffers).
    sender_differs = serializers.CharField()
    sender_check = SenderCheckSerializer(source="*")
    received_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)
    rejected_attachments = RejectedAttachmentsField()


class Direction(serializers.Serializer):
    """Which way a message went: the first key of each message in a conversation."""

    way = ""
    direction = serializers.SerializerMethodField()

    def get_direction(self, message) -> str:
        return self.way


class OutboundItemSerializer(Direction, OutboundSerializer):
    way = "out"


class InboundItemSerializer(Direction, InboundSerializer):
    way = "in"


CONVERSATION_ITEM = {"out": OutboundItemSerializer, "in": InboundItemSerializer}


class ConversationSerializer(serializers.Serializer):
    """Built from {"case": reference, "messages": selectors.case_conversation(case)}."""

    case = serializers.CharField()
    messages = serializers.SerializerMethodField()

    @extend_schema_field(
        PolymorphicProxySerializer(
            component_name="ConversationMessage",
            serializers=CONVERSATION_ITEM,
            resource_type_field_name="direction",
            many=True,
        )
    )
    def get_messages(self, conversation) -> list:
        return [
            CONVERSATION_ITEM[item["direction"]](item["message"]).data for item in conversation["messages"]
        ]


@extend_schema_field(OpenApiTypes.INT)
class CannedReplyField(serializers.PrimaryKeyRelatedField):
    """A canned reply of the case's shop, or a shared one: another shop's is answered as unknown."""

    def get_queryset(self):
        return selectors.canned_replies_for(shop=self.context["case"].shop)


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, default="")
    canned_reply = CannedReplyField(required=False, allow_null=True, default=None)
    wait_for_buyer = serializers.BooleanField(required=False, default=False)


class _ReadOrReply(BasePermission):
    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return has_perms("cases.view_case")().has_permission(request, view)
        return has_perms("messaging.add_outboundmessage")().has_permission(request, view)


class CaseMessages(Idempotent, APIView):
    permission_classes = [_ReadOrReply]

    @extend_schema(responses={200: ConversationSerializer})
    def get(self, request, reference):
        case = tenancy.get_in_shops_or_404(Case.objects.all(), request.user, reference=reference)
        conversation = {"case": case.reference, "messages": selectors.case_conversation(case)}
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(request=ReplySerializer, responses={201: OutboundItemSerializer})
    def post(self, request, reference):
        case = tenancy.get_in_shops_or_404(Case.objects.all(), request.user, reference=reference)
        values = validated(ReplySerializer, request.data, context={"case": case})
        message = services.agent_reply(case=case, agent=request.user, **values)
        return Response(OutboundItemSerializer(message).data, status=status.HTTP_201_CREATED)


class CannedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = CannedReply
        fields = ["id", "language", "title", "body"]


class CannedReplyList(APIView):
    permission_classes = [has_perms("messaging.view_cannedreply")]

    @extend_schema(responses={200: CannedReplySerializer(many=True)})
    def get(self, request):
        replies = selectors.canned_replies_seen_by(request.user)
        if request.query_params.get("language"):
            replies = replies.filter(language=request.query_params["language"])
        if request.query_params.get("case"):
            case = tenancy.get_in_shops_or_404(
                Case.objects.select_related("shop"), request.user, reference=request.query_params["case"]
            )
            replies = selectors.canned_replies_for(
                shop=case.shop, language=request.query_params.get("language")
            )
        return Response(CannedReplySerializer(replies, many=True).data)
