"""Decoding cost: the SDK's page pipeline against plain ``orjson.loads``.

One realistic 100-session page (``_records.py``: nulls, several currencies,
unicode addresses) is serialized once with ``orjson.dumps``; then, in one run:

* (a) ``orjson.loads(body)``: the floor, JSON to dicts;
* (b) ``structure_page(Structurer(), orjson.loads(body), ChargingSession, ...)``: what
  the client does with every page (decode, check the envelope, build models).

Each is timed ``timeit``-style, with the garbage collector on as in a real
program: ``--rounds`` rounds of ``--number`` pages; the best round (the least
disturbed one) is reported, the median beside it. Target: (b)/(a) <= 4.

The same page decoded again and again flatters (b) (warm caches, the converter's
Decimal cache always hits), so both are also timed cycling through ``--distinct``
different pages, for information. pydantic / msgspec equivalents, generated
from the SDK's models, are shown if installed (never installed for this).

    python bench/decode.py --rounds 15 --number 200
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import statistics
import sys
import timeit
from collections.abc import Callable

import orjson
from _records import session_records

from cariqa_async._converter import Structurer
from cariqa_async._pagination import structure_page
from cariqa_async.models import ChargingSession

SESSIONS = 100
TARGET = 4.0
NEXT = "https://connect.cariqa.com/api/v1/users/u/charging-sessions/?page=3&page_size=100"
PREVIOUS = "https://connect.cariqa.com/api/v1/users/u/charging-sessions/?page_size=100"


def on_error(field: str, message: str) -> Exception:
    return ValueError(f"{field}: {message}")


def page_bodies(pages: int) -> list[bytes]:
    """``pages`` different pages of ``SESSIONS`` sessions each, as the API sends them."""
    records = session_records(pages * SESSIONS)
    return [
        orjson.dumps(
            {
                "count": len(records),
                "next": NEXT,
                "previous": PREVIOUS,
                "results": records[index * SESSIONS : (index + 1) * SESSIONS],
            }
        )
        for index in range(pages)
    ]


def check(structurer: Structurer, body: bytes) -> None:
    """The records decode fully, and carry no field the models would skip."""
    assert (
        len(structure_page(structurer, orjson.loads(body), ChargingSession, on_error=on_error))
        == SESSIONS
    )
    data = orjson.loads(body)
    for row in data["results"]:
        row["session_cost"].setdefault("invoice_view", None)  # absent from the spec
    structure_page(Structurer(strict=True), data, ChargingSession, on_error=on_error)


def time_per_page(func: Callable[[], object], rounds: int, number: int) -> tuple[float, float]:
    """Best and median seconds per call over ``rounds`` rounds of ``number`` calls."""
    totals = timeit.Timer(func, setup="gc.enable()").repeat(repeat=rounds, number=number)
    return min(totals) / number, statistics.median(totals) / number


def contenders(bodies: list[bytes]) -> dict[str, Callable[[], object]]:
    structurer = Structurer()
    body, cycle = bodies[0], itertools.cycle(bodies).__next__
    found: dict[str, Callable[[], object]] = {
        "(a) orjson.loads": lambda: orjson.loads(body),
        "(b) orjson.loads + structure_page": lambda: structure_page(
            structurer, orjson.loads(body), ChargingSession, on_error=on_error
        ),
        f"(a) ... {len(bodies)} distinct pages": lambda: orjson.loads(cycle()),
        f"(b) ... {len(bodies)} distinct pages": lambda: structure_page(
            structurer, orjson.loads(cycle()), ChargingSession, on_error=on_error
        ),
    }
    if importlib.util.find_spec("msgspec") is not None:
        import _rivals

        found["msgspec Decoder(Page).decode"] = _rivals.msgspec_decoder(body)
    if importlib.util.find_spec("pydantic") is not None:
        import _rivals

        found["pydantic Page.model_validate_json"] = _rivals.pydantic_decoder(body)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timing rounds (15)")
    parser.add_argument("--number", type=int, default=200, help="pages per round (200)")
    parser.add_argument("--distinct", type=int, default=20, help="different pages (20)")
    args = parser.parse_args(argv)

    bodies = page_bodies(max(1, args.distinct))
    check(Structurer(), bodies[0])
    funcs = contenders(bodies)
    results = {name: time_per_page(f, args.rounds, args.number) for name, f in funcs.items()}

    names = list(funcs)
    print(
        f"decode: a page of {SESSIONS} sessions ({len(bodies[0]):,} bytes); best (median) "
        f"of {args.rounds} rounds x {args.number} pages, gc on"
    )
    print(f"{'pipeline':<38}{'us/session':>11}{'(median)':>10}{'us/page':>9}{'x (a)':>7}")
    for name, (best, median) in results.items():
        floor = results[names[2] if "distinct" in name else names[0]][0]
        print(
            f"{name:<38}{best * 1e6 / SESSIONS:>11.2f}{median * 1e6 / SESSIONS:>10.2f}"
            f"{best * 1e6:>9.0f}{best / floor:>7.2f}"
        )
    ratio = results[names[1]][0] / results[names[0]][0]
    mark = "PASS" if ratio <= TARGET else "MISS"
    print(f"(b)/(a) = {ratio:.2f} (best of rounds)   target <= {TARGET:g}x orjson   {mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
