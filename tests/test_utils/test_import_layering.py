"""The import layering of ``rscovlm/``, read from the source (every import statement, at
module level or inside a function):

* no import circle between rscovlm's packages (``rscovlm.<package>``);
* ``datasets`` never imports ``models`` and ``models`` never imports ``datasets``;
* ``codecs`` and ``processors`` import nothing of rscovlm but the registry; ``structures``
  the registry and ``codecs``; ``evaluation`` imports no ``models``;
* nothing in the package imports a tool (``tools/``) or a project (``projects/``).

Datasets and models meet only through ``processors`` (tokenizer, chat constants) and
``structures`` (the data sample).
"""
import ast
import os.path as osp
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))) / 'rscovlm'

#: (importer, imported) package pairs that must never occur
FORBIDDEN = {('datasets', 'models'), ('models', 'datasets'), ('evaluation', 'models')}
#: packages that may import only these parts of rscovlm
ONLY = {
    'codecs': {'registry'},
    'processors': {'registry'},
    'structures': {'registry', 'codecs'},
}
#: top-level names outside the package it never imports
OUTSIDE = ('tools', 'projects')
#: (importer, imported) pairs known to break a rule, with the reason; each is an
#: ``xfail(strict=True)``, so removing the import makes the test say to remove the entry
KNOWN_VIOLATIONS = {}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(source: str, module: str, is_package: bool):
    """``(line, imported module)`` of every import in ``source`` (relative ones resolved
    against ``module``), wherever it stands (module level, function, class)."""
    package = module if is_package else module.rpartition('.')[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) - node.level + 1]
                name = '.'.join(base + ([node.module] if node.module else []))
            else:
                name = node.module
            # ``from rscovlm import models`` imports rscovlm.models
            for alias in node.names:
                yield node.lineno, f'{name}.{alias.name}'


def part_of(module: str) -> str:
    """The package of rscovlm a module belongs to (``registry`` for the registry)."""
    return module.split('.')[1] if module.count('.') else module


def package_edges(root: Path = PACKAGE):
    """``{(importer package, imported package): [file:line, ...]}`` over ``root``, plus
    ``('<package>', 'tools'/'projects')`` for imports from outside the package."""
    edges = defaultdict(list)
    for path in sorted(root.rglob('*.py')):
        module = module_name(path, root)
        src = part_of(module)
        where = str(path.relative_to(root.parent))
        for line, name in imported_modules(path.read_text(encoding='utf-8'), module,
                                           path.name == '__init__.py'):
            top = name.split('.')[0]
            if top in OUTSIDE:
                edges[(src, top)].append(f'{where}:{line}')
            elif top == 'rscovlm' and name.count('.'):
                dst = part_of(name)
                if dst != src:
                    edges[(src, dst)].append(f'{where}:{line}')
    return edges


def violations(edges) -> dict:
    """``{(importer, imported): (rule, [file:line, ...])}`` of every rule broken."""
    found = {}
    for (src, dst), where in edges.items():
        if dst in OUTSIDE:
            found[(src, dst)] = (f'rscovlm imports {dst}/', where)
        elif (src, dst) in FORBIDDEN:
            found[(src, dst)] = (f'{src} must not import {dst}', where)
        elif src in ONLY and dst not in ONLY[src]:
            found[(src, dst)] = (f'{src} may import only {sorted(ONLY[src])}', where)
    return found


def circles(edges) -> list:
    """Every package that lies on an import circle, with the circle."""
    graph = defaultdict(set)
    for src, dst in edges:
        graph[src].add(dst)
    found = []
    for start in sorted(graph):
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    found.append(' -> '.join(path + [start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
    return found


EDGES = package_edges()
ALL_PAIRS = sorted({(s, d) for s, d in EDGES} | set(KNOWN_VIOLATIONS))


def test_the_scanner_sees_every_kind_of_import(tmp_path):
    """A datasets module that imports models at module level or inside a function, through
    ``from``, ``import`` or a relative import, is caught."""
    pkg = tmp_path / 'rscovlm'
    for sub in ('datasets', 'models'):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / '__init__.py').write_text('')
    (pkg / '__init__.py').write_text('')
    (pkg / 'datasets' / 'a.py').write_text('from rscovlm.models import BaseVLM\n')
    (pkg / 'datasets' / 'b.py').write_text('def f():\n    import rscovlm.models.vlms\n')
    (pkg / 'datasets' / 'c.py').write_text('def f():\n    from ..models import hf\n')
    (pkg / 'datasets' / 'd.py').write_text('from rscovlm import models\n')
    (pkg / 'datasets' / 'e.py').write_text('import tools.test\n')
    (pkg / 'models' / 'x.py').write_text('from .. import registry\n')
    edges = package_edges(pkg)
    assert sorted(edges[('datasets', 'models')]) == [
        'rscovlm/datasets/a.py:1', 'rscovlm/datasets/b.py:2', 'rscovlm/datasets/c.py:2',
        'rscovlm/datasets/d.py:1']
    found = violations(edges)
    assert set(found) == {('datasets', 'models'), ('datasets', 'tools')}
    assert ('models', 'registry') in edges
    (pkg / 'models' / 'y.py').write_text('from rscovlm.datasets import base\n')
    assert circles(package_edges(pkg)) == ['datasets -> models -> datasets',
                                           'models -> datasets -> models']


def test_no_import_circles():
    assert circles(EDGES) == []


def _params():
    for pair in ALL_PAIRS:
        marks = ()
        if pair in KNOWN_VIOLATIONS:
            marks = pytest.mark.xfail(strict=True, reason=KNOWN_VIOLATIONS[pair])
        yield pytest.param(pair, marks=marks, id='->'.join(pair))


@pytest.mark.parametrize('pair', list(_params()))
def test_import_rules(pair):
    broken = violations({pair: EDGES.get(pair, [])}) if pair in EDGES else {}
    assert not broken, broken


def test_the_core_never_imports_the_demo_data():
    """``rscovlm.datasets.demo`` (the demo generator, its dataset and corpus) is reached
    only through the registries' locations, never by an import of the package."""
    demo = PACKAGE / 'datasets' / 'demo'
    found = []
    for path in sorted(PACKAGE.rglob('*.py')):
        if demo in path.parents:
            continue
        module = module_name(path, PACKAGE)
        for line, name in imported_modules(path.read_text(encoding='utf-8'), module,
                                           path.name == '__init__.py'):
            if name == 'rscovlm.datasets.demo' or name.startswith('rscovlm.datasets.demo.'):
                found.append(f'{path.relative_to(PACKAGE.parent)}:{line}')
    assert found == []
