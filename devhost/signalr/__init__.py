"""A local stand-in for Azure SignalR Service in serverless mode, speaking its real wire protocols."""
