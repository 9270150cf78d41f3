from .optim import LAVISOptimWrapperConstructor, LinearWarmupCosineLR

__all__ = ['LAVISOptimWrapperConstructor', 'LinearWarmupCosineLR']
