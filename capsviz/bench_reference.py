"""The baseline for ``python -m capsviz.bench``: a CapsNet written the way tutorials write it.

It follows the widely read "Demystify Capsule Network Using PyTorch"
walk-through line by line: eight separate PrimaryCaps convolutions stacked,
W copied once per image with ``torch.stack([W] * B)``, the primary capsules
copied ten times, 5-D routing tensors with broadcast matrix products, a
Python loop over the iterations, and a one-hot mask for the decoder. Two
deliberate departures keep it a fair, faithful baseline for *speed*: the
capsules keep capsviz's order (i = type·36 + row·6 + col; the tutorial's
plain ``view`` scrambles them) and the loss uses the paper's reconstruction
scale, so both networks compute the same function from the same weights.
Like the tutorial (and the paper's code) it lets gradients flow through
every routing iteration.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from capsviz.model.capsnet import CapsNet
from capsviz.model.losses import RECONSTRUCTION_WEIGHT

primary_capsule_dim = primary_num_conv = 8
num_feature = 32
primary_num_capsule = 6 * 6 * num_feature
digit_num_capsule = 10
digit_capsule_dim = 16
m_plus, m_minus, lambda_ = 0.9, 0.1, 0.5


def safe_norm(tensor: torch.Tensor, dim: int, epsilon: float = 1e-7, keepdim: bool = True):
    squared_norm = tensor.pow(2).sum(dim=dim, keepdim=keepdim)
    return torch.sqrt(squared_norm + epsilon), squared_norm


def squash(tensor: torch.Tensor, dim: int, keepdim: bool = True) -> torch.Tensor:
    norm, squared_norm = safe_norm(tensor, dim=dim, keepdim=keepdim)
    squash_factor = squared_norm / (1.0 + squared_norm)
    unit_vector = tensor / norm
    return squash_factor * unit_vector


class TutorialCapsNet(nn.Module):
    """Encoder, routing and decoder exactly in the tutorial's style."""

    def __init__(self, iterations: int = 3) -> None:
        super().__init__()
        self.iterations = iterations
        self.conv_layer = nn.Conv2d(in_channels=1, out_channels=256, kernel_size=9, stride=1, padding=0)
        self.conv_stack = nn.ModuleList(
            [
                nn.Conv2d(in_channels=256, out_channels=num_feature, kernel_size=9, stride=2, padding=0)
                for _ in range(primary_num_conv)
            ]
        )
        self.W = nn.Parameter(
            torch.randn([primary_num_capsule, digit_num_capsule, digit_capsule_dim, primary_capsule_dim])
        )
        self.decoder_layer = nn.Sequential(
            nn.Linear(10 * 16, 512),
            nn.ReLU(inplace=True),
            nn.Linear(512, 1024),
            nn.ReLU(inplace=True),
            nn.Linear(1024, 28 * 28),
            nn.Sigmoid(),
        )

    @classmethod
    def from_capsnet(cls, model: CapsNet) -> TutorialCapsNet:
        """The same network as ``model`` (same weights), on the same device."""
        ref = cls(model.iterations)
        with torch.no_grad():
            ref.conv_layer.weight.copy_(model.conv1.weight)
            ref.conv_layer.bias.copy_(model.conv1.bias)
            # capsviz's PrimaryCaps channel is type·8 + dim; tutorial conv k makes dimension k
            weight = model.primary_conv.weight.view(num_feature, primary_num_conv, 256, 9, 9)
            bias = model.primary_conv.bias.view(num_feature, primary_num_conv)
            for k, conv in enumerate(ref.conv_stack):
                conv.weight.copy_(weight[:, k])
                conv.bias.copy_(bias[:, k])
            ref.W.copy_(model.W)
            for mine, theirs in zip(ref.decoder_layer, model.decoder, strict=True):
                if isinstance(mine, nn.Linear):
                    mine.weight.copy_(theirs.weight)
                    mine.bias.copy_(theirs.bias)
        return ref.to(model.device).train(model.training)

    def encode(self, input_images: torch.Tensor) -> torch.Tensor:
        """Primary capsules ``u_hat`` as the tutorial builds them: ``[B, 1152, 10, 16, 1]``."""
        batch_size = input_images.size(0)
        conv_layer_out = F.relu(self.conv_layer(input_images))
        primary_capsule_out = [conv(conv_layer_out) for conv in self.conv_stack]
        primary_capsule_out = torch.stack(primary_capsule_out, dim=1)  # [B, 8, 32, 6, 6]
        primary_capsule_out = primary_capsule_out.permute(0, 2, 3, 4, 1).reshape(
            batch_size, -1, primary_capsule_dim
        )
        primary_caps_vec = squash(primary_capsule_out, dim=-1).float()
        W = torch.stack([self.W] * batch_size, dim=0)
        u = torch.stack([primary_caps_vec] * digit_num_capsule, dim=2)
        u = u.unsqueeze(-1)
        return torch.matmul(W, u)

    def routing(self, u_hat: torch.Tensor, record: bool = False):
        """Steps 4-7 of the routing algorithm, iterated; returns v_j and (optionally) c_ij per step."""
        batch_size = u_hat.size(0)
        b_ij = torch.zeros(batch_size, primary_num_capsule, digit_num_capsule, 1, 1, device=u_hat.device)
        couplings, lengths = [], []
        for iteration in range(self.iterations):
            c_ij = F.softmax(b_ij, dim=2)
            s_j = (c_ij * u_hat).sum(dim=1, keepdim=True)
            v_j = squash(s_j, dim=-2)
            if record:
                couplings.append(c_ij.view(batch_size, primary_num_capsule, digit_num_capsule))
                lengths.append(torch.sqrt((v_j**2).sum(dim=3)).view(batch_size, digit_num_capsule))
            if iteration < self.iterations - 1:
                a_ij = torch.matmul(v_j.transpose(3, 4), u_hat)
                b_ij = b_ij + a_ij
        return v_j.squeeze(1), couplings, lengths

    def decode(self, v_j: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Mask all capsules but ``indices`` with one-hot rows and decode: ``[B, 784]``."""
        masked = torch.eye(10, device=v_j.device).index_select(dim=0, index=indices)
        decoder_input = v_j * masked[:, :, None, None]
        return self.decoder_layer(decoder_input.view(v_j.size(0), -1))

    def forward(self, input_images: torch.Tensor, labels: torch.Tensor | None = None):
        """Lengths ``[B, 10]``, poses ``[B, 10, 16, 1]`` and the reconstruction ``[B, 784]``."""
        v_j, _, _ = self.routing(self.encode(input_images))
        classes = torch.sqrt((v_j**2).sum(dim=2, keepdim=False)).squeeze(-1)
        _, max_length_indices = classes.max(dim=1)
        indices = max_length_indices if labels is None else labels
        return classes, v_j, self.decode(v_j, indices)

    def trace(self, input_images: torch.Tensor):
        """The routing animation's data: c_ij and the lengths after every iteration."""
        _, couplings, lengths = self.routing(self.encode(input_images), record=True)
        return torch.stack(couplings, dim=1), torch.stack(lengths, dim=1)


def tutorial_loss(
    classes: torch.Tensor, reconstruction: torch.Tensor, images: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Margin loss with one-hot rows from ``torch.eye`` plus 0.0005 × sum of squared errors."""
    T = torch.eye(10, device=classes.device).index_select(dim=0, index=labels)
    correct_loss = F.relu(m_plus - classes).pow(2)
    incorrect_loss = F.relu(classes - m_minus).pow(2)
    margin_loss = (T * correct_loss + lambda_ * (1 - T) * incorrect_loss).sum(dim=1).mean()
    squared = (reconstruction.float() - images.view(images.size(0), -1)).pow(2).sum(dim=1).mean()
    return margin_loss + RECONSTRUCTION_WEIGHT * squared
