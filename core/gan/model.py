"""The backdrop GAN, and the textbook DCGAN it is measured against.

The textbook DCGAN (Radford et al., as in the PyTorch example) makes 64x64 pictures with
transposed convolutions, BatchNorm and a sigmoid discriminator trained with BCE. Backdrops need
more, and a creator's dataset is small:

- 128x128 output, upsampled by interpolation and a 3x3 convolution rather than a transposed
  convolution, whose uneven overlap prints a checkerboard that upscaling to 1080p would magnify;
- a hinge loss on the discriminator's logits, and spectral norm in the discriminator, which
  keep training stable without tuning;
- DiffAugment (colour, translation, cutout applied to real and fake alike), so a hundred
  pictures are not simply memorised by the discriminator;
- an exponential moving average of the generator's weights for sampling, which is smoother
  from step to step and gives better pictures than the live weights, with BatchNorm
  statistics measured on its own pictures (``settle_statistics``);
- a style label (the procedural family, or "custom" for a creator's own pictures), embedded
  next to the latent vector and projected in the discriminator; in models made since #20 it
  also sets the scale and shift of every BatchNorm (conditional BatchNorm, as in SNGAN and
  BigGAN). Fed in at the input only, the style was washed out by the layers after it: one
  latent vector gave nearly the same picture in every style, soft haze of similar detail;
- no random noise inside the generator, and BatchNorm frozen at sampling time, so the same
  latent vector always gives the same picture: frames of a latent walk do not shimmer.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

Z_DIM = 128
G_CHANNELS = (256, 192, 128, 64, 32, 16)  # at 4, 8, 16, 32, 64 and 128 pixels
D_CHANNELS = (32, 64, 128, 256, 256)  # at 64, 32, 16, 8 and 4 pixels


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA when there is one (or when asked for), the CPU otherwise. Asking for CUDA where
    there is none is a ModelError a creator can act on, not a crash later."""
    from core.errors import ModelError

    if prefer == "cuda" and not torch.cuda.is_available():
        raise ModelError("No CUDA GPU is available here; leave out --device to use the CPU.")
    if prefer:
        return torch.device(prefer)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class StyleNorm(nn.Module):
    """BatchNorm whose scale and shift are the style's own (conditional BatchNorm)."""

    def __init__(self, channels: int, styles: int, flat: bool = False):
        super().__init__()
        self.norm = (nn.BatchNorm1d if flat else nn.BatchNorm2d)(channels, affine=False)
        self.gain, self.shift = nn.Embedding(styles, channels), nn.Embedding(styles, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.shift.weight)
        self.flat = flat

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        channels = self.gain.embedding_dim  # not len(style), which an ONNX export fixes as a constant
        shape = (-1, channels) if self.flat else (-1, channels, 1, 1)
        return self.norm(x) * embed(self.gain, style).view(shape) + embed(self.shift, style).view(shape)


def embed(table: nn.Embedding, style: torch.Tensor) -> torch.Tensor:
    """A style's row of ``table``: by index, or by a one-hot float row (N, styles), which
    exports to a plain matrix product that OpenCV's DNN module runs (core.gan.twin)."""
    return table(style) if not style.is_floating_point() else style @ table.weight


