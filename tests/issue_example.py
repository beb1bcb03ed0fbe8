"""Issue 2's worked example for `quita simulate`, shared by the calculator tests."""

# The example, verbatim (its values are right).
EXAMPLE_INPUT = """
{"as_of": "2026-11-27",
 "receivables": [{"id": "r1", "due_date": "2026-09-10", "amount": "99.90", "billing_method": "boleto", "status": "open"}],
 "condition": {"active": true, "amount_min": "0.00", "amount_max": "99999.99", "overdue_days_min": 1, "overdue_days_max": 9999,
   "billing_method_filter": null, "fine_pct": "2", "interest_pct": "1", "days_to_first_due": 3, "min_installment_amount": null,
   "options": [
     {"installments": 1, "days_between": 0, "interest_discount_pct": "100", "debt_discount_pct": "10", "min_down_payment_pct": "0"},
     {"installments": 3, "days_between": 30, "interest_discount_pct": "50", "debt_discount_pct": "0", "min_down_payment_pct": "0"},
     {"installments": 4, "days_between": 20, "interest_discount_pct": "0", "debt_discount_pct": "0", "min_down_payment_pct": "30"}]},
 "down_payment": null}
"""  # noqa: E501

EXAMPLE_OUTPUT = """
{"eligible": true, "principal": "99.90", "fine": "2.00", "interest": "2.60", "max_days_late": 78, "receivables": ["r1"],
 "offers": [
  {"option": 0, "installments": 1, "interest": "0.00", "total": "91.71", "down_payment": null,
   "schedule": [{"number": 1, "due_date": "2026-11-30", "amount": "91.71"}]},
  {"option": 1, "installments": 3, "interest": "1.30", "total": "103.20", "down_payment": null,
   "schedule": [{"number": 1, "due_date": "2026-11-30", "amount": "34.40"}, {"number": 2, "due_date": "2026-12-30", "amount": "34.40"},
                {"number": 3, "due_date": "2027-01-29", "amount": "34.40"}]},
  {"option": 2, "installments": 4, "interest": "2.60", "total": "104.50", "down_payment": "31.35",
   "schedule": [{"number": 1, "due_date": "2026-11-30", "amount": "31.35"}, {"number": 2, "due_date": "2026-12-20", "amount": "24.39"},
                {"number": 3, "due_date": "2027-01-09", "amount": "24.38"}, {"number": 4, "due_date": "2027-01-29", "amount": "24.38"}]}]}
"""  # noqa: E501
