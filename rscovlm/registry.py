"""rscovlm registries.

Every registry is a child of mmengine's root registry of the same kind, so a config
resolves ``type='X'`` first in rscovlm, then in mmengine (and, through the ``mmdet.``
/ ``mmrotate.`` prefixes, in those libraries). ``locations`` lets a registry import
the modules that fill it on first use: tools never call a ``register_all_modules()``.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=['rscovlm.engine'])
# FlexibleRunner strategies (FSDP, DeepSpeed ZeRO) with rscovlm's CPU and checkpoint handling
STRATEGIES = Registry('strategy', parent=MMENGINE_STRATEGIES, locations=['rscovlm.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['rscovlm.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['rscovlm.engine'])
LOG_PROCESSORS = Registry(
    'log processor', parent=MMENGINE_LOG_PROCESSORS, locations=['rscovlm.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['rscovlm.engine'])
OPTIM_WRAPPERS = Registry(
    'optim wrapper', parent=MMENGINE_OPTIM_WRAPPERS, locations=['rscovlm.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['rscovlm.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, locations=['rscovlm.engine'])

# The generated demo data (rscovlm.datasets.demo) registers its dataset and tokenizer corpus
# there; the core package never imports it, the registries do when a config names them.
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, locations=['rscovlm.datasets', 'rscovlm.datasets.demo'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, locations=['rscovlm.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['rscovlm.datasets.transforms'])
FUNCTIONS = Registry(
    'function', parent=MMENGINE_FUNCTIONS, locations=['rscovlm.datasets', 'rscovlm.datasets.demo'])

MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['rscovlm.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, locations=['rscovlm.models'])

# Tokenizer + image processor builders (``model.processor``). mmengine has no root
# registry of this kind, so, like CODECS, it is a root of rscovlm's scope.
PROCESSORS = Registry('processor', scope='rscovlm', locations=['rscovlm.processors'])

# Box <-> text codecs: the one place where a box format is written and read back.
CODECS = Registry('codec', scope='rscovlm', locations=['rscovlm.codecs'])

METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['rscovlm.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, locations=['rscovlm.evaluation'])

VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, locations=['rscovlm.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, locations=['rscovlm.visualization'])


def __getattr__(name: str):
    if name == 'TASK_UTILS':  # where processors were registered before PROCESSORS
        raise ImportError('rscovlm.registry.TASK_UTILS is gone: processor builders register '
                          'in rscovlm.registry.PROCESSORS')
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
