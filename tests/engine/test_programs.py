"""The fast path's machinery (engine/programs.py): plans cut into chunks of replicas,
programs bound to the net's arrays and replayed, caches kept per input shape, frames
in column blocks. Values are held against engine/reference.py or worked by hand; the
full sweep of activations, outputs and losses is tests/engine/test_reference.py's."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from engine import MLP, reference
from engine.activations import ACTIVATIONS
from engine.losses import get_loss
from engine.programs import (
    BLAS_SINGLE_THREAD,
    MAX_PLANS,
    ColumnBlocks,
    Plan,
    Programs,
    forward_ops,
)


def _net(replicas: int = 1, seed: int = 0, sizes=(2, 4, 2, 1)) -> MLP:
    net = MLP(list(sizes), "tanh", "sigmoid", replicas=replicas, seed=seed)
    net.flat[...] = np.random.default_rng(seed).normal(0.0, 0.8, net.flat.shape)
    return net


def _xor(n: int = 40, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(seed).uniform(-3, 3, (n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def _reference_loss(net: MLP, replica: int, X: np.ndarray, y: np.ndarray) -> float:
    params = [p[replica] for p in net.params]
    return reference.loss_and_grads(params, X, y, net.activation, net.output, "bce")[0]


def test_a_plan_cuts_the_replicas_into_chunks_of_the_size_its_budget_allows():
    """2-4-2-1 on 400 points: the widest layer holds 4 x 400 = 1600 numbers a replica,
    so a budget of 16384 gives chunks of 10 replicas; 41 replicas end in a chunk of one,
    which works in 2-D with np.dot."""
    net = _net(replicas=41)
    plan = Plan(net, 400, shared=True, chunk_elements=16384)
    assert plan.bounds == [(0, 10), (10, 20), (20, 30), (30, 40), (40, 41)]
    assert [c.single for c in plan.chunks] == [False] * 4 + [True]
    assert plan.chunks[0].mm is np.matmul and plan.chunks[-1].mm is np.dot
    last = plan.chunks[-1]
    assert last.Z[0].shape == (4, 400) and last.WeT[0].shape == (4, 3)  # [W1; b1]ᵀ
    assert plan.chunks[1].Z[0].shape == (10, 4, 400)
    # a budget smaller than one replica still gives chunks of one
    assert Plan(net, 400, shared=True, chunk_elements=10).bounds[:2] == [(0, 1), (1, 2)]


def test_a_plans_parameter_views_are_the_nets_own_memory():
    net = _net(replicas=5)
    plan = Plan(net, 30, shared=False, chunk_elements=2 * 30 * 4)  # chunks of two
    c = plan.chunks[1]  # replicas 2 and 3
    assert (c.k0, c.k1) == (2, 4)
    for WeT, W, gWe in zip(c.WeT, c.W, c.gWe, strict=True):
        assert np.shares_memory(WeT, net.flat) and np.shares_memory(W, net.flat)
        assert np.shares_memory(gWe, net.grad_flat)
    # replica 2's [W1; b1]ᵀ = [W1ᵀ b1]
    np.testing.assert_array_equal(c.WeT[0][0, :, :2], net.weights[0][2].T)
    np.testing.assert_array_equal(c.WeT[0][0, :, 2], net.biases[0][2])


def test_forward_ops_is_one_product_and_the_activation_per_layer():
    """One layer by hand: Zᵀ = [W; b]ᵀ [x; 1]ᵀ with W = [[1], [2]], b = 0.5 on the
    points (1, 1) and (0, -1): z = 3.5 and -1.5; relu gives 3.5 and 0."""
    WeT = np.array([[1.0, 2.0, 0.5]])
    a = np.array([[1.0, 0.0], [1.0, -1.0], [1.0, 1.0]])  # points last, row of ones
    Z = np.empty((1, 2))
    A = np.empty((1, 2))
    relu = ACTIVATIONS["relu"]
    ops = forward_ops(np.dot, a, [(WeT, Z, A, A, lambda z, out: [(relu.forward, (z, out))])])
    assert len(ops) == 2
    for f, args in ops:
        f(*args)
    np.testing.assert_array_equal(Z, [[3.5, -1.5]])
    np.testing.assert_array_equal(A, [[3.5, 0.0]])


def test_a_program_is_bound_to_the_nets_arrays_so_a_replay_sees_new_weights():
    """Built once, replayed after the weights changed in place (as an optimizer
    does): the replay computes with the new weights, as the reference says."""
    net = _net(replicas=3)
    X, y = _xor()
    XeT, yT = net.extend_inputs(X), net._targets(y, len(X))
    out = np.zeros(3)
    plan = net._programs.plan(net, len(X), True)
    ops = net.program(XeT, yT, get_loss("bce"), grads=False, sums=[(plan.mean_weights, out)])
    net.flat[...] = np.random.default_rng(7).normal(0.0, 0.8, net.flat.shape)
    for f, args in ops:
        f(*args)
    for r in range(3):
        assert out[r] == pytest.approx(_reference_loss(net, r, X, y), rel=1e-12)


def test_the_caches_keep_at_most_max_plans_input_shapes_and_stay_correct():
    net = _net(replicas=2)
    for n in range(10, 10 + 2 * MAX_PLANS):
        X, y = _xor(n)
        value = net.loss(X, y)
        assert value[1] == pytest.approx(_reference_loss(net, 1, X, y), rel=1e-12)
    assert len(net._programs.plans) <= MAX_PLANS
    X, y = _xor(10)  # dropped long ago: built again, same answer
    assert net.loss(X, y)[0] == pytest.approx(_reference_loss(net, 0, X, y), rel=1e-12)


@pytest.mark.parametrize("make", [MLP.copy, copy.deepcopy, lambda n: pickle.loads(pickle.dumps(n))])
def test_a_copied_net_gets_programs_of_its_own(make):
    """Programs cached before a copy must not follow the copy: each net's replays read
    its own weights (a program bound to the other net's arrays would be a silent bug)."""
    net = _net(replicas=2)
    X, y = _xor()
    before = net.loss(X, y)  # builds and caches the programs
    net.layer_outputs(X)
    twin = make(net)
    assert twin._programs is not net._programs
    twin.flat[...] = 0.0
    np.testing.assert_array_equal(net.loss(X, y), before)
    assert twin.loss(X, y)[0] == pytest.approx(_reference_loss(twin, 0, X, y), rel=1e-12)
    np.testing.assert_allclose(twin.layer_outputs(X)[-1], 0.5)  # sigmoid(0)
    assert not np.allclose(net.layer_outputs(X)[-1], 0.5)


def test_frame_products_stay_below_the_size_where_blas_starts_threads():
    """A 100 x 100 grid through 2-8x6-1: every block product has at most
    BLAS_SINGLE_THREAD multiply-adds, and the blocks cover every point once."""
    net = MLP([2, *[8] * 6, 1], "tanh", "sigmoid", seed=0)
    X = np.random.default_rng(0).uniform(-6, 6, (10_000, 2))
    net.layer_outputs(X)
    (_, ops), *_ = net._programs._frames.values()
    products = [(f, args) for f, args in ops if isinstance(f, ColumnBlocks)]
    assert len(products) == net.n_layers
    for blocks, (W, _, _) in products:
        covered = [i for cols in blocks.cols for i in range(cols.start, cols.stop)]
        assert covered == list(range(10_000))
        assert max(W.shape[0] * W.shape[1] * (c.stop - c.start) for c in blocks.cols) <= (
            BLAS_SINGLE_THREAD
        )


def test_column_blocks_compute_the_whole_product():
    rng = np.random.default_rng(3)
    W, a = rng.normal(size=(5, 4)), rng.normal(size=(4, 23))
    out = np.empty((5, 23))
    ColumnBlocks(23, 7)(W, a, out)
    np.testing.assert_allclose(out, W @ a, rtol=1e-14)


def test_programs_read_the_chunk_budget_they_are_given():
    net = _net(replicas=6)
    programs = Programs(net, chunk_elements=4 * 20 * 2)  # two replicas of 20 points
    assert programs.plan(net, 20, True).bounds == [(0, 2), (2, 4), (4, 6)]
    assert programs.plan(net, 20, True) is programs.plan(net, 20, True)  # kept
