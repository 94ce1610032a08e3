"""The CapsNet of Sabour, Frosst & Hinton (2017), with a routing trace for the app.

Inference on the CPU at small batches (the app's case: one drawing) runs both
convolutions as single matrix products over channels-last patch matrices with
pre-packed weights, which beats the general convolution kernels there by
about 1.8×; ``optimize_for_inference()`` adds bfloat16 weights for the
PrimaryCaps convolution (94 % of the arithmetic) for another ~1.5×. Training,
autocast and GPUs use the ordinary convolutions. All paths compute the same
function.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import torch
from torch import nn

from capsviz.model.routing import route_by_digit, squash, vector_length

N_PRIMARY_TYPES = 32
PRIMARY_GRID = 6
N_PRIMARY = N_PRIMARY_TYPES * PRIMARY_GRID * PRIMARY_GRID  # 1152
PRIMARY_DIM = 8
N_DIGITS = 10
DIGIT_DIM = 16
IMAGE_SIZE = 28
KERNEL = 9
PRIMARY_STRIDE = 2
CONV1_CHANNELS = 256
MAX_ITERATIONS = 10  # routing iterations anyone may ask for; the paper uses 3
INPUT_SIZES = (28, 36, 40)  # MNIST; MultiMNIST's two digits on 36×36; translated MNIST on 40×40
GEMM_MAX_BATCH = 4  # up to here CPU inference runs the convolutions as matrix products
ROUTING_CHUNK = 8  # images routed together on the CPU: their û (0.7 MiB each) stays in cache


@dataclass
class CapsOutput:
    """What one forward pass gives.

    Attributes
    ----------
    lengths : torch.Tensor
        ``[B, 10]`` capsule lengths ‖v_j‖, the class evidence in [0, 1).
    poses : torch.Tensor
        ``[B, 10, 16]`` digit capsules v_j.
    reconstruction : torch.Tensor
        ``[B, 1, 28, 28]`` decoded from the masked capsule (the longest one,
        or the given label's during training).
    """

    lengths: torch.Tensor
    poses: torch.Tensor
    reconstruction: torch.Tensor

    @property
    def prediction(self) -> torch.Tensor:
        """``[B]`` index of the longest digit capsule."""
        return self.lengths.argmax(dim=1)


@dataclass
class RoutingTrace:
    """Every routing iteration of a batch, for the animation and the analysis views.

    Shapes are given for the 28×28 model; a 36×36 one has 3200 primary
    capsules (index i = type·100 + row·10 + col) where these say 1152.

    Attributes
    ----------
    coupling : torch.Tensor
        ``[B, T, 1152, 10]`` c_ij used in iteration t (t = 0 is uniform 1/10).
    lengths : torch.Tensor
        ``[B, T, 10]`` digit-capsule lengths after each iteration.
    poses : torch.Tensor
        ``[B, T, 10, 16]`` digit capsules after each iteration.
    agreement : torch.Tensor
        ``[B, T, 1152, 10]`` û_j|i · v_j after iteration t (what is added to b_ij).
    primary : torch.Tensor
        ``[B, 1152, 8]`` primary capsules u_i; index i = type·36 + row·6 + col.
    votes : torch.Tensor
        ``[B, 1152, 10, 16]`` predictions û_j|i = W_ij u_i.
    """

    coupling: torch.Tensor
    lengths: torch.Tensor
    poses: torch.Tensor
    agreement: torch.Tensor
    primary: torch.Tensor
    votes: torch.Tensor
    extras: dict = field(default_factory=dict)

    @property
    def iterations(self) -> int:
        """Number of routing iterations T."""
        return self.coupling.shape[1]

    @property
    def primary_lengths(self) -> torch.Tensor:
        """``[B, 1152]`` length of each primary capsule (its activation)."""
        return vector_length(self.primary)


@dataclass
class _InferenceWeights:
    """Convolution weights re-laid out for matrix-product inference (never saved).

    ``key`` ties them to the parameters they came from (storage and in-place
    version), so loading other weights or moving the model rebuilds them.
    """

    key: tuple
    conv1: torch.Tensor  # [81, 256]
    conv1_bias: torch.Tensor
    primary: torch.Tensor  # [256, 9·9·256] with inputs ordered (ky, kx, channel), maybe pre-packed
    primary_bias: torch.Tensor
    packed: bool  # ``primary`` is in oneDNN's pre-packed layout
    primary_conv: torch.Tensor | None  # [256, 256, 9, 9] in the inference dtype, for larger batches

    def primary_matmul(self, cols: torch.Tensor) -> torch.Tensor:
        """``cols @ primary.T + bias`` for the PrimaryCaps patch matrix."""
        if self.packed:
            return torch.ops.mkldnn._linear_pointwise(cols, self.primary, self.primary_bias, "none", [], "")
        return torch.nn.functional.linear(cols, self.primary, self.primary_bias)


def _prepack(weight: torch.Tensor, bias: torch.Tensor, rows: int) -> torch.Tensor | None:
    """oneDNN's pre-packed copy of a ``[out, in]`` CPU weight, or None where this torch lacks it.

    Packing once saves the GEMM re-packing 10-20 MiB of weights on every call,
    about a quarter of the product's time at batch 1; ``rows`` is the batch-1
    row count (the PrimaryCaps cells) the packing is tuned for.
    """
    if weight.device.type != "cpu" or not torch.backends.mkldnn.is_available():
        return None
    try:
        packed = torch.ops.mkldnn._reorder_linear_weight(weight, rows)
        probe = torch.ops.mkldnn._linear_pointwise(weight[:1], packed, bias, "none", [], "")
    except (AttributeError, RuntimeError, NotImplementedError):
        return None
    return packed if probe.shape == (1, weight.shape[0]) else None


def primary_grid_for(input_size: int) -> int:
    """Side of the PrimaryCaps grid for a square input: 28 → 6, 36 → 10, 40 → 12."""
    return (input_size - KERNEL + 1 - KERNEL) // PRIMARY_STRIDE + 1


def _version(tensor: torch.Tensor) -> int | None:
    """The in-place version counter; tensors made under ``inference_mode`` have none."""
    return None if tensor.is_inference() else tensor._version


def _forget_inference_weights(module: nn.Module, _incompatible: object) -> None:
    module._inference_weights = None


class CapsNet(nn.Module):
    """Conv1 → PrimaryCaps → DigitCaps (routing by agreement) → decoder.

    Parameters
    ----------
    iterations : int
        Default number of routing iterations for ``forward`` (the paper uses 3).
    input_size : int
        Side of the square input: 28 (MNIST, 6×6 grid, 1152 primary capsules),
        36 (MultiMNIST, 10×10 grid, 3200 primary capsules) or 40 (a digit
        anywhere on 40×40, 12×12 grid, 4608 primary capsules); the decoder
        renders pictures of the same size.
    """

    def __init__(self, iterations: int = 3, input_size: int = IMAGE_SIZE) -> None:
        super().__init__()
        if input_size not in INPUT_SIZES:
            raise ValueError(f"input_size must be one of {INPUT_SIZES}, got {input_size}")
        self.iterations = iterations
        # Training only: let gradients flow through every routing iteration (the paper's code),
        # not just the last one, so the network can learn what routing's agreement picks out.
        self.route_gradients = False
        self.input_size = input_size
        self.conv1_grid = input_size - KERNEL + 1
        self.primary_grid = primary_grid_for(input_size)
        self.n_primary = N_PRIMARY_TYPES * self.primary_grid**2
        self.conv1 = nn.Conv2d(1, CONV1_CHANNELS, kernel_size=KERNEL, stride=1)
        self.primary_conv = nn.Conv2d(
            CONV1_CHANNELS, N_PRIMARY_TYPES * PRIMARY_DIM, kernel_size=KERNEL, stride=PRIMARY_STRIDE
        )
        self.W = nn.Parameter(0.01 * torch.randn(self.n_primary, N_DIGITS, DIGIT_DIM, PRIMARY_DIM))
        self.decoder = nn.Sequential(
            nn.Linear(N_DIGITS * DIGIT_DIM, 512),
            nn.ReLU(inplace=True),
            nn.Linear(512, 1024),
            nn.ReLU(inplace=True),
            nn.Linear(1024, input_size * input_size),
            nn.Sigmoid(),
        )
        self.metadata: dict[str, str] = {}
        self.inference_dtype = torch.float32
        self._inference_weights: _InferenceWeights | None = None
        # Weights loaded in place under inference_mode keep their storage and have no version
        # counter, so loading forgets the re-laid-out copy outright.
        self.register_load_state_dict_post_hook(_forget_inference_weights)

    @property
    def device(self) -> torch.device:
        """Where the parameters live."""
        return self.W.device

    def optimize_for_inference(self, bfloat16: bool = True) -> CapsNet:
        """Opt in to bfloat16 PrimaryCaps weights for inference; returns ``self`` in eval mode.

        About 1.5× faster again at batch 1 on CPUs with native bfloat16
        (AVX512-BF16, AMX), and faster on GPUs; capsule lengths move by about
        1e-4, and none of the 10,000 MNIST test predictions of the shipped
        weights changes. Training and anything that needs gradients keep
        float32. ``bfloat16=False`` switches back.
        """
        self.inference_dtype = torch.bfloat16 if bfloat16 else torch.float32
        self._inference_weights = None
        return self.eval()

    def _conv_plan(self, images: torch.Tensor) -> str:
        """``"gemm"`` (small CPU batches), ``"reduced"`` (opt-in bf16 weights) or ``"standard"``.

        The re-laid-out weights serve only calls without gradients or autocast;
        everything else (training, saliency, autocast) takes the ordinary modules.
        """
        if torch.is_grad_enabled() or torch.is_autocast_enabled(images.device.type):
            return "standard"
        if images.device.type == "cpu" and images.shape[0] <= GEMM_MAX_BATCH:
            return "gemm"
        return "standard" if self.inference_dtype == torch.float32 else "reduced"

    def _weights_for_inference(self) -> _InferenceWeights:
        params = (self.conv1.weight, self.conv1.bias, self.primary_conv.weight, self.primary_conv.bias)
        key = (self.inference_dtype, *((p.device, p.data_ptr(), _version(p)) for p in params))
        cached = self._inference_weights
        if cached is not None and cached.key == key:
            return cached
        dtype = self.inference_dtype
        with torch.inference_mode(False), torch.no_grad():
            weight = self.primary_conv.weight
            rows = weight.permute(0, 2, 3, 1).reshape(weight.shape[0], -1).to(dtype).contiguous()
            bias = self.primary_conv.bias.to(dtype)
            packed = _prepack(rows, bias, self.primary_grid**2)
            cached = _InferenceWeights(
                key=key,
                conv1=self.conv1.weight.reshape(CONV1_CHANNELS, -1).t().contiguous(),
                conv1_bias=self.conv1.bias.detach().clone(),
                primary=rows if packed is None else packed,
                primary_bias=bias,
                packed=packed is not None,
                primary_conv=None if dtype == weight.dtype else weight.to(dtype),
            )
        self._inference_weights = cached
        return cached

    def _primary_grid(self, images: torch.Tensor) -> torch.Tensor:
        """PrimaryCaps pre-activations ``[B, 32 types, cells (36 or 100), 8]``."""
        batch = images.shape[0]
        plan = self._conv_plan(images)
        if plan == "standard":
            x = self.primary_conv(torch.relu(self.conv1(images)))
            return x.float().view(batch, N_PRIMARY_TYPES, PRIMARY_DIM, -1).transpose(2, 3)
        fast = self._weights_for_inference()
        if plan == "reduced":
            hidden = torch.relu(self.conv1(images)).to(fast.primary_bias.dtype)
            x = torch.nn.functional.conv2d(hidden, fast.primary_conv, fast.primary_bias, stride=2)
            return x.float().view(batch, N_PRIMARY_TYPES, PRIMARY_DIM, -1).transpose(2, 3)
        side, grid = self.input_size, self.conv1_grid
        patches = images.reshape(batch, side, side).unfold(1, KERNEL, 1).unfold(2, KERNEL, 1)
        hidden = torch.addmm(fast.conv1_bias, patches.reshape(-1, KERNEL * KERNEL), fast.conv1)
        hidden = hidden.relu_().to(fast.primary_bias.dtype)
        hidden = hidden.view(batch, grid, grid, CONV1_CHANNELS)
        cells = hidden.unfold(1, KERNEL, PRIMARY_STRIDE).unfold(2, KERNEL, PRIMARY_STRIDE)
        cols = cells.permute(0, 1, 2, 4, 5, 3).reshape(batch * self.primary_grid**2, -1)
        x = fast.primary_matmul(cols).float()
        return x.view(batch, -1, N_PRIMARY_TYPES, PRIMARY_DIM).transpose(1, 2)

    def primary_capsules(self, images: torch.Tensor) -> torch.Tensor:
        """``[B, 1152, 8]`` squashed primary capsules, ordered type·36 + row·6 + col.

        On 36×36 inputs: ``[B, 3200, 8]``, ordered type·100 + row·10 + col.
        """
        self._check_input(images)
        grid = self._primary_grid(images)
        return squash(grid.reshape(images.shape[0], self.n_primary, PRIMARY_DIM))

    def _check_input(self, images: torch.Tensor) -> None:
        side = self.input_size
        if images.dim() != 4 or tuple(images.shape[1:]) != (1, side, side):
            raise ValueError(f"this CapsNet reads images [B, 1, {side}, {side}], got {list(images.shape)}")

    def _votes_by_digit(self, primary: torch.Tensor) -> torch.Tensor:
        """û_j|i = W_ij u_i laid out ``[B, 10, 1152, 16]`` for routing; W is shared, never copied."""
        batch = primary.shape[0]
        w = self.W.view(self.n_primary, N_DIGITS * DIGIT_DIM, PRIMARY_DIM)
        u_hat = torch.bmm(primary.transpose(0, 1), w.transpose(1, 2))  # [1152, B, 160]
        return u_hat.view(self.n_primary, batch, N_DIGITS, DIGIT_DIM).permute(1, 2, 0, 3).contiguous()

    def votes(self, primary: torch.Tensor) -> torch.Tensor:
        """û_j|i = W_ij u_i as ``[B, 1152, 10, 16]``; W is shared, never copied per batch."""
        return self._votes_by_digit(primary).transpose(1, 2).contiguous()

    def decode(self, poses: torch.Tensor, digit: int | torch.Tensor) -> torch.Tensor:
        """Render 16-D poses as the given digit capsule.

        Parameters
        ----------
        poses : torch.Tensor
            ``[B, 16]`` pose vectors.
        digit : int or torch.Tensor
            Which capsule slot the pose occupies (int, or ``[B]`` of ints).

        Returns
        -------
        torch.Tensor
            ``[B, 1, 28, 28]`` images in [0, 1] (``[B, 1, 36, 36]`` for a 36×36 model).
        """
        batch, side = poses.shape[0], self.input_size
        if isinstance(digit, int):
            # One slot for the whole batch (a slider move): the other 144 inputs are zero,
            # so only that slot's 16 weight columns of the first layer matter.
            if not 0 <= digit < N_DIGITS:
                raise IndexError(f"digit {digit} is out of range 0..{N_DIGITS - 1}")
            first = self.decoder[0]
            columns = first.weight[:, digit * DIGIT_DIM : (digit + 1) * DIGIT_DIM]
            hidden = torch.nn.functional.linear(poses, columns, first.bias)
            for layer in itertools.islice(self.decoder, 1, None):
                hidden = layer(hidden)
            return hidden.view(batch, 1, side, side)
        digits = torch.as_tensor(digit, device=poses.device).long().expand(batch)
        masked = poses.new_zeros(batch, N_DIGITS, DIGIT_DIM)
        masked[torch.arange(batch, device=poses.device), digits] = poses
        return self.decoder(masked.view(batch, -1)).view(batch, 1, side, side)

    def _route_poses(self, primary: torch.Tensor, iterations: int) -> torch.Tensor:
        """Final digit capsules ``[B, 10, 16]``, routing a few images at a time on the CPU."""
        chunk = ROUTING_CHUNK if primary.device.type == "cpu" else max(1, primary.shape[0])
        poses = [
            route_by_digit(
                self._votes_by_digit(part), iterations, detach_inner=not self.route_gradients
            ).poses
            for part in primary.split(chunk)
        ]
        return poses[0] if len(poses) == 1 else torch.cat(poses)

    def forward(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | None = None,
        iterations: int | None = None,
    ) -> CapsOutput:
        """Classify ``images`` ``[B, 1, 28, 28]`` in [0, 1] (``[B, 1, 36, 36]`` for a 36×36 model).

        ``labels`` (training) picks the capsule the decoder sees; otherwise the
        longest capsule is decoded. Labels ``[B, K]`` (K digits present, as in
        MultiMNIST) decode each digit from its own capsule: the reconstruction
        is then ``[B, K, 1, H, W]``. Under autocast only the convolutions run in
        reduced precision: routing and the decoder stay float32.
        """
        primary = self.primary_capsules(images)
        with torch.autocast(images.device.type, enabled=False):
            poses = self._route_poses(primary, iterations or self.iterations)
            lengths = vector_length(poses)
            chosen = lengths.argmax(dim=1) if labels is None else labels
            if chosen.dim() == 2:
                rows = torch.arange(poses.shape[0], device=poses.device)[:, None]
                picked = poses[rows, chosen].flatten(0, 1)  # [B·K, 16]
                pictures = self.decode(picked, chosen.flatten())
                return CapsOutput(lengths, poses, pictures.unflatten(0, chosen.shape))
            picked = poses[torch.arange(poses.shape[0], device=poses.device), chosen]
            return CapsOutput(lengths, poses, self.decode(picked, chosen))

    @torch.no_grad()
    def route(self, images: torch.Tensor, iterations: int | None = None) -> RoutingTrace:
        """Run routing and keep every iteration (c_ij, lengths, poses, agreement)."""
        primary = self.primary_capsules(images)
        with torch.autocast(images.device.type, enabled=False):
            votes = self._votes_by_digit(primary)
            result = route_by_digit(votes, iterations or self.iterations, record=True)
        return RoutingTrace(
            coupling=result.coupling,
            lengths=vector_length(result.iteration_poses),
            poses=result.iteration_poses,
            agreement=result.agreement,
            primary=primary,
            votes=votes.transpose(1, 2).contiguous(),
        )
