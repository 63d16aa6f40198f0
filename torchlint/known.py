"""What torchlint knows about PyTorch's API, as qualified names.

Every set names its source. Qualified names are what
:meth:`torchlint.semantic.SemanticModel.resolve` returns, whatever the import
style in the linted file.
"""
from __future__ import annotations

# Top-level packages whose import makes a file "PyTorch code" (the fast gate).
TORCH_PACKAGES = frozenset(
    {"torch", "lightning", "pytorch_lightning", "lightning_fabric", "accelerate", "transformers"}
)

# torch.optim.__all__ (PyTorch 2.x) plus widely used third-party optimizers.
# RULES.md: "any class whose name ends in a known optimizer name".
OPTIMIZER_NAMES = (
    "SGD", "Adam", "AdamW", "Adamax", "Adadelta", "Adagrad", "ASGD", "LBFGS", "NAdam",
    "RAdam", "RMSprop", "Rprop", "SparseAdam", "Adafactor", "Lion", "LAMB", "Lamb",
    "LARS", "Novograd", "NovoGrad", "AdaBelief", "Ranger", "Muon", "Shampoo", "Adan",
)

# torch.optim.lr_scheduler.__all__ and transformers' get_*_schedule* helpers.
SCHEDULER_PREFIXES = ("torch.optim.lr_scheduler.",)
SCHEDULER_SUFFIXES = ("LR", "Scheduler", "LROnPlateau", "Annealing", "WarmRestarts")
SCHEDULER_FUNCTION_MARK = "_schedule"  # transformers.get_linear_schedule_with_warmup ...

DATALOADERS = frozenset(
    {
        "torch.utils.data.DataLoader",
        "torch.utils.data.dataloader.DataLoader",
    }
)

# torch.utils.data.distributed
DISTRIBUTED_SAMPLERS = frozenset(
    {
        "torch.utils.data.DistributedSampler",
        "torch.utils.data.distributed.DistributedSampler",
        "torch.utils.data.distributed_sampler.DistributedSampler",
    }
)

# torch.utils.data.sampler
SAMPLERS = frozenset(
    {
        "torch.utils.data.Sampler",
        "torch.utils.data.RandomSampler",
        "torch.utils.data.SequentialSampler",
        "torch.utils.data.SubsetRandomSampler",
        "torch.utils.data.WeightedRandomSampler",
        "torch.utils.data.BatchSampler",
        "torch.utils.data.sampler.Sampler",
        "torch.utils.data.sampler.RandomSampler",
        "torch.utils.data.sampler.SequentialSampler",
        "torch.utils.data.sampler.SubsetRandomSampler",
        "torch.utils.data.sampler.WeightedRandomSampler",
        "torch.utils.data.sampler.BatchSampler",
    }
) | DISTRIBUTED_SAMPLERS

DATASET_BASES = frozenset(
    {
        "torch.utils.data.Dataset",
        "torch.utils.data.IterableDataset",
        "torch.utils.data.dataset.Dataset",
        "torch.utils.data.dataset.IterableDataset",
        "torch.utils.data.TensorDataset",
    }
)

# torch.amp / torch.cuda.amp
GRAD_SCALERS = frozenset(
    {
        "torch.GradScaler",
        "torch.amp.GradScaler",
        "torch.amp.grad_scaler.GradScaler",
        "torch.cuda.amp.GradScaler",
        "torch.cuda.amp.grad_scaler.GradScaler",
        "torch.cpu.amp.GradScaler",
    }
)

DEVICE_CONSTRUCTORS = frozenset({"torch.device"})

# torch.nn.parallel
DDP_CLASSES = frozenset(
    {
        "torch.nn.parallel.DistributedDataParallel",
        "torch.nn.parallel.distributed.DistributedDataParallel",
    }
)
DATA_PARALLEL_CLASSES = DDP_CLASSES | {"torch.nn.DataParallel", "torch.nn.parallel.DataParallel"}

MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})

# lightning.pytorch / pytorch_lightning, both import styles.
LIGHTNING_MODULES = frozenset(
    {
        "lightning.LightningModule",
        "lightning.pytorch.LightningModule",
        "lightning.pytorch.core.LightningModule",
        "lightning.pytorch.core.module.LightningModule",
        "pytorch_lightning.LightningModule",
        "pytorch_lightning.core.LightningModule",
        "pytorch_lightning.core.module.LightningModule",
    }
)
LIGHTNING_TRAINERS = frozenset(
    {
        "lightning.Trainer",
        "lightning.pytorch.Trainer",
        "lightning.pytorch.trainer.Trainer",
        "lightning.pytorch.trainer.trainer.Trainer",
        "pytorch_lightning.Trainer",
        "pytorch_lightning.trainer.Trainer",
        "pytorch_lightning.trainer.trainer.Trainer",
    }
)

# Methods that return the same module (nn.Module API); on a tensor they return a tensor.
SELF_RETURNING_METHODS = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "half", "double", "bfloat16",
     "requires_grad_", "share_memory", "to_empty", "type", "xpu", "mps"}
)
DEVICE_MOVES = frozenset({"to", "cuda", "xpu", "mps"})

