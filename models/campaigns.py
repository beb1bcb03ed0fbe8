"""Rule runs (Executar / Logs de Execução), call campaigns and their entries, service tickets."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import ContactActor, EntryState, RunStatus, TicketStatus, sql_in
from models.fields import Timestamp, money, positive

# History (runs, campaigns, entries, receivables) points to the rules and catalog items with
# ON DELETE RESTRICT: deleting one in use is refused, never a silent loss (migration 0006).


class RuleRun(Model):
    id = fields.IntField(primary_key=True)
    rule = fields.ForeignKeyField(
        "models.CollectionRule", related_name="runs", on_delete=fields.RESTRICT
    )
    started_by = fields.ForeignKeyField(
        "models.User", related_name="rule_runs", null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(RunStatus, max_length=10, default=RunStatus.RUNNING)
    started_at = Timestamp(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)
    # Moved by the process doing the run; a running run whose heartbeat stopped was left by
    # a process that died (negotiation/stale_runs.py).
    heartbeat_at = fields.DatetimeField(null=True)
    progress = fields.IntField(default=0)  # percent
    customers_count = fields.IntField(default=0)
    receivables_count = fields.IntField(default=0)
    amount = money(default=0)
    log = fields.TextField(default="")
    error = fields.TextField(null=True)

    class Meta:
        table = "rule_run"
        ordering = ["-started_at", "-id"]
        constraints = (
            CheckConstraint(check=sql_in("status", RunStatus), name="ck_run_status"),
            CheckConstraint(check="progress >= 0 AND progress <= 100", name="ck_run_progress"),
        )


class Campaign(Model):
    """Campanha de Ligação: the call list one run produced."""

    id = fields.IntField(primary_key=True)
    rule = fields.ForeignKeyField(
        "models.CollectionRule", related_name="campaigns", on_delete=fields.RESTRICT
    )
    run = fields.OneToOneField(
        "models.RuleRun", related_name="campaign", null=True, on_delete=fields.SET_NULL
    )
    description = fields.CharField(max_length=160)
    contact_type = fields.ForeignKeyField(
        "models.ContactType", related_name="campaigns", null=True, on_delete=fields.RESTRICT
    )
    active = fields.BooleanField(default=True)
    created_at = Timestamp(auto_now_add=True)

    class Meta:
        table = "campaign"
        ordering = ["-created_at", "-id"]


class CampaignEntry(Model):
    """One debtor in a campaign, with the grouping of their debt and the result of the contact."""

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField(
        "models.Campaign", related_name="entries", on_delete=fields.CASCADE
    )
    # Denormalised from the campaign so "one open entry per rule and customer" is a unique
    # partial index (created in the migration: Meta cannot express it on SQLite).
    rule = fields.ForeignKeyField(
        "models.CollectionRule", related_name="entries", on_delete=fields.RESTRICT
    )
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="campaign_entries", on_delete=fields.RESTRICT
    )
    position = fields.IntField()
    total_debt = money()
    receivables_count = fields.IntField()
    oldest_due_date = fields.DateField()
    plans = fields.CharField(max_length=255, null=True)
    call_at = fields.DatetimeField(null=True)  # the entry's call turn
    state = fields.CharEnumField(EntryState, max_length=12, default=EntryState.PENDING)
    result_type = fields.ForeignKeyField(
        "models.ResultType", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    collection_status = fields.ForeignKeyField(
        "models.CollectionStatus", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    reschedule_at = fields.DatetimeField(null=True)
    notes = fields.TextField(null=True)
    attempts = fields.IntField(default=0)
    # The dialer's lease: while in the future, one dialer process owns the entry.
    leased_until = fields.DatetimeField(null=True)
    agency = fields.ForeignKeyField(
        "models.Agency", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    exported_at = fields.DatetimeField(null=True)
    agreement = fields.ForeignKeyField(
        "models.Agreement", related_name="entries", null=True, on_delete=fields.SET_NULL
    )
    created_at = Timestamp(auto_now_add=True)
    updated_at = Timestamp(auto_now=True)

    class Meta:
        table = "campaign_entry"
        ordering = ["campaign_id", "position"]
        indexes = (("customer_id", "state"), ("agency_id",), ("state", "call_at"))
        unique_together = (("campaign", "position"),)
        constraints = (
            CheckConstraint(check=sql_in("state", EntryState), name="ck_entry_state"),
            CheckConstraint(
                check=positive("total_debt") + " AND receivables_count > 0", name="ck_entry_debt"
            ),
        )


class EntryResult(Model):
    """One result recorded on an entry, as it was recorded: by whom (an attendant, an agency
    user, or the robot's call), when, and what. The entry keeps only its latest result; the
    results report (negotiation/results_report.py) lists these."""

    id = fields.IntField(primary_key=True)
    entry = fields.ForeignKeyField(
        "models.CampaignEntry", related_name="results", on_delete=fields.CASCADE
    )
    actor = fields.CharEnumField(ContactActor, max_length=10)
    user = fields.ForeignKeyField(
        "models.User", related_name="entry_results", null=True, on_delete=fields.SET_NULL
    )
    result_type = fields.ForeignKeyField(
        "models.ResultType", related_name="results", null=True, on_delete=fields.RESTRICT
    )
    collection_status = fields.ForeignKeyField(
        "models.CollectionStatus", related_name="results", null=True, on_delete=fields.RESTRICT
    )
    notes = fields.TextField(null=True)
    agreement = fields.ForeignKeyField(
        "models.Agreement", related_name="results", null=True, on_delete=fields.SET_NULL
    )
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "entry_result"
        ordering = ["recorded_at", "id"]
        indexes = (("recorded_at", "id"), ("entry_id",))
        constraints = (
            CheckConstraint(check=sql_in("actor", ContactActor), name="ck_result_actor"),
        )


class ServiceTicket(Model):
    """Atendimento: a support ticket opened from a contact."""

    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="tickets", on_delete=fields.RESTRICT
    )
    entry = fields.ForeignKeyField(
        "models.CampaignEntry", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    opened_by = fields.ForeignKeyField(
        "models.User", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    subject = fields.CharField(max_length=160)
    description = fields.TextField(default="")
    status = fields.CharEnumField(TicketStatus, max_length=10, default=TicketStatus.OPEN)
    created_at = Timestamp(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "service_ticket"
        ordering = ["-created_at", "-id"]
        constraints = (
            CheckConstraint(check=sql_in("status", TicketStatus), name="ck_ticket_status"),
        )
