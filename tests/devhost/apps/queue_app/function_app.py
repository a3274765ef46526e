"""Queue trigger sample: records each delivery, fails on demand, forwards to an output queue."""

import json
import os
import time
from pathlib import Path

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="jobs", connection="JobsConnection")
@app.queue_output(arg_name="done", queue_name="jobs-done", connection="JobsConnection")
def work(msg: func.QueueMessage, done: func.Out[str]) -> None:
    body = msg.get_body().decode("utf-8")
    record = {
        "id": msg.id,
        "body": body,
        "dequeue_count": msg.dequeue_count,
        "insertion_time": msg.insertion_time.isoformat() if msg.insertion_time else None,
        "expiration_time": msg.expiration_time.isoformat() if msg.expiration_time else None,
        "next_visible": msg.time_next_visible.isoformat() if msg.time_next_visible else None,
        "pop_receipt": msg.pop_receipt,
        "at": time.time(),
    }
    with Path(os.environ["QUEUE_RESULTS"]).open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    if body.startswith("fail"):
        raise RuntimeError("asked to fail")
    done.set(f"done:{body}")
