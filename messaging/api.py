"""Messages API: a case's conversation with the buyer, and agent replies."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Case
from config.permissions import has_perms

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
    author = serializers.CharField(source="author.username", default=None)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()

    def get_body(self, message) -> str:
        # Until it is sent the rendered text does not exist yet; an agent's own words do.
        return message.body_text or message.context.get("body", "")


class InboundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_email = serializers.EmailField()
    from_name = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    auto_submitted = serializers.BooleanField()
    received_at = serializers.DateTimeField()
    attachments = serializers.SerializerMethodField()
    rejected_attachments = serializers.JSONField()

    def get_attachments(self, message) -> list[dict]:
        return [
            {"filename": a.filename, "type": a.mimetype, "size": a.size, "url": a.file.url}
            for a in message.attachments.all()
        ]


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, default="")
    canned_reply = serializers.PrimaryKeyRelatedField(
        queryset=CannedReply.objects.all(), required=False, allow_null=True, default=None
    )
    wait_for_buyer = serializers.BooleanField(required=False, default=False)


class _ReadOrReply(BasePermission):
    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return has_perms("cases.view_case")().has_permission(request, view)
        return has_perms("messaging.add_outboundmessage")().has_permission(request, view)


class CaseMessages(APIView):
    permission_classes = [_ReadOrReply]

    @extend_schema(responses={200: dict})
    def get(self, request, reference):
        case = get_object_or_404(Case, reference=reference)
        items = []
        for item in selectors.case_conversation(case):
            serializer = OutboundSerializer if item["direction"] == "out" else InboundSerializer
            items.append({"direction": item["direction"], **serializer(item["message"]).data})
        return Response({"case": case.reference, "messages": items})

    @extend_schema(request=ReplySerializer, responses={201: OutboundSerializer})
    def post(self, request, reference):
        case = get_object_or_404(Case, reference=reference)
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.agent_reply(case=case, agent=request.user, **serializer.validated_data)
        return Response({"direction": "out", **OutboundSerializer(message).data}, status=201)


class CannedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = CannedReply
        fields = ["id", "language", "title", "body"]


class CannedReplyList(APIView):
    permission_classes = [has_perms("messaging.view_cannedreply")]

    @extend_schema(responses={200: CannedReplySerializer(many=True)})
    def get(self, request):
        replies = CannedReply.objects.all()
        if request.query_params.get("language"):
            replies = replies.filter(language=request.query_params["language"])
        if request.query_params.get("case"):
            case = get_object_or_404(Case, reference=request.query_params["case"])
            replies = selectors.canned_replies_for(
                shop=case.shop, language=request.query_params.get("language")
            )
        return Response(CannedReplySerializer(replies, many=True).data)
