"""The durable engine of the local host: orchestrations, activities, entities and timers in SQLite.

It drives the unmodified ``azure-functions-durable`` SDK through the same contract the Durable extension uses
(history JSON in, actions out), so what runs here runs the same way on Azure.
"""
