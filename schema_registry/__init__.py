"""A Confluent-compatible Avro schema registry backed by a compacted Kafka topic.

It follows the Karapace design: every registration or configuration change is a record on a compacted
topic (``_schemas`` by default) and the in-memory index is rebuilt by reading that topic from the start at
start-up. The server is a *single writer*, like a Karapace primary: run exactly one instance per topic,
because ids and versions are allocated from the local index (``max + 1``) without coordination.
"""
