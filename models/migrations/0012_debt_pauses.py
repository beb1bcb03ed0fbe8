"""Collection paused for a debtor ("já paguei" being checked, or a dispute): the debt_pause
table, and the contact gate's new refusal reason "paused" in contact_refusal's CHECK.

The models' CHECK constraints live in the migration state (CreateModel does not write them
to the database), so the new reason changes the state only.
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint

from models.enums import Channel
from models.fields import Timestamp
from models.pauses import PauseReason

# OLD: "reason IN ('outside_window', 'holiday', 'budget', 'quiet_days', 'opted_out', 'debt_paid', 'not_found')"
NEW = "reason IN ('outside_window', 'holiday', 'budget', 'quiet_days', 'opted_out', 'debt_paid', 'not_found', 'paused')"


class _StateOnly:
    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        return None


class StateOnlyRemoveConstraint(_StateOnly, ops.RemoveConstraint):
    pass


class StateOnlyAddConstraint(_StateOnly, ops.AddConstraint):
    pass


class Migration(migrations.Migration):
    dependencies = [('models', '0011_robot_campaigns')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DebtPause',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.ForeignKeyField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='pauses', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharEnumField(description='PAID: paid\nDISPUTE: dispute', enum_type=PauseReason, max_length=10)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('channel', fields.CharEnumField(description='CONSOLE: console\nAPI: api\nTELEGRAM: telegram\nVOICE: voice\nSMS: sms\nEMAIL: email\nAGENCY: agency\nCLI: cli', enum_type=Channel, max_length=12)),
                ('ticket', fields.ForeignKeyField('models.ServiceTicket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='pauses', on_delete=OnDelete.SET_NULL)),
                ('created_at', Timestamp(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'debt_pause', 'app': 'models', 'constraints': [CheckConstraint(check="reason IN ('paid', 'dispute')", name='ck_pause_reason'), CheckConstraint(check='ends_on > starts_on', name='ck_pause_dates')], 'indexes': [Index(fields=['customer_id', 'ends_on'])], 'pk_attr': 'id', 'table_description': 'Collection of a debtor\'s debt paused.'},
            bases=['Model'],
        ),
        StateOnlyRemoveConstraint(model_name='ContactRefusal', name='ck_refusal_reason'),
        StateOnlyAddConstraint(model_name='ContactRefusal', constraint=CheckConstraint(check=NEW, name='ck_refusal_reason')),
    ]
