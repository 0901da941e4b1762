"""The baseline: a plain, idiomatic NumPy MLP, the way a tutorial writes it.

One network, weights in a list of 2-D arrays, a fresh array for every intermediate
result, ``W = W - lr * dW`` updates. No tricks: this is what ``bench/engine.py``
compares the engine with. Same maths as the engine (Glorot-uniform weights, zero
biases, BCE on a sigmoid output, torch's SGD and Adam), so the two can be checked
against each other number for number.
"""

from __future__ import annotations

import numpy as np


def _act(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    raise ValueError(name)


def _der(name, z, a):
    if name == "tanh":
        return 1 - a**2
    return (z > 0).astype(z.dtype)


class BaselineMLP:
    """``sizes = [n_in, ..., 1]``, hidden ``activation``, sigmoid output, BCE loss."""

    def __init__(self, sizes, activation="tanh", seed=0):
        rng = np.random.Generator(np.random.PCG64(seed))
        self.activation = activation
        self.W = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            limit = np.sqrt(6 / (n_in + n_out))
            self.W.append(rng.uniform(-limit, limit, (n_in, n_out)))
        self.b = [np.zeros(n_out) for n_out in sizes[1:]]

    def loss_and_grads(self, X, y):
        # forward
        activations, pre = [X], []
        for i, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            z = activations[-1] @ W + b
            pre.append(z)
            if i < len(self.W) - 1:
                activations.append(_act(self.activation, z))
            else:
                activations.append(1 / (1 + np.exp(-z)))
        p = activations[-1]
        n = len(X)
        p = np.clip(p, 1e-12, 1 - 1e-12)  # keep log() finite once outputs saturate
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        # backward
        dz = (p - y) / n
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for i in reversed(range(len(self.W))):
            dW[i] = activations[i].T @ dz
            db[i] = dz.sum(axis=0)
            if i > 0:
                dz = (dz @ self.W[i].T) * _der(self.activation, pre[i - 1], activations[i])
        return loss, dW, db


class BaselineSGD:
    def __init__(self, net, lr=0.1):
        self.net, self.lr = net, lr

    def step(self, dW, db):
        net = self.net
        net.W = [W - self.lr * g for W, g in zip(net.W, dW, strict=True)]
        net.b = [b - self.lr * g for b, g in zip(net.b, db, strict=True)]


class BaselineAdam:
    def __init__(self, net, lr=0.01, betas=(0.9, 0.999), eps=1e-8):
        self.net, self.lr, self.betas, self.eps = net, lr, betas, eps
        self.t = 0
        self.m = [np.zeros_like(p) for p in net.W + net.b]
        self.v = [np.zeros_like(p) for p in net.W + net.b]

    def step(self, dW, db):
        b1, b2 = self.betas
        self.t += 1
        params = self.net.W + self.net.b
        new = []
        for i, (p, g) in enumerate(zip(params, dW + db, strict=True)):
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g**2
            m_hat = self.m[i] / (1 - b1**self.t)
            v_hat = self.v[i] / (1 - b2**self.t)
            new.append(p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
        k = len(self.net.W)
        self.net.W, self.net.b = new[:k], new[k:]


def train_minibatch_epoch(net, opt, X, y, batch, rng):
    """One epoch of shuffled mini-batches, the tutorial way."""
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch):
        idx = order[start : start + batch]
        _, dW, db = net.loss_and_grads(X[idx], y[idx])
        opt.step(dW, db)
