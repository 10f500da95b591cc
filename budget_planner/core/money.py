"""Exact money: one place that turns plan values into Decimal and Decimal into text.

Floats never enter here. A TOML float is a binary approximation, so it is refused with a
message saying what to write instead; amounts carry at most two decimals (whole cents).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
#: The largest amount accepted: fifteen integer digits keep every sum far from any rounding.
MAX_AMOUNT = Decimal("999999999999999.99")

_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(_\d+)*|\d{1,3}( \d{3})+)(\.\d+)?")
#: The usual amount, "1234.56" or "1234": it passes every check below, so it is read at once.
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")


class MoneyError(ValueError):
    """A value that is not a valid amount; `code` names the kind of mistake."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_money(value: object) -> Decimal:
    """Read an amount from a plan value: an integer or a decimal string with at most 2 decimals."""
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value).quantize(CENT)
    if isinstance(value, bool):
        raise MoneyError("wrong-type", f"expected an amount, found a boolean ({str(value).lower()})")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        raise MoneyError(
            "money-float",
            f"{value!r} is a TOML float, which cannot hold every amount exactly; "
            'write a whole number (1_850_000) or a quoted decimal string ("1234.56")',
        )
    elif isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            raise MoneyError(
                "money-invalid",
                f"{value!r} is not an amount; write digits with at most two decimals, "
                'such as "1234.56" or "1_850_000"',
            )
        amount = Decimal(text.replace("_", "").replace(" ", ""))  # the pattern is a Decimal
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise MoneyError(
                "money-precision",
                f"{value!r} has more than two decimals; amounts are kept in whole cents",
            )
    else:
        raise MoneyError(
            "wrong-type", f"expected an amount (integer or decimal string), found {type_name(value)}"
        )
    if amount < 0:
        raise MoneyError("money-negative", f"{value!r} is negative; amounts must be 0 or more")
    if amount > MAX_AMOUNT:
        raise MoneyError(
            "money-too-large", f"{value!r} is larger than the largest amount accepted ({MAX_AMOUNT:,})"
        )
    return abs(amount.quantize(CENT))  # abs: "-0" is 0.00, not -0.00


def to_cents(amount: Decimal) -> int:
    """Integer cents of an exact amount (raises if it is not a whole number of cents)."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)  # exact: the digits, two of them decimals


def split_cents(total: int, weights: Sequence[int | Decimal]) -> list[int]:
    """`total` cents split in proportion to `weights` by largest remainders.

    Each part is its exact share rounded down, and the cents this leaves go one each to the
    largest remainders, ties to the earlier weight: the parts add up to `total`, each is within
    a cent of its exact share, and the same weights always give the same parts. Worked in
    integers (decimal weights are scaled to whole numbers first), so nothing is rounded twice.
    """
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    whole = _whole_numbers(weights)
    weight_sum = sum(whole)
    if weight_sum == 0:
        if total:
            raise ValueError(f"cannot split {total} cents by weights that are all zero")
        return [0] * len(whole)
    parts = [total * weight // weight_sum for weight in whole]
    order = sorted(range(len(whole)),
                   key=lambda number: (-(total * whole[number] % weight_sum), number))
    for number in order[: total - sum(parts)]:
        parts[number] += 1
    return parts


def _whole_numbers(weights: Sequence[int | Decimal]) -> list[int]:
    """The weights times one common factor that makes each a whole number."""
    if all(type(weight) is int for weight in weights):
        return list(weights)  # type: ignore[arg-type]
    ratios = [weight.as_integer_ratio() for weight in weights]
    factor = math.lcm(*(denominator for _, denominator in ratios))
    return [numerator * (factor // denominator) for numerator, denominator in ratios]


def money_text(amount: Decimal | None) -> str | None:
    """The canonical decimal string used in JSON and CSV: `1850000.00`."""
    return None if amount is None else str(amount.quantize(CENT))


def cents_text(cents: int | None) -> str | None:
    """`money_text` of an amount in cents, without making a Decimal: `185000000` ->
    `1850000.00`."""
    if cents is None:
        return None
    size = abs(cents)
    return f"{'-' if cents < 0 else ''}{size // 100}.{size % 100:02d}"


def display(amount: Decimal | None, blank: str = "") -> str:
    """An amount for people: `1,850,000.00`."""
    return blank if amount is None else f"{amount.quantize(CENT):,}"


def type_name(value: object) -> str:
    """What a TOML value is called in messages."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
             list: "an array", dict: "a table"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"  # dates and times
