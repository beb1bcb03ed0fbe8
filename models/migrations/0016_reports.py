"""Every result recorded on a call-list entry, by whom and when (entry_result), for the results
report. Results recorded before this migration are not in it: the entry kept only its latest
result, without its moment or author."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint

from models.enums import ContactActor


class Migration(migrations.Migration):
    dependencies = [('models', '0015_identity_lockouts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EntryResult',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('models.CampaignEntry', source_field='entry_id', db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.CASCADE)),
                ('actor', fields.CharEnumField(description='ROBOT: robot\nBOT: bot\nATTENDANT: attendant\nAGENCY: agency\nDEBTOR: debtor', enum_type=ContactActor, max_length=10)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='entry_results', on_delete=OnDelete.SET_NULL)),
                ('result_type', fields.ForeignKeyField('models.ResultType', source_field='result_type_id', null=True, db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.RESTRICT)),
                ('collection_status', fields.ForeignKeyField('models.CollectionStatus', source_field='collection_status_id', null=True, db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.RESTRICT)),
                ('notes', fields.TextField(null=True, unique=False)),
                ('agreement', fields.ForeignKeyField('models.Agreement', source_field='agreement_id', null=True, db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.SET_NULL)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'entry_result', 'app': 'models', 'constraints': [CheckConstraint(check="actor IN ('robot', 'bot', 'attendant', 'agency', 'debtor')", name='ck_result_actor')], 'indexes': [Index(fields=['recorded_at', 'id']), Index(fields=['entry_id'])], 'pk_attr': 'id', 'table_description': 'One result recorded on an entry, as it was recorded.'},
            bases=['Model'],
        ),
    ]
