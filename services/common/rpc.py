"""Domain errors raised in one service arrive as the same exception in the caller (RPC)."""

from nameko.exceptions import deserialize_to_instance

from contracts import errors


def register_domain_errors() -> None:
    for cls in errors.ALL:
        deserialize_to_instance(cls)
