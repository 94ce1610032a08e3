"""The CapsNet of Sabour, Frosst & Hinton (2017), with a routing trace for the app."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from capsviz.model.routing import route, squash, vector_length

N_PRIMARY_TYPES = 32
PRIMARY_GRID = 6
N_PRIMARY = N_PRIMARY_TYPES * PRIMARY_GRID * PRIMARY_GRID  # 1152
PRIMARY_DIM = 8
N_DIGITS = 10
DIGIT_DIM = 16
IMAGE_SIZE = 28


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


class CapsNet(nn.Module):
    """Conv1 → PrimaryCaps → DigitCaps (routing by agreement) → decoder.

    Parameters
    ----------
    iterations : int
        Default number of routing iterations for ``forward`` (the paper uses 3).
    """

    def __init__(self, iterations: int = 3) -> None:
        super().__init__()
        self.iterations = iterations
        self.conv1 = nn.Conv2d(1, 256, kernel_size=9, stride=1)
        self.primary_conv = nn.Conv2d(256, N_PRIMARY_TYPES * PRIMARY_DIM, kernel_size=9, stride=2)
        self.W = nn.Parameter(0.01 * torch.randn(N_PRIMARY, N_DIGITS, DIGIT_DIM, PRIMARY_DIM))
        self.decoder = nn.Sequential(
            nn.Linear(N_DIGITS * DIGIT_DIM, 512),
            nn.ReLU(inplace=True),
            nn.Linear(512, 1024),
            nn.ReLU(inplace=True),
            nn.Linear(1024, IMAGE_SIZE * IMAGE_SIZE),
            nn.Sigmoid(),
        )
        self.metadata: dict[str, str] = {}

    @property
    def device(self) -> torch.device:
        """Where the parameters live."""
        return self.W.device

    def primary_capsules(self, images: torch.Tensor) -> torch.Tensor:
        """``[B, 1152, 8]`` squashed primary capsules, ordered type·36 + row·6 + col."""
        x = torch.relu(self.conv1(images))
        x = self.primary_conv(x)
        batch = x.shape[0]
        x = x.float().view(batch, N_PRIMARY_TYPES, PRIMARY_DIM, PRIMARY_GRID, PRIMARY_GRID)
        x = x.permute(0, 1, 3, 4, 2).reshape(batch, N_PRIMARY, PRIMARY_DIM)
        return squash(x)

    def votes(self, primary: torch.Tensor) -> torch.Tensor:
        """û_j|i = W_ij u_i as ``[B, 1152, 10, 16]``; W is shared, never copied per batch."""
        batch = primary.shape[0]
        w = self.W.view(N_PRIMARY, N_DIGITS * DIGIT_DIM, PRIMARY_DIM)
        u_hat = torch.bmm(primary.transpose(0, 1), w.transpose(1, 2))  # [1152, B, 160]
        return u_hat.transpose(0, 1).reshape(batch, N_PRIMARY, N_DIGITS, DIGIT_DIM)

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
            ``[B, 1, 28, 28]`` images in [0, 1].
        """
        batch = poses.shape[0]
        digits = torch.as_tensor(digit, device=poses.device).long().expand(batch)
        masked = poses.new_zeros(batch, N_DIGITS, DIGIT_DIM)
        masked[torch.arange(batch, device=poses.device), digits] = poses
        return self.decoder(masked.view(batch, -1)).view(batch, 1, IMAGE_SIZE, IMAGE_SIZE)

    def forward(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | None = None,
        iterations: int | None = None,
    ) -> CapsOutput:
        """Classify ``images`` ``[B, 1, 28, 28]`` in [0, 1].

        ``labels`` (training) picks the capsule the decoder sees; otherwise the
        longest capsule is decoded. Under autocast only the convolutions run in
        reduced precision: routing and the decoder stay float32.
        """
        primary = self.primary_capsules(images)
        with torch.autocast(images.device.type, enabled=False):
            poses = route(self.votes(primary), iterations or self.iterations).poses
            lengths = vector_length(poses)
            chosen = lengths.argmax(dim=1) if labels is None else labels
            picked = poses[torch.arange(poses.shape[0], device=poses.device), chosen]
            return CapsOutput(lengths, poses, self.decode(picked, chosen))

    @torch.no_grad()
    def route(self, images: torch.Tensor, iterations: int | None = None) -> RoutingTrace:
        """Run routing and keep every iteration (c_ij, lengths, poses, agreement)."""
        primary = self.primary_capsules(images)
        votes = self.votes(primary)
        result = route(votes, iterations or self.iterations, record=True)
        return RoutingTrace(
            coupling=result.coupling,
            lengths=vector_length(result.iteration_poses),
            poses=result.iteration_poses,
            agreement=result.agreement,
            primary=primary,
            votes=votes,
        )
