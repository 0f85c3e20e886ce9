#!/usr/bin/env python3
"""Fails when modules of a crate depend on each other in a cycle.

Reads every `crate::…` and `super::…` path in `crates/<crate>/src` (a module's tests, after
`#[cfg(test)]`, are left out: they may use anything), resolves each to the module it names (a
file: `group::values` is a module of its own, apart from `group`), and prints each cycle (a
module's use of its own submodules is not an edge: they are part of it). Usage: module-cycles.py log
"""
import pathlib
import re
import sys


def module_path(src: pathlib.Path, path: pathlib.Path) -> tuple:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def resolve(modules: set, path: tuple) -> tuple:
    """The longest module that `path` (a `crate::` path's components) starts with."""
    for n in range(len(path), 0, -1):
        if path[:n] in modules:
            return path[:n]
    return ()


def graph(src: pathlib.Path) -> dict:
    files = sorted(src.rglob("*.rs"))
    modules = {module_path(src, f) for f in files}
    edges = {}
    for path in files:
        here = module_path(src, path)
        text = path.read_text().split("#[cfg(test)]")[0]
        text = re.sub(r"//.*", "", text)
        targets = set()
        for found in re.findall(r"\bcrate((?:::[a-z_][a-z0-9_]*)+)", text):
            targets.add(resolve(modules, tuple(found.strip(":").split("::"))))
        parent = here[:-1]
        for found in re.findall(r"\bsuper((?:::[a-z_][a-z0-9_]*)+)", text):
            targets.add(resolve(modules, parent + tuple(found.strip(":").split("::"))))
        # A module may use its own submodules (they are part of it); every other use counts,
        # a submodule's use of its parent's items included.
        edges.setdefault(here, set()).update(
            t for t in targets if t and t[: len(here)] != here
        )
    return edges


def cycles(edges: dict) -> list:
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    crate = sys.argv[1] if len(sys.argv) > 1 else "log"
    src = pathlib.Path(__file__).resolve().parent.parent / "crates" / crate / "src"
    edges = graph(src)
    found = cycles(edges)
    for component in found:
        names = ["::".join(m) for m in component]
        print(f"module cycle in crates/{crate}: {' ↔ '.join(names)}")
    if not found:
        print(f"crates/{crate}: {len(edges)} modules, no module cycle")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
