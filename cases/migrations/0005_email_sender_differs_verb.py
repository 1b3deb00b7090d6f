# The timeline learns "E-mail kept out of another case's thread: sender differs" (choices only, no data).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_system_reasons_as_codes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='caseevent',
            name='verb',
            field=models.CharField(choices=[('opened', 'Case opened'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('note_added', 'Private note added'), ('claim_opened', 'Claim opened'), ('decision', 'Recommendation'), ('resolved', 'Resolved'), ('escalated', 'Escalated to the owner'), ('refund_issued', 'Refund issued'), ('refund_confirmed', 'Refund confirmed as paid out'), ('refund_needs_approval', "Refund above the agent's limit: waits for an owner"), ('playbook_step', 'Playbook step done'), ('carrier_claim_opened', 'Carrier claim drafted'), ('carrier_claim_updated', 'Carrier claim updated'), ('order_held', 'Order put on hold'), ('buyer_risk_changed', "Buyer's risk flag changed"), ('decision_overridden', 'Recommendation overridden'), ('email_sent', 'E-mail sent'), ('email_failed', 'E-mail could not be sent'), ('email_delivered', 'E-mail delivered'), ('email_bounced', 'E-mail bounced'), ('email_complained', 'E-mail marked as spam'), ('email_received', 'E-mail received'), ('replied', 'Replied to the buyer'), ('feedback_rated', 'Buyer rated the help'), ('return_requested', 'Return requested'), ('return_status_changed', 'Return status changed'), ('exchange_shipped', 'Exchange sent to the buyer'), ('buyer_reported_again', 'The buyer reported the same problem again'), ('return_refund_capped', 'Return refund limited to what was left to refund on the order'), ('return_label_reissued', 'Return label issued again'), ('return_receipt_corrected', 'Received quantities corrected'), ('buyer_stated_condition', 'Buyer described the condition'), ('dispute_updated', 'Dispute updated by the payment provider'), ('email_sender_differs', "E-mail kept out of another case's thread: sender differs")], max_length=40, verbose_name='what'),
        ),
    ]
