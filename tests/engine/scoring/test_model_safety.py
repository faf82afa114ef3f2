import os
import pickle

import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from engine.scoring.model import CANDIDATES, UnsafeModelFile, calibrated, dumps, loads


class Boom:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_trained_model_round_trips():
    rng = np.random.default_rng(0)
    X = rng.random((120, 4))
    y = (X[:, 0] > 0.5).astype(int)
    for name in CANDIDATES:
        m = calibrated(name).fit(X, y)
        back = loads(dumps(m))
        assert np.allclose(back.predict_proba(X), m.predict_proba(X))


def test_a_skops_file_that_would_call_a_function_is_refused(tmp_path):
    blob = sio.dumps(FunctionTransformer(func=os.system))
    with pytest.raises(UnsafeModelFile) as e:
        loads(blob)
    assert "posix.system" in e.value.message or "nt.system" in e.value.message


def test_a_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    blob = pickle.dumps(Boom(str(marker)))
    with pytest.raises(UnsafeModelFile):
        loads(blob)
    assert not marker.exists()


def test_a_skops_file_with_an_unknown_class_is_refused():
    blob = sio.dumps({"x": FunctionTransformer(func=eval)})
    with pytest.raises(UnsafeModelFile):
        loads(blob)
