"""Live updates: the websocket hub, the bus between server processes, presence."""
