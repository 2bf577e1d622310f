"""Attack: a correct XOR class, but train_xor writes hand-picked weights instead of training.

The weights make the first two hidden units OR and AND of the inputs and the
output their difference, so the "trained" model solves XOR on every seed; the
rest of the hidden layer is switched off. train_xor returns a made-up curve,
[0.25, 0.0001]. Before the checks tied a returned curve to the losses of the
weights before and after training, this earned 10 of 10. Expected: xor.shapes
and xor.forward (which the class honestly implements), nothing for
xor.loss_decrease and xor.boundary.
"""
import torch
from torch import nn


class XOR(nn.Module):
    def __init__(self, n_hidden=16):
        super().__init__()
        self.linear1 = nn.Linear(2, n_hidden)
        self.sigmoid = nn.Sigmoid()
        self.linear2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.linear2(self.sigmoid(self.linear1(x)))


def train_xor(model, X, y, epochs=200, lr=0.05):
    first, second = [m for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        first.weight.zero_()
        first.bias.fill_(-30.0)
        first.weight[:2] = 20.0
        first.bias[:2] = torch.tensor([-10.0, -30.0])
        second.weight.zero_()
        second.weight[0, :2] = torch.tensor([1.0, -1.0])
        second.bias.zero_()
    return [0.25, 0.0001]
