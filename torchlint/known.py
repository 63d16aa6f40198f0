"""What torchlint knows about PyTorch's API, as qualified names.

Every set names its source. Qualified names are what
:meth:`torchlint.semantic.SemanticModel.resolve` returns, whatever the import
style in the linted file.
"""
from __future__ import annotations

import sys
from functools import lru_cache

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

# A word every optimizer constructor (torch.optim.*, a class named like a known
# optimizer, torch.optim.Optimizer subclasses, configure_optimizers) is written with.
OPTIMIZER_WORDS = ("ptim",) + OPTIMIZER_NAMES  # "ptim": optim, Optimizer, configure_optimizers
OPTIMIZER_TEXT = "|".join(OPTIMIZER_WORDS)  # the same, as a regular expression

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
# ``loss.backward()``, ``accelerator.backward(loss)``, ``self.manual_backward(loss)``
BACKWARD_METHODS = frozenset({"backward", "manual_backward"})


@lru_cache(maxsize=4096)  # a pure function of a name; names repeat across files
def is_optimizer_class(qualname: str) -> bool:
    """``torch.optim.SGD``, ``transformers.AdamW``, ``apex.optimizers.FusedLAMB`` ..."""
    if qualname.startswith(SCHEDULER_PREFIXES):
        return False
    last = qualname.rsplit(".", 1)[-1]
    if qualname.startswith("torch.optim.") and last[:1].isupper() and last != "Optimizer":
        return True
    return last.endswith(OPTIMIZER_NAMES)


@lru_cache(maxsize=4096)  # a pure function of a name; names repeat across files
def is_scheduler_class(qualname: str) -> bool:
    last = qualname.rsplit(".", 1)[-1]
    if qualname.startswith(SCHEDULER_PREFIXES):
        return last[:1].isupper()
    if qualname.startswith("transformers.") and SCHEDULER_FUNCTION_MARK in last:
        return True
    return False


@lru_cache(maxsize=4096)  # a pure function of a name; names repeat across files
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
    if qualname in BACKWARD_WRAPPERS:
        return frozenset({"accelerator"})
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


def kinds_for_bases(bases: frozenset) -> frozenset:
    """Binding kinds of an instance of a class deriving from ``bases`` (qualified names)."""
    if bases & LIGHTNING_MODULES:
        return frozenset({"module", "lightning"})
    if has_layer_class(bases):  # nn.Module, nn.Transformer ...
        return frozenset({"module"})
    if bases & DISTRIBUTED_SAMPLERS:
        return frozenset({"sampler", "distributed_sampler"})
    if bases & SAMPLERS:
        return frozenset({"sampler", "custom_sampler"})
    if bases & DATASET_BASES:
        return frozenset({"dataset"})
    for q in bases:
        kinds = kinds_for_constructor(q)
        if kinds & {"optimizer", "scheduler", "dataloader"}:
            return kinds
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


# --- hyperparameters and reproducibility (RULES.md TL301, TL302, TL401, TL402) ---

# Optimizer wrappers that take ``lr=`` themselves (torch.distributed.optim).
LR_TAKING_OPTIMIZER_WRAPPERS = frozenset(
    {
        "torch.distributed.optim.DistributedOptimizer",
        "torch.distributed.optim.optimizer.DistributedOptimizer",
        "torch.distributed.optim.ZeroRedundancyOptimizer",
        "torch.distributed.optim.zero_redundancy_optimizer.ZeroRedundancyOptimizer",
    }
)

# Seeders that seed Python's ``random``, NumPy's global RNG and torch at once
# (lightning seed_everything, transformers/accelerate set_seed).
SEED_ALL = frozenset(
    q for q in TORCH_SEEDERS if q.rsplit(".", 1)[-1] in ("seed_everything", "set_seed")
) | {
    "transformers.enable_full_determinism",
    "transformers.trainer_utils.enable_full_determinism",
    "accelerate.utils.random.set_seed",
}
# Seeding helpers of libraries, by the name they are imported under: a call to one
# whose module torchlint may not read (third-party code) counts as seeding every
# generator (timm.utils.random_seed, mmcv's set_random_seed, DINO's fix_random_seeds,
# detectron2/mmengine seed_all...); a project's own function is judged by its body.
SEEDER_NAMES = frozenset(
    {"random_seed", "set_seed", "seed_everything", "fix_random_seeds", "set_random_seed", "seed_all"})
