"""The robot dialer's hold on a debtor (dial_lease, one row per customer at most): one
dialer, one entry and one call at a time per debtor, across every campaign."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    # After 0008 on its branch; the merge puts it after the other branches' 0009 and 0010.
    dependencies = [('models', '0010_message_templates')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DialLease',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('customer', fields.OneToOneField('models.Customer', source_field='customer_id', db_constraint=True, to_field='id', related_name='dial_lease', on_delete=OnDelete.CASCADE)),
                ('until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('worker', fields.CharField(default='', max_length=40)),
            ],
            options={'table': 'dial_lease', 'app': 'models', 'indexes': [Index(fields=['until'])], 'pk_attr': 'id', 'table_description': "The robot dialer's hold on one debtor, across every campaign: one dialer process, one"},
            bases=['Model'],
        ),
    ]
