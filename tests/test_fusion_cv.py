"""The fusion weight is chosen on the other sets, never on the one it is scored on."""

from evals.fusion_cv import leave_one_set_out


def test_each_held_out_set_is_scored_with_the_weight_the_others_chose():
    table = {
        0.1: {"a": (0.90, 1.0), "b": (0.80, 1.0), "c": (0.50, 1.0)},
        0.5: {"a": (0.70, 1.0), "b": (0.70, 1.0), "c": (0.99, 1.0)},
    }
    folds = {f["held_out"]: f for f in leave_one_set_out(table)}
    assert folds["c"]["weight"] == 0.1 and folds["c"]["hit@1"] == 0.50  # c's own best (0.5) is not used
    assert folds["a"]["weight"] == 0.5  # b + c prefer 0.5
    assert folds["b"]["weight"] == 0.5