RANDOM_SEEDERS = frozenset({"random.seed"})
NUMPY_SEEDERS = frozenset({"numpy.random.seed", "numpy.random.mtrand.seed"})
# Restoring a saved generator state (resuming from a checkpoint) makes a run as
# reproducible as seeding it.
RNG_STATE_RESTORERS = {
    "torch": frozenset({"torch.set_rng_state", "torch.random.set_rng_state",
                        "torch.cuda.set_rng_state", "torch.cuda.set_rng_state_all"}),
    "random": frozenset({"random.setstate"}),
    "numpy": frozenset({"numpy.random.set_state"}),
}

# Module-level functions of ``random`` / ``numpy.random`` that draw from the global RNG
# are every public function except these (state handling, constructors of own generators).
RANDOM_NON_DRAWS = frozenset({"seed", "getstate", "setstate", "Random", "SystemRandom"})
NUMPY_RANDOM_NON_DRAWS = frozenset(
    {"seed", "get_state", "set_state", "default_rng", "RandomState", "Generator",
     "SeedSequence", "BitGenerator", "MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64"}
)

# LightningCLI seeds every run (``seed_everything_default=True``) and saves the seed.
LIGHTNING_CLIS = frozenset(
    {
        "lightning.pytorch.cli.LightningCLI",
        "lightning.pytorch.LightningCLI",
        "pytorch_lightning.cli.LightningCLI",
        "pytorch_lightning.utilities.cli.LightningCLI",
    }
)

# Top-level packages that are never the user's own project: widely used third-party
# packages (an import of one of them is not a local helper), plus the stdlib.
THIRD_PARTY_PACKAGES = frozenset(
    {
        "torch", "torchvision", "torchaudio", "torchtext", "torchdata", "torchrl", "torchmetrics",
        "lightning", "pytorch_lightning", "lightning_fabric", "lightning_utilities",
        "transformers", "accelerate", "datasets", "tokenizers", "evaluate", "peft", "trl",
        "huggingface_hub", "safetensors", "diffusers", "timm", "numpy", "scipy", "pandas",
        "sklearn", "matplotlib", "seaborn", "PIL", "cv2", "skimage", "imageio", "h5py",
        "tqdm", "rich", "loguru", "yaml", "omegaconf", "hydra", "jsonargparse", "click",
        "typer", "fire", "absl", "wandb", "mlflow", "tensorboard", "tensorboardX", "comet_ml",
        "neptune", "optuna", "ray", "gym", "gymnasium", "einops", "apex", "deepspeed",
        "fairscale", "xformers", "triton", "bitsandbytes", "torch_geometric", "dgl",
        "networkx", "requests", "tabulate", "psutil", "packaging", "pydantic", "attr",
        "attrs", "albumentations", "kornia", "monai", "detectron2", "mmcv", "mmdet",
        "sentencepiece", "nltk", "spacy", "onnx", "onnxruntime", "tensorflow", "jax", "flax",
        "pytest", "hypothesis", "setuptools", "pkg_resources",
    }
)


@lru_cache(maxsize=4096)  # a pure function of a name; names repeat across files
def is_external_package(top: str) -> bool:
    """True when the top-level module ``top`` is stdlib or a known third-party package."""
    stdlib = getattr(sys, "stdlib_module_names", _STDLIB_FALLBACK)  # Python 3.10+
    return top in stdlib or top in THIRD_PARTY_PACKAGES or top.startswith("_")


