"""A churn baseline on ``churn_features``: logistic regression, split by time, AUC on later snapshots.

The split is by snapshot date, never at random: the model is trained on the earlier snapshots
and scored on the latest one(s), as it would be used — a random split would let rows of the
same period (and the same customers' near-identical rows) leak between train and test.

Example:
    >>> from lakehouse.c360.churn import baseline                                     # doctest: +SKIP
    >>> result = baseline(spark.table("c360_gold.churn_features").toPandas())       # doctest: +SKIP
    >>> round(result.auc, 2) > 0.6                                                  # doctest: +SKIP
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from .gold import FEATURES, GoldError


@dataclass(frozen=True)
class BaselineResult:
    """The held-out AUC and what it was computed on."""

    auc: float
    train_rows: int
    test_rows: int
    test_snapshots: tuple
    churn_rate_test: float
    coefficients: dict


def baseline(features, *, test_snapshots: int = 1, seed: int = 42) -> BaselineResult:
    """Train a scikit-learn logistic regression on the earlier snapshots, report AUC on the latest.

    Args:
        features: a pandas DataFrame of ``churn_features`` (``snapshot_date``, ``label``, :data:`FEATURES`).
        test_snapshots: how many of the latest snapshot dates to hold out.
        seed: the model's random state.

    Returns:
        :class:`BaselineResult` (AUC 0.5 = a constant predictor).

    Raises:
        GoldError: too few snapshots, or a split without both classes.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    dates = sorted(features["snapshot_date"].unique())
    if isinstance(test_snapshots, bool) or not isinstance(test_snapshots, int) or not 1 <= test_snapshots < len(dates):
        raise GoldError(f"test_snapshots={test_snapshots!r} with {len(dates)} snapshot dates: nothing left to train on.",
                        fix="hold out fewer snapshots, or build churn_features with more snapshot dates.")
    held_out = dates[-test_snapshots:]
    test = features["snapshot_date"].isin(held_out)
    train_df, test_df = features[~test], features[test]
    for name, part in (("train", train_df), ("test", test_df)):
        if part["label"].nunique() < 2:
            raise GoldError(f"The {name} snapshots have only one label value: AUC is undefined.",
                            fix="use more data (a larger scale) or other snapshot dates.")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, class_weight="balanced",
                                                               random_state=seed))
    model.fit(train_df[list(FEATURES)].astype(float), train_df["label"])
    scores = model.predict_proba(test_df[list(FEATURES)].astype(float))[:, 1]
    coef = model[-1].coef_[0]
    return BaselineResult(
        auc=float(roc_auc_score(test_df["label"], scores)), train_rows=len(train_df), test_rows=len(test_df),
        test_snapshots=tuple(str(d) for d in held_out), churn_rate_test=float(test_df["label"].mean()),
        coefficients={f: round(float(c), 3) for f, c in sorted(zip(FEATURES, coef), key=lambda x: -abs(x[1]))})
