"""Load CloudFormation YAML with PyYAML alone.

``yaml.safe_load`` rejects the short intrinsic tags (``!Ref``, ``!Sub``, ``!GetAtt`` ...);
this SafeLoader subclass turns each into the long form (``{"Ref": ...}``,
``{"Fn::Sub": ...}``) so tests can walk a template as plain dicts and lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

INFRA = Path(__file__).resolve().parent.parent
ROOT_TEMPLATE = INFRA / "root.yaml"
STACK_TEMPLATES = sorted((INFRA / "stacks").glob("*.yaml"))
ALL_TEMPLATES = [ROOT_TEMPLATE, *STACK_TEMPLATES]

_FUNCTIONS = (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAtt", "GetAZs", "If", "ImportValue",
    "Join", "Not", "Or", "Select", "Split", "Sub", "Transform",
)  # fmt: skip


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that also accepts CloudFormation's short-form intrinsic functions."""


def _node_value(loader: CfnLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _intrinsic(key: str):
    def construct(loader: CfnLoader, node: yaml.Node) -> dict[str, Any]:
        value = _node_value(loader, node)
        if key == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {key: value}

    return construct


CfnLoader.add_constructor("!Ref", _intrinsic("Ref"))
CfnLoader.add_constructor("!Condition", _intrinsic("Condition"))
for _name in _FUNCTIONS:
    CfnLoader.add_constructor(f"!{_name}", _intrinsic(f"Fn::{_name}"))


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=CfnLoader)


def resources(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    found = template.get("Resources", {})
    return {name: res for name, res in found.items() if not types or res["Type"] in types}