_STDLIB_FALLBACK = frozenset(
    "os sys random math json time argparse logging pathlib functools itertools collections "
    "typing dataclasses copy re shutil subprocess multiprocessing threading contextlib abc "
    "enum warnings pickle io glob datetime socket tempfile uuid hashlib inspect importlib "
    "unittest string struct signal traceback types statistics queue csv gzip zipfile tarfile "
    "urllib http platform operator heapq bisect textwrap pprint numbers decimal secrets".split()
)


# --- data pipeline (TL5xx) -------------------------------------------------------
# torch.utils.data: parameters in positional order (torch 2.x signatures), so that
# positional arguments and ``loader.sampler``-style attributes can be named.
_DATALOADER_PARAMS = ("dataset", "batch_size", "shuffle", "sampler", "batch_sampler", "num_workers",
                      "collate_fn", "pin_memory", "drop_last", "timeout", "worker_init_fn",
                      "multiprocessing_context", "generator")
_BATCH_SAMPLER_PARAMS = ("sampler", "batch_size", "drop_last")
_DISTRIBUTED_SAMPLER_PARAMS = ("dataset", "num_replicas", "rank", "shuffle", "seed", "drop_last")
BATCH_SAMPLERS = frozenset({"torch.utils.data.BatchSampler", "torch.utils.data.sampler.BatchSampler"})
# samplers that draw from the whole dataset on every rank (torch.utils.data.sampler)
WHOLE_DATASET_SAMPLERS = frozenset(
    {
        "torch.utils.data.RandomSampler",
        "torch.utils.data.SequentialSampler",
        "torch.utils.data.sampler.RandomSampler",
        "torch.utils.data.sampler.SequentialSampler",
    }
)
ITERABLE_DATASET_BASES = frozenset(
    {"torch.utils.data.IterableDataset", "torch.utils.data.dataset.IterableDataset"}
)
# attributes that give back a constructor argument (``loader.sampler``, ``sampler.dataset``)
ARGUMENT_ATTRIBUTES = frozenset({"sampler", "batch_sampler", "dataset"})
# dict methods that do not change its entries (dict-built keyword arguments, ``**kwargs``)
READONLY_DICT_METHODS = frozenset({"get", "items", "keys", "values", "copy", "__getitem__"})
# callables that iterate their arguments (``for i, b in enumerate(tqdm(loader))``);
# any ``tqdm.*`` qualified name counts too
ITER_WRAPPERS = frozenset(
    {"builtins.enumerate", "builtins.iter", "builtins.zip", "itertools.cycle", "itertools.islice",
     "itertools.chain", "rich.progress.track"}
)
# names that carry a process's rank (torch.distributed, torchrun's env, accelerate, Lightning)
RANK_NAMES = frozenset(
    {"rank", "global_rank", "local_rank", "node_rank", "process_index", "local_process_index",
     "get_rank", "get_local_rank", "get_global_rank", "RANK", "LOCAL_RANK"}
)


def constructor_parameters(qualname: str) -> tuple:
    """Parameter names, in positional order, of the data-pipeline constructors torchlint reads."""
    if qualname in DATALOADERS:
        return _DATALOADER_PARAMS
    if qualname in BATCH_SAMPLERS:
        return _BATCH_SAMPLER_PARAMS
    if qualname in DISTRIBUTED_SAMPLERS:
        return _DISTRIBUTED_SAMPLER_PARAMS
    if qualname in WHOLE_DATASET_SAMPLERS:
        return ("data_source",)
    return ()


def is_iter_wrapper(qualname: str) -> bool:
    return qualname in ITER_WRAPPERS or qualname == "tqdm" or qualname.startswith("tqdm.")


# --- autograd mode, losses, values (TL102-TL105, TL701) ------------------------
# Context managers / decorators that turn autograd recording back on (torch.autograd.grad_mode).
GRAD_ENABLING_CONTEXTS = frozenset(
    {"torch.enable_grad", "torch.autograd.enable_grad", "torch.autograd.grad_mode.enable_grad"}
)
# ``set_grad_enabled(mode)``: its effect depends on the (constant) argument.
SET_GRAD_ENABLED = frozenset(
    {"torch.set_grad_enabled", "torch.autograd.set_grad_enabled",
     "torch.autograd.grad_mode.set_grad_enabled"}
)

