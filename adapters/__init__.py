"""Runtime adapters every processor may use: the AI gateway, embeddings, the posting vector index, the artifact
store, polite HTTP fetching and shared rate limits. Each wraps one piece of infrastructure behind a small typed
interface; processors call them from their ports, never from their pure `step`."""
