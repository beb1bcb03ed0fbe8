"""The robot dialer's lease of a debtor (Customer.dial_lease_until, indexed: the dialer asks
which debtors are held on every batch): one dialer, one entry and one call at a time per
debtor, across every campaign."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_clock_timestamps')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Customer',
            name='dial_lease_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Customer',
            index=Index(fields=['dial_lease_until']),
        ),
    ]
