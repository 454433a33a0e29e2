"""Specifications of ecomkit.profiling, pinned on small hand-made tables."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from ecomkit import kpi  # noqa: E402
from ecomkit import profiling as pf  # noqa: E402

AS_OF = pd.Timestamp("2024-07-01")


def make_orders(rows):
    """Orders table from (customer_id, order_ts, net_amount[, status[, channel[, category]]]).

    Every order has 1 item and a 10% discount on gross (gross = net / 0.9), so the expected
    discount share is 0.1 for every customer.
    """
    records = []
    for i, row in enumerate(rows, start=1):
        customer_id, ts, net = row[:3]
        status = row[3] if len(row) > 3 else "completed"
        channel = row[4] if len(row) > 4 else "search"
        category = row[5] if len(row) > 5 else "apparel"
        gross = round(net / 0.9, 2)
        records.append({
            "order_id": i, "customer_id": customer_id, "order_ts": pd.Timestamp(ts),
            "channel": channel, "province": "Zhejiang", "category": category, "items": 1,
            "gross_amount": gross, "discount_amount": round(gross - net, 2),
            "net_amount": float(net), "shipping_fee": 8.0, "status": status,
        })
    return pd.DataFrame.from_records(records)


def rfm_frame(recency, frequency, monetary, ids=None):
    ids = list(range(1, len(recency) + 1)) if ids is None else ids
    return pd.DataFrame(
        {"recency_days": recency, "frequency": frequency, "monetary": monetary},
        index=pd.Index(ids, name="customer_id"),
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------------------------------
# rfm_table
# ------------------------------------------------------------------------------------------
def test_rfm_table_gives_days_since_last_order_order_count_and_net_spend():
    orders = make_orders([
        (1, "2024-06-01 10:00", 100.0),
        (1, "2024-06-21 18:30", 50.5),
        (2, "2024-01-01 09:00", 300.0),
    ])
    rfm = pf.rfm_table(orders, as_of=AS_OF)
    assert list(rfm.index) == [1, 2]
    assert rfm.index.name == "customer_id"
    # whole days elapsed: 2024-06-21 18:30 -> 2024-07-01 00:00 is 9 days 5.5 hours
    assert rfm.loc[1, "recency_days"] == 9
    assert rfm.loc[2, "recency_days"] == (AS_OF - pd.Timestamp("2024-01-01 09:00")).days
    assert rfm.loc[1, "frequency"] == 2
    assert rfm.loc[1, "monetary"] == pytest.approx(150.5)
    assert rfm.loc[2, "monetary"] == pytest.approx(300.0)


def test_rfm_table_excludes_returned_and_cancelled_by_default_and_counts_them():
    orders = make_orders([
        (1, "2024-06-01", 100.0),
        (1, "2024-06-20", 80.0, "returned"),
        (1, "2024-06-25", 70.0, "cancelled"),
        (2, "2024-05-01", 40.0, "returned"),   # customer 2 has nothing counted
    ])
    rfm = pf.rfm_table(orders, as_of=AS_OF)
    assert list(rfm.index) == [1]
    assert rfm.loc[1, "frequency"] == 1
    assert rfm.loc[1, "monetary"] == pytest.approx(100.0)
    assert rfm.loc[1, "recency_days"] == 30          # from 2024-06-01, not the returned order
    assert rfm.attrs["excluded"] == {
        "rows_in": 4, "after_as_of": 0, "cancelled": 1, "returned": 2, "rows_counted": 1,
        "customers_without_counted_orders": 1,
    }


def test_rfm_table_include_returned_counts_returned_but_never_cancelled():
    orders = make_orders([
        (1, "2024-06-01", 100.0),
        (1, "2024-06-20", 80.0, "returned"),
        (1, "2024-06-25", 70.0, "cancelled"),
    ])
    rfm = pf.rfm_table(orders, as_of=AS_OF, include_returned=True)
    assert rfm.loc[1, "frequency"] == 2
    assert rfm.loc[1, "monetary"] == pytest.approx(180.0)
    assert rfm.loc[1, "recency_days"] == 11
    assert rfm.attrs["excluded"]["returned"] == 0
    assert rfm.attrs["excluded"]["cancelled"] == 1


def test_rfm_table_ignores_orders_after_as_of_and_counts_them():
    orders = make_orders([
        (1, "2024-06-01", 100.0),
        (1, "2024-07-01 00:00", 10.0),    # exactly at as_of: counted
        (1, "2024-07-01 00:01", 999.0),   # after: ignored
        (2, "2024-08-01", 50.0),          # only after: customer absent
    ])
    rfm = pf.rfm_table(orders, as_of="2024-07-01")
    assert list(rfm.index) == [1]
    assert rfm.loc[1, "frequency"] == 2
    assert rfm.loc[1, "monetary"] == pytest.approx(110.0)
    assert rfm.loc[1, "recency_days"] == 0
    assert rfm.attrs["excluded"]["after_as_of"] == 2
    assert rfm.attrs["excluded"]["customers_without_counted_orders"] == 0


def test_rfm_table_counts_distinct_orders_when_rows_are_order_lines():
    orders = make_orders([(1, "2024-06-01", 30.0), (1, "2024-06-01", 20.0)])
    orders["order_id"] = 7                      # two lines of the same order
    rfm = pf.rfm_table(orders, as_of=AS_OF)
    assert rfm.loc[1, "frequency"] == 1
    assert rfm.loc[1, "monetary"] == pytest.approx(50.0)


def test_rfm_table_names_missing_columns_and_unknown_statuses():
    orders = make_orders([(1, "2024-06-01", 30.0)])
    with pytest.raises(ValueError, match="net_amount"):
        pf.rfm_table(orders.drop(columns="net_amount"), as_of=AS_OF)
    with pytest.raises(ValueError, match="refunded"):
        pf.rfm_table(orders.assign(status="refunded"), as_of=AS_OF)


def test_rfm_table_without_status_column_counts_every_order():
    orders = make_orders([(1, "2024-06-01", 30.0), (1, "2024-06-02", 20.0)])
    rfm = pf.rfm_table(orders.drop(columns="status"), as_of=AS_OF)
    assert rfm.loc[1, "frequency"] == 2


# ------------------------------------------------------------------------------------------
# rfm_scores
# ------------------------------------------------------------------------------------------
def test_rfm_scores_are_quintiles_with_ties_broken_by_rank_so_every_bin_fills():
    # 20 customers, 14 of them with frequency 1: value quantiles would collapse the bins
    freq = [1] * 14 + [2, 2, 3, 4, 6, 9]
    rng = np.random.default_rng(1)
    ids = rng.permutation(np.arange(100, 120))
    rfm = rfm_frame([30] * 20, freq, [100.0] * 20, ids=ids)
    scores = pf.rfm_scores(rfm, bins=5)
    for letter in "RFM":
        counts = scores[letter].value_counts().sort_index()
        assert list(counts.index) == [1, 2, 3, 4, 5]
        assert list(counts) == [4, 4, 4, 4, 4]


def test_rfm_scores_never_decrease_as_the_raw_value_improves():
    rng = np.random.default_rng(7)
    n = 237
    rfm = rfm_frame(rng.integers(0, 400, n), rng.geometric(0.6, n),
                    np.round(rng.lognormal(5, 1, n), 2), ids=rng.permutation(n) + 1)
    scores = pf.rfm_scores(rfm)
    for column, letter, better in (("recency_days", "R", -1), ("frequency", "F", 1),
                                   ("monetary", "M", 1)):
        ordered = (scores.assign(v=better * scores[column]).sort_index()
                   .sort_values("v", kind="stable"))      # ties in customer_id order
        assert ordered[letter].is_monotonic_increasing, letter
        sizes = scores[letter].value_counts()
        assert sizes.max() - sizes.min() <= 1, letter


def test_rfm_scores_5_means_most_recent_most_frequent_highest_spend():
    rfm = rfm_frame([1, 10, 100, 200, 400], [9, 5, 3, 2, 1], [900.0, 500, 300, 200, 10])
    scores = pf.rfm_scores(rfm)
    assert list(scores["R"]) == [5, 4, 3, 2, 1]
    assert list(scores["F"]) == [5, 4, 3, 2, 1]
    assert list(scores["M"]) == [5, 4, 3, 2, 1]
    assert list(scores["rfm_cell"]) == ["555", "444", "333", "222", "111"]
    assert list(scores["rfm_score"]) == [15, 12, 9, 6, 3]


def test_rfm_scores_break_ties_by_customer_id_smaller_id_scores_lower():
    # customers 3 and 1 tie on everything; the input order must not matter
    rfm = rfm_frame([5, 5, 50, 1], [2, 2, 1, 3], [50.0, 50.0, 10.0, 99.0], ids=[3, 1, 2, 4])
    scores = pf.rfm_scores(rfm, bins=4)
    assert scores.loc[1, "F"] < scores.loc[3, "F"]
    assert scores.loc[1, "R"] < scores.loc[3, "R"]
    assert scores.loc[1, "M"] < scores.loc[3, "M"]
    shuffled = pf.rfm_scores(rfm.iloc[[2, 0, 3, 1]], bins=4)
    pd.testing.assert_frame_equal(shuffled.loc[scores.index], scores)


def test_rfm_scores_a_single_customer_gets_the_middle_score():
    scores = pf.rfm_scores(rfm_frame([3], [1], [88.0]), bins=5)
    assert scores.iloc[0][["R", "F", "M"]].tolist() == [3, 3, 3]
    # with an even number of bins the middle is the upper one: bins // 2 + 1
    assert pf.rfm_scores(rfm_frame([3], [1], [88.0]), bins=4).iloc[0]["R"] == 3


def test_rfm_scores_all_equal_customers_are_spread_over_the_bins_by_customer_id():
    rfm = rfm_frame([10] * 10, [1] * 10, [50.0] * 10, ids=list(range(10, 0, -1)))
    scores = pf.rfm_scores(rfm).sort_index()
    expected = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    for letter in "RFM":
        assert scores[letter].tolist() == expected


def test_rfm_scores_with_fewer_customers_than_bins_use_midpoints():
    scores = pf.rfm_scores(rfm_frame([1, 2], [2, 1], [20.0, 10.0]), bins=5)
    assert scores["F"].tolist() == [4, 2]


def test_rfm_scores_work_with_string_customer_ids_in_a_column():
    rfm = rfm_frame([1, 1, 9], [1, 1, 1], [5.0, 5.0, 5.0]).reset_index(drop=True)
    rfm["customer_id"] = ["b", "a", "c"]
    scores = pf.rfm_scores(rfm, bins=3)
    assert scores.set_index("customer_id")["R"].to_dict() == {"a": 2, "b": 3, "c": 1}


# ------------------------------------------------------------------------------------------
# segments
# ------------------------------------------------------------------------------------------
# one customer per (R, F, M) pattern; 4 high and 4 low on each letter so mean == median
EIGHT = rfm_frame(
    recency=[10, 10, 100, 100, 10, 10, 100, 100],
    frequency=[5, 1, 5, 1, 5, 1, 5, 1],
    monetary=[1000.0, 1000, 1000, 1000, 100, 100, 100, 100],
)
EIGHT_EXPECTED = {
    1: ("important_value", "重要价值客户"),
    2: ("important_develop", "重要发展客户"),
    3: ("important_retain", "重要保持客户"),
    4: ("important_winback", "重要挽留客户"),
    5: ("general_value", "一般价值客户"),
    6: ("general_develop", "一般发展客户"),
    7: ("general_retain", "一般保持客户"),
    8: ("general_winback", "一般挽留客户"),
}


@pytest.mark.parametrize("threshold", ["mean", "median"])
def test_rfm_segments_hit_all_eight_classic_segments(threshold):
    seg = pf.rfm_segments(EIGHT, threshold=threshold)
    got = {cid: (row.segment, row.segment_cn) for cid, row in seg.iterrows()}
    assert got == EIGHT_EXPECTED
    assert seg.loc[1, "segment_label"] == "Important value"
    assert seg[["r_high", "f_high", "m_high"]].dtypes.eq(bool).all()
    assert seg.attrs["thresholds"] == {"recency_days": 55.0, "frequency": 3.0,
                                       "monetary": 550.0}


def test_rfm_segments_threshold_choice_mean_or_median_matters_on_skewed_spend():
    rfm = rfm_frame([5, 5, 5, 5], [1, 1, 1, 1], [10.0, 30, 35, 200])
    by_mean = pf.rfm_segments(rfm, threshold="mean")      # mean 68.75
    by_median = pf.rfm_segments(rfm, threshold="median")  # median 32.5
    assert by_mean["m_high"].tolist() == [False, False, False, True]
    assert by_median["m_high"].tolist() == [False, False, True, True]


def test_rfm_segments_recency_at_the_threshold_is_recent_frequency_at_it_is_not_high():
    rfm = rfm_frame([10, 20, 30], [1, 2, 3], [10.0, 20, 30])   # means 20, 2, 20
    seg = pf.rfm_segments(rfm)
    assert seg.loc[2, "r_high"]
    assert not seg.loc[2, "f_high"]
    assert not seg.loc[2, "m_high"]


def test_rfm_segments_all_equal_customers_are_general_develop():
    seg = pf.rfm_segments(rfm_frame([7] * 4, [2] * 4, [60.0] * 4))
    assert set(seg["segment"]) == {"general_develop"}
    single = pf.rfm_segments(rfm_frame([7], [2], [60.0]))
    assert single["segment"].tolist() == ["general_develop"]


def test_rfm_segments_rejects_unknown_method_and_threshold():
    with pytest.raises(ValueError, match="classic8"):
        pf.rfm_segments(EIGHT, method="kmeans")
    with pytest.raises(ValueError, match="median"):
        pf.rfm_segments(EIGHT, threshold="mode")


def test_segment_summary_lists_all_eight_segments_with_shares_summing_to_one():
    seg = pf.rfm_segments(EIGHT.iloc[:6])    # two segments stay empty
    summary = pf.segment_summary(seg)
    assert list(summary.index) == list(pf.SEGMENTS["segment"])
    assert summary["customers"].sum() == 6
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    assert summary.loc["important_value", "revenue"] == pytest.approx(1000.0)
    assert summary.loc["important_value", "revenue_share"] == pytest.approx(1000 / 4200)
    assert summary.loc["general_winback", "customers"] == 0
    assert np.isnan(summary.loc["general_winback", "mean_monetary"])


def test_segment_actions_give_one_action_per_segment_in_english_and_chinese():
    actions = pf.SEGMENT_ACTIONS
    assert list(actions["segment"]) == list(pf.SEGMENTS["segment"])
    assert list(actions["segment_cn"]) == list(pf.SEGMENTS["segment_cn"])
    assert actions["action"].str.len().gt(20).all()
    assert "coupon" in actions.set_index("segment").loc["general_develop", "action"]
    assert "win-back" in actions.set_index("segment").loc["important_winback", "action"]


def test_segment_actions_carry_this_datas_sizes_and_decide_which_segments_get_a_campaign():
    seg = pf.rfm_segments(EIGHT.iloc[:6])    # two segments stay empty
    summary = pf.segment_summary(seg)
    actions = pf.segment_actions(summary, min_share=0.15)   # one customer of six is 16.7%: enough
    assert list(actions.index) == list(pf.SEGMENTS["segment"])
    assert actions["customers"].tolist() == summary["customers"].tolist()
    assert actions.loc["important_value", "value_index"] == pytest.approx((1000 / 4200) / (1 / 6))
    assert actions.loc["important_value", "action"] == pf.SEGMENT_ACTIONS.set_index("segment").loc[
        "important_value", "action"]
    assert actions.loc["general_winback", "decision"] == "empty"
    assert np.isnan(actions.loc["general_winback", "value_index"])
    assert set(actions.loc[actions["customers"] > 0, "decision"]) == {"run"}
    assert set(pf.segment_actions(summary, min_share=0.2).loc[actions["customers"] > 0, "decision"]) == {
        "too few customers"}
    with pytest.raises(ValueError, match="min_share"):
        pf.segment_actions(summary, min_share=1.5)


# ------------------------------------------------------------------------------------------
# features, clustering, personas
# ------------------------------------------------------------------------------------------
def test_customer_features_adds_mix_discount_tenure_and_basket():
    orders = make_orders([
        (1, "2024-01-01", 90.0, "completed", "search", "apparel"),
        (1, "2024-03-01", 90.0, "completed", "live_stream", "beauty"),
        (1, "2024-05-01", 90.0, "completed", "live_stream", "beauty"),
        (1, "2024-06-01", 90.0, "returned", "search", "apparel"),
        (2, "2024-06-01", 45.0, "completed", "search", "home"),
    ])
    customers = pd.DataFrame({"customer_id": [1, 2], "member": [True, False],
                              "city_tier": [1, 3]})
    feats = pf.customer_features(orders, AS_OF, customers=customers)
    assert feats.loc[1, "tenure_days"] == (AS_OF - pd.Timestamp("2024-01-01")).days
    assert feats.loc[1, "frequency"] == 3
    assert feats.loc[1, "mean_order_value"] == pytest.approx(90.0)
    assert feats.loc[1, "mean_items"] == pytest.approx(1.0)
    assert feats.loc[1, "discount_share"] == pytest.approx(0.1, abs=1e-3)
    assert feats.loc[1, "return_rate"] == pytest.approx(0.25)
    assert feats.loc[1, "channel_share_live_stream"] == pytest.approx(2 / 3)
    assert feats.loc[2, "channel_share_search"] == pytest.approx(1.0)
    channel = feats.filter(like="channel_share_").sum(axis=1)
    category = feats.filter(like="category_share_").sum(axis=1)
    assert np.allclose(channel, 1.0) and np.allclose(category, 1.0)
    assert feats["member"].tolist() == [1.0, 0.0]
    assert feats["city_tier"].tolist() == [1, 3]


def blobs(n_per=60, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    points = np.vstack([c + rng.normal(0, 0.6, size=(n_per, 2)) for c in centers])
    truth = np.repeat([0, 1, 2], n_per)
    ids = pd.Index(np.arange(1, len(points) + 1), name="customer_id")
    return pd.DataFrame(points, columns=["x", "y"], index=ids), truth


def test_cluster_customers_picks_k3_on_three_well_separated_blobs():
    feats, truth = blobs()
    result = pf.cluster_customers(feats, k_range=range(2, 7), seed=0, sample_size=120)
    assert result.k == 3
    assert result.silhouette.idxmax() == 3
    assert list(result.silhouette.index) == [2, 3, 4, 5, 6]
    assert adjusted_rand_score(truth, result.labels) == pytest.approx(1.0)
    assert result.labels.index.equals(feats.index)


def test_cluster_customers_is_deterministic_for_a_seed_and_labels_clusters_by_size():
    feats, _ = blobs()
    feats = feats.iloc[:150]          # sizes 60, 60, 30
    a = pf.cluster_customers(feats, k=3, seed=4)
    b = pf.cluster_customers(feats, k=3, seed=4)
    pd.testing.assert_series_equal(a.labels, b.labels)
    sizes = a.labels.value_counts().sort_index()
    assert sizes.is_monotonic_decreasing
    assert sizes.iloc[-1] == 30
    assert list(a.silhouette.index) == [3]


def test_cluster_customers_log_transforms_skewed_rfm_columns():
    feats = rfm_frame([1, 2, 3, 1000], [1, 1, 2, 50], [10.0, 12, 15, 5000])
    result = pf.cluster_customers(feats, k=2, seed=0)
    assert result.log_columns == ["recency_days", "frequency", "monetary"]


def test_persona_table_sizes_value_shares_and_auto_names():
    rng = np.random.default_rng(3)
    n = 40
    loyal = rfm_frame(rng.integers(1, 10, n), rng.integers(8, 12, n),
                      rng.uniform(2000, 3000, n))
    casual = rfm_frame(rng.integers(200, 300, n), np.ones(n, dtype=int),
                       rng.uniform(20, 40, n), ids=range(n + 1, 2 * n + 1))
    feats = pd.concat([loyal, casual])
    labels = pd.Series([0] * n + [1] * n, index=feats.index)
    table = pf.persona_table(feats, labels)
    assert table["customers"].tolist() == [n, n]
    assert table["customer_share"].sum() == pytest.approx(1.0)
    assert table["value_share"].sum() == pytest.approx(1.0)
    assert table.loc[0, "value_share"] > 0.95
    assert table.loc[0, "name"] in {"frequent high-spend", "high-spend frequent",
                                    "frequent recent", "recent frequent",
                                    "high-spend recent", "recent high-spend"}
    assert any(w in table.loc[1, "name"] for w in ("one-off", "low-spend", "lapsed"))
    assert "SD" in table.loc[0, "top_features"]
    profile = pf.persona_profile(feats, labels)
    assert profile.loc[0, "frequency"] > 0 > profile.loc[1, "frequency"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cluster_customers_says_when_no_k_separates_identical_customers():
    feats = rfm_frame([5] * 30, [1] * 30, [50.0] * 30)
    with pytest.raises(ValueError, match="distinct groups"):
        pf.cluster_customers(feats, seed=0)


def test_persona_attributes_describe_each_cluster_by_membership_age_band_and_city_tier():
    labels = pd.Series([0, 0, 0, 1, 1], index=pd.Index([1, 2, 3, 4, 5], name="customer_id"))
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4, 9], "member": [True, False, True, "yes", True],
                              "age_band": ["25-34", "25-34", "35-44", "55+", "18-24"],
                              "city_tier": [1, 2, 3, 5, 1]})
    table = pf.persona_attributes(labels, customers)
    assert table["customers"].tolist() == [3, 2]
    assert table["matched"].tolist() == [3, 1]                     # customer 5 is not in the customers table
    assert table.loc[0, "member_share"] == pytest.approx(2 / 3)
    assert table.loc[1, "member_share"] == pytest.approx(1.0)      # of the matched customers only
    assert table.loc[0, "top_age_band"] == "25-34" and table.loc[0, "top_age_band_share"] == pytest.approx(2 / 3)
    assert table.loc[0, "mean_city_tier"] == pytest.approx(2.0) and table.loc[1, "mean_city_tier"] == 5
    assert table.attrs["columns"] == ["member", "age_band", "city_tier"]
    bare = pf.persona_attributes(labels, customers[["customer_id"]])
    assert list(bare.columns) == ["customers", "matched"] and bare.attrs["columns"] == []


def test_segment_cluster_crosstab_counts_customers_per_segment_and_cluster():
    seg = pf.rfm_segments(EIGHT)
    labels = pd.Series([0, 0, 1, 1, 0, 0, 1, 1], index=EIGHT.index)
    table = pf.segment_cluster_crosstab(seg, labels)
    assert table.to_numpy().sum() == 8
    assert list(table.index) == list(pf.SEGMENTS["segment"])
    assert table.loc["important_value", 0] == 1
    assert table.loc["important_retain", 1] == 1
    assert adjusted_rand_score(seg["segment"], labels) < 1


# ------------------------------------------------------------------------------------------
# pareto
# ------------------------------------------------------------------------------------------
def test_pareto_share_is_the_spend_of_the_top_fifth_over_total():
    rfm = rfm_frame([1] * 10, [1] * 10, [500.0, 300, 50, 40, 30, 25, 20, 15, 10, 10])
    assert pf.pareto_share(rfm, top=0.2) == pytest.approx(800 / 1000)
    assert pf.pareto_share(rfm, top=0.25) == pytest.approx(850 / 1000)   # ceil(2.5) = 3
    assert pf.pareto_share(rfm, top=1.0) == pytest.approx(1.0)
    curve = pf.pareto_curve(rfm)
    assert curve.iloc[0].tolist() == [0.0, 0.0]
    assert curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert curve.iloc[2]["revenue_share"] == pytest.approx(0.8)


# ------------------------------------------------------------------------------------------
# cohorts
# ------------------------------------------------------------------------------------------
def cohort_orders():
    return make_orders([
        ("A", "2024-01-05", 10.0), ("A", "2024-02-10", 10.0), ("A", "2024-04-02", 10.0),
        ("B", "2024-01-20", 10.0),
        ("C", "2024-02-01", 10.0), ("C", "2024-03-15", 10.0),
        ("D", "2024-02-03", 10.0), ("D", "2024-02-20", 10.0), ("D", "2024-04-30", 10.0),
        ("E", "2024-02-28", 10.0), ("E", "2024-03-02", 10.0, "cancelled"),
        ("F", "2024-04-11", 10.0),
        ("G", "2024-05-03", 10.0),           # May is incomplete at as_of: cohort dropped
    ])


def test_counted_cohort_retention_equals_hand_computed_shares():
    cohorts = pf.counted_cohort_retention(cohort_orders(), period="M", as_of="2024-05-10")
    m = cohorts.matrix
    assert [str(p) for p in m.index] == ["2024-01", "2024-02", "2024-04"]
    assert cohorts.sizes.tolist() == [2, 3, 1]
    jan, feb, apr = (m.loc[pd.Period(p, "M")] for p in ("2024-01", "2024-02", "2024-04"))
    assert jan[[0, 1, 2, 3]].tolist() == pytest.approx([1.0, 0.5, 0.0, 0.5])
    assert feb[[0, 1, 2]].tolist() == pytest.approx([1.0, 1 / 3, 1 / 3])  # E's Mar order cancelled
    assert apr[0] == 1.0
    # periods after April are not complete: unknown, not zero
    assert np.isnan(feb[3]) and np.isnan(apr[1])
    assert cohorts.curves["retention"].notna().all()
    assert len(cohorts.curves) == 4 + 3 + 1


def test_counted_cohort_retention_default_as_of_takes_the_last_order_day_as_complete():
    orders = cohort_orders()
    orders = orders[orders["customer_id"] != "G"]    # data end 2024-04-30
    cohorts = pf.counted_cohort_retention(orders)
    assert [str(p) for p in cohorts.matrix.index][-1] == "2024-04"
    assert cohorts.matrix.loc[pd.Period("2024-01", "M"), 3] == 0.5


def test_counted_cohort_retention_is_chapter00s_cohort_retention_on_the_counted_orders():
    orders = cohort_orders()
    orders = orders[orders["customer_id"] != "G"]      # data end 2024-04-30, a month boundary
    cohorts = pf.counted_cohort_retention(orders, as_of="2024-05-01")
    counted = orders[orders["status"] == "completed"]
    chapter00 = kpi.cohort_retention(counted, period="M")
    assert chapter00.sizes.tolist() == cohorts.sizes.tolist()
    assert chapter00.matrix.to_numpy() == pytest.approx(cohorts.matrix.to_numpy(), nan_ok=True)
    assert cohorts.excluded["cancelled"] == 1 and chapter00.excluded == {}
    assert cohorts.active.loc[pd.Period("2024-01", "M")].tolist() == [2, 1, 0, 1]
    assert cohorts.active.loc[pd.Period("2024-02", "M")].iloc[:3].tolist() == [3, 1, 1]


def test_counted_cohort_retention_quiet_complete_periods_are_zero_not_unknown():
    orders = cohort_orders()
    orders = orders[orders["order_ts"] < "2024-03-01"]   # nobody buys after February
    cohorts = pf.counted_cohort_retention(orders, as_of="2024-06-01")
    m = cohorts.matrix
    jan = m.loc[pd.Period("2024-01", "M")]
    assert list(m.columns) == [0, 1, 2, 3, 4]            # January .. May are complete
    assert jan.tolist() == pytest.approx([1.0, 0.5, 0.0, 0.0, 0.0])
    assert np.isnan(m.loc[pd.Period("2024-02", "M"), 4])  # June is not complete yet


def test_next_period_retention_per_cohort_median_and_pooled():
    cohorts = pf.counted_cohort_retention(cohort_orders(), as_of="2024-05-10")
    nxt = pf.next_period_retention(cohorts)
    assert nxt.per_cohort.tolist() == pytest.approx([0.5, 1 / 3])   # April has no May yet
    assert nxt.median == pytest.approx((0.5 + 1 / 3) / 2)
    assert nxt.pooled == pytest.approx(2 / 5)
    assert pf.next_period_retention(cohorts.matrix).median == pytest.approx(nxt.median)
    assert np.isnan(pf.next_period_retention(cohorts.matrix).pooled)


# ------------------------------------------------------------------------------------------
# churn
# ------------------------------------------------------------------------------------------
def churn_orders():
    return make_orders([
        ("A", "2024-02-10", 10.0), ("A", "2024-03-15", 10.0),      # buys in window
        ("B", "2024-01-05", 10.0),                                  # silent: churned
        ("C", "2024-02-20", 10.0), ("C", "2024-04-15", 10.0),      # back only after window
        ("D", "2024-03-10", 10.0),                                  # new after cutoff: excluded
        ("E", "2024-03-01 00:00", 10.0), ("E", "2024-03-31 00:00", 10.0),  # both edges
        ("F", "2024-02-01", 10.0), ("F", "2024-03-05", 10.0, "returned"),  # only a return
    ])


def test_churn_labels_mark_customers_without_an_order_in_the_next_window():
    labels = pf.churn_labels(churn_orders(), cutoff="2024-03-01", window_days=30)
    assert labels.to_dict() == {"A": False, "B": True, "C": True, "E": False, "F": True}
    with_returns = pf.churn_labels(churn_orders(), "2024-03-01", 30, include_returned=True)
    assert with_returns["F"] == np.False_


def test_churn_labels_refuse_a_window_that_runs_past_the_data():
    with pytest.raises(ValueError, match="past the end of the data"):
        pf.churn_labels(churn_orders(), cutoff="2024-04-01", window_days=30)


def test_churn_dataset_uses_only_orders_up_to_the_cutoff_for_features():
    data = pf.churn_dataset(churn_orders(), cutoff="2024-03-01", window_days=30)
    assert data.loc["A", "frequency"] == 1
    assert data.loc["E", "recency_days"] == 0
    assert data["churned"].to_dict() == {"A": 0, "B": 1, "C": 1, "E": 0, "F": 1}
    assert data.attrs["churn_rate"] == pytest.approx(0.6)


def synthetic_shop(n=400, seed=0):
    """Customers with a weekly purchase rate; half stop buying at a random date."""
    rng = np.random.default_rng(seed)
    start, days = pd.Timestamp("2023-01-01"), 540
    rows = []
    for cid in range(1, n + 1):
        rate = rng.gamma(2.0, 0.25)                       # orders per week
        stop = rng.uniform(60, days) if rng.random() < 0.5 else days
        first = rng.uniform(0, 120)
        t = first
        while t < stop:
            rows.append((cid, start + pd.Timedelta(days=float(t)),
                         float(np.round(rng.lognormal(4, 0.5), 2)),
                         "completed", rng.choice(["search", "live_stream"]), "apparel"))
            t += rng.exponential(7.0 / rate)
    return make_orders(rows)


def test_churn_models_on_a_time_split_report_auc_and_the_recency_baseline():
    orders = synthetic_shop()
    train, test = pf.churn_time_split(orders, test_cutoff="2024-03-01", window_days=90)
    assert train.attrs["cutoff"] == "2023-12-02T00:00:00"
    models = pf.fit_churn_models(train, seed=0)
    assert set(models) == {"logistic_regression", "gradient_boosting"}
    report = pf.churn_report(models, test)
    assert list(report.index) == ["logistic_regression", "gradient_boosting", "recency_baseline"]
    assert report["roc_auc"].between(0.6, 1.0).all()
    assert (report["customers"] == len(test)).all()
    with pytest.raises(ValueError, match="after the test cutoff"):
        pf.churn_time_split(orders, "2024-03-01", 90, train_cutoff="2024-01-01")


def test_lift_table_bins_add_up_to_all_customers_and_all_positives():
    rng = np.random.default_rng(5)
    score = rng.random(1003)
    y = (rng.random(1003) < score).astype(int)
    table = pf.lift_table(y, score, n_bins=10)
    assert list(table.index) == list(range(1, 11))
    assert table["customers"].sum() == 1003
    assert table["customers"].max() - table["customers"].min() <= 1
    assert table["positives"].sum() == y.sum()
    assert table["cum_capture"].iloc[-1] == pytest.approx(1.0)
    assert table["cum_lift"].iloc[-1] == pytest.approx(1.0)
    assert np.average(table["lift"], weights=table["customers"]) == pytest.approx(1.0)
    assert table["lift"].iloc[0] > 1.5 > 0.5 > table["lift"].iloc[-1]


def test_lift_table_on_a_hand_example():
    y = [1, 1, 0, 0, 1, 0, 0, 0]
    score = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    table = pf.lift_table(y, score, n_bins=4)
    assert table["positives"].tolist() == [2, 0, 1, 0]
    assert table["lift"].tolist() == pytest.approx([1 / (3 / 8), 0, 0.5 / (3 / 8), 0])


# ------------------------------------------------------------------------------------------
# checking a ranking against known values
# ------------------------------------------------------------------------------------------
def test_rank_correlation_is_spearman_with_a_fisher_z_interval():
    score = [1, 2, 3, 4, 5, 6, 7, 8]
    value = [10.0, 20, 30, 40, 50, 60, 80, 70]          # one swapped pair
    out = pf.rank_correlation(score, value)
    assert out["rho"] == pytest.approx(1 - 6 * 2 / (8 * 63))
    assert out["n"] == 8
    assert out["se_z"] == pytest.approx(np.sqrt((1 + out["rho"] ** 2 / 2) / 5))
    z = np.arctanh(out["rho"])
    assert out["lower"] == pytest.approx(np.tanh(z - 3 * out["se_z"]))
    assert out["lower"] < out["rho"] < out["upper"] < 1


def test_rank_correlation_interval_shrinks_like_one_over_root_n_and_covers_zero_for_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40_000)
    noise = pf.rank_correlation(x, rng.normal(size=40_000))
    assert noise["lower"] < 0 < noise["upper"]
    assert noise["se_z"] == pytest.approx(1 / np.sqrt(40_000 - 3), rel=1e-3)
    with pytest.raises(ValueError, match="at least 4"):
        pf.rank_correlation([1, 2, 3], [1, 2, 3])


def test_segment_value_share_compares_value_share_with_head_count_share():
    seg = pf.rfm_segments(EIGHT)                        # one customer per segment
    value = pd.Series([50.0, 10, 10, 10, 5, 5, 5, 5], index=EIGHT.index)
    out = pf.segment_value_share(seg, value, n_boot=200, seed=1)
    assert out["customers"] == 1
    assert out["customer_share"] == pytest.approx(1 / 8)
    assert out["value_share"] == pytest.approx(0.5)
    assert out["ratio"] == pytest.approx(4.0)
    assert out["difference"] == pytest.approx(0.375)
    assert out["se_value_share"] > 0 and out["se_difference"] > 0
    again = pf.segment_value_share(seg, value, n_boot=200, seed=1)
    assert again == out                                 # seeded
    with pytest.raises(ValueError, match="missing for 1"):
        pf.segment_value_share(seg, value.iloc[:7])


# ------------------------------------------------------------------------------------------
# plots
# ------------------------------------------------------------------------------------------
def _assert_labelled(ax):
    assert isinstance(ax, plt.Axes)
    assert ax.get_xlabel().strip() and ax.get_ylabel().strip()
    texts = [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
    texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    assert not any("\u4e00" <= ch <= "\u9fff" for text in texts for ch in text), texts


@pytest.mark.filterwarnings("ignore:The set_bad function:PendingDeprecationWarning")
def test_plot_functions_return_labelled_axes_without_cjk_glyphs():
    seg = pf.rfm_segments(pf.rfm_scores(EIGHT, bins=2))
    _assert_labelled(pf.plot_segments(pf.segment_summary(seg)))
    _assert_labelled(pf.plot_rfm_heatmap(pf.rfm_scores(EIGHT)))
    feats, _ = blobs(20)
    labels = pf.cluster_customers(feats, k=3).labels
    _, ax = plt.subplots()
    assert pf.plot_personas(feats, labels, ax=ax) is ax
    _assert_labelled(ax)
    _assert_labelled(pf.plot_silhouette(pf.cluster_customers(feats, k_range=range(2, 5))))
    _assert_labelled(pf.plot_pareto(EIGHT))
    cohorts = pf.counted_cohort_retention(cohort_orders(), as_of="2024-05-10")
    _assert_labelled(pf.plot_cohort_heatmap(cohorts))
    _assert_labelled(pf.plot_retention_curves(cohorts, reference=0.4))
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 50), rng.random(50)
    _assert_labelled(pf.plot_churn_lift(pf.lift_table(y, s)))
    _assert_labelled(pf.plot_churn_lift({"model": pf.lift_table(y, s),
                                         "recency": pf.lift_table(y, -s)}))


def test_money_plots_label_amounts_in_the_currency_given():
    ax = pf.plot_pareto(EIGHT, currency="BRL")
    assert "BRL" in ax.get_ylabel() and "CNY" not in ax.get_ylabel()
    ax = pf.plot_rfm_heatmap(pf.rfm_scores(EIGHT), currency="USD")
    texts = [ax.get_title(), ax.collections[0].colorbar.ax.get_ylabel()]
    assert all("USD" in t and "CNY" not in t for t in texts), texts
    assert "CNY" in pf.plot_pareto(EIGHT).get_ylabel()              # the default stays CNY


# the signature and import rules of every plot are pinned in tests/test_kpi.py for chapters 00 and 01
def test_plot_keywords_reach_the_main_marks():
    ax = pf.plot_pareto(EIGHT, color="red")
    assert ax.get_lines()[0].get_color() == "red"               # the shop's curve, not the diagonal
    cohorts = pf.counted_cohort_retention(cohort_orders(), as_of="2024-05-10")
    ax = pf.plot_retention_curves(cohorts, color="red")
    assert [line.get_label() for line in ax.get_lines() if line.get_color() == "red"] == ["All cohorts pooled"]
    ax = pf.plot_cohort_heatmap(cohorts, cmap="Greens")
    assert ax.collections[0].get_cmap().name == "Greens"
