"""The timeline document: the only code that mutates OTIO objects. No Qt."""
