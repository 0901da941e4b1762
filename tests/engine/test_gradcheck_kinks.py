"""The gradient check judges the gradient, not a kink or the loss's rounding.

A stuck ReLU net on xor4 is the common case: a dead unit keeps its zero initial bias,
so at the input (0, 0) its pre-activation sits exactly on the kink, and the stuck net's
gradients are tiny. A correct gradient there must pass; a wrong one must still fail.
"""

import numpy as np

from engine import MLP, Config, Trainer, check_gradients, gradient_check
from engine.gradcheck import gradient_check_details

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def kinked_relu_net() -> MLP:
    """Unit 1 of the hidden layer has bias 0: its pre-activation at (0, 0) is exactly 0."""
    net = MLP([2, 2, 1], activation="relu", output="sigmoid", replicas=1, seed=0)
    W0, b0, W1, b1 = net.params
    W0[0] = [[2.2, -0.6], [-2.2, -1.2]]
    b0[0] = [-0.06, 0.0]
    W1[0] = [[-1.5], [1.2]]
    b1[0] = [0.3]
    return net


def test_an_entry_on_a_relu_kink_is_left_out_not_reported_wrong():
    errors, kinks = gradient_check_details(kinked_relu_net(), XOR_X, XOR_Y)
    assert kinks[1] == 1  # the zero bias of unit 1
    assert max(errors) < 1e-6


def test_a_stuck_relu_run_passes_the_check_with_its_tiny_correct_gradient():
    """Seed 0 is stuck by epoch 600 (a dead unit, loss 0.4775). With the floor at
    1e-4 (1 + |L|) the rounding of the differences read 1.2e-6 and 1.5e-6 at epochs
    1041 and 3000: "wrong" on the page, for the engine's own correct gradient."""
    trainer = Trainer(Config.from_dict({"hidden": [2], "activation": "relu"}))
    for epoch in (600, 1041, 3000, 10_000):
        trainer.step(epoch - trainer.epoch)
        report = check_gradients(trainer)
        assert report["ok"], (epoch, report)
        # with room to spare: rounding, not a factor lost
        assert max(layer["max_relative_error"] for layer in report["layers"]) < 5e-7


def test_a_wrong_gradient_still_fails_on_the_kinked_net(monkeypatch):
    net = kinked_relu_net()
    right = net.loss_and_grads

    def halved_hidden_gradient(X, y, **kw):
        loss, grads = right(X, y, **kw)
        grads[0] *= 0.5  # the bug: a factor lost in the first layer's weights
        return loss, grads

    monkeypatch.setattr(net, "loss_and_grads", halved_hidden_gradient)
    errors = gradient_check(net, XOR_X, XOR_Y)
    assert errors[0] > 1e-2
    assert errors[2] < 1e-6
