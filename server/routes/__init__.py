"""One router per resource: health, options, runs (REST) and the run stream (websocket)."""
