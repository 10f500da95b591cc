"""How fast the what-if page answers a change:
`python -m benchmarks.serve_latency PLAN --cap SOURCE/PERIOD [--requests N]`.

Starts `budget-planner serve PLAN` as a user does (a process of its own, on the loopback
network), reads the page and its token, then moves one cap through N values, one request
after the other as the page sends them, on one kept-alive connection: from the cap the plan
sets (or, with none, what the source's eligible lines cost) down to half of it. A few first
changes warm up and are not counted. Prints the median and the 95th percentile of the answer
times, the latter last as `{"seconds": ...}` for benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import socket
import statistics
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.served import served

WARM_UP = 3


def scenario(source: str, period: str, amount: Decimal) -> str:
    """The scenario text the page writes for one cap."""
    return (f'# One cap moved on the what-if page.\nname = "What-if from the page"\n\n'
            f'[[funding.caps]]\nsource = "{source}"\nperiod = "{period}"\n'
            f'amount = "{amount}"\n')


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value at least `share` of them reach."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("plan", type=Path)
    parser.add_argument("--cap", required=True, metavar="SOURCE/PERIOD")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    source, period = args.cap.split("/", 1)
    with served(str(args.plan.resolve())) as url:
        address = urlsplit(url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        connection.connect()
        # As browsers do: http.client sends a request's headers and body apart, and with
        # Nagle's algorithm on, the body would wait for the server's delayed ACK.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.request("GET", "/")
        page = connection.getresponse().read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        data = json.loads(re.search(r'id="page-data">(.*?)</script>', page, re.S).group(1))
        given = [cap["amount"] for cap in data["caps"]
                 if cap["source"] == source and cap["period"] == period]
        top = Decimal(given[0] if given else data["eligible"][f"{source}|{period}"])
        seconds = []
        for number in range(WARM_UP + args.requests):
            amount = (top * (1 - Decimal(number) / (2 * (WARM_UP + args.requests)))).quantize(
                Decimal("0.01"))
            body = json.dumps({"scenario": scenario(source, period, amount),
                               "file": "what-if.toml"})
            started = time.perf_counter()
            connection.request("POST", "/api/allocate", body=body, headers={
                "Content-Type": "application/json", "X-CSRF-Token": token})
            response = connection.getresponse()
            answer = response.read()
            if number >= WARM_UP:
                seconds.append(time.perf_counter() - started)
            if response.status != 200 or not answer.startswith(b'{\n  "status": "optimal"'):
                raise SystemExit(f"unexpected answer {response.status}: {answer[:200]!r}")
        connection.close()
    print(f"{len(seconds)} changes of the {source} cap in {period}: median "
          f"{statistics.median(seconds) * 1000:.1f} ms, 95th percentile "
          f"{percentile(seconds, 0.95) * 1000:.1f} ms, slowest {max(seconds) * 1000:.1f} ms")
    print(json.dumps({"seconds": percentile(seconds, 0.95)}))


if __name__ == "__main__":
    main()
