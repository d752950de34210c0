"""The worker: claims queued users in batches, evaluates them, writes the outcomes."""
