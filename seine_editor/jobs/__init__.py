"""Long-running work (generation, baking, proxies) as plain functions, and the one Qt runner."""
