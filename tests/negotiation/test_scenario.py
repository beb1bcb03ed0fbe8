"""negotiation.scenario: the calculator's JSON in, JSON out (issue 2, section 4)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from negotiation.errors import InvalidInput
from negotiation.scenario import parse_scenarios, simulate_text
from tests.issue_example import EXAMPLE_INPUT, EXAMPLE_OUTPUT


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE_INPUT)


def run(scenario: Any) -> Any:
    """simulate_text on a Python value, through real JSON text; the result as plain JSON."""
    return json.loads(json.dumps(simulate_text(json.dumps(scenario))))


def error_of(scenario: Any) -> str:
    with pytest.raises(InvalidInput) as info:
        simulate_text(scenario if isinstance(scenario, str) else json.dumps(scenario))
    message = str(info.value)
    assert "\n" not in message  # one line
    return message


# --------------------------------------------------------------------------------------------
# the example and its variants


def test_issue_example_gives_issue_output() -> None:
    result = simulate_text(EXAMPLE_INPUT)
    # the result is JSON-ready (strings, ints, None, lists, dicts) and equal to the issue's
    assert json.loads(json.dumps(result)) == json.loads(EXAMPLE_OUTPUT)
    assert result == json.loads(EXAMPLE_OUTPUT)


def test_example_with_fields_left_at_their_defaults() -> None:
    # optional fields left out: the same result
    scenario = example()
    del scenario["down_payment"]
    for field in ("active", "amount_min", "amount_max", "overdue_days_min", "overdue_days_max"):
        del scenario["condition"][field]
    for field in ("billing_method_filter", "min_installment_amount"):
        del scenario["condition"][field]
    del scenario["receivables"][0]["status"]
    del scenario["receivables"][0]["billing_method"]
    assert run(scenario) == json.loads(EXAMPLE_OUTPUT)


def test_json_numbers_are_read_as_exact_decimals() -> None:
    # 99.90 as a JSON number (not a string) and percentages as numbers: same output
    scenario = example()
    scenario["receivables"][0]["amount"] = 99.9
    scenario["condition"]["fine_pct"] = 2
    scenario["condition"]["interest_pct"] = 1.0
    assert run(scenario) == json.loads(EXAMPLE_OUTPUT)


def test_array_of_scenarios_gives_array_in_same_order() -> None:
    first = example()
    second = example()
    second["receivables"][0]["amount"] = "50.00"  # 50.00 + 2% fine 1.00 + interest 1.30
    third = example()
    third["condition"]["amount_max"] = "10.00"  # not eligible
    results = run([first, second, third])
    assert isinstance(results, list)
    assert len(results) == 3
    assert results[0] == json.loads(EXAMPLE_OUTPUT)
    assert results[1] == run(second)
    assert results[1]["principal"] == "50.00"
    assert results[1]["fine"] == "1.00"  # 50.00 * 2% = 1.00
    assert results[1]["interest"] == "1.30"  # 50.00 * 1% * 78/30 = 1.30
    assert results[2]["eligible"] is False
    # reversed input, reversed output
    assert run([third, second, first]) == results[::-1]


def test_array_of_one_scenario_gives_array_of_one() -> None:
    assert run([example()]) == [json.loads(EXAMPLE_OUTPUT)]
    scenarios, as_list = parse_scenarios(json.dumps([example()]))
    assert as_list is True
    assert len(scenarios) == 1
    scenarios, as_list = parse_scenarios(EXAMPLE_INPUT)
    assert as_list is False
    assert len(scenarios) == 1


def test_not_eligible_scenario_gives_eligible_false_and_no_offers() -> None:
    scenario = example()
    scenario["condition"]["amount_max"] = "99.89"  # one cent below the principal 99.90
    result = run(scenario)
    assert result["eligible"] is False
    assert result["offers"] == []
    assert result["principal"] == "99.90"


def test_inactive_condition_gives_no_offers() -> None:
    scenario = example()
    scenario["condition"]["active"] = False
    result = run(scenario)
    assert result["eligible"] is False
    assert result["offers"] == []


def test_nothing_overdue_is_not_eligible() -> None:
    scenario = example()
    scenario["receivables"][0]["due_date"] = "2026-11-27"  # due on as_of: 0 days late
    result = run(scenario)
    assert result["eligible"] is False
    assert result["offers"] == []
    assert result["receivables"] == []
    assert result["principal"] == "0.00"
    assert result["max_days_late"] is None


def test_requested_down_payment_raises_only_options_with_a_minimum() -> None:
    scenario = example()
    scenario["down_payment"] = "54.50"
    result = run(scenario)
    expected = json.loads(EXAMPLE_OUTPUT)
    assert result["offers"][:2] == expected["offers"][:2]
    offer = result["offers"][2]
    assert offer["down_payment"] == "54.50"
    # 104.50 - 54.50 = 50.00 over 3: 16.6666 -> 16.66 ; 50.00 - 33.32 = 16.68 on payment 2
    assert [p["amount"] for p in offer["schedule"]] == ["54.50", "16.68", "16.66", "16.66"]


def test_requested_down_payment_above_total_is_capped() -> None:
    scenario = example()
    scenario["down_payment"] = "500.00"
    offer = run(scenario)["offers"][2]
    assert offer["down_payment"] == "104.50"
    assert [p["amount"] for p in offer["schedule"]] == ["104.50", "0.00", "0.00", "0.00"]


def test_min_installment_amount_leaves_options_out_and_keeps_indexes() -> None:
    scenario = example()
    # option 1: 34.40 each -> kept ; option 2: smallest 24.38 -> left out ; option 0: 91.71
    scenario["condition"]["min_installment_amount"] = "25.00"
    result = run(scenario)
    assert [o["option"] for o in result["offers"]] == [0, 1]
    scenario["condition"]["min_installment_amount"] = "24.38"  # exactly the smallest: kept
    assert [o["option"] for o in run(scenario)["offers"]] == [0, 1, 2]


def test_billing_method_filter_in_scenario() -> None:
    scenario = example()
    scenario["receivables"].append(
        {"id": "r2", "due_date": "2026-11-17", "amount": "10.00", "billing_method": "pix"}
    )
    scenario["condition"]["billing_method_filter"] = "pix"
    result = run(scenario)
    assert result["receivables"] == ["r2"]
    assert result["principal"] == "10.00"
    assert result["max_days_late"] == 10  # 2026-11-17 -> 2026-11-27
    assert result["fine"] == "0.20"  # 10.00 * 2%
    assert result["interest"] == "0.03"  # 10.00 * 1% * 10/30 = 0.0333 -> 0.03


# --------------------------------------------------------------------------------------------
# invalid input: InvalidInput, one line naming the field


def with_change(change) -> dict[str, Any]:
    scenario = copy.deepcopy(example())
    change(scenario)
    return scenario


def test_missing_field() -> None:
    message = error_of(with_change(lambda s: s["condition"].pop("fine_pct")))
    assert "fine_pct" in message
    assert "missing" in message


def test_missing_top_level_field() -> None:
    message = error_of(with_change(lambda s: s.pop("as_of")))
    assert "as_of" in message
    assert "missing" in message


def test_missing_receivable_field_names_its_position() -> None:
    message = error_of(with_change(lambda s: s["receivables"][0].pop("due_date")))
    assert "receivables[0].due_date" in message


def test_negative_amount() -> None:
    message = error_of(with_change(lambda s: s["receivables"][0].update(amount="-1.00")))
    assert "receivables[0].amount" in message
    assert "negative" in message


@pytest.mark.parametrize("field", ["amount_min", "amount_max", "min_installment_amount"])
def test_negative_condition_amount(field: str) -> None:
    message = error_of(with_change(lambda s: s["condition"].update({field: "-0.01"})))
    assert field in message


def test_negative_down_payment() -> None:
    message = error_of(with_change(lambda s: s.update(down_payment="-5.00")))
    assert "down_payment" in message


@pytest.mark.parametrize("value", ["100.01", "101", "-0.01", "-1"])
def test_condition_percentage_outside_0_100(value: str) -> None:
    message = error_of(with_change(lambda s: s["condition"].update(fine_pct=value)))
    assert "fine_pct" in message
    assert "100" in message  # says the allowed range


@pytest.mark.parametrize(
    "field", ["interest_discount_pct", "debt_discount_pct", "min_down_payment_pct"]
)
def test_option_percentage_outside_0_100(field: str) -> None:
    message = error_of(with_change(lambda s: s["condition"]["options"][1].update({field: "150"})))
    assert f"condition.options[1].{field}" in message


def test_percentages_at_0_and_100_are_accepted() -> None:
    scenario = with_change(lambda s: s["condition"].update(fine_pct="0", interest_pct="100"))
    result = run(scenario)
    assert result["fine"] == "0.00"
    assert result["interest"] == "259.74"  # 99.90 * 100% * 78/30 = 259.74


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "2026-00-10", "not a date"])
def test_impossible_date(value: str) -> None:
    message = error_of(with_change(lambda s: s["receivables"][0].update(due_date=value)))
    assert "receivables[0].due_date" in message
    assert value in message


def test_impossible_as_of() -> None:
    message = error_of(with_change(lambda s: s.update(as_of="2026-02-30")))
    assert "as_of" in message


@pytest.mark.parametrize("value", [20261127, 1764201600, None, ["2026-11-27"]])
def test_non_string_date(value: Any) -> None:
    message = error_of(with_change(lambda s: s.update(as_of=value)))
    assert "as_of" in message


def test_duplicate_receivable_id() -> None:
    def dup(s: dict[str, Any]) -> None:
        s["receivables"].append({**s["receivables"][0], "amount": "5.00"})

    message = error_of(with_change(dup))
    assert "receivables" in message
    assert "r1" in message


@pytest.mark.parametrize("value", ["1.001", "99.905", 0.125])
def test_amount_with_three_decimals(value: Any) -> None:
    message = error_of(with_change(lambda s: s["receivables"][0].update(amount=value)))
    assert "receivables[0].amount" in message
    assert "decimal" in message


def test_amount_with_trailing_zero_third_decimal_is_fine() -> None:
    # "99.900" is exactly 99.90
    scenario = with_change(lambda s: s["receivables"][0].update(amount="99.900"))
    assert run(scenario) == json.loads(EXAMPLE_OUTPUT)


def test_amount_min_greater_than_amount_max() -> None:
    message = error_of(
        with_change(lambda s: s["condition"].update(amount_min="100.00", amount_max="99.99"))
    )
    assert "amount_min" in message
    assert "amount_max" in message


def test_overdue_days_min_greater_than_max() -> None:
    message = error_of(
        with_change(lambda s: s["condition"].update(overdue_days_min=10, overdue_days_max=9))
    )
    assert "overdue_days_min" in message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.update(extra=1), "extra"),
        (lambda s: s["condition"].update(fine=2), "fine"),
        (lambda s: s["condition"]["options"][0].update(discount="5"), "discount"),
        (lambda s: s["receivables"][0].update(value="1.00"), "value"),
    ],
)
def test_unknown_field(change, field: str) -> None:
    message = error_of(with_change(change))
    assert field in message
    assert "unknown" in message


@pytest.mark.parametrize("text", ['{"as_of": ', "", "not json", "{'as_of': '2026-11-27'}"])
def test_unreadable_json(text: str) -> None:
    message = error_of(text)
    assert "JSON" in message


def test_empty_array() -> None:
    message = error_of("[]")
    assert "array" in message or "scenario" in message


@pytest.mark.parametrize("text", ['"a scenario"', "42", "null", "true"])
def test_top_level_not_object_or_array(text: str) -> None:
    message = error_of(text)
    assert "scenario" in message


def test_error_in_array_names_the_scenario_index() -> None:
    bad = with_change(lambda s: s["condition"].pop("interest_pct"))
    message = error_of([example(), bad])
    assert "[1]" in message
    assert "interest_pct" in message


def test_installments_must_be_at_least_one() -> None:
    message = error_of(with_change(lambda s: s["condition"]["options"][0].update(installments=0)))
    assert "installments" in message


def test_options_must_not_be_empty() -> None:
    message = error_of(with_change(lambda s: s["condition"].update(options=[])))
    assert "options" in message


def test_negative_days() -> None:
    message = error_of(with_change(lambda s: s["condition"].update(days_to_first_due=-1)))
    assert "days_to_first_due" in message
