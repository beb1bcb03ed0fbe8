"""Identification lockouts per CPF/CNPJ as well as per chat or caller, with a growing lock
(identity_lock.locks, identity_lock.failed_at), and the sign-in throttle's sign_in_failure
table."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0014_inbound_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SignInFailure',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(max_length=150)),
                ('address', fields.CharField(max_length=64)),
                ('failed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sign_in_failure', 'app': 'models', 'indexes': [Index(fields=['username', 'failed_at']), Index(fields=['address', 'failed_at']), Index(fields=['failed_at'])], 'pk_attr': 'id', 'table_description': 'A failed sign-in, for the sign-in throttle.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='IdentityLock',
            name='failed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='IdentityLock',
            name='locks',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
