"""The engine contract served out of the editor's process: a local worker process and an HTTP server.

Nothing here imports Qt, OTIO or PyAV; FastAPI and uvicorn load only when a server is built.
"""
