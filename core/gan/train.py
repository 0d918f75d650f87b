"""Training the backdrop GAN: from scratch or fine-tuned from the shipped model.

Two files come out. The model file (``MODEL.pt``) holds what rendering and fine-tuning need:
the EMA generator, the discriminator and a description, all plain tensors and numbers so it
loads with ``torch.load(weights_only=True)``. The checkpoint beside it (``MODEL.pt.ckpt``) holds
everything needed to carry on: both networks, the optimisers and the step. Both are written
atomically, so a kill at any moment leaves the previous complete file; ``resume`` carries on
from the checkpoint. Cancelling writes a checkpoint first, so cancel is also "pause".
"""

from __future__ import annotations

import io
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import ModelError
from core.fileio import atomic_write_bytes, describe_os_error
from core.jobs import Cancelled, CancelToken, Progress, report

MODEL_FORMAT = "reelsmith-backdrop-gan"
CUSTOM_STYLE = "custom"


@dataclass
class TrainSettings:
    steps: int = 2000
    batch: int = 32
    # Two time-scale update rule (Heusel et al.): the discriminator learns faster.
    lr_g: float = 1e-4
    lr_d: float = 4e-4
    ema_decay: float = 0.999
    # Two experiments of #20, off until a run shows them better overall (docs/models.md): the
    # weight of the mode-seeking term (core.gan.model.layout_seeking_loss; 1.0 was tried), and
    # colours from every size for a model made from scratch (Generator's skip).
    layout_seeking: float = 0.0
    skip_colours: bool = False
    # The weight of style guidance (core.gan.model.style_guidance_loss), for runs on two or more
    # styles; 0 leaves it out.
    style_guidance: float = 0.0
    # The weight of naming the real pictures' styles from the discriminator's features (the
    # discriminator half of AC-GAN), for runs on two or more styles; 0 leaves it out. Without
    # it the shipped discriminator could hardly tell a real "shapes" from other styles
    # (docs/models.md), so it could not pull the generator toward shapes.
    style_naming: float = 0.0
    checkpoint_every: int = 200
    sample_every: int = 50
    seed: int = 0
    device: str | None = None  # None: CUDA when available
    max_seconds: float | None = None  # stop (normally) after this much training time


@dataclass(frozen=True)
class Ranks:
    """Where this process stands in a distributed run (torchrun's RANK, WORLD_SIZE, LOCAL_RANK);
    one process alone is rank 0 of 1."""

    rank: int = 0
    world: int = 1
    local: int = 0

    @classmethod
    def from_env(cls) -> Ranks:
        try:
            return cls(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                       int(os.environ.get("LOCAL_RANK", 0)))
        except ValueError as exc:
            raise ModelError(f"The distributed settings in the environment are not numbers ({exc}).") from None

    @property
    def lead(self) -> bool:
        """Rank 0 alone writes checkpoints and reports."""
        return self.rank == 0


@dataclass
class TrainUpdate:
    """What a training run shows as it goes: sent every ``sample_every`` steps."""

    step: int
    steps: int
    d_loss: float
    g_loss: float
    grid: np.ndarray | None = None  # RGB uint8 sample grid from the EMA generator
    seconds: float = 0.0


@dataclass
class TrainResult:
    model: Path
    steps: int
    seconds: float
    history: list[tuple[int, float, float]] = field(default_factory=list)  # (step, d loss, g loss)


def checkpoint_path(model: Path) -> Path:
    return Path(f"{model}.ckpt")


def _save(obj: dict, path: Path) -> None:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:
        raise ModelError(f"Could not save {path.name}: {describe_os_error(exc)}.") from exc


