"""Benchmarks: each prints its figures; run them against the local stack (`make bench`)."""
