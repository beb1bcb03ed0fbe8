"""A rule run's heartbeat: written while the run works, so a run left "running" by a process
that died is told apart from one another instance is still doing."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0012_debt_pauses')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RuleRun',
            name='heartbeat_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
