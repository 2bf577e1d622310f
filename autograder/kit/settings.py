"""JSON Schema pieces for the kinds' ``observe:`` and ``check:`` settings.

Every kind's settings are closed objects (an unknown key is a spec error that
names it and lists the allowed keys), and every threshold a judge reads is
``required``: the YAML is the only place a threshold has a value.

Constructor and call arguments are JSON values, plus one form that builds an
object: ``{call: torch.nn.CrossEntropyLoss}`` (optionally ``args: [...]``)
means "resolve this dotted name under ``torch.`` and call it". So
``Classifier(0.01, CrossEntropyLoss(), 2883, 2)`` is written
``args: [0.01, {call: torch.nn.CrossEntropyLoss}, 2883, 2]``.
"""

from __future__ import annotations

from typing import Any

from autograder.kit.numeric import LOSSES, PREPROCESSING, STEPS

CALL_PATTERN = r"^torch(\.[A-Za-z][A-Za-z0-9_]*)+$"  # public names under torch only

DEFS: dict[str, Any] = {
    "value": {
        "if": {"type": "object", "required": ["call"]},
        "then": {"$ref": "#/$defs/call"},
        "else": {"anyOf": [
            {"type": ["null", "boolean", "number", "string"]},
            {"type": "array", "items": {"$ref": "#/$defs/value"}},
            {"type": "object", "additionalProperties": {"$ref": "#/$defs/value"}},
        ]},
    },
    "call": {
        "type": "object",
        "additionalProperties": False,
        "required": ["call"],
        "properties": {
            "call": {"type": "string", "pattern": CALL_PATTERN},
            "args": {"type": "array", "items": {"$ref": "#/$defs/value"}},
        },
    },
    "args": {"type": "array", "items": {"$ref": "#/$defs/value"}},
    "kwargs": {"type": "object", "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
               "additionalProperties": {"$ref": "#/$defs/value"}},
    "name": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
    "seed": {"type": "integer", "minimum": 0},
    "count": {"type": "integer", "minimum": 1},
    "chain": {"type": "array", "minItems": 1, "items": {"enum": list(STEPS)},
              "contains": {"const": "linear"}},
    "tolerance": {"type": "number", "minimum": 0},
    "fraction": {"type": "number", "minimum": 0, "maximum": 1},
    "loss": {"enum": sorted(LOSSES)},
    "preprocessing": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": sorted(PREPROCESSING)}},
    "mistakes": {
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["chain", "says"],
            "properties": {"chain": {"$ref": "#/$defs/chain"}, "says": {"type": "string", "minLength": 1}},
        },
    },
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def settings(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """A closed settings object: exactly these keys, ``required`` ones present."""
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": properties, "$defs": DEFS}


# The constructor settings every kind that builds a class shares.
BUILD = {"class": ref("name"), "args": ref("args"), "kwargs": ref("kwargs")}
