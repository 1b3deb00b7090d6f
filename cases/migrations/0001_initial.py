# The case kernel leaves `desk`: Case, CaseEvent, CaseNote and Refund (from desk) and
# RefundLimit (from decisions) become models of `cases`. Their tables already carry the new
# names (desk.0004, decisions.0004), so here only the migration state learns the models;
# desk.0005 and decisions.0005 forget the old ones, and cases.0002 relabels their content types.

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('desk', '0004_case_tables_renamed'),
        ('decisions', '0004_refund_limit_table_renamed'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('orders', '0003_shop_country_order_hold'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='Case',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('reference', models.CharField(max_length=20, unique=True, verbose_name='reference')),
                    ('kind', models.CharField(choices=[('claim', 'Claim'), ('return', 'Return'), ('enquiry', 'Enquiry')], max_length=10, verbose_name='kind')),
                    ('subject', models.CharField(blank=True, max_length=200, verbose_name='subject')),
                    ('status', models.CharField(choices=[('new', 'New'), ('waiting_on_buyer', 'Waiting on buyer'), ('waiting_on_carrier', 'Waiting on carrier'), ('in_progress', 'In progress'), ('escalated', 'Escalated'), ('resolved', 'Resolved'), ('closed', 'Closed')], default='new', max_length=20, verbose_name='status')),
                    ('priority', models.PositiveSmallIntegerField(default=0, verbose_name='priority')),
                    ('opened_via', models.CharField(choices=[('portal', 'Buyer portal'), ('email', 'E-mail'), ('api', 'API'), ('agent', 'Agent'), ('automatic', 'Automatic')], max_length=10, verbose_name='opened via')),
                    ('language', models.CharField(blank=True, max_length=2, verbose_name='language')),
                    ('order_value', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12, verbose_name='order value')),
                    ('currency', models.CharField(blank=True, max_length=3, verbose_name='currency')),
                    ('needed_by', models.DateField(blank=True, null=True, verbose_name='needed by')),
                    ('first_response_due', models.DateTimeField(blank=True, null=True, verbose_name='first response due')),
                    ('first_responded_at', models.DateTimeField(blank=True, null=True, verbose_name='first responded at')),
                    ('opened_at', models.DateTimeField(auto_now_add=True, verbose_name='opened at')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                    ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved at')),
                    ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                    ('cost_total', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12, verbose_name='cost')),
                    ('search_text', models.TextField(blank=True, default='')),
                    ('recovered_total', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=12, verbose_name='recovered')),
                    ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_cases', to=settings.AUTH_USER_MODEL, verbose_name='assignee')),
                    ('buyer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='orders.buyer', verbose_name='buyer')),
                    ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='orders.order', verbose_name='order')),
                    ('shop', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='orders.shop', verbose_name='shop')),
                ],
                options={
                    'verbose_name': 'case',
                    'verbose_name_plural': 'cases',
                    'ordering': ['-priority', 'first_response_due', 'id'],
                },
            ),
            migrations.CreateModel(
                name='CaseEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('at', models.DateTimeField(auto_now_add=True, verbose_name='when')),
                    ('verb', models.CharField(choices=[('opened', 'Case opened'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('note_added', 'Private note added'), ('claim_opened', 'Claim opened'), ('decision', 'Recommendation'), ('resolved', 'Resolved'), ('escalated', 'Escalated to the owner'), ('refund_issued', 'Refund issued'), ('refund_confirmed', 'Refund confirmed as paid out'), ('refund_needs_approval', "Refund above the agent's limit: waits for an owner"), ('playbook_step', 'Playbook step done'), ('carrier_claim_opened', 'Carrier claim drafted'), ('carrier_claim_updated', 'Carrier claim updated'), ('order_held', 'Order put on hold'), ('buyer_risk_changed', "Buyer's risk flag changed"), ('decision_overridden', 'Recommendation overridden'), ('email_sent', 'E-mail sent'), ('email_failed', 'E-mail could not be sent'), ('email_delivered', 'E-mail delivered'), ('email_bounced', 'E-mail bounced'), ('email_complained', 'E-mail marked as spam'), ('email_received', 'E-mail received'), ('replied', 'Replied to the buyer'), ('feedback_rated', 'Buyer rated the help'), ('return_requested', 'Return requested'), ('return_status_changed', 'Return status changed'), ('exchange_shipped', 'Exchange sent to the buyer'), ('buyer_reported_again', 'The buyer reported the same problem again'), ('return_refund_capped', 'Return refund limited to what was left to refund on the order'), ('return_label_reissued', 'Return label issued again'), ('return_receipt_corrected', 'Received quantities corrected'), ('buyer_stated_condition', 'Buyer described the condition'), ('dispute_updated', 'Dispute updated by the payment provider')], max_length=40, verbose_name='what')),
                    ('old', models.CharField(blank=True, max_length=200, verbose_name='old')),
                    ('new', models.CharField(blank=True, max_length=200, verbose_name='new')),
                    ('data', models.JSONField(blank=True, default=dict, verbose_name='details')),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='who')),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='cases.case', verbose_name='case')),
                ],
                options={
                    'verbose_name': 'case event',
                    'verbose_name_plural': 'case events',
                    'ordering': ['at', 'id'],
                },
            ),
            migrations.CreateModel(
                name='CaseNote',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('body', models.TextField(verbose_name='note')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='written at')),
                    ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='author')),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='cases.case', verbose_name='case')),
                ],
                options={
                    'verbose_name': 'private note',
                    'verbose_name_plural': 'private notes',
                    'ordering': ['created_at', 'id'],
                },
            ),
            migrations.CreateModel(
                name='Refund',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                    ('currency', models.CharField(max_length=3, verbose_name='currency')),
                    ('method', models.CharField(choices=[('original_payment', 'Original payment method'), ('store_credit', 'Store credit')], default='original_payment', max_length=20, verbose_name='method')),
                    ('status', models.CharField(choices=[('pending', 'Waiting for confirmation'), ('completed', 'Completed'), ('failed', 'Failed')], default='pending', max_length=12, verbose_name='status')),
                    ('idempotency_key', models.CharField(max_length=100, unique=True, verbose_name='idempotency key')),
                    ('gateway', models.CharField(default='manual', max_length=30, verbose_name='gateway')),
                    ('gateway_reference', models.CharField(blank=True, max_length=120, verbose_name='gateway reference')),
                    ('reason', models.CharField(blank=True, max_length=300, verbose_name='reason')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                    ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed at')),
                    ('expected_arrival', models.DateField(blank=True, null=True, verbose_name='expected arrival')),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='cases.case', verbose_name='case')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='orders.order', verbose_name='order')),
                ],
                options={
                    'verbose_name': 'refund',
                    'verbose_name_plural': 'refunds',
                    'ordering': ['created_at', 'id'],
                },
            ),
            migrations.CreateModel(
                name='RefundLimit',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('amount', models.DecimalField(decimal_places=2, max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='limit')),
                    ('group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='refund_limits', to='auth.group', verbose_name='group')),
                    ('shop', models.ForeignKey(blank=True, help_text='Empty: every shop.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='refund_limits', to='orders.shop', verbose_name='shop')),
                    ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='refund_limits', to=settings.AUTH_USER_MODEL, verbose_name='agent')),
                ],
                options={
                    'verbose_name': 'refund limit',
                    'verbose_name_plural': 'refund limits',
                },
            ),
            migrations.AddIndex(
                model_name='case',
                index=models.Index(condition=models.Q(('status__in', ['new', 'waiting_on_buyer', 'waiting_on_carrier', 'in_progress', 'escalated'])), fields=['-priority', 'first_response_due', 'id'], name='case_open_by_urgency'),
            ),
            migrations.AddIndex(
                model_name='case',
                index=models.Index(fields=['shop', 'status'], name='case_shop_status'),
            ),
            migrations.AddIndex(
                model_name='case',
                index=models.Index(fields=['order'], name='case_order'),
            ),
            migrations.AddConstraint(
                model_name='case',
                constraint=models.CheckConstraint(condition=models.Q(('status__in', ['new', 'waiting_on_buyer', 'waiting_on_carrier', 'in_progress', 'escalated', 'resolved', 'closed'])), name='case_status_valid'),
            ),
            migrations.AddConstraint(
                model_name='case',
                constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['claim', 'return', 'enquiry'])), name='case_kind_valid'),
            ),
            migrations.AddIndex(
                model_name='caseevent',
                index=models.Index(fields=['case', 'at'], name='caseevent_case_at'),
            ),
            migrations.AddConstraint(
                model_name='refund',
                constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='refund_amount_positive'),
            ),
            migrations.AddConstraint(
                model_name='refund',
                constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'completed', 'failed'])), name='refund_status_valid'),
            ),
            migrations.AddConstraint(
                model_name='refundlimit',
                constraint=models.CheckConstraint(condition=models.Q(models.Q(('user__isnull', False), ('group__isnull', True)), models.Q(('user__isnull', True), ('group__isnull', False)), _connector='OR'), name='refundlimit_user_xor_group', violation_error_message='A refund limit belongs either to an agent or to a group.'),
            ),
            migrations.AddConstraint(
                model_name='refundlimit',
                constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='refundlimit_amount_not_negative'),
            ),
            migrations.AddConstraint(
                model_name='refundlimit',
                constraint=models.UniqueConstraint(condition=models.Q(('shop__isnull', False)), fields=('shop', 'user'), name='refundlimit_one_per_user_shop'),
            ),
            migrations.AddConstraint(
                model_name='refundlimit',
                constraint=models.UniqueConstraint(condition=models.Q(('shop__isnull', True)), fields=('user',), name='refundlimit_one_per_user_all_shops'),
            ),
            migrations.AddConstraint(
                model_name='refundlimit',
                constraint=models.UniqueConstraint(condition=models.Q(('shop__isnull', False)), fields=('shop', 'group'), name='refundlimit_one_per_group_shop'),
            ),
            migrations.AddConstraint(
                model_name='refundlimit',
                constraint=models.UniqueConstraint(condition=models.Q(('shop__isnull', True)), fields=('group',), name='refundlimit_one_per_group_all_shops'),
            ),
            ],
            database_operations=[],
        ),
    ]
