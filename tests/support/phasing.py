"""Plans for the phasing tests: a small phased plan, commitments to add to it, and the
illustrative phasing scenarios shipped for the seed plan."""

from __future__ import annotations

from .plans import ROOT

#: One period of two years: line a (1,000) is paid 60 % by the EC (a pledge of 600) and the
#: rest by National, with its own years 300 and 700; line b (500) by the EC alone, spread by
#: the period's profile 1:4. Tests add commitments.
PHASED = """
[programme]
name = "Phased"
currency = "EUR"
total = 1_500

[[sources]]
id = "EC"

[[sources]]
id = "NATIONAL"

[[periods]]
id = "2020-2021"
first_year = 2020
last_year = 2021
total = 1_500
profile = [1, 4]

[[periods.lines]]
id = "a"
activity = "A"
amount = 1_000
sources = ["EC", "NATIONAL"]
years = { "2020" = 300, "2021" = 700 }

[[periods.lines]]
id = "b"
activity = "B"
amount = 500
sources = ["EC"]

[[funding.pledges]]
source = "EC"
line = "a"
amount = 600
"""

#: The EC commits 700 for 2020 and 500 for 2021 under N+2, with 50 of pre-financing.
EC_N2 = """
[[commitments]]
source = "EC"
lag_years = 2
prefinancing = 50
years = { "2020" = 700, "2021" = 500 }
"""

PHASING_SCENARIOS = ROOT / "plans" / "scenarios" / "phasing"
#: The seed plan phased 1:1:1:2:3:5:8 in 2014-2020, with invented EC and EU SF commitments.
ILLUSTRATIVE = PHASING_SCENARIOS / "n-plus-n.toml"
#: On top of it: the EC's 2016 tranche cut from 7,000,000 to 6,000,000.
CUT_2016 = PHASING_SCENARIOS / "ec-2016-tranche-cut.toml"
