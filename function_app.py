"""The ReddyTalk Function App: one DFApp assembled from Blueprints. No logic lives here."""

import azure.durable_functions as df
import azure.functions as func

from api.appointments import bp as appointments
from api.auth import bp as auth
from api.health import bp as health
from api.openapi import bp as openapi
from api.patients import bp as patients

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (health, auth, patients, appointments, openapi):
    app.register_functions(blueprint)
