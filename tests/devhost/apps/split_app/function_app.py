"""An app split over files: ``split_routes`` registers its functions with ``from function_app import app``."""

import os

import azure.durable_functions as df
import azure.functions as func

os.environ["SPLIT_APP_LOADS"] = str(int(os.environ.get("SPLIT_APP_LOADS", "0")) + 1)

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

import split_routes  # noqa: E402,F401  (registers functions on ``app``; must come after it exists)
