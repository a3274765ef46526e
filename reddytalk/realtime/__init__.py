"""Live updates to callers and staff through Azure SignalR Service (serverless mode, REST API)."""
