"""The ReddyTalk Function App: one DFApp assembled from Blueprints. No logic lives here."""

import azure.durable_functions as df
import azure.functions as func

from api.health import bp as health

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (health,):
    app.register_functions(blueprint)
