"""``reddytalk users add-admin``: give a practice that was seeded from a file its first admin.

Practices created through ``POST /api/auth/register`` get their admin there; practices loaded with
``reddytalk seed`` or the migration need an operator to create one. The password is read from the
``REDDYTALK_ADMIN_PASSWORD`` environment variable or prompted for, never taken from the command line
(it would end up in shell history and process lists).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os

from reddytalk.auth.models import UserOut
from reddytalk.auth.passwords import check_password_rules
from reddytalk.auth.rbac import Role
from reddytalk.auth.service import AuthService
from reddytalk.errors import ReddyTalkError
from reddytalk.settings import get_settings
from reddytalk.stores import open_documents

PASSWORD_ENV = "REDDYTALK_ADMIN_PASSWORD"  # noqa: S105 - the name of a variable, not a password


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("users", help="manage staff accounts")
    sub = parser.add_subparsers(dest="users_command", required=True)
    add = sub.add_parser("add-admin", help="create an admin for an existing practice")
    add.add_argument("--practice-id", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True, help="the admin's full name")
    add.add_argument(
        "--operator",
        action="store_true",
        help="a platform operator: may also retrain the global intent model (POST /api/training/retrain)",
    )
    add.set_defaults(func=_add_admin)


def _add_admin(args: argparse.Namespace) -> int:
    password = os.environ.get(PASSWORD_ENV) or getpass.getpass("password for the new admin: ")
    try:
        check_password_rules(password)
        user = asyncio.run(_create(args.practice_id, args.email, password, args.name, args.operator))
    except ReddyTalkError as exc:
        print(f"error: {exc.message}")
        return 1
    print(json.dumps(user.model_dump(mode="json")))
    return 0


async def _create(practice_id: str, email: str, password: str, name: str, operator: bool) -> UserOut:
    settings = get_settings()
    documents = open_documents(settings)
    try:
        role = Role.OPERATOR if operator else Role.ADMIN
        return await AuthService(documents, settings).add_admin(practice_id, email, password, name, role=role)
    finally:
        await documents.close()