# torch functions that create a tensor (RULES.md TL201 (a)).
TENSOR_FACTORIES = frozenset(
    "torch." + n
    for n in (
        "zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm",
        "arange", "eye", "tensor", "linspace", "logspace", "Tensor", "FloatTensor",
        "LongTensor", "as_tensor",
    )
)

# Functions that seed torch's RNG (RULES.md TL401).
TORCH_SEEDERS = frozenset(
    {
        "torch.manual_seed",
        "torch.random.manual_seed",
        "torch.cuda.manual_seed",
        "torch.cuda.manual_seed_all",
        "lightning.seed_everything",
        "lightning.pytorch.seed_everything",
        "lightning.pytorch.utilities.seed.seed_everything",
        "lightning.fabric.seed_everything",
        "lightning.fabric.utilities.seed.seed_everything",
        "lightning_fabric.utilities.seed.seed_everything",
        "pytorch_lightning.seed_everything",
        "pytorch_lightning.utilities.seed.seed_everything",
        "transformers.set_seed",
        "transformers.trainer_utils.set_seed",
        "accelerate.utils.set_seed",
    }
)

# Context managers that disable autograd.
NO_GRAD_CONTEXTS = frozenset(
    {
        "torch.no_grad",
        "torch.inference_mode",
        "torch.autograd.no_grad",
        "torch.autograd.inference_mode",
        "torch.autograd.grad_mode.no_grad",
        "torch.autograd.grad_mode.inference_mode",
    }
)

AUTOGRAD_BACKWARD = frozenset({"torch.autograd.backward"})


def is_optimizer_class(qualname: str) -> bool:
    """``torch.optim.SGD``, ``transformers.AdamW``, ``apex.optimizers.FusedLAMB`` ..."""
    if qualname.startswith(SCHEDULER_PREFIXES):
        return False
    last = qualname.rsplit(".", 1)[-1]
    if qualname.startswith("torch.optim.") and last[:1].isupper() and last != "Optimizer":
        return True
    return last.endswith(OPTIMIZER_NAMES)


def is_scheduler_class(qualname: str) -> bool:
    last = qualname.rsplit(".", 1)[-1]
    if qualname.startswith(SCHEDULER_PREFIXES):
        return last[:1].isupper()
    if qualname.startswith("transformers.") and SCHEDULER_FUNCTION_MARK in last:
        return True
    return False


def kinds_for_constructor(qualname: str) -> frozenset:
    """Binding kinds of the value returned by calling ``qualname``."""
    if qualname in DATALOADERS:
        return frozenset({"dataloader"})
    if qualname in DISTRIBUTED_SAMPLERS:
        return frozenset({"sampler", "distributed_sampler"})
    if qualname in SAMPLERS:
        return frozenset({"sampler"})
    if qualname in GRAD_SCALERS:
        return frozenset({"grad_scaler"})
    if qualname in DEVICE_CONSTRUCTORS:
        return frozenset({"device"})
    if qualname in DDP_CLASSES:
        return frozenset({"module", "ddp"})
    if qualname in DATA_PARALLEL_CLASSES:
        return frozenset({"module"})
    if qualname in LIGHTNING_TRAINERS:
        return frozenset({"trainer"})
    if qualname in TENSOR_FACTORIES:
        return frozenset({"tensor"})
    if is_scheduler_class(qualname):
        return frozenset({"scheduler"})
    if is_optimizer_class(qualname):
        return frozenset({"optimizer"})
    if qualname.startswith("torch.nn.") and qualname.count(".") == 2:
        last = qualname.rsplit(".", 1)[-1]
        if last[:1].isupper() and last not in ("Parameter", "ParameterList", "ParameterDict"):
            return frozenset({"module"})
    if qualname == "torch.compile":
        return frozenset({"compiled"})
    return frozenset()


def kinds_for_annotation(qualname: str) -> frozenset:
    """Binding kinds of a parameter annotated with ``qualname``."""
    if qualname in ("torch.optim.Optimizer", "torch.optim.optimizer.Optimizer"):
        return frozenset({"optimizer"})
    if qualname in MODULE_BASES or qualname in LIGHTNING_MODULES:
        return frozenset({"module"})
    if qualname in ("torch.Tensor",):
        return frozenset({"tensor"})
    if qualname in ("torch.optim.lr_scheduler.LRScheduler", "torch.optim.lr_scheduler._LRScheduler"):
        return frozenset({"scheduler"})
    return kinds_for_constructor(qualname)


# Parameter names that, unannotated and not bound at any call site in the file,
# are taken to hold an object of that kind. Exact names only: ``opt_level`` is no optimizer.
PARAMETER_NAME_KINDS = {
    "optimizer": "optimizer", "optim": "optimizer", "opt": "optimizer",
    "optimizer_g": "optimizer", "optimizer_d": "optimizer", "optimizerG": "optimizer",
    "optimizerD": "optimizer", "opt_g": "optimizer", "opt_d": "optimizer",
    "scheduler": "scheduler", "lr_scheduler": "scheduler", "sched": "scheduler",
    "scaler": "grad_scaler", "grad_scaler": "grad_scaler",
    "model": "module", "net": "module", "module": "module",
    "train_loader": "dataloader", "dataloader": "dataloader", "loader": "dataloader",
    "device": "device",
}
