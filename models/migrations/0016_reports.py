"""When an entry's result was recorded and by whom (campaign_entry.result_at, result_by), for
the results report. Entries that already have a result get their last change as its moment:
the best the history holds."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0015_identity_lockouts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CampaignEntry',
            name='result_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='CampaignEntry',
            name='result_by',
            field=fields.ForeignKeyField('models.User', source_field='result_by_id', null=True, db_constraint=True, to_field='id', related_name='entry_results', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(model_name='CampaignEntry', index=Index(fields=['result_at'])),
        ops.RunSQL(
            "UPDATE campaign_entry SET result_at = updated_at"
            " WHERE result_type_id IS NOT NULL AND result_at IS NULL",
            reverse_sql="SELECT 1",
        ),
    ]
