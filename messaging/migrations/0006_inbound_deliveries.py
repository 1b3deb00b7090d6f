# Inbound mail is stored as the ESP posted it and read by a worker; replies from someone else than
# the buyer are marked, and the mail server's SPF/DKIM/DMARC verdict is kept with each message.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0005_case_in_cases'),
        ('orders', '0003_shop_country_order_hold'),
    ]

    operations = [
        migrations.AddField(
            model_name='inboundmessage',
            name='dkim',
            field=models.CharField(blank=True, max_length=12, verbose_name='DKIM'),
        ),
        migrations.AddField(
            model_name='inboundmessage',
            name='dmarc',
            field=models.CharField(blank=True, max_length=16, verbose_name='DMARC'),
        ),
        migrations.AddField(
            model_name='inboundmessage',
            name='sender_differs',
            field=models.CharField(blank=True, choices=[('', 'No'), ('not_a_recipient', "neither the case's buyer nor a recipient of its e-mails"), ('not_authenticated', "the sender's domain did not confirm the sender (SPF, DKIM, DMARC)")], default='', max_length=20, verbose_name='sender differs'),
        ),
        migrations.AddField(
            model_name='inboundmessage',
            name='spam_detected',
            field=models.BooleanField(blank=True, null=True, verbose_name='spam'),
        ),
        migrations.AddField(
            model_name='inboundmessage',
            name='spam_score',
            field=models.FloatField(blank=True, null=True, verbose_name='spam score'),
        ),
        migrations.AddField(
            model_name='inboundmessage',
            name='spf',
            field=models.CharField(blank=True, max_length=12, verbose_name='SPF'),
        ),
        migrations.CreateModel(
            name='InboundDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('esp', models.CharField(max_length=40, verbose_name='ESP')),
                ('route', models.CharField(blank=True, max_length=100, verbose_name='route')),
                ('content_type', models.CharField(blank=True, max_length=200, verbose_name='content type')),
                ('body', models.BinaryField(verbose_name='body')),
                ('meta', models.JSONField(blank=True, default=dict, verbose_name='request headers')),
                ('status', models.CharField(choices=[('received', 'Received'), ('processing', 'Being read'), ('processed', 'Processed'), ('ignored', 'Ignored'), ('limited', 'Held: too many at once'), ('failed', 'Failed')], default='received', max_length=12, verbose_name='status')),
                ('sender', models.CharField(blank=True, max_length=254, verbose_name='sender')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('limit_waived', models.BooleanField(default=False, verbose_name='read in past the limits')),
                ('received_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='received at')),
                ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='being read since')),
                ('processed_at', models.DateTimeField(blank=True, null=True, verbose_name='processed at')),
                ('shop', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='orders.shop', verbose_name='shop')),
            ],
            options={
                'verbose_name': 'inbound delivery',
                'verbose_name_plural': 'inbound deliveries',
                'ordering': ['received_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='inboundmessage',
            name='delivery',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='messages', to='messaging.inbounddelivery'),
        ),
        migrations.AddConstraint(
            model_name='inboundmessage',
            constraint=models.CheckConstraint(condition=models.Q(('sender_differs__in', ['', 'not_a_recipient', 'not_authenticated'])), name='inbound_sender_differs_valid'),
        ),
        migrations.AddIndex(
            model_name='inbounddelivery',
            index=models.Index(fields=['sender', 'received_at'], name='inbounddelivery_sender'),
        ),
        migrations.AddIndex(
            model_name='inbounddelivery',
            index=models.Index(fields=['shop', 'received_at'], name='inbounddelivery_shop'),
        ),
        migrations.AddIndex(
            model_name='inbounddelivery',
            index=models.Index(condition=models.Q(('status__in', ['received', 'processing'])), fields=['status', 'received_at'], name='inbounddelivery_pending'),
        ),
        migrations.AddConstraint(
            model_name='inbounddelivery',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['received', 'processing', 'processed', 'ignored', 'limited', 'failed'])), name='inbounddelivery_status_valid'),
        ),
    ]