# Softmax producers (torch.nn.functional, torch, torch.special) and the nn.Softmax module (TL701).
SOFTMAX_FUNCTIONS = frozenset(
    {"torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax"}
)
SOFTMAX_MODULES = frozenset({"torch.nn.Softmax", "torch.nn.modules.activation.Softmax"})
# Their log-space twins: ``exp`` of one is softmax probabilities again (TL701).
LOG_SOFTMAX_FUNCTIONS = frozenset(
    {"torch.log_softmax", "torch.nn.functional.log_softmax", "torch.special.log_softmax"}
)
LOG_SOFTMAX_MODULES = frozenset({"torch.nn.LogSoftmax", "torch.nn.modules.activation.LogSoftmax"})
EXP_FUNCTIONS = frozenset({"torch.exp"})
# Tensor methods that change a tensor's shape, never its values (TL701: probabilities
# stay probabilities; ``transpose`` / ``permute`` move the class dimension and are not here).
RESHAPING_METHODS = frozenset({"view", "reshape", "view_as", "reshape_as", "flatten",
                               "squeeze", "unsqueeze"})
SEQUENTIAL_MODULES = frozenset({"torch.nn.Sequential", "torch.nn.modules.container.Sequential"})

# Losses that expect logits (cross_entropy) or log-probabilities (nll_loss), torch.nn.functional
# and torch.nn.modules.loss (TL701). Value: the functional name, for messages.
LOGIT_LOSSES = {
    "torch.nn.functional.cross_entropy": "cross_entropy",
    "torch.nn.CrossEntropyLoss": "cross_entropy",
    "torch.nn.modules.loss.CrossEntropyLoss": "cross_entropy",
    "torch.nn.functional.nll_loss": "nll_loss",
    "torch.nn.NLLLoss": "nll_loss",
    "torch.nn.modules.loss.NLLLoss": "nll_loss",
}

# Tensor methods that keep a value attached to its autograd graph (TL104); ``item()``,
# ``detach()``, ``tolist()`` ... are not among them.
GRAD_PRESERVING_METHODS = frozenset(
    {"mean", "sum", "float", "double", "half", "bfloat16", "to", "cpu", "cuda", "clone",
     "view", "reshape", "squeeze", "unsqueeze", "flatten", "mul", "div", "add", "sub",
     "abs", "pow", "sqrt", "exp", "log", "neg", "contiguous", "expand", "repeat"}
)
# Wrappers whose ``backward(loss)`` method takes the tensor as its first argument.
BACKWARD_WRAPPERS = frozenset(
    {"accelerate.Accelerator", "accelerate.accelerator.Accelerator", "lightning.Fabric",
     "lightning.fabric.Fabric", "lightning_fabric.Fabric", "lightning.fabric.fabric.Fabric"}
)

# Set-up calls that hand back what they were given (one object: that object; several: a
# tuple of them, in order): Accelerator.prepare* (accelerate/accelerator.py), Fabric.setup*
# (lightning/fabric/fabric.py), apex.amp.initialize(models, optimizers).
PASS_THROUGH_METHODS = frozenset(
    {"prepare", "prepare_model", "prepare_optimizer", "prepare_scheduler", "prepare_data_loader",
     "setup", "setup_module", "setup_optimizers", "setup_dataloaders"}
)
PASS_THROUGH_FUNCTIONS = frozenset({"apex.amp.initialize", "apex.amp.frontend.initialize"})

