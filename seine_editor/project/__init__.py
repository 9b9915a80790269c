"""The project: document + undo stack + settings + autosave. QtCore/QtGui only."""
