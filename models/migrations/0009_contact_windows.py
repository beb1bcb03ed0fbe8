"""The contact gate's data: calling windows per state, the ISP's extra (municipal) holidays, and
the refusals the gate keeps (DESIGN.md §7)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import Channel, ContactActor, RefusalReason
from models.fields import Timestamp
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0008_clock_timestamps')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContactRefusal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='refusals', on_delete=OnDelete.CASCADE)),
                ('entry', fields.ForeignKeyField('models.CampaignEntry', source_field='entry_id', null=True, db_constraint=True, to_field='id', related_name='refusals', on_delete=OnDelete.SET_NULL)),
                ('rule', fields.ForeignKeyField('models.CollectionRule', source_field='rule_id', null=True, db_constraint=True, to_field='id', related_name='refusals', on_delete=OnDelete.SET_NULL)),
                ('channel', fields.CharEnumField(description='CONSOLE: console\nAPI: api\nTELEGRAM: telegram\nVOICE: voice\nSMS: sms\nEMAIL: email\nAGENCY: agency\nCLI: cli', enum_type=Channel, max_length=12)),
                ('actor', fields.CharEnumField(description='ROBOT: robot\nBOT: bot\nATTENDANT: attendant\nAGENCY: agency\nDEBTOR: debtor', enum_type=ContactActor, max_length=10)),
                ('kind', fields.CharField(max_length=10)),
                ('reason', fields.CharEnumField(description='OUTSIDE_WINDOW: outside_window\nHOLIDAY: holiday\nBUDGET: budget\nQUIET_DAYS: quiet_days\nOPTED_OUT: opted_out\nDEBT_PAID: debt_paid\nNOT_FOUND: not_found', enum_type=RefusalReason, max_length=16)),
                ('detail', fields.CharField(max_length=255)),
                ('retry_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', Timestamp(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contact_refusal', 'app': 'models', 'constraints': [CheckConstraint(check="channel IN ('console', 'api', 'telegram', 'voice', 'sms', 'email', 'agency', 'cli')", name='ck_refusal_channel'), CheckConstraint(check="actor IN ('robot', 'bot', 'attendant', 'agency', 'debtor')", name='ck_refusal_actor'), CheckConstraint(check="reason IN ('outside_window', 'holiday', 'budget', 'quiet_days', 'opted_out', 'debt_paid', 'not_found')", name='ck_refusal_reason')], 'indexes': [Index(fields=['customer_id', 'id']), Index(fields=['entry_id', 'id']), Index(fields=['rule_id', 'channel'])], 'pk_attr': 'id', 'table_description': 'One refused or postponed contact, as the gate decided it (`decide`). A refusal that'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactWindow',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('state', fields.CharField(unique=True, max_length=2)),
                ('weekday_start', fields.CharField(max_length=5)),
                ('weekday_end', fields.CharField(max_length=5)),
                ('saturday_start', fields.CharField(null=True, max_length=5)),
                ('saturday_end', fields.CharField(null=True, max_length=5)),
                ('updated_at', Timestamp(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'contact_window', 'app': 'models', 'pk_attr': 'id', 'table_description': "A state's calling window, replacing DESIGN.md §7's default for that state (UF)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Holiday',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('state', fields.CharField(max_length=2)),
                ('city', fields.CharField(null=True, max_length=80)),
                ('city_key', fields.CharField(default='', max_length=80)),
                ('name', fields.CharField(max_length=80)),
                ('created_at', Timestamp(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'holiday', 'app': 'models', 'unique_together': (('day', 'state', 'city_key'),), 'pk_attr': 'id', 'table_description': 'A day without contact besides the national and state holidays the `holidays` package'},
            bases=['Model'],
        ),
    ]
