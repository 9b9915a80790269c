"""Media I/O with PyAV: probe, exact frame reading, writing, proxies, audio. No Qt."""
