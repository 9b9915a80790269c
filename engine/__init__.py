"""The generative engine (placeholder; the public API lands with the engine)."""
