"""The query API (aiohttp): authenticated, per-user reads of the sinks' views, and the thin web client."""
