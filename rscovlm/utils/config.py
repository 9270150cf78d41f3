"""Reading a config the way every tool does (train, test, offline re-scoring, browsing):
``custom_imports``, ``--cfg-options``, ``data_root``, and what a data config leaves to the
model.

Reading also catches the settings that would otherwise change nothing without a word:

* mmengine substitutes a config file's variables when that file is read, so a child
  config that sets a base file's variable (``max_iters = 30``) leaves the fields the base
  computed from it (``train_cfg.max_iters``) at the old value: logged as a warning naming
  the files, the variable and those fields (:func:`shadowed_variable_warnings`);
* ``--cfg-options`` (:func:`cfg_option_problems`): a variable such as ``max_iters=30`` is an
  error that names the fields to set instead; a value of the wrong type
  (``train_cfg.max_iters=abc``) is an error naming the key, the expected type and the
  value; a key that nothing reads (``lr=...``, ``train_cfg.max_iter``) is a warning.
"""
import ast
import copy
import difflib
import logging
import os
import os.path as osp
import sys
from typing import Any, Dict, List, Optional, Tuple

from mmengine.config import Config
from mmengine.logging import print_log

from rscovlm.processors import set_model_processor
from rscovlm.registry import DATASETS

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def walk_dataset_cfgs(dataset: Any):
    """Yield a dataset config and every dataset it wraps (``dataset=`` / ``datasets=``)."""
    if not isinstance(dataset, dict):
        return
    yield dataset
    yield from walk_dataset_cfgs(dataset.get('dataset'))
    children = dataset.get('datasets', None) or []
    if isinstance(children, dict):  # TaskMixDataset's {name: config} form
        children = children.values()
    for child in children:
        yield from walk_dataset_cfgs(child)


def iter_dataset_cfgs(cfg: Config):
    for name in _DATALOADERS:
        loader = cfg.get(name)
        if isinstance(loader, dict):
            yield from walk_dataset_cfgs(loader.get('dataset'))


def set_data_root(cfg: Config, data_root: str) -> None:
    """Point every dataset that has a ``data_root`` at ``data_root``.

    mmengine resolves ``data_root`` variables when a config is parsed, so
    ``--cfg-options data_root=...`` alone would not reach the datasets; the tools call this.
    """
    cfg.data_root = data_root
    for ds in iter_dataset_cfgs(cfg):
        if 'data_root' in ds:
            ds['data_root'] = data_root


def complete_config(cfg: Config) -> Config:
    """Give a model-agnostic data config the model's processor.

    Benchmark overlays and dataset configs work with any model: a transform that needs the
    model's processor (tokenizer, image processor, min/max pixels) names
    ``processor=None``. This makes ``cfg.model.processor`` the processor those transforms
    build (:func:`rscovlm.processors.set_model_processor`; ``None`` when the config has no
    model, e.g. offline re-scoring). The model builds the same config, so model and
    pipeline share one processor object. The config itself is left as it is.
    """
    set_model_processor((cfg.get('model') or {}).get('processor'))
    return cfg


class ConfigError(ValueError):
    """A problem with a config or the command line, found before anything is built.

    The tools print each of ``problems`` as one ``<tool>: error: ...`` line and exit with
    status 1 (:func:`rscovlm.utils.checks.run_tool`), without a traceback.
    """

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__('\n'.join(self.problems))


