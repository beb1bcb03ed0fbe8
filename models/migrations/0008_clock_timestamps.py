"""Timestamps come from Quita's clock (models.fields.Timestamp, a DatetimeField whose automatic
stamps read models.clock): the columns are unchanged, so only the migration state changes."""

from tortoise import migrations
from models.migration_ops import StateOnlyAlterField
from models.fields import Timestamp

class Migration(migrations.Migration):
    dependencies = [('models', '0007_sandbox')]

    initial = False

    operations = [
        StateOnlyAlterField(
            model_name='Agreement',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='AuditLog',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Call',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Call',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='Campaign',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='CampaignEntry',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='CampaignEntry',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='CollectionRule',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='CollectionRule',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='ConsoleSession',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='ContactAttempt',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Conversation',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Conversation',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='Customer',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Customer',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='Delivery',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Delivery',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='DialogState',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='IdentityLock',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='Message',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='OutboundEvent',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Payment',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='PaymentCondition',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='PaymentCondition',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='PaymentInstrument',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='ProcessedUpdate',
            name='received_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Receivable',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='Receivable',
            name='updated_at',
            field=Timestamp(auto_now=True, auto_now_add=False),
        ),
        StateOnlyAlterField(
            model_name='RuleRun',
            name='started_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='SandboxMessage',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='ServiceTicket',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='UsedLink',
            name='used_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
        StateOnlyAlterField(
            model_name='User',
            name='created_at',
            field=Timestamp(auto_now=False, auto_now_add=True),
        ),
    ]
