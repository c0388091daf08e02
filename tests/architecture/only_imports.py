"""An import-linter contract type: a package may import, of our packages, only what is listed.

import-linter's own `forbidden` contract names what may not be imported, which lets every
new module in through the gaps. `only_imports` turns it round for a package that must stay
thin (the web process): besides itself and third-party code it may reach — directly or
through another allowed module — only the allowed modules (each with its submodules).

    [importlinter:contract:web-ui]
    name = web_ui imports only the control client, config models, paths and history reader
    type = only_imports
    source_modules = web_ui
    allowed_modules =
        firmware.control.client
        firmware.paths
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


def _inside(module: str, packages: set[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


class OnlyImportsContract(Contract):
    type_name = "only_imports"

    source_modules = fields.SetField(subfield=fields.ModuleField())
    allowed_modules = fields.SetField(subfield=fields.ModuleField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = {module.name for module in self.allowed_modules}  # type: ignore[attr-defined]
        violations = []
        for source in sorted(module.name for module in self.source_modules):  # type: ignore[attr-defined]
            if source not in graph.modules:
                raise ValueError(f"module {source} does not exist")
            permitted = allowed | {source}
            reached = graph.find_upstream_modules(source, as_package=True)
            for imported in sorted(reached):
                if _inside(imported, permitted):
                    continue
                # Report where the chain leaves the permitted modules, not everything beyond.
                for importer in sorted(graph.find_modules_that_directly_import(imported)):
                    if not _inside(importer, permitted):
                        continue
                    if not (_inside(importer, {source}) or importer in reached):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    violations.append(
                        {
                            "source": source,
                            "importer": importer,
                            "imported": imported,
                            "line_numbers": [detail["line_number"] for detail in details],
                        }
                    )
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            lines = ", ".join(str(number) for number in violation["line_numbers"])
            output.print_error(
                f"{violation['source']} reaches {violation['imported']}, which is not allowed:"
                f" {violation['importer']} -> {violation['imported']} (l.{lines})",
                bold=False,
            )
            output.new_line()
