"""Command line of the greeter service."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib

import wordcase

import greeter

DEFAULT_CONFIG = "/etc/greeter/greeter.toml"


def load_config(path: str) -> dict:
    """Read the TOML configuration, filling in defaults."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    greeting = data.get("greeting", {})
    server = data.get("server", {})
    return {
        "template": greeting.get("template", "Hello, {name}!"),
        "style": greeting.get("style", "title"),
        "host": server.get("host", "127.0.0.1"),
        "port": int(server.get("port", 8080)),
    }


def greet(config: dict, name: str) -> str:
    """The greeting for ``name`` under ``config``."""
    return config["template"].format(name=wordcase.apply(config["style"], name))


def where() -> dict:
    """Where this process found its interpreter, venv and modules."""
    return {
        "version": greeter.__version__,
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "executable": sys.executable,
        "greeter": greeter.__file__,
        "wordcase": wordcase.__file__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="greeter", description="Greets people, politely.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {greeter.__version__}")
    parser.add_argument(
        "--config", default=DEFAULT_CONFIG, help=f"configuration file (default {DEFAULT_CONFIG})"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_greet = sub.add_parser("greet", help="print a greeting")
    p_greet.add_argument("name", nargs="+")
    sub.add_parser("serve", help="serve greetings over HTTP (what the systemd unit runs)")
    sub.add_parser("where", help="print the interpreter, venv and module locations as JSON")
    args = parser.parse_args(argv)

    if args.command == "where":
        print(json.dumps(where(), indent=2, sort_keys=True))
        return 0
    try:
        config = load_config(args.config)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"greeter: cannot read {args.config}: {exc}", file=sys.stderr)
        return 2
    if args.command == "greet":
        print(greet(config, " ".join(args.name)))
        return 0
    from greeter import service

    service.serve(config, lambda name: greet(config, name))
    return 0
