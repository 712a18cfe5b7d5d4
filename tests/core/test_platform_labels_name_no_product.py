"""The platform's label module names only the platform: every product name (a vendor,
its fields, the sync's codes and job kinds) is labelled in integrations/labels.py and
registered from ``IntegrationsConfig.ready()``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from integrations.labels import PRODUCT_LABELS

CORE = Path(__file__).resolve().parents[2] / "core"
LABEL_MODULES = (CORE / "plain_labels.py", CORE / "templatetags" / "plain_labels.py")
PRODUCT_WORDS = re.compile(r"hubspot|salesforce|hs_to_sf|sf_to_hs|contacts\.sync", re.I)


def _strings(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_core_label_modules_mention_no_product_word() -> None:
    offences = [
        f"{path.relative_to(CORE.parent)}:{number}: {line.strip()}"
        for path in LABEL_MODULES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PRODUCT_WORDS.search(line)
    ]
    assert offences == []


def test_core_labels_none_of_the_names_the_product_registers() -> None:
    product_names = {name for labels in PRODUCT_LABELS.values() for name in labels}
    assert product_names, "integrations/labels.py registers no names"
    assert sorted(_strings(CORE / "plain_labels.py") & product_names) == []
