"""Discovery: polls each followed job board once for all its followers, publishes every posting once to the
global catalog, and tells each user which postings match their saved searches, and why."""