# The optimizer API (torch/optim/optimizer.py): an untyped value used only through these,
# whose ``step()`` follows ``backward()``, is an optimizer (semantic/uses.py).
OPTIMIZER_API = frozenset(
    {"step", "zero_grad", "param_groups", "state", "defaults", "state_dict", "load_state_dict",
     "add_param_group"}
)
# ... and these are proof by themselves (a scheduler or a module has neither ``param_groups`` nor
# both ``zero_grad`` and ``step``).
OPTIMIZER_ONLY_API = frozenset({"param_groups", "add_param_group"})

# LightningModule accessors (lightning.pytorch.core.module.LightningModule) and the kind they return.
LIGHTNING_SELF_ACCESSORS = {"optimizers": "optimizer", "lr_schedulers": "scheduler"}

# Engineering concerns a Lightning Trainer takes over (TL901, torchlint lightning).
# torch.amp.autocast_mode / torch.cuda.amp / torch.cpu.amp
AUTOCAST_CONTEXTS = frozenset(
    {"torch.autocast", "torch.amp.autocast", "torch.amp.autocast_mode.autocast",
     "torch.cuda.amp.autocast", "torch.cpu.amp.autocast"}
)
# torch.nn.utils.clip_grad
GRAD_CLIPPERS = frozenset(
    {"torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_norm",
     "torch.nn.utils.clip_grad_value_", "torch.nn.utils.clip_grad.clip_grad_norm_",
     "torch.nn.utils.clip_grad.clip_grad_norm", "torch.nn.utils.clip_grad.clip_grad_value_"}
)
CHECKPOINT_SAVERS = frozenset({"torch.save", "torch.serialization.save"})
# torch.distributed / torch.multiprocessing process-group setup (DDP the hand-written way)
DISTRIBUTED_SETUP = frozenset(
    {"torch.distributed.init_process_group", "torch.distributed.distributed_c10d.init_process_group",
     "torch.multiprocessing.spawn", "torch.multiprocessing.spawn.spawn"}
)
# metric loggers: torch.utils.tensorboard, tensorboardX, wandb, mlflow
METRIC_LOGGERS = frozenset(
    {"torch.utils.tensorboard.SummaryWriter", "torch.utils.tensorboard.writer.SummaryWriter",
     "tensorboardX.SummaryWriter", "wandb.init", "wandb.log", "mlflow.log_metric",
     "mlflow.log_metrics"}
)


# --- evaluation mode (TL6xx) -------------------------------------------------------
# (autograd contexts: NO_GRAD_CONTEXTS, GRAD_ENABLING_CONTEXTS, SET_GRAD_ENABLED above)
# Calls that use gradients without ``backward()``: a loop making one is no evaluation loop.
GRADIENT_USES = frozenset({"torch.autograd.grad", "torch.autograd.backward"})
GRADIENT_USE_PREFIXES = ("torch.autograd.functional.", "torch.func.", "functorch.")
GRADIENT_USE_METHODS = frozenset({"requires_grad_", "retain_grad", "register_hook", "backward"})

# torch.nn layers whose forward differs between train() and eval()
# (torch.nn.modules.dropout / batchnorm / transformer: dropout drops only in training
# mode; batch norm normalises with batch statistics and updates its running
# statistics only in training mode; transformer layers hold dropout, p=0.1 by default).
MODE_DEPENDENT_LAYERS = frozenset(
    {"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
     "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
     "LazyBatchNorm3d", "SyncBatchNorm", "Transformer", "TransformerEncoder",
     "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer"}
)
# ... only with a non-zero ``dropout=`` (torch.nn.RNNBase, MultiheadAttention) ...
DROPOUT_ARGUMENT_LAYERS = frozenset({"RNN", "LSTM", "GRU", "MultiheadAttention"})
# ... only with ``track_running_stats=True`` (torch.nn.modules.instancenorm).
RUNNING_STATS_LAYERS = frozenset(
    {"InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d",
     "LazyInstanceNorm2d", "LazyInstanceNorm3d"}
)
# Containers: as mode-dependent as the layers they are given.
MODULE_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})
# Model zoos whose models nearly all hold dropout or batch norm (torchvision classifiers,
# timm, transformers ``*Model*`` / ``*For*`` classes).
MODEL_ZOO_PREFIXES = ("torchvision.models.", "timm.create_model", "timm.models.")


