"""Timer trigger sample: a per-second schedule, a daily one with runOnStartup, an hourly one that can be past due."""

import json
import os
import time
from pathlib import Path

import azure.functions as func

app = func.FunctionApp()


def _record(name: str, timer: func.TimerRequest) -> None:
    entry = {"name": name, "past_due": timer.past_due, "status": timer.schedule_status, "at": time.time()}
    with Path(os.environ["TIMER_RESULTS"]).open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


@app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer")
def every_second(timer: func.TimerRequest) -> None:
    _record("every_second", timer)


@app.timer_trigger(schedule="0 0 0 * * *", arg_name="timer", run_on_startup=True)
def daily_and_on_startup(timer: func.TimerRequest) -> None:
    _record("daily_and_on_startup", timer)


@app.timer_trigger(schedule="0 0 * * * *", arg_name="timer")
def hourly(timer: func.TimerRequest) -> None:
    _record("hourly", timer)
