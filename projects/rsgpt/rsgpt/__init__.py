"""RSGPT (Hu et al., ISPRS J. 2025) in rscovlm: InstructBLIP fine-tuned the RSGPT way on
RSICap, evaluated on RSIEval. Importing this package registers its parts into rscovlm's
registries (configs load it with ``custom_imports``)."""
from .datasets import *  # noqa: F401,F403
from .engine import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