@lru_cache(maxsize=4096)  # a pure function of a name; names repeat across files
def nn_layer_name(qualname: str) -> str:
    """``Dropout`` for ``torch.nn.Dropout`` / ``torch.nn.modules.dropout.Dropout``, else ''."""
    parts = qualname.split(".")
    if len(parts) >= 3 and parts[0] == "torch" and parts[1] == "nn" and parts[-1][:1].isupper():
        if len(parts) == 3 or parts[2] == "modules":
            return parts[-1]
    return ""


def is_model_zoo_constructor(qualname: str) -> bool:
    if qualname.startswith(MODEL_ZOO_PREFIXES):
        return True
    if qualname.startswith("transformers."):
        return any("Model" in p or "For" in p for p in qualname.split(".")[1:2])
    return False


# Wrappers that run the module they wrap: its training flag is the wrapped module's.
MODULE_WRAPPERS = DATA_PARALLEL_CLASSES | {
    "torch.compile",
    "torch.distributed.fsdp.FullyShardedDataParallel",
    "torch.distributed.fsdp.fully_sharded_data_parallel.FullyShardedDataParallel",
}

# Words that name held-out data (``val_loader``, ``testloader``, ``dev_iter``,
# ``dataloaders["val"]``) or an evaluation function (``evaluate``, ``validate``).
EVAL_DATA_WORDS = ("val", "valid", "validation", "test", "testing", "eval", "evaluation", "dev",
                   "holdout")
EVAL_DATA_SUFFIXES = ("", "loader", "set", "data", "dataset", "iter", "iterator", "dl", "ds",
                      "batches", "samples")
EVAL_FUNCTION_WORDS = frozenset(
    {"evaluate", "validate", "validation", "evaluation", "eval", "val", "valid", "test"}
)


# --- devices (RULES.md TL201, TL202) ---

# Calls whose value is a device the program selects (torch.device, torch.accelerator).
DEVICE_SELECTORS = frozenset(
    {"torch.device", "torch.accelerator.current_accelerator", "torch.get_default_device"}
)
# Calls that mean "this program looks for / picks an accelerator" (a file that makes one
# of them, or moves anything to a device, is not a pure CPU script).
DEVICE_PROBES = DEVICE_SELECTORS | {
    "torch.cuda.is_available", "torch.cuda.device_count", "torch.cuda.set_device",
    "torch.cuda.current_device", "torch.accelerator.is_available",
    "torch.accelerator.device_count", "torch.backends.mps.is_available",
    "torch.xpu.is_available", "accelerate.Accelerator", "lightning.Fabric",
    "lightning.fabric.Fabric", "lightning_fabric.Fabric",
} | LIGHTNING_TRAINERS
# Device strings (``"cuda:1"`` starts with one of these) that name an accelerator.
ACCELERATOR_PREFIXES = ("cuda", "mps", "xpu", "hpu", "npu", "xla")
# torch dtypes: ``x.to(torch.float16)`` converts, it does not move.
DTYPE_NAMES = frozenset(
    "float half double bfloat16 float16 float32 float64 int int8 int16 int32 int64 long short "
    "uint8 bool complex64 complex128 cfloat cdouble float8_e4m3fn float8_e5m2".split()
)
# Tensor/module methods that move to a device (``.to`` may also only convert the dtype).
MOVE_METHODS = frozenset({"to", "cuda", "cpu", "xpu", "mps"})
# Tensor methods whose result follows the device of another tensor or of the caller's
# choice: a factory value passed through one of them is no longer "on the CPU".
DEVICE_FIX_METHODS = frozenset({"to", "cuda", "xpu", "mps", "type_as", "pin_memory"})
# Calls that read only the shape / type of their tensor arguments, or copy across devices
# on purpose: combining a CPU tensor with a device tensor through them is fine.
DEVICE_NEUTRAL_METHODS = frozenset(
    {"to", "type_as", "expand_as", "view_as", "reshape_as", "copy_", "size", "dim", "numel",
     "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "index_select",
     "__getitem__", "item", "tolist", "append", "extend", "insert", "register_buffer",
     "get", "format", "join", "update", "set_", "cpu", "cuda"}
)
# Attributes and methods that give a tensor's metadata (a Python int/size/dtype/device),
# not the tensor: ``torch.zeros(x.size(0))`` is not "combined with x".
TENSOR_META_ATTRIBUTES = frozenset(
    {"shape", "device", "dtype", "ndim", "is_cuda", "requires_grad", "layout", "names"}
)
TENSOR_META_METHODS = frozenset(
    {"size", "dim", "numel", "item", "tolist", "nelement", "stride", "get_device",
     "is_contiguous", "data_ptr", "element_size", "is_floating_point", "ndimension"}
)
# Conversions that always make a CPU tensor (no ``device=``): a NumPy array's memory (TL201).
CPU_TENSOR_CONVERSIONS = frozenset({"torch.from_numpy"})
# nn.Module methods a class overrides to move tensors of its own when the module moves
# (its plain tensor attributes may then follow ``.to(device)``; TL201).
MODULE_MOVE_OVERRIDES = frozenset({"_apply", "to", "cuda", "xpu", "mps"})
# nn.Module methods that register an attribute by name, so that ``.to(device)`` moves it.
MODULE_REGISTRATIONS = frozenset({"register_buffer", "register_parameter", "register_module",
                                  "add_module"})
