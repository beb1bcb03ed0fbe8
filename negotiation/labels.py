"""The pt-BR name of every code a person may see: each enum's members, the permissions, the
audit log's fixed actions and entities, and the customer statuses and billing methods stored as
lower-case text. Templates use `label` (a Jinja global and filter, negotiation/rendering.py);
console forms take their select options from `choices`. A code without a name here is shown
as it is (never an error), and tests/negotiation/test_labels.py fails when an enum member is
added without one."""

from __future__ import annotations

import re
from enum import StrEnum

from models.enums import (
    ActionKind,
    ActionSendStatus,
    AgreementStatus,
    BreakAction,
    CallDirection,
    CallStatus,
    Channel,
    ContactActor,
    ContactKind,
    ContactOutcome,
    ConversationState,
    DeliveryChannel,
    DeliveryStatus,
    EntryState,
    EventStatus,
    FilterField,
    FilterOperator,
    MessageAuthor,
    MessageDirection,
    PaymentSource,
    ReceivableStatus,
    RefusalReason,
    ResultKind,
    Role,
    RunStatus,
    TicketStatus,
)
from models.sandbox import SandboxChannel
from negotiation.permissions import Permission

# One table per enum: the same code may read differently in two enums ("in" is a message
# received and a filter operator), so a member is looked up in its own enum's table.
ENUMS: dict[type[StrEnum], dict[str, str]] = {
    Channel: {
        Channel.CONSOLE: "Console",
        Channel.API: "API",
        Channel.TELEGRAM: "Telegram",
        Channel.VOICE: "Ligação",
        Channel.SMS: "SMS",
        Channel.EMAIL: "E-mail",
        Channel.AGENCY: "Escritório de cobrança",
        Channel.CLI: "Linha de comando",
    },
    ReceivableStatus: {
        ReceivableStatus.OPEN: "Em aberto",
        ReceivableStatus.PAID: "Paga",
        ReceivableStatus.NEGOTIATED: "Negociada",
        ReceivableStatus.CANCELLED: "Cancelada",
    },
    AgreementStatus: {
        AgreementStatus.ACTIVE: "Ativo",
        AgreementStatus.FULFILLED: "Quitado",
        AgreementStatus.BROKEN: "Rompido",
        AgreementStatus.CANCELLED: "Cancelado",
    },
    EntryState: {
        EntryState.PENDING: "Aguardando",
        EntryState.SCHEDULED: "Reagendada",
        EntryState.IN_PROGRESS: "Em andamento",
        EntryState.DONE: "Concluída",
        EntryState.EXPORTED: "Exportada",
        EntryState.CANCELLED: "Cancelada",
    },
    ConversationState: {
        ConversationState.WAITING: "Aguardando",
        ConversationState.CLAIMED: "Assumida",
        ConversationState.BOT: "Com o robô",
        ConversationState.CLOSED: "Encerrada",
    },
    MessageAuthor: {
        MessageAuthor.DEBTOR: "Cliente",
        MessageAuthor.BOT: "Robô",
        MessageAuthor.ATTENDANT: "Atendente",
        MessageAuthor.SYSTEM: "Sistema",
    },
    MessageDirection: {
        MessageDirection.IN: "Recebida",
        MessageDirection.OUT: "Enviada",
    },
    Role: {
        Role.ADMIN: "Administrador",
        Role.SUPERVISOR: "Supervisor",
        Role.ATTENDANT: "Atendente",
        Role.AGENCY: "Escritório de cobrança",
    },
    PaymentSource: {
        PaymentSource.PIX: "Pix",
        PaymentSource.FILE: "Arquivo",
        PaymentSource.API: "API",
    },
    EventStatus: {
        EventStatus.PENDING: "Pendente",
        EventStatus.SENT: "Enviado",
        EventStatus.FAILED: "Falhou",
    },
    ContactActor: {
        ContactActor.ROBOT: "Robô (ligação)",
        ContactActor.BOT: "Robô (mensagem)",
        ContactActor.ATTENDANT: "Atendente",
        ContactActor.AGENCY: "Escritório de cobrança",
        ContactActor.DEBTOR: "Cliente",
    },
    ContactOutcome: {
        ContactOutcome.ATTEMPTED: "Tentativa",
        ContactOutcome.CONVERSATION: "Conversa",
        ContactOutcome.NO_ANSWER: "Não atendeu",
        ContactOutcome.BUSY: "Ocupado",
        ContactOutcome.FAILED: "Falhou",
        ContactOutcome.VOICEMAIL: "Caixa postal",
        ContactOutcome.WRONG_PARTY: "Pessoa errada",
        ContactOutcome.AGREEMENT: "Acordo",
    },
    RefusalReason: {
        RefusalReason.OUTSIDE_WINDOW: "Fora do horário permitido",
        RefusalReason.HOLIDAY: "Feriado",
        RefusalReason.BUDGET: "Limite de contatos",
        RefusalReason.QUIET_DAYS: "Dias de descanso após conversa",
        RefusalReason.OPTED_OUT: "Cliente pediu para não ser contatado",
        RefusalReason.DEBT_PAID: "Dívida já paga ou negociada",
        RefusalReason.NOT_FOUND: "Cliente não encontrado",
        RefusalReason.PAUSED: "Cobrança pausada",
    },
    CallDirection: {
        CallDirection.OUTBOUND: "Saída",
        CallDirection.INBOUND: "Entrada",
    },
    CallStatus: {
        CallStatus.QUEUED: "Na fila",
        CallStatus.INITIATED: "Iniciada",
        CallStatus.RINGING: "Chamando",
        CallStatus.IN_PROGRESS: "Em andamento",
        CallStatus.COMPLETED: "Concluída",
        CallStatus.BUSY: "Ocupado",
        CallStatus.NO_ANSWER: "Não atendeu",
        CallStatus.FAILED: "Falhou",
        CallStatus.CANCELED: "Cancelada",
    },
    DeliveryChannel: {
        DeliveryChannel.EMAIL: "E-mail",
        DeliveryChannel.SMS: "SMS",
        DeliveryChannel.TELEGRAM: "Telegram",
    },
    ActionSendStatus: {
        ActionSendStatus.SENDING: "Enviando",
        ActionSendStatus.SENT: "Enviada",
        ActionSendStatus.POSTPONED: "Adiada",
        ActionSendStatus.REFUSED: "Recusada",
        ActionSendStatus.SKIPPED: "Sem endereço",
        ActionSendStatus.FAILED: "Falhou",
    },
    DeliveryStatus: {
        DeliveryStatus.PENDING: "Aguardando envio",
        DeliveryStatus.SENT: "Enviado",
        DeliveryStatus.DELIVERED: "Entregue",
        DeliveryStatus.FAILED: "Falhou",
    },
    BreakAction: {
        BreakAction.CANCEL: "Cancelar o acordo",
        BreakAction.MOVE_TO_END: "Mover a parcela para o fim",
    },
    ActionKind: {
        ActionKind.EMAIL: "E-mail",
        ActionKind.SMS: "SMS",
        ActionKind.TELEGRAM: "Telegram",
        ActionKind.ROBOT_CALL: "Ligação do robô",
    },
    ContactKind: {
        ContactKind.PHONE: "Telefone",
        ContactKind.ROBOT_CALL: "Ligação do robô",
        ContactKind.TELEGRAM: "Telegram",
        ContactKind.EMAIL: "E-mail",
        ContactKind.SMS: "SMS",
    },
    ResultKind: {
        ResultKind.NEGOTIATED: "Negociado",
        ResultKind.RESCHEDULE: "Reagendamento",
        ResultKind.NO_NEGOTIATION: "Sem negociação",
        ResultKind.UNREACHABLE: "Não localizado",
        ResultKind.WRONG_PARTY: "Pessoa errada",
        ResultKind.OTHER: "Outro",
    },
    FilterField: {
        FilterField.CITY: "Cidade",
        FilterField.STATE: "UF",
        FilterField.PLAN: "Plano",
        FilterField.CUSTOMER_STATUS: "Situação do cliente",
        FilterField.BILLING_METHOD: "Forma de cobrança",
        FilterField.DUE_DATE: "Vencimento",
        FilterField.DAYS_LATE: "Dias de atraso",
        FilterField.AMOUNT: "Valor da conta",
        FilterField.TOTAL_DEBT: "Dívida total",
        FilterField.OPEN_COUNT: "Contas em aberto",
    },
    FilterOperator: {
        FilterOperator.EQ: "igual a",
        FilterOperator.NE: "diferente de",
        FilterOperator.IN: "está em (lista)",
        FilterOperator.NOT_IN: "não está em (lista)",
        FilterOperator.LT: "menor que",
        FilterOperator.LE: "menor ou igual a",
        FilterOperator.GT: "maior que",
        FilterOperator.GE: "maior ou igual a",
        FilterOperator.BETWEEN: "entre",
        FilterOperator.CONTAINS: "contém",
    },
    RunStatus: {
        RunStatus.RUNNING: "Em execução",
        RunStatus.FINISHED: "Concluída",
        RunStatus.FAILED: "Falhou",
    },
    TicketStatus: {
        TicketStatus.OPEN: "Aberto",
        TicketStatus.CLOSED: "Fechado",
    },
    SandboxChannel: {
        SandboxChannel.EMAIL: "E-mail",
        SandboxChannel.SMS: "SMS",
        SandboxChannel.TELEGRAM: "Telegram",
        SandboxChannel.CALL: "Ligação do robô",
    },
    Permission: {
        Permission.CONFIGURE: "Configurar condições, réguas e cadastros",
        Permission.RUN_RULES: "Executar réguas de cobrança",
        Permission.VIEW_CAMPAIGNS: "Ver campanhas de ligação",
        Permission.VIEW_CUSTOMER: "Abrir o cadastro do cliente",
        Permission.NEGOTIATE: "Negociar e fazer acordos",
        Permission.RECORD_RESULTS: "Registrar resultados de contato",
        Permission.EXPORT_TO_AGENCY: "Exportar para escritório de cobrança",
        Permission.MANAGE_USERS: "Gerenciar usuários",
        Permission.VIEW_AUDIT: "Ver a auditoria",
        Permission.VIEW_REPORTS: "Baixar relatórios",
        Permission.IMPORT_DATA: "Importar dados",
        Permission.RECORD_PAYMENTS: "Registrar pagamentos",
        Permission.HANDLE_CONVERSATIONS: "Atender conversas",
    },
}

