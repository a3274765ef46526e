"""Two functions claim the same route and method: the host must refuse to start."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="orders/{id}", methods=["GET"])
def first(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("first")


@app.route(route="Orders/{orderId}", methods=["GET", "POST"])
def second(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("second")
