"""Quick start: a user's charging sessions, one session, and the stations nearby.

Reads the token and the API's address from ``$CARIQA_TOKEN`` and
``$CARIQA_BASE_URL`` (leave the latter unset for the real API)::

    python docs/examples/quickstart.py
"""

from __future__ import annotations

import asyncio

from cariqa_async import CariqaClient


async def main() -> None:
    async with CariqaClient() as client:  # token and URL from the environment
        # Your platform's users, a page at a time.
        users = await client.users.list(page_size=5)
        print(f"{users.count} users; the first: {[u.id for u in users.results]}")
        user_id = users.results[0].id

        # Every session of one user: the pages are fetched concurrently.
        sessions = [s async for s in client.charging_sessions.iter(user_id)]
        print(f"user {user_id} has {len(sessions)} charging sessions")
        for session in sessions[:3]:
            cost = session.session_cost
            energy, spent = session.consumed_energy, f"{cost.invoice_summary} {cost.currency}"
            print(f"  {session.start_time}: {energy} kWh, {spent}")

        # One session by id, and the stations around a point.
        if sessions:
            one = await client.charging_sessions.get(user_id, sessions[0].id)
            print(f"newest session {one.id} at {one.station_info.station_name}")
        nearby = await client.stations.around(latitude=49.630383, longitude=8.368902)
        print(f"{nearby.count} stations within 100 m of Worms' EVA Charge")


if __name__ == "__main__":
    asyncio.run(main())
