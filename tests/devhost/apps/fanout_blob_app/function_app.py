"""Fan-out/fan-in where each activity also writes a blob through an output binding."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.activity_trigger(input_name="n")
@app.blob_output(
    arg_name="report", path="%REPORTS_CONTAINER%/part-{rand-guid}.txt", connection="ReportsStorage"
)
def square(n: int, report: func.Out[str]) -> int:
    report.set(f"{n}^2={n * n}")
    return n * n


@app.orchestration_trigger(context_name="context")
def squares(context: df.DurableOrchestrationContext):
    parts = yield context.task_all([context.call_activity("square", i) for i in range(context.get_input())])
    return sum(parts)
