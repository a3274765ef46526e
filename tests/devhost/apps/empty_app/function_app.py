"""A function app with no functions: the host starts and says so, like the real one."""

import azure.functions as func

app = func.FunctionApp()
