"""Custom classes across activity, orchestrator and entity boundaries (``to_json`` / ``from_json``), and an
entity written as a class whose methods are the operations (dispatched by the entity function)."""

from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


class Order:
    def __init__(self, item: str, quantity: int) -> None:
        self.item = item
        self.quantity = quantity

    @staticmethod
    def to_json(obj: Order) -> str:
        return json.dumps({"item": obj.item, "quantity": obj.quantity})

    @staticmethod
    def from_json(text: str) -> Order:
        data = json.loads(text)
        return Order(data["item"], data["quantity"])


@app.activity_trigger(input_name="order")
def double_order(order: Order) -> Order:
    assert isinstance(order, Order), type(order)
    return Order(order.item, order.quantity * 2)


@app.orchestration_trigger(context_name="context")
def ordering(context: df.DurableOrchestrationContext):
    doubled = yield context.call_activity("double_order", Order("cups", 3))
    assert isinstance(doubled, Order), type(doubled)
    yield context.call_entity(df.EntityId("Cart", "c1"), "add", doubled.quantity)
    total = yield context.call_entity(df.EntityId("Cart", "c1"), "total")
    return {"item": doubled.item, "quantity": doubled.quantity, "cart": total}


class Cart:
    """Class-style entity: state in attributes, one method per operation."""

    def __init__(self, items: int = 0) -> None:
        self.items = items

    def add(self, count: int) -> None:
        self.items += count

    def total(self) -> int:
        return self.items


@app.entity_trigger(context_name="context")
def cart(context: df.DurableEntityContext):
    state = Cart(**context.get_state(lambda: {"items": 0}))
    operation = getattr(state, context.operation_name)
    result = operation(context.get_input()) if context.operation_name == "add" else operation()
    context.set_state(vars(state))
    context.set_result(result)
