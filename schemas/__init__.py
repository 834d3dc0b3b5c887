"""Avro schemas of every topic key and value (`*.avsc`), and every released version (`released/`).

Data only: `streams.avro_schemas` loads them. A package so the files ship inside the wheel.
"""
