"""The ReddyTalk Function App: one DFApp assembled from Blueprints. No logic lives here."""

import azure.durable_functions as df
import azure.functions as func

from activities.handoff import bp as handoff_activities
from activities.persist import bp as persist_activities
from activities.recording import bp as recording_activities
from activities.respond import bp as respond_activity
from activities.streaming_turn import bp as turn_activities
from activities.synthesize import bp as synthesize_activity
from activities.training_steps import bp as training_activities
from activities.transcribe import bp as transcribe_activity
from api.appointments import bp as appointments
from api.auth import bp as auth
from api.call_turns import bp as call_turns
from api.calls import bp as calls
from api.health import bp as health
from api.messages import bp as messages
from api.openapi import bp as openapi
from api.patients import bp as patients
from api.practice import bp as practice
from api.realtime import bp as realtime
from api.takeover import bp as takeover
from api.training import bp as training
from api.voice import bp as voice
from entities.session import bp as session_entity
from orchestrators.call_session import bp as call_session
from orchestrators.post_call import bp as post_call
from orchestrators.training import bp as training_orchestrators
from reddytalk.settings import get_settings

# Read the settings at start-up: invalid settings (a local key in production, a weak secret) stop
# the app from starting here, naming the setting, instead of failing on the first request.
get_settings()

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (
    health,
    auth,
    patients,
    appointments,
    messages,
    openapi,
    voice,
    realtime,
    calls,
    takeover,
    call_turns,
    practice,
    call_session,
    post_call,
    session_entity,
    turn_activities,
    handoff_activities,
    transcribe_activity,
    respond_activity,
    synthesize_activity,
    persist_activities,
    recording_activities,
    training,
    training_orchestrators,
    training_activities,
):
    app.register_functions(blueprint)
