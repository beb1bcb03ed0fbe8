"""Inbound webhook events kept before they are handled (inbound_event), which replace the
processed_update table of Telegram's update ids."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.fields import Timestamp
from models.inbound import InboundSource, InboundStatus
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0013_run_heartbeat')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InboundEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source', fields.CharEnumField(description='TELEGRAM: telegram\nSMS: sms\nSMS_STATUS: sms_status\nCALL_STATUS: call_status', enum_type=InboundSource, max_length=12)),
                ('provider_id', fields.CharField(max_length=200)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('result', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=InboundStatus.PENDING, description='PENDING: pending\nDONE: done\nFAILED: failed', enum_type=InboundStatus, max_length=8)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('received_at', Timestamp(auto_now=False, auto_now_add=True)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'inbound_event', 'app': 'models', 'unique_together': (('source', 'provider_id'),), 'constraints': [CheckConstraint(check="source IN ('telegram', 'sms', 'sms_status', 'call_status')", name='ck_inbound_source'), CheckConstraint(check="status IN ('pending', 'done', 'failed')", name='ck_inbound_status')], 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.DeleteModel(name='ProcessedUpdate'),
    ]
