"""Import cycles inside a package, found with grimp.

Inside every package, each child (a module, or a subpackage with everything below it) is
one node, and A -> B when anything in A imports anything in B. A cycle among the children
of a package is a knot: neither side can be understood, tested or replaced alone. Imports
under `if TYPE_CHECKING:` and inside functions count — they hide a cycle, not remove it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import grimp

PackageCycle = tuple[str, tuple[str, ...]]  # (package, its children that form a cycle)


def build_graph(*root_packages: str) -> grimp.ImportGraph:
    return grimp.build_graph(*root_packages, cache_dir=None)


def package_cycles(graph: grimp.ImportGraph, root_packages: Iterable[str]) -> list[PackageCycle]:
    """Every cycle among the children of every package, and among the root packages."""
    found: list[PackageCycle] = []
    groups: dict[str, list[str]] = {"": sorted(root_packages)}
    for module in sorted(graph.modules):
        children = graph.find_children(module)
        if children:
            groups[module] = sorted(children)
    for package, children in groups.items():
        members = {child: {child} | graph.find_descendants(child) for child in children}
        owner = {module: child for child, modules in members.items() for module in modules}
        edges: dict[str, set[str]] = {child: set() for child in children}
        for child, modules in members.items():
            for module in modules:
                for imported in graph.find_modules_directly_imported_by(module):
                    target = owner.get(imported)
                    if target is not None and target != child:
                        edges[child].add(target)
        found += [(package, tuple(cycle)) for cycle in strongly_connected(children, edges)]
    return found


def strongly_connected(nodes: Iterable[str], edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The groups of two or more nodes that all reach each other (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = lowest[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(edges.get(node, ())):
            if neighbour not in index:
                visit(neighbour)
                lowest[node] = min(lowest[node], lowest[neighbour])
            elif neighbour in on_stack:
                lowest[node] = min(lowest[node], index[neighbour])
        if lowest[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in nodes:
        if node not in index:
            visit(node)
    return groups
