"""The charging bot of ``docs/examples/charging_bot.py``, run against the sandbox.

The example is imported by path (it is not part of the package), run with a
strict client and a clock the test moves between polls; ``docs/charging-bot.md``
includes its sections from the file.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from cariqa_async import OutcomeUnknownError
from cariqa_async.sandbox import Sandbox

from .accounts import EVA_1, EVA_2, START, customer, started
from .conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "charging_bot.py"


def load_example() -> ModuleType:
    name = "docs_examples_charging_bot"
    spec = importlib.util.spec_from_file_location(name, EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up by name while the class is being made.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bot = load_example()


class Clock:
    """The bot's ``wait``: moves the sandbox clock instead of sleeping."""

    def __init__(self, sb: Sandbox, seconds: float) -> None:
        self.sb, self.seconds, self.polls = sb, seconds, 0

    async def __call__(self) -> None:
        self.polls += 1
        self.sb.advance_time(self.seconds)


async def test_the_bot_charges_to_its_target_stops_rates_and_sums_up() -> None:
    async with Sandbox(seed=11, users=1) as sb, client_for(sb) as client:
        user, _ = await customer(client, sb)
        clock = Clock(sb, 600)
        summary = await bot.run_bot(
            client, user.id, latitude=bot.WORMS[0], longitude=bot.WORMS[1],
            target_kwh=Decimal(5), wait=clock, rating=4,
        )  # fmt: skip

        # 11 kW for 10 minutes a poll: 1.833 kWh each, the target passed at the third.
        assert clock.polls == 3
        assert summary.readings == (Decimal("1.833"), Decimal("3.666"), Decimal("5.500"))
        assert (summary.station, summary.evse_id) == ("EVA Charge", EVA_1)
        assert (summary.energy, summary.duration, summary.rating) == (Decimal("5.500"), 1800, 4)
        assert started(sb) == 1
        session = await client.charging_sessions.get(user.id, summary.session_id)
        assert not session.is_active
        assert session.rates == 4
        [invoice] = (await client.invoices.list(user.id)).results
        assert invoice.charging_session_id == summary.session_id
        assert (invoice.total, invoice.currency) == (summary.cost, summary.currency)
        assert sb.evse_status(EVA_1) == "AVAILABLE"


async def test_the_bot_skips_a_busy_evse_and_survives_a_lost_start() -> None:
    async with Sandbox(seed=11, users=1) as sb, client_for(sb) as client:
        user, _ = await customer(client, sb)
        sb.set_evse_status(EVA_1, "OUTOFORDER")
        # The start runs but its answer never comes: ensure_started finds the session.
        sb.schedule_faults(["lost"], path=re.compile(r"/charging/start/$"))
        summary = await bot.run_bot(
            client, user.id, latitude=bot.WORMS[0], longitude=bot.WORMS[1],
            target_kwh=Decimal(1), wait=Clock(sb, 600),
        )  # fmt: skip
        assert summary.evse_id == EVA_2
        assert summary.readings == (Decimal("1.833"),)
        assert sb.stats.executed[START] == 1
        assert sb.session_ids(user.id) == [summary.session_id]

        # Without an answer and without a session, the bot does not guess.
        other, _ = await customer(client, sb)
        sb.schedule_faults(["drop"], path=re.compile(r"/charging/start/$"))
        with pytest.raises(OutcomeUnknownError):
            await bot.run_bot(
                client, other.id, latitude=bot.WORMS[0], longitude=bot.WORMS[1],
                wait=Clock(sb, 600),
            )  # fmt: skip
        assert sb.session_count(other.id) == 0
        # Nowhere free to charge: said so before anything is started.
        sb.set_evse_status(EVA_2, "CHARGING")
        with pytest.raises(LookupError):
            await bot.run_bot(
                client, other.id, latitude=bot.WORMS[0], longitude=bot.WORMS[1], distance=10
            )
        assert sb.stats.executed[START] == 1  # the lost start; the dropped one never ran


async def test_main_runs_the_bot_against_an_embedded_sandbox(
    capsys: pytest.CaptureFixture[str],
) -> None:
    summary = await bot.main()
    out = capsys.readouterr().out
    assert f"session {summary.session_id}" in out
    assert "5.500 kWh in 30 min" in out
    assert summary.rating == 5


def test_the_example_runs_as_a_script() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "CARIQA_TOKEN"},
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Charged at EVA Charge" in result.stdout


def test_the_docs_show_the_bot_from_the_file() -> None:
    """The page includes the file's sections (pymdownx.snippets), never a copy."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for section in ("run_bot", "main"):
        assert f"# --8<-- [start:{section}]" in text, f"the markers around {section} are gone"
        assert f"# --8<-- [end:{section}]" in text
    docs = (ROOT / "docs" / "charging-bot.md").read_text(encoding="utf-8")
    assert "--8<--\ndocs/examples/charging_bot.py:run_bot\n--8<--" in docs
    assert "(examples/charging_bot.py)" in docs
