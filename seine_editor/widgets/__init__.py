"""The editor's views: they read frozen *Info snapshots and call Project intent methods; they never edit OTIO."""
