"""Analysis: each posting once (requirements, embedding, semantic dedup), then each user's match with it."""
