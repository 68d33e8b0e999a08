"""Import infra's scripts by path: ``infra/lambda`` cannot be a package (``lambda`` is a
keyword) and ``infra/deploy`` ships loose scripts, so neither is importable by name."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from cfn_yaml import INFRA


def load_source(relative: str) -> ModuleType:
    path = INFRA / relative
    name = "infra_" + relative.removesuffix(".py").replace("/", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
