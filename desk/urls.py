from django.urls import path

from .views import approvals, case, dashboard, disputes, new_case, profile, queue, replies, reports, returns

app_name = "desk"
urlpatterns = [
    path("", queue.queue_view, name="queue"),
    path("bulk/", queue.bulk_view, name="bulk"),
    path("me/", profile.profile_view, name="profile"),
    path("new/", new_case.order_search_view, name="order_search"),
    path("orders/<int:pk>/new-case/", new_case.order_new_case_view, name="order_new_case"),
    path("dashboard/", dashboard.dashboard_view, name="dashboard"),
    path("approvals/", approvals.approvals_view, name="approvals"),
    path("reports/", reports.reports_view, name="reports"),
    path(
        "approvals/<int:pk>/<str:verdict>/",
        approvals.approval_decide_view,
        name="approval_decide",
    ),
    path("dashboard/<slug:key>.csv", dashboard.dashboard_csv_view, name="dashboard_csv"),
    path("cases/<str:reference>/", case.case_view, name="case"),
    path("cases/<str:reference>/act/", case.act_view, name="act"),
    path("cases/<str:reference>/merge/", new_case.merge_view, name="merge"),
    path("cases/<str:reference>/decide/", case.decide_view, name="decide"),
    path("cases/<str:reference>/evidence.pdf", case.bundle_view, name="bundle"),
    path("cases/<str:reference>/move/", case.move_view, name="move"),
    path("cases/<str:reference>/assign-me/", case.assign_me_view, name="assign_me"),
    path("cases/<str:reference>/note/", case.note_view, name="note"),
    path("cases/<str:reference>/return/<slug:step>/", returns.return_action_view, name="return_action"),
    path("cases/<str:reference>/reply/", replies.reply_view, name="reply"),
    path("cases/<str:reference>/reply/canned/", replies.canned_fill_view, name="reply_canned"),
    path("cases/<str:reference>/reply/preview/", replies.reply_preview_view, name="reply_preview"),
    path("cases/<str:reference>/step/", case.step_view, name="step"),
    path("cases/<str:reference>/risk/", case.risk_view, name="risk"),
    path("cases/<str:reference>/carrier-claim/", case.carrier_claim_open_view, name="carrier_claim_open"),
    path("cases/<str:reference>/carrier-claim/<int:pk>/", case.carrier_claim_view, name="carrier_claim"),
    path(
        "cases/<str:reference>/carrier-claim/<int:pk>/letter.pdf",
        case.carrier_claim_letter_view,
        name="carrier_claim_letter",
    ),
    path("cases/<str:reference>/refunds/<int:pk>/confirm/", case.refund_confirm_view, name="refund_confirm"),
    path("cases/<str:reference>/outbound/<int:pk>/retry/", case.outbound_retry_view, name="outbound_retry"),
    path(
        "cases/<str:reference>/dispute-evidence/",
        disputes.dispute_evidence_view,
        name="dispute_evidence",
    ),
]