def load_model_file(path: str | os.PathLike) -> dict:
    """A model file's contents, checked; a ModelError a creator can act on otherwise."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"The model file '{path}' does not exist.")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a damaged file
        raise ModelError(f"'{path.name}' is not a Reelsmith backdrop model, or it is damaged ({type(exc).__name__}).") from exc
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise ModelError(f"'{path.name}' is not a Reelsmith backdrop model.")
    if data.get("version") != 1:
        raise ModelError(f"'{path.name}' was made by a newer Reelsmith (model version {data.get('version')}).")
    return data


def build_generator(data: dict):
    """The EMA generator described by a model file, ready for sampling (eval mode)."""
    import torch

    from core.gan.model import Generator

    generator = Generator(len(data["styles"]), data["z_dim"], tuple(data["channels"]),
                          conditional=data.get("conditional_norm", False), skip=data.get("skip_rgb", False))
    try:
        generator.load_state_dict(data["generator"])
    except (RuntimeError, KeyError) as exc:
        raise ModelError(f"The model file does not fit this version of Reelsmith ({exc}).") from exc
    # Channels-last convolutions run twice as fast on the CPU for this generator.
    return generator.eval().to(memory_format=torch.channels_last)


def _model_dict(ema, discriminator, styles: list[str], steps: int, description: str) -> dict:
    return {"format": MODEL_FORMAT, "version": 1, "styles": list(styles), "z_dim": ema.z_dim,
            "channels": list(ema.channels), "conditional_norm": ema.conditional, "skip_rgb": ema.skip,
            "generator": ema.state_dict(),
            "discriminator": discriminator.state_dict(), "trained_steps": steps, "description": description}


def _to_tensor(pictures: np.ndarray, device):
    import torch

    return (torch.from_numpy(pictures).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)).to(device)


def sample_grid(generator, styles: list[int], z) -> np.ndarray:
    """A row of samples, one per latent vector, as an RGB uint8 picture."""
    import torch

    with torch.no_grad():
        pictures = generator(z, torch.tensor(styles, device=z.device))
    pictures = ((pictures.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu().numpy()
    rows = int(math.sqrt(len(pictures)))
    columns = math.ceil(len(pictures) / rows)
    pad = np.zeros((rows * columns - len(pictures), *pictures.shape[1:]), np.uint8)
    height, width = pictures.shape[1:3]
    full = np.concatenate([pictures, pad]).reshape(rows, columns, height, width, 3)
    return full.transpose(0, 2, 1, 3, 4).reshape(rows * height, columns * width, 3)


class _Divergence:
    """Stops a run that has gone wrong: a loss that is not a number, or a discriminator that
    has won outright for a long stretch (the generator gets no gradient and only gets worse)."""

    def __init__(self, patience: int = 200):
        self.patience, self.won_for = patience, 0

    def check(self, step: int, d_loss: float, g_loss: float) -> None:
        if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
            raise ModelError(f"Training diverged at step {step} (the loss is no longer a number). "
                             "The last checkpoint is kept: try a lower learning rate or more pictures.")
        self.won_for = self.won_for + 1 if d_loss < 0.02 and g_loss > 5 else 0
        if self.won_for >= self.patience:
            raise ModelError(f"Training collapsed at step {step}: the discriminator wins every time. "
                             "The last checkpoint is kept: try more, or more varied, pictures.")


def train(
    pictures: np.ndarray,
    out: str | os.PathLike,
    settings: TrainSettings | None = None,
    *,
    labels: np.ndarray | None = None,
    styles: list[str] | None = None,
    base_model: str | os.PathLike | None = None,
    resume: bool = False,
    description: str = "",
    on_update: Callable[[TrainUpdate], None] | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    ranks: Ranks | None = None,
) -> TrainResult:
    """Train on RGB uint8 ``pictures`` (N, S, S, 3) and write the model to ``out``.

    Without ``labels`` every picture is of one style, "custom". With ``base_model`` the run
    fine-tunes it (its styles stay, "custom" is added); otherwise it starts from scratch.
    ``resume`` carries on from ``out``'s checkpoint when there is one.

    Distributed (``ranks``, or torchrun's environment, with more than one process): every
    process trains a DistributedDataParallel copy on its own shard of the pictures, with its
    share of the batch (the global batch stays ``settings.batch``); gradients are averaged
    across processes each step, so the run follows one process's course. Rank 0 alone writes
    the checkpoints and reports.
    """
    from core.gan.model import pick_device

    out, settings, ranks = Path(out), settings or TrainSettings(), ranks or Ranks.from_env()
    if len(pictures) < 8 * ranks.world:
        raise ModelError(f"Training needs at least 8 pictures per process; there are {len(pictures)}.")
    device = pick_device(settings.device)
    if ranks.world > 1:
        device = _join(ranks, device)
    try:  # whatever ends the run (an error, a cancel while the style guide learns) leaves the group
        return _train_in_group(pictures, out, settings, ranks, device, labels, styles, base_model, resume,
                               description, on_update, progress, cancel)
    finally:
        _leave(ranks)


def _train_in_group(pictures, out: Path, settings: TrainSettings, ranks: Ranks, device, labels, styles, base_model,
                    resume: bool, description: str, on_update, progress, cancel) -> TrainResult:
    """``train`` once its process has joined its group (when it has one)."""
    import torch

    from core.gan.model import (
        PREVIEW_PICTURES,
        SETTLE_PICTURES,
        Discriminator,
        Ema,
        Generator,
        diff_augment,
        hinge_d_loss,
        hinge_g_loss,
        layout_seeking_loss,
        settle_statistics,
        style_guidance_loss,
        train_style_classifier,
    )

    torch.manual_seed(settings.seed)  # the same starting weights in every process
    rng = torch.Generator().manual_seed(settings.seed + ranks.rank)  # its own draws of pictures
    base = load_model_file(base_model) if base_model else None
    styles, labels = _styles_and_labels(base, styles, labels, len(pictures))
    # A fine-tuned model keeps its base's kind of generator; a new one is style-conditional.
    kind = ({"conditional": base.get("conditional_norm", False), "skip": base.get("skip_rgb", False)} if base
            else {"conditional": True, "skip": settings.skip_colours})
    # Channels-last: the pictures come that way from numpy, and the convolutions run about a
    # fifth faster so on these CPUs (rendering uses it too: build_generator).
    generator = Generator(len(styles), **kind).to(device, memory_format=torch.channels_last)
    discriminator = Discriminator(len(styles)).to(device, memory_format=torch.channels_last)
    if base is not None:
        _load_base(generator, discriminator, base, len(styles))
    if pictures.shape[1] != generator.size:
        pictures = _resize_all(pictures, generator.size)
    # A fine-tune's average starts at its base, as in StyleGAN2-ADA's transfer learning: its
    # warm-up counts the base's steps. Restarted, it made the model little more than the live
    # weights of the last few dozen steps, which a GAN's average exists to smooth. It still
    # forgets the base within the run (a half-life of at most a fifth of it), so a short
    # fine-tune shows the creator's style.
    trained_before = int(base.get("trained_steps", 0)) if base is not None else 0
    decay = min(settings.ema_decay, 0.5 ** (5 / max(1, settings.steps))) if base is not None else settings.ema_decay
    ema = Ema(generator, decay)
    opt_g = torch.optim.Adam(generator.parameters(), settings.lr_g, betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(discriminator.parameters(), settings.lr_d, betas=(0.0, 0.99))
    step, history = 0, []
    ckpt = checkpoint_path(out)
    data = _to_tensor(pictures, device)
    label_tensor = torch.as_tensor(labels, dtype=torch.long, device=device)
    shard = torch.arange(ranks.rank, len(data), ranks.world)  # this process's pictures
    batch = max(1, settings.batch // ranks.world)
    g_net, d_net = _parallel(generator, ranks, device), _parallel(discriminator, ranks, device)
    several = len(set(labels.tolist())) > 1
    guide = (train_style_classifier(data, label_tensor, len(styles), seed=settings.seed, cancel=cancel)
             if settings.style_guidance and several else None)
    namer = (torch.nn.Linear(discriminator.project.embedding_dim, len(styles)).to(device)
             if settings.style_naming and several else None)
    if namer is not None:
        opt_d.add_param_group({"params": list(namer.parameters())})
    if resume and ckpt.exists():  # after the style head joins the optimiser: its state is in the checkpoint
        step, history, styles = _restore(ckpt, generator, discriminator, ema, opt_g, opt_d, styles, namer)
    fixed_z = torch.randn(8, generator.z_dim, generator=rng).to(device)
    fixed_styles = [int(labels[i % len(labels)]) for i in range(8)] if base is None else [len(styles) - 1] * 8
    guard, started = _Divergence(), time.monotonic()
    amp = device.type == "cuda"

    def checkpoint() -> None:
        if not ranks.lead:
            return
        # With the batch size training used (BatchNorm's statistics depend on it), and never
        # more pictures than the run has made, so a short run's saves stay cheap.
        settle_statistics(ema.model, label_tensor, min(SETTLE_PICTURES, step * batch), batch)
        _save({"format": MODEL_FORMAT + "-checkpoint", "step": step, "history": history, "styles": styles,
               "generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
               "namer": namer.state_dict() if namer is not None else {},
               "ema": ema.model.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict()}, ckpt)
        _save(_model_dict(ema.model, discriminator, styles, step, description), out)

    def preview() -> np.ndarray:
        # With the average's own statistics, as the model file will have them: with the live
        # generator's, the grid showed hazier pictures than the saved model then made.
        settle_statistics(ema.model, label_tensor, min(PREVIEW_PICTURES, step * batch), batch)
        return sample_grid(ema.model, fixed_styles, fixed_z)

    generator.train()
    try:
        while step < settings.steps:
            cancelled = cancel is not None and cancel.cancelled
            out_of_time = settings.max_seconds is not None and time.monotonic() - started >= settings.max_seconds
            cancelled, out_of_time = _agreed(ranks, cancelled, out_of_time)  # every process stops together
            if cancelled:
                raise Cancelled()
            if out_of_time:
                break
            pick = shard[torch.randint(0, len(shard), (batch,), generator=rng)].to(device)
            real, style = data[pick], label_tensor[pick]
            flip = torch.rand(batch, generator=rng).to(device) < 0.5
            real = torch.where(flip.view(-1, 1, 1, 1), real.flip(3), real)
            z = torch.randn(batch, generator.z_dim, generator=rng).to(device)
            # With layout seeking, fakes come in pairs of one style and two latents; without it
            # they take the real pictures' styles, as they always did.
            half = batch // 2 if settings.layout_seeking else 0
            fake_style = torch.cat([style[:half], style[:half], style[2 * half :]])
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                fake = g_net(z, fake_style)
                real_logits, real_features = d_net(diff_augment(real, rng), style, features=True)
                d_loss = hinge_d_loss(real_logits.float(), d_net(diff_augment(fake.detach(), rng), fake_style).float())
            if namer is not None:
                d_loss = d_loss + settings.style_naming * torch.nn.functional.cross_entropy(
                    namer(real_features.float()), style)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            _average_gradients(ranks, namer)
            opt_d.step()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                g_loss = hinge_g_loss(d_net(diff_augment(fake, rng), fake_style).float())
            if settings.layout_seeking:
                g_loss = g_loss + settings.layout_seeking * layout_seeking_loss(
                    fake[:half].float(), fake[half : 2 * half].float(), z[:half], z[half : 2 * half])
            if guide is not None:
                g_loss = g_loss + settings.style_guidance * style_guidance_loss(guide, fake.float(), fake_style, rng)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            step += 1
            ema.update(generator, trained_before + step)
            losses = _mean_losses(ranks, d_loss, g_loss)
            guard.check(step, *losses)
            history.append((step, *losses))
            if ranks.lead:
                report(progress, step / settings.steps, f"Step {step} of {settings.steps}: D {losses[0]:.3f}, G {losses[1]:.3f}")
            if ranks.lead and on_update is not None and (step % settings.sample_every == 0 or step == settings.steps):
                on_update(TrainUpdate(step, settings.steps, *losses, preview(),
                                      time.monotonic() - started))
            if step % settings.checkpoint_every == 0:
                checkpoint()
    except Cancelled:
        if step > 0:
            checkpoint()  # cancel is pause: the work so far is kept for --resume
        raise
    checkpoint()
    return TrainResult(out, step, time.monotonic() - started, history)


# ---------------------------------------------------------------------------------------------
# Distributed training (DistributedDataParallel over NCCL on GPUs, gloo on the CPU)


def _join(ranks: Ranks, device):
    """Join the process group; each process takes the GPU of its local rank."""
    import torch
    import torch.distributed as dist

    if device.type == "cuda":
        if ranks.local >= torch.cuda.device_count():
            raise ModelError(f"Process {ranks.rank} wants GPU {ranks.local}, but this machine has "
                             f"{torch.cuda.device_count()}; ask for fewer.")
        torch.cuda.set_device(ranks.local)
        device = torch.device("cuda", ranks.local)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=ranks.rank, world_size=ranks.world)
    return device


def _leave(ranks: Ranks) -> None:
    import torch.distributed as dist

    if ranks.world > 1 and dist.is_initialized():
        dist.destroy_process_group()


def _parallel(module, ranks: Ranks, device):
    """``module`` itself alone; wrapped in DistributedDataParallel in a group. On GPUs the
    BatchNorms see the whole batch (SyncBatchNorm); gloo has none, so on the CPU each process
    normalises its share (and DDP keeps rank 0's running statistics in every process)."""
    if ranks.world == 1:
        return module
    import torch
    from torch.nn.parallel import DistributedDataParallel

    if device.type == "cuda":
        module = torch.nn.SyncBatchNorm.convert_sync_batchnorm(module)
        return DistributedDataParallel(module, device_ids=[device.index])
    return DistributedDataParallel(module)


def _agreed(ranks: Ranks, *flags: bool) -> tuple[bool, ...]:
    """Each flag true if it is true in any process: a stop every process makes together."""
    if ranks.world == 1:
        return flags
    import torch
    import torch.distributed as dist

    votes = torch.tensor([float(f) for f in flags])
    dist.all_reduce(votes, op=dist.ReduceOp.MAX)
    return tuple(bool(v) for v in votes.tolist())


def _average_gradients(ranks: Ranks, module) -> None:
    """The mean of ``module``'s gradients over the processes: a module outside the
    DistributedDataParallel copies (the discriminator's style head) has to be averaged by hand."""
    if ranks.world == 1 or module is None:
        return
    import torch.distributed as dist

    for parameter in module.parameters():
        dist.all_reduce(parameter.grad)
        parameter.grad /= ranks.world


def _mean_losses(ranks: Ranks, d_loss, g_loss) -> tuple[float, float]:
    """The losses averaged over the processes: what the whole batch scored."""
    if ranks.world == 1:
        return d_loss.item(), g_loss.item()
    import torch
    import torch.distributed as dist

    both = torch.stack([d_loss.detach().float(), g_loss.detach().float()]).cpu()
    dist.all_reduce(both)
    d, g = (both / ranks.world).tolist()
    return d, g


def train_processes(processes: int, pictures: np.ndarray, out: str | os.PathLike,
                    settings: TrainSettings | None = None, **kwargs) -> TrainResult:
    """``train`` in ``processes`` processes on this machine, one per GPU (or gloo processes on
    the CPU), as ``torchrun --nproc-per-node PROCESSES`` would start them. ``kwargs`` go to
    every process (``on_update`` must be picklable; it runs in rank 0)."""
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as probe:  # a free port for the group's rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    try:
        mp.start_processes(_train_rank, args=(processes, port, pictures, str(out), settings, kwargs),
                           nprocs=processes, start_method="spawn")
    except mp.ProcessRaisedException as exc:
        message = str(exc).strip().splitlines()[-1]  # the rank's own error, last line of its traceback
        raise ModelError(f"Distributed training stopped: {message.partition(': ')[2] or message}") from None
    import torch

    state = torch.load(checkpoint_path(Path(out)), map_location="cpu", weights_only=True)
    return TrainResult(Path(out), int(state["step"]), time.monotonic() - started, [tuple(h) for h in state["history"]])


def _train_rank(rank: int, processes: int, port: int, pictures, out: str, settings, kwargs) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(processes), LOCAL_RANK=str(rank))
    train(pictures, out, settings, ranks=Ranks(rank, processes, rank), **kwargs)


def _styles_and_labels(base: dict | None, styles: list[str] | None, labels: np.ndarray | None, count: int):
    if labels is not None:
        if styles is None or len(labels) != count or labels.max() >= len(styles):
            raise ModelError("Each picture needs a style label from the list of styles.")
        return list(styles), labels
    names = [*base["styles"], CUSTOM_STYLE] if base is not None else [CUSTOM_STYLE]
    if base is not None and CUSTOM_STYLE in base["styles"]:
        names = list(base["styles"])
    return names, np.full(count, names.index(CUSTOM_STYLE))


def _load_base(generator, discriminator, base: dict, style_count: int) -> None:
    """Start from a model file's weights; a new style row starts at the mean of the old ones."""
    import torch

    for net, state in ((generator, base["generator"]), (discriminator, base.get("discriminator"))):
        if state is None:
            continue
        mine = net.state_dict()
        state = dict(state)
        for key, value in list(state.items()):
            if key in mine and value.shape != mine[key].shape:
                if key.endswith(("weight", "weight_orig")) and value.shape[0] + 1 == style_count:
                    state[key] = torch.cat([value, value.mean(dim=0, keepdim=True)])
                else:  # spectral norm's power-iteration vectors: the new shape starts afresh
                    state[key] = mine[key]
        try:
            net.load_state_dict(state, strict=False)
        except RuntimeError as exc:
            raise ModelError(f"The base model does not fit this version of Reelsmith ({exc}).") from exc


def _restore(ckpt: Path, generator, discriminator, ema, opt_g, opt_d, styles: list[str], namer=None):
    import torch

    try:
        state = torch.load(ckpt, map_location="cpu", weights_only=True)
        if state.get("styles") != styles:
            raise ModelError(f"The checkpoint {ckpt.name} was for other pictures; start a new model or pick other data.")
        generator.load_state_dict(_grown(state["generator"], generator))
        discriminator.load_state_dict(state["discriminator"])
        ema.model.load_state_dict(_grown(state["ema"], ema.model))
        opt_g.load_state_dict(_grown_optimiser(state["opt_g"], len(list(generator.parameters()))))
        if namer is not None and state.get("namer"):
            namer.load_state_dict(state["namer"])
        if len(state["opt_d"]["param_groups"]) == len(opt_d.param_groups):  # else the style head came or went
            opt_d.load_state_dict(state["opt_d"])
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"The checkpoint {ckpt.name} is damaged ({type(exc).__name__}); delete it to start over.") from exc
    return int(state["step"]), [tuple(h) for h in state["history"]], list(state["styles"])


def _grown(saved: dict, net) -> dict:
    """A checkpoint's weights for ``net``, with the parts added since it was written (the
    skip colours) as ``net`` made them: zero, so the picture is what it was."""
    added = {k: v for k, v in net.state_dict().items() if k not in saved and k.startswith("skip_rgb.")}
    return {**saved, **added}


def _grown_optimiser(saved: dict, count: int) -> dict:
    """An optimiser's saved state for ``count`` parameters, the ones added since (last in
    order) starting afresh."""
    group = saved["param_groups"][0]
    known = len(group["params"])
    if len(saved["param_groups"]) == 1 and known < count:
        group["params"] = list(group["params"]) + list(range(known, count))
    return saved


def _resize_all(pictures: np.ndarray, size: int) -> np.ndarray:
    import cv2

    return np.stack([cv2.resize(p, (size, size), interpolation=cv2.INTER_AREA) for p in pictures])