class Generator(nn.Module):
    def __init__(self, styles: int = 1, z_dim: int = Z_DIM, channels: tuple[int, ...] = G_CHANNELS,
                 conditional: bool = True, skip: bool = False):
        """``conditional``: the style sets every BatchNorm (models made since #20); False builds
        the earlier models, whose style only joins the latent vector. ``skip``: every size adds
        its own colours to the picture (below)."""
        super().__init__()
        self.z_dim, self.styles, self.channels, self.conditional = z_dim, styles, tuple(channels), conditional
        self.skip = skip and conditional
        self.style = nn.Embedding(styles, 32)
        pairs = list(zip(channels[:-1], channels[1:], strict=True))
        if conditional:
            self.start = nn.Linear(z_dim + 32, channels[0] * 16)
            self.start_norm = StyleNorm(channels[0] * 16, styles, flat=True)
            self.ups = nn.ModuleList(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                                   nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect", bias=False))
                                     for cin, cout in pairs)
            self.norms = nn.ModuleList(StyleNorm(cout, styles) for _, cout in pairs)
        else:
            self.start = nn.Sequential(nn.Linear(z_dim + 32, channels[0] * 16), nn.BatchNorm1d(channels[0] * 16),
                                       nn.ReLU(True))
            blocks = []
            for cin, cout in pairs:
                blocks += [nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                           nn.Conv2d(cin, cout, 3, padding=1, padding_mode="reflect", bias=False),
                           nn.BatchNorm2d(cout), nn.ReLU(True)]
            self.blocks = nn.Sequential(*blocks)
        # Reflected padding: zero padding darkens a rim that upscaling to 1080p would show.
        self.to_rgb = nn.Conv2d(channels[-1], 3, 3, padding=1, padding_mode="reflect")
        if self.skip:
            # Colours from every size, each upsampled and added (StyleGAN2's skip generator): a
            # smooth gradient or a soft wash is the 4x4 picture made large, which a stack of 3x3
            # convolutions at 128 px only draws as blotches. They start at zero, so a model
            # made without them carries on from exactly where it was (last in parameters(),
            # for the optimiser's state; see core.gan.train._restore).
            self.skip_rgb = nn.ModuleList(nn.Conv2d(c, 3, 1) for c in channels[:-1])
            for head in self.skip_rgb:
                nn.init.zeros_(head.weight)
                nn.init.zeros_(head.bias)

    @property
    def size(self) -> int:
        return 4 * 2 ** (len(self.channels) - 1)

    def forward(self, z: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Pictures in -1..1, (N, 3, size, size)."""
        x = self.start(torch.cat([z, embed(self.style, style)], dim=1))
        if not self.conditional:
            return torch.tanh(self.to_rgb(self.blocks(x.view(-1, self.channels[0], 4, 4))))
        x = F.relu(self.start_norm(x, style)).view(-1, self.channels[0], 4, 4)
        colours = None
        for index, (up, norm) in enumerate(zip(self.ups, self.norms, strict=True)):
            if self.skip:
                head = self.skip_rgb[index](x)
                colours = head if colours is None else _twice(colours) + head
            x = F.relu(norm(up(x), style))
        picture = self.to_rgb(x)
        return torch.tanh(picture if colours is None else picture + _twice(colours))


def _twice(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class Discriminator(nn.Module):
    def __init__(self, styles: int = 1, channels: tuple[int, ...] = D_CHANNELS):
        super().__init__()
        layers, cin = [], 3
        for cout in channels:
            layers += [spectral_norm(nn.Conv2d(cin, cout, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.out = spectral_norm(nn.Linear(cin, 1))
        self.project = spectral_norm(nn.Embedding(styles, cin))

    def forward(self, picture: torch.Tensor, style: torch.Tensor, features: bool = False):
        """One logit per picture: higher means real; with ``features``, also the pooled
        features the logit is made from (for the style head of train's style_naming)."""
        h = self.features(picture).sum(dim=(2, 3))
        logit = self.out(h).squeeze(1) + (self.project(style) * h).sum(dim=1)
        return (logit, h) if features else logit


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def layout(pictures: torch.Tensor) -> torch.Tensor:
    """Each picture's grey levels, standardised: where its light and dark parts lie, whatever
    its palette."""
    grey = pictures.mean(dim=1)
    mean, spread = grey.mean(dim=(1, 2), keepdim=True), grey.std(dim=(1, 2), keepdim=True)
    return (grey - mean) / (spread + 0.05)


def layout_seeking_loss(first: torch.Tensor, second: torch.Tensor, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """Mode seeking (Mao et al., MSGAN 2019) on the layout: pairs of pictures of one style from
    two latent vectors should differ in proportion to them. Without it the shipped model's
    latent vector set the palette and the style alone the layout: every nebula had the same
    swirls. Measured on the layout, not the colours, so a change of palette cannot pass for it."""
    if len(first) == 0:
        return first.new_zeros(())
    apart = (layout(first) - layout(second)).abs().mean() / (z1 - z2).abs().mean()
    return 1 / (apart + 1e-5)


def jitter_colour(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """DiffAugment's colour part: a random brightness, saturation and contrast per picture."""
    def rand():
        return torch.rand(len(x), 1, 1, 1, generator=generator).to(x.device)

    x = x + (rand() - 0.5)  # brightness
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (rand() * 2) + mean  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (rand() + 0.5) + mean  # contrast


def diff_augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """DiffAugment (Zhao et al. 2020): colour, translation and cutout, differentiable, the
    same kind of change for real and fake pictures so the discriminator cannot tell them by it."""
    n, _, h, w = x.shape
    dev = x.device

    x = jitter_colour(x, generator)
    shift = (torch.rand(2, n, generator=generator) * 0.25 - 0.125)  # translation, up to 1/8
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, 0, 2], theta[:, 1, 2] = shift[0] * 2, shift[1] * 2
    grid = F.affine_grid(theta.to(dev), list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)
    cy, cx = (torch.rand(2, n, 1, 1, generator=generator) * torch.tensor([h, w]).view(2, 1, 1, 1)).to(dev)
    ys = torch.arange(h, device=dev).view(1, h, 1)
    xs = torch.arange(w, device=dev).view(1, 1, w)
    keep = ((ys - cy).abs() >= h // 4) | ((xs - cx).abs() >= w // 4)  # cutout, half the side
    return x * keep.unsqueeze(1).to(x.dtype)


class StyleClassifier(nn.Module):
    """A small CNN that names a picture's style from its 64 px version: the guide of style
    guidance. Small, since it runs on every generator step."""

    def __init__(self, styles: int):
        super().__init__()
        layers, cin = [], 3
        for cout in (16, 32, 64, 64):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2, True), nn.AvgPool2d(2)]
            cin = cout
        self.net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, styles))

    def forward(self, picture: torch.Tensor) -> torch.Tensor:
        if picture.shape[-1] > 64:
            picture = F.adaptive_avg_pool2d(picture, 64)
        return self.net(picture)