# Tensor factories whose single data argument is copied: 0-dim when it is a scalar.
DATA_FACTORIES = frozenset({"torch.tensor", "torch.as_tensor", "torch.Tensor",
                            "torch.FloatTensor", "torch.LongTensor"})
# Methods of an nn.Module that run on its inputs each step (RULES.md TL201 (a)).
FORWARD_METHODS = frozenset(
    {"forward", "training_step", "validation_step", "test_step", "predict_step"}
)
# Progress-bar wrappers around an iterable (the iterable is the first argument).
PROGRESS_WRAPPERS = frozenset(
    {"tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm", "tqdm.std.tqdm", "rich.progress.track"}
)
# Words in an ``if`` test that guard device-specific code (``if args.cuda:``,
# ``if torch.cuda.is_available():``, ``if device.type == "cuda":``).
DEVICE_GUARD_WORDS = ("cuda", "gpu", "device", "accelerat", "is_available", "mps")
# Calls that pick the current accelerator device by hand (torch.cuda / torch.accelerator / torch.xpu).
DEVICE_SELECTION = frozenset(
    {"torch.cuda.set_device", "torch.accelerator.set_device_index", "torch.accelerator.set_device_idx",
     "torch.xpu.set_device", "torch.mps.set_device"}
)
# Reductions that give a 0-dim tensor when called without a dimension (``t.sum()``,
# ``torch.mean(t)``): a 0-dim CPU tensor may meet a tensor on any device.
FULL_REDUCTIONS = frozenset(
    {"sum", "mean", "prod", "max", "min", "amax", "amin", "norm", "std", "var", "all", "any",
     "median", "logsumexp", "count_nonzero", "dot", "vdot", "trace"}
)


@lru_cache(maxsize=4096)  # a pure function of a name; names repeat across files
def is_layer_class(qualname: str) -> bool:
    """``torch.nn.Module`` or a ``torch.nn`` layer class (``nn.Transformer``,
    ``nn.Sequential``...): a class deriving from it is a module."""
    return nn_layer_name(qualname) not in ("", "Parameter", "ParameterList", "ParameterDict")


def has_layer_class(bases) -> bool:
    """One of ``bases`` (qualified names) :func:`is_layer_class`: a class deriving from
    them is a module. A loop, not ``any(genexpr)``: asked of every class's bases."""
    for q in bases:
        if is_layer_class(q):
            return True
    return False
