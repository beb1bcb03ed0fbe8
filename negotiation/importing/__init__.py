"""Data in: customers and receivables from the ISP's billing system (issue 3, section 3).

Rows are mappings of column name to value, from a CSV file (`read_csv`) or a JSON bulk
request. Every line is checked first; a line with problems is rejected with its line number,
its external id and one pt-BR reason per problem. The good lines are then written in ONE
transaction, in batches (`INSERT ... ON CONFLICT (external_id) DO UPDATE`, many rows per
round trip): either all good lines land or, on a database error, none does.

Upsert rules (the README's "Data in" says the same for the people who prepare the files):

- a row is matched on `external_id`; a new id creates, a known one updates;
- a column that is absent from the row keeps the stored value; a column that is present but
  empty clears it (or sets the default: customer status `active`, billing method `boleto`,
  receivable status `open`, issue date = due date);
- a receivable that is negotiated or belongs to an agreement is never changed by an import;
- the later line of two with the same external id (or two customers with the same CPF/CNPJ)
  is rejected.

To import customers and receivables atomically together (e.g. one JSON request carrying
both), call both inside one `in_transaction()`: the receivables then see the customers.

The package, by concern: `csv_file` (reading the file), `values` (dates, cells), `amounts`
and `phones` (in negotiation/, shared with the channels), `customer_rows` and
`receivable_rows` (one line's checks), `lines` (numbering, repeats), `batches` (chunked SQL,
locks, the one transaction), `customers` and `receivables` (the upserts), `report`.
"""

from negotiation.importing.batches import BATCH_SIZE, IN_CHUNK
from negotiation.importing.csv_file import CsvRow, read_csv
from negotiation.importing.customer_rows import (
    CUSTOMER_COLUMNS,
    CUSTOMER_REQUIRED,
    CUSTOMER_STATUS_ALIASES,
    UFS,
)
from negotiation.importing.customers import import_customers
from negotiation.importing.receivable_rows import (
    RECEIVABLE_COLUMNS,
    RECEIVABLE_REQUIRED,
    RECEIVABLE_STATUS_ALIASES,
)
from negotiation.importing.receivables import import_receivables
from negotiation.importing.report import NOT_A_ROW, ImportReport, Rejection
from negotiation.importing.values import ABSENT, parse_date, parse_datetime

__all__ = [
    "ABSENT",
    "BATCH_SIZE",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_REQUIRED",
    "CUSTOMER_STATUS_ALIASES",
    "IN_CHUNK",
    "NOT_A_ROW",
    "RECEIVABLE_COLUMNS",
    "RECEIVABLE_REQUIRED",
    "RECEIVABLE_STATUS_ALIASES",
    "UFS",
    "CsvRow",
    "ImportReport",
    "Rejection",
    "import_customers",
    "import_receivables",
    "parse_date",
    "parse_datetime",
    "read_csv",
]
