"""Sinks: materialized views of topics in PostgreSQL and Redis (upserts by event id)."""