# Fixed codes stored as plain text (no enum): the audit log's actions and entities (entities
# are table names), and what the ISP's system exports as customer status and billing method
# (lower-cased on import, negotiation/importing).
TEXT_CODES: dict[str, dict[str, str]] = {
    "audit_action": {
        "create": "Criação",
        "update": "Alteração",
        "delete": "Exclusão",
        "import": "Importação",
        "export": "Exportação",
        "payment": "Pagamento",
        "opt_out": "Pedido para não ser contatado",
        "contact_refused": "Contato recusado",
        "contact_postponed": "Contato adiado",
        "start": "Início do atendimento",
        "negotiate": "Negociação",
        "result": "Resultado registrado",
        "open": "Abertura",
        "escalate": "Pedido de atendente",
        "claim": "Conversa assumida",
        "reply": "Resposta do atendente",
        "hand_back": "Devolvida ao robô",
        "close": "Encerramento",
        "agreement.create": "Acordo feito",
        "agreement.broken": "Acordo rompido",
        "installment.moved": "Parcela movida para o fim",
        "delivery.request": "Envio pedido",
    },
    "audit_entity": {
        "collection_status": "Status de cobrança",
        "result_type": "Tipo de resultado",
        "contact_type": "Tipo de contato",
        "agency": "Escritório",
        "user": "Usuário",
        "payment_condition": "Condição de pagamento",
        "collection_rule": "Régua de cobrança",
        "customer": "Cliente",
        "receivable": "Conta",
        "agreement": "Acordo",
        "delivery": "Envio",
        "message_template": "Modelo de mensagem",
        "campaign_entry": "Entrada de campanha",
        "service_ticket": "Chamado técnico",
        "conversation": "Conversa",
        "contact_window": "Janela de contato",
        "holiday": "Feriado",
    },
    "customer_status": {
        "active": "Ativo",
        "suspended": "Suspenso",
        "blocked": "Bloqueado",
        "inactive": "Inativo",
        "cancelled": "Cancelado",
    },
    "billing_method": {
        "boleto": "Boleto",
        "pix": "Pix",
        "cartao": "Cartão",
        "cartão": "Cartão",
        "credito": "Cartão de crédito",
        "crédito": "Cartão de crédito",
        "debito": "Débito automático",
        "débito": "Débito automático",
        "carne": "Carnê",
        "carnê": "Carnê",
        "dinheiro": "Dinheiro",
    },
}