class MissingPathError(ConfigError, FileNotFoundError):
    """A file or folder the config or command line names does not exist."""


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config, import its ``custom_imports`` and apply ``--cfg-options``
    (``data_root=`` reaches every dataset).

    A child config that re-sets a base file's variable whose value the base had already
    copied into its fields is logged as a warning; ``--cfg-options`` are checked first
    (:func:`cfg_option_problems`): errors raise :class:`ConfigError`, warnings are logged.
    """
    if not osp.isfile(path):
        raise MissingPathError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path, import_custom_modules=False)
    import_custom_modules(cfg, path)
    for message in shadowed_variable_warnings(path, cfg):
        print_log(message, logger='current', level=logging.WARNING)
    return apply_cfg_options(cfg, cfg_options, path)


def import_custom_modules(cfg: Config, path: str) -> None:
    """Import the config's ``custom_imports``.

    Project code (``custom_imports = dict(imports=['projects.<name>.<name>'])``) lives in
    the repository, not in the installed package, and ``python tools/train.py`` puts only
    ``tools/`` on ``sys.path``: the folder that holds the config's ``projects/`` (else the
    working directory, when it has one) is put on ``sys.path`` first.
    """
    from mmengine.utils import import_modules_from_strings
    custom_imports = cfg.get('custom_imports')
    if not custom_imports:
        return
    names = custom_imports.get('imports', [])
    names = [names] if isinstance(names, str) else list(names)
    if any(n.split('.')[0] == 'projects' for n in names):
        root, folder = None, osp.dirname(osp.abspath(path))
        while root is None and osp.dirname(folder) != folder:
            if osp.basename(folder) == 'projects':
                root = osp.dirname(folder)
            folder = osp.dirname(folder)
        if root is None and osp.isdir(osp.join(os.getcwd(), 'projects')):
            root = os.getcwd()
        if root is not None and root not in sys.path:
            sys.path.insert(0, root)
    import_modules_from_strings(**custom_imports)


def apply_cfg_options(cfg: Config, options: Optional[dict],
                      path: Optional[str] = None) -> Config:
    """Apply ``--cfg-options`` to a config in place (``data_root=`` reaches every dataset).

    The options are checked against the config first (:func:`cfg_option_problems`; ``path``
    is the config file, whose variables are looked up): errors raise
    :class:`ConfigError` before anything changes, warnings are logged."""
    options = dict(options or {})
    errors, warnings = cfg_option_problems(cfg, options, path)
    for message in warnings:
        print_log(message, logger='current', level=logging.WARNING)
    if errors:
        raise ConfigError(errors)
    data_root = options.pop('data_root', None)
    if options:
        cfg.merge_from_dict(options)
    if data_root is not None:
        set_data_root(cfg, data_root)
    return cfg


def build_gt_dataset(cfg: Config):
    """The config's test dataset with no pipeline: ground-truth records only (no image is
    decoded, no processor is needed). Used by offline re-scoring and visualisation."""
    loader = cfg.get('test_dataloader')
    if not isinstance(loader, dict) or not isinstance(loader.get('dataset'), dict):
        raise ValueError('the config has no test_dataloader.dataset to read ground truth from')
    dataset_cfg = copy.deepcopy(loader['dataset'])
    for ds in walk_dataset_cfgs(dataset_cfg):
        if 'pipeline' in ds:
            ds['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    dataset.full_init()
    return dataset


# --------------------------------------------------------------------------- #
# variables a config file copies into its fields when it is read
# --------------------------------------------------------------------------- #
def _shown(path: str) -> str:
    rel = osp.relpath(path)
    return path if rel.startswith('..') else rel


def _short(value: Any, width: int = 60) -> str:
    text = repr(value.to_dict() if hasattr(value, 'to_dict') else value)
    return text if len(text) <= width else text[:width - 3] + '...'


def _config_files(path: str) -> Dict[str, Tuple[ast.Module, List[str]]]:
    """``{file: (parsed code, base files)}`` of a config and all its ``_base_`` files
    (Python files only; a base that cannot be resolved is left out)."""
    files: Dict[str, Tuple[ast.Module, List[str]]] = {}

    def visit(filename: str) -> None:
        filename = osp.abspath(filename)
        if filename in files or not filename.endswith('.py') or not osp.isfile(filename):
            return
        with open(filename, encoding='utf-8') as f:
            module = ast.parse(f.read())
        bases: List[str] = []
        for stmt in module.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id == '_base_'):
                try:
                    names = ast.literal_eval(stmt.value)
                except ValueError:
                    names = []
                for name in [names] if isinstance(names, str) else names:
                    try:
                        bases.append(osp.abspath(Config._get_cfg_path(name, filename)[0]))
                    except Exception:  # an external package's config that is not here
                        continue
        files[filename] = (module, bases)
        for base in bases:
            visit(base)

    visit(path)
    return files


def _base_reference(node: ast.AST) -> Optional[str]:
    """``'x.y'`` for the ``{{_base_.x.y}}`` placeholder (which parses as a set of a set)."""
    if not (isinstance(node, ast.Set) and len(node.elts) == 1
            and isinstance(node.elts[0], ast.Set) and len(node.elts[0].elts) == 1):
        return None
    node, parts = node.elts[0].elts[0], []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == '_base_' and parts:
        return '.'.join(reversed(parts))
    return None


def _variable_uses(module: ast.Module) -> List[Tuple[str, str, str]]:
    """``(variable, field, kind)`` for each place a file's top-level assignment reads a
    variable: ``kind`` is ``'file'`` for a variable the file itself assigned earlier,
    ``'base'`` for a ``{{_base_.x}}`` placeholder. ``field`` is the dotted path of the
    value inside the config (list items by index), as far as the code shows it."""
    uses: List[Tuple[str, str, str]] = []
    assigned: set = set()

    def walk(node, path: List[str]) -> None:
        field = '.'.join(path)
        base = _base_reference(node)
        if base is not None:
            uses.append((base.split('.')[0], field, 'base'))
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id in assigned:
                uses.append((node.id, field, 'file'))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ('dict', 'ConfigDict'):
            for arg in node.args:
                walk(arg, path)
            for kw in node.keywords:
                walk(kw.value, path + [kw.arg] if kw.arg else path)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                named = isinstance(key, ast.Constant) and isinstance(key.value, str)
                walk(value, path + [key.value] if named else path)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for i, item in enumerate(node.elts):
                walk(item, path + [str(i)])
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            # list concatenation: items keep their index while the length before is known
            operands, offset = [], 0
            while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                operands.insert(0, node.right)
                node = node.left
            operands.insert(0, node)
            for operand in operands:
                if offset is not None and isinstance(operand, (ast.List, ast.Tuple)):
                    for i, item in enumerate(operand.elts):
                        walk(item, path + [str(offset + i)])
                    offset += len(operand.elts)
                else:
                    walk(operand, path)
                    offset = None
        else:
            for child in ast.iter_child_nodes(node):
                walk(child, path)

    for stmt in module.body:
        if isinstance(stmt, ast.Assign):
            targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            for target in targets:
                if target != '_base_':
                    walk(stmt.value, [target])
            assigned.update(targets)
    return uses


def _assigned_names(module: ast.Module) -> set:
    return {t.id for stmt in module.body if isinstance(stmt, ast.Assign)
            for t in stmt.targets if isinstance(t, ast.Name)}


def _get_path(cfg: Any, field: str, default: Any = KeyError) -> Any:
    """The value at a dotted path (list items by index), or ``default``."""
    value = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    for key in field.split('.'):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, (list, tuple)) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return default
    return value


def variable_fields(path: str) -> Dict[str, List[Tuple[str, str]]]:
    """``{variable: [(file, field), ...]}``: the fields of the config at ``path`` whose
    value some file of it computed from a variable when it was read (mmengine
    substitutes variables file by file, so changing the variable later changes none of
    them)."""
    out: Dict[str, List[Tuple[str, str]]] = {}
    for filename, (module, _) in _config_files(path).items():
        for name, field, _kind in _variable_uses(module):
            out.setdefault(name, []).append((filename, field))
    return out


def shadowed_variable_warnings(path: str, cfg: Config) -> List[str]:
    """Warnings for variables a config sets that a base file had already copied into
    fields with another value (``max_iters = 30`` in a child of a schedule whose
    ``train_cfg.max_iters`` was computed from its own ``max_iters = 3000``): each names
    the child, the variable, the base and the fields that still hold the old value."""
    files = _config_files(path)
    ancestors: Dict[str, set] = {}

    def bases_of(filename: str) -> set:
        if filename not in ancestors:
            ancestors[filename] = set()
            for base in files[filename][1]:
                if base in files:
                    ancestors[filename] |= {base} | bases_of(base)
        return ancestors[filename]

    for filename in files:
        bases_of(filename)
    # a runner setting re-set by a child (val_dataloader) is a change of that setting;
    # that a base copied it elsewhere (test_dataloader = val_dataloader) is by design
    assigned = {f: _assigned_names(m) for f, (m, _) in files.items()}
    base_reads: Dict[str, Config] = {}
    stale: Dict[Tuple[str, str, str], List[str]] = {}
    for filename, (module, _) in files.items():
        for name, field, _kind in _variable_uses(module):
            setters = [g for g in files if filename in ancestors[g] and name in assigned[g]]
            if not setters or name not in cfg or name in RUNNER_KEYS:
                continue
            if filename not in base_reads:
                base_reads[filename] = Config.fromfile(filename, import_custom_modules=False)
            before = base_reads[filename]
            old = before.get(name, KeyError)
            if old is KeyError or old == cfg[name]:
                continue
            field_old = _get_path(before, field)
            if field_old is KeyError or _get_path(cfg, field) != field_old:
                continue  # the field was set again after the base
            for setter in setters:
                stale.setdefault((setter, name, filename), []).append(field)
    messages = []
    for (setter, name, filename), fields in stale.items():
        old = base_reads[filename].get(name)
        messages.append(
            f'{_shown(setter)} sets {name} = {_short(cfg[name])}, but {_shown(filename)} '
            f'computed {", ".join(fields)} from its {name} = {_short(old)} when it was read '
            '(mmengine substitutes variables file by file), so they keep the old value: '
            f'set them in {_shown(setter)} too')
    return messages


# --------------------------------------------------------------------------- #
# --cfg-options
# --------------------------------------------------------------------------- #
#: the top-level config keys the runs read: the arguments of mmengine's ``Runner`` (and
#: ``FlexibleRunner``: ``strategy``, ``compile``), the keys they read with ``cfg.get``, and
#: rscovlm's (``runner_type``, ``custom_imports``, ``data_root``). Kept as a list so that
#: reading a config does not import the runners (and deepspeed with them); a test keeps it
#: in step with mmengine.
RUNNER_KEYS = frozenset((
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler',
    'val_evaluator', 'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor',
    'load_from', 'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level', 'visualizer',
    'default_scope', 'randomness', 'experiment_name', 'cfg', 'strategy', 'compile',
    'model_wrapper_cfg', 'find_unused_parameters', 'sync_bn', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'runner_type', 'custom_imports', 'data_root'))


def _type_problem(key: str, old: Any, new: Any) -> Optional[str]:
    """The error for ``--cfg-options key=new`` over the config's ``old`` value, if the
    types cannot match (an int field given text, a dict given a plain value...)."""
    if new is None or old is None:
        return None
    if isinstance(old, bool):
        ok, expected = isinstance(new, bool), 'True or False'
    elif isinstance(old, int):
        ok, expected = isinstance(new, int) and not isinstance(new, bool), 'an int'
    elif isinstance(old, float):
        ok = isinstance(new, (int, float)) and not isinstance(new, bool)
        expected = 'a number'
    elif isinstance(old, dict):
        ok, expected = isinstance(new, dict), f'a dict (set its keys: {key}.<name>=...)'
    else:
        return None
    if ok:
        return None
    return (f'--cfg-options {key}={new!r}: expected {expected}, got the '
            f'{type(new).__name__} {new!r} (the config has {_short(old)})')


def _run_fields(name: str, uses: Dict[str, List[Tuple[str, str]]], known: set) -> List[str]:
    """The fields the run reads that hold a copy of variable ``name``, also through other
    variables (``demo_det.pipeline`` copied into ``train_dataloader...``)."""
    fields, todo, seen = set(), [name], set()
    while todo:
        var = todo.pop()
        if var in seen:
            continue
        seen.add(var)
        for _, field in uses.get(var, ()):
            top = field.split('.')[0]
            if top in known:
                fields.add(field)
            else:
                todo.append(top)
    return sorted(fields)


def cfg_option_problems(cfg: Config, options: dict,
                        path: Optional[str] = None) -> Tuple[List[str], List[str]]:
    """``(errors, warnings)`` for ``--cfg-options`` on ``cfg`` (read from ``path``).

    Errors: a top-level variable whose value files of the config had already copied into
    fields (``max_iters=30``: naming the fields to set instead); a value whose type
    cannot replace the config's (``train_cfg.max_iters=abc``). Warnings: a top-level key
    that nothing reads (not a runner setting), a nested key the config lacks while a key
    of a close name exists (``train_cfg.max_iter``).
    """
    errors: List[str] = []
    warnings: List[str] = []
    options = {k: v for k, v in options.items() if k != 'data_root'}
    if not options:
        return errors, warnings
    known = RUNNER_KEYS
    uses = variable_fields(path) if path else {}
    for key, value in options.items():
        parts = key.split('.')
        top = parts[0]
        if top not in known:
            fields = _run_fields(top, uses, known)
            if top in cfg and fields:
                example = ' '.join(f'{f}={value}' for f in fields) if len(parts) == 1 \
                    else ' '.join(fields)
                errors.append(
                    f'--cfg-options {key}={value!r} changes nothing: {top} is a variable '
                    f'of the config whose value was copied into {", ".join(fields)} when '
                    f'the config was read; set those instead (--cfg-options {example})')
            elif top in cfg:
                warnings.append(
                    f'--cfg-options {key}: {top} is a variable of the config that no part '
                    'of the run reads, so this changes nothing')
            else:
                close = difflib.get_close_matches(top, sorted(known | set(cfg)), n=3,
                                                  cutoff=0.7)
                hint = f' (did you mean {" / ".join(close)}?)' if close else ''
                warnings.append(f'--cfg-options {key}: the config has no {top} and the '
                                f'runner reads no such key, so this changes nothing{hint}')
            continue
        parent = cfg._cfg_dict
        for depth, part in enumerate(parts):
            where = '.'.join(parts[:depth + 1])
            if isinstance(parent, dict) and part not in parent:
                # (a runner setting the config leaves out is simply added)
                close = difflib.get_close_matches(part, [str(k) for k in parent], n=3,
                                                  cutoff=0.8) if depth else []
                if close:
                    prefix = '.'.join(parts[:depth])
                    names = ' / '.join(f'{prefix}.{c}' if prefix else c for c in close)
                    warnings.append(f'--cfg-options {key}: the config has no {where}; did '
                                    f'you mean {names}? (it is added as a new setting)')
                break
            if isinstance(parent, dict):
                parent = parent[part]
            elif isinstance(parent, (list, tuple)) and part.isdigit() \
                    and int(part) < len(parent):
                parent = parent[int(part)]
            else:
                break
        else:
            problem = _type_problem(key, parent, value)
            if problem:
                errors.append(problem)
    return errors, warnings