def _flip_and_shift(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Random mirror images and shifts of up to an eighth: where a style's features fall, not
    which pixels, is what it is named by."""
    n, _, h, w = x.shape
    flip = (torch.rand(n, generator=generator) < 0.5).view(-1, 1, 1, 1).to(x.device)
    x = torch.where(flip, x.flip(3), x)
    dy, dx = (int(v) for v in torch.randint(-h // 8, h // 8 + 1, (2,), generator=generator))
    return torch.roll(x, (dy, dx), dims=(2, 3))


def train_style_classifier(pictures: torch.Tensor, labels: torch.Tensor, styles: int, steps: int = 2500,
                           batch: int = 32, seed: int = 0, cancel=None) -> StyleClassifier:
    """A frozen StyleClassifier learned from the run's own pictures (-1..1); a minute or two
    on 2 cores, so it listens for ``cancel`` (core.jobs.CancelToken) as training does."""
    from core.jobs import check_cancel

    rng = torch.Generator().manual_seed(seed)
    small = F.adaptive_avg_pool2d(pictures, 64) if pictures.shape[-1] > 64 else pictures
    classifier = StyleClassifier(styles).to(pictures.device)
    optimiser = torch.optim.Adam(classifier.parameters(), 2e-3)
    for _ in range(steps):
        check_cancel(cancel)
        pick = torch.randint(0, len(small), (batch,), generator=rng).to(pictures.device)
        # Colours jittered as the discriminator's are, so that the guide names a style by its
        # forms: guided by palette, every plasma turned dark with bright rings (docs/models.md).
        seen = jitter_colour(_flip_and_shift(small[pick], rng), rng)
        loss = F.cross_entropy(classifier(seen), labels[pick])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    for p in classifier.parameters():
        p.requires_grad_(False)
    return classifier.eval()


def style_guidance_loss(classifier: StyleClassifier, fake: torch.Tensor, style: torch.Tensor,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    """How far the fakes are from being named their own style (cross-entropy), as AC-GAN's
    generator term but with a guide that learned from real pictures alone. The discriminator's
    projection only says whether a picture is real for its style, a weak pull toward the style:
    after 5,000 steps the style-conditional BatchNorm had hardly moved from where it started,
    and shapes came out as haze (docs/models.md)."""
    return F.cross_entropy(classifier(_flip_and_shift(fake, generator)), style)


class Ema:
    """An exponential moving average of a generator's weights (and its BatchNorm statistics)."""

    def __init__(self, model: nn.Module, decay: float = 0.999):
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        # Warm-up: early on the average would be mostly the random initial weights.
        decay = min(self.decay, (1 + step) / (10 + step))
        for mine, theirs in zip(self.model.parameters(), model.parameters(), strict=True):
            mine.lerp_(theirs.detach(), 1 - decay)
        # The live statistics, until settle_statistics measures the average's own at a save.
        for mine, theirs in zip(self.model.buffers(), model.buffers(), strict=True):
            mine.copy_(theirs)


# Pictures a save settles the statistics on: 10-20 s on 2 cores. Settled on 8,192 instead (the
# shipped model, once), its pictures differ from another draw of 8,192 by 2 grey levels and
# from draws of 1,024 by 4-7, and its per-style SWD is 137 against 142.
SETTLE_PICTURES = 1024
# For a training run's preview grid: a sixteenth of a save's cost, 13-17 grey levels off.
PREVIEW_PICTURES = 64


def settle_statistics(generator: nn.Module, styles: torch.Tensor, pictures: int = SETTLE_PICTURES,
                      batch: int = 32, seed: int = 0) -> None:
    """Measure ``generator``'s BatchNorm statistics on its own pictures (BigGAN's "standing
    statistics", with torch's update_bn), styles drawn from ``styles`` as training drew them.

    The EMA generator's weights are an average over steps, but the statistics it copies are the
    live generator's, which belong to other weights. Sampled with them, the shipped model's
    pictures were hazier and further from their styles (per-style SWD 169, against 142 settled;
    docs/benchmarks.md)."""
    from torch.optim.swa_utils import update_bn

    rng = torch.Generator().manual_seed(seed)  # the same model always settles the same way
    choices = styles.cpu()

    def batches():
        for _ in range(max(1, pictures // batch)):
            z = torch.randn(batch, generator.z_dim, generator=rng)
            style = choices[torch.randint(0, len(choices), (batch,), generator=rng)]
            yield torch.cat([z, style.unsqueeze(1).float()], dim=1)

    # The wrapper in the generator's own mode: update_bn puts back the mode it was given.
    update_bn(batches(), _OneInput(generator).train(generator.training), styles.device)


class _OneInput(nn.Module):
    """The generator taking its latent vectors and styles as one tensor, as update_bn hands it."""

    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, packed: torch.Tensor) -> torch.Tensor:
        return self.generator(packed[:, :-1], packed[:, -1].long())


# ---------------------------------------------------------------------------------------------
# The textbook DCGAN, as the PyTorch example builds it: the anchor for the benchmark only.


class TextbookGenerator(nn.Module):
    def __init__(self, z_dim: int = 100, ngf: int = 64):
        super().__init__()
        self.z_dim = z_dim
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(-1, self.z_dim, 1, 1))


class TextbookDiscriminator(nn.Module):
    def __init__(self, ndf: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, picture: torch.Tensor) -> torch.Tensor:
        return self.net(picture).view(-1)


def init_dcgan_weights(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: N(0, 0.02) convolutions, N(1, 0.02) BatchNorm scales."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d | nn.BatchNorm1d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