# A plain string with no kind given (a value read with .values(), a dict from a service):
# the first table that knows it wins, enums before text codes, in the order above.
_ANY: dict[str, str] = {}
for _table in [*ENUMS.values(), *TEXT_CODES.values()]:
    for _code, _text in _table.items():
        _ANY.setdefault(str(_code), _text)


# Templates name an enum by its snake_case name: label(state, "entry_state").
_BY_NAME: dict[str, dict[str, str]] = {
    **{re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower(): t for cls, t in ENUMS.items()},
    **TEXT_CODES,
}


def _table(of: type[StrEnum] | str) -> dict[str, str]:
    return ENUMS[of] if isinstance(of, type) else _BY_NAME[of]


def label(value: object, of: type[StrEnum] | str | None = None) -> str:
    """`value`'s pt-BR name: from `of` (an enum class or a TEXT_CODES kind) when given, else from
    the member's own enum, else from any table; an unknown value comes back as it is."""
    if value is None:
        return ""
    if of is not None:
        table = _table(of)
    elif isinstance(value, StrEnum) and type(value) in ENUMS:
        table = ENUMS[type(value)]
    else:
        table = _ANY
    return table.get(str(value), str(value))


def choices(of: type[StrEnum] | str) -> dict[str, str]:
    """{code: name} for a select or a check, in the table's order (the order people read)."""
    return {str(code): text for code, text in _table(of).items()}
