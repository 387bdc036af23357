"""Print the README's architecture picture from the code: the apps as floors, what each imports,
its models and its size. `python scripts/architecture.py` (reads the files with `ast`; loads
Django only to list the models).

Paste its output into README.md's "Architecture" section when the layout changes.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["reports", "points", "activities", "volunteers", "practice_center"]  # top floor first


def app_imports(app: str) -> tuple[set[str], int, int]:
    """The other apps `app` imports anywhere (not under TYPE_CHECKING), its module and line counts."""
    found: set[str] = set()
    modules = lines = 0
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        modules += 1
        lines += text.count("\n")
        for node in ast.walk(ast.parse(text)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in LAYERS and top != app:
                    found.add(top)
    return found, modules, lines


def models_of(app: str) -> list[str]:
    from django.apps import apps

    return sorted(model.__name__ for model in apps.get_app_config(app).get_models())


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_center.settings")
    import django

    django.setup()
    print("  floor            imports (only floors below)                   modules  lines  models")
    for floor, app in enumerate(LAYERS):
        imported, modules, lines = app_imports(app)
        below = [name for name in LAYERS[floor + 1 :] if name in imported]
        upward = sorted(imported - set(below))
        arrow = " ─▶ " + ", ".join(below) if below else ""
        print(f"  {app:16} {arrow:46} {modules:7} {lines:6}  {', '.join(models_of(app))}")
        if upward:
            print(f"      !! imports floors above: {', '.join(upward)}")
        if floor < len(LAYERS) - 1:
            print("        │")
    return 0


if __name__ == "__main__":
    sys.exit(main())
