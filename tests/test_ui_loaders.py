"""The cached model is loaded once and shared safely by concurrent sessions."""

from concurrent.futures import ThreadPoolExecutor

import torch

from genodash.predict import predict
from genodash.ui.loaders import cached_model


def test_one_shared_model_for_concurrent_sessions():
    cached_model.clear()
    with ThreadPoolExecutor(4) as pool:
        loaded = list(pool.map(lambda _: cached_model("oct4-mafk", "cpu"), range(8)))
    assert all(item is loaded[0] for item in loaded)
    X = torch.zeros(2, 4, 200)
    X[:, 0] = 1
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: predict(loaded[0].model, X), range(8)))
    assert all(torch.equal(o, outs[0]) for o in outs)
