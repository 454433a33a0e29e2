"""User profiling and segmentation (chapter 01): RFM, the eight classic segments, personas,
cohorts and churn.

Every function is pure: it takes DataFrames and an explicit date (`as_of`, `cutoff`), never
"today", and anything random takes a `seed`. The modules, in the order the chapter meets them:

- ``counting``   which orders count (the rule below), shared by every other module;
- ``rfm``        recency, frequency, monetary per customer, their 1-5 scores, the Pareto share;
- ``segments``   the eight classic segments, their actions and sizes;
- ``features``   per-customer behaviour features and the model matrix;
- ``personas``   k-means clusters, persona profiles and names, segments x clusters;
- ``retention``  cohort retention of counted orders (the arithmetic is :mod:`ecomkit.cohorts`);
- ``churn``      churn labels, the time split, the models, their report and lift;
- ``evaluation`` checking a ranking against known values (the demo shop's truth);
- ``plots``      the chapter's pictures (the cohort pictures are in :mod:`ecomkit.cohorts`).

Counting rule shared by every function here (see docs/profiling.md):
- an order is *counted* when ``order_ts <= as_of`` and its status is ``completed`` (plus
  ``returned`` when ``include_returned=True``); ``cancelled`` orders are never counted;
- the rows left out are counted per reason and kept in ``DataFrame.attrs["excluded"]``;
- customers are keyed by ``customer_id``; result tables are indexed by it.

Example:
    rfm = rfm_table(orders, as_of="2026-01-01")
    seg = rfm_segments(rfm)
    segment_summary(seg)
"""

from ecomkit.cohorts import (CohortRetention, NextPeriodRetention, next_period_retention, plot_cohort_heatmap,
                             plot_retention_curves)
from ecomkit.profiling.churn import (ChurnModels, auc_standard_error, churn_dataset, churn_labels, churn_report,
                                     churn_scores, churn_time_split, fit_churn_models, lift_table, stratified_sample)
from ecomkit.profiling.counting import ORDER_STATUSES
from ecomkit.profiling.evaluation import rank_correlation, segment_value_share
from ecomkit.profiling.features import LOG_COLUMNS, customer_features
from ecomkit.profiling.personas import (ATTRIBUTE_COLUMNS, FIT_SAMPLE, ClusterResult, cluster_customers, persona_attributes,
                                        persona_profile, persona_table, segment_cluster_crosstab)
from ecomkit.profiling.plots import (plot_churn_lift, plot_pareto, plot_personas, plot_rfm_heatmap, plot_segments,
                                     plot_silhouette)
from ecomkit.profiling.retention import counted_cohort_retention
from ecomkit.profiling.rfm import pareto_curve, pareto_share, rfm_scores, rfm_table
from ecomkit.profiling.segments import SEGMENT_ACTIONS, SEGMENTS, rfm_segments, segment_actions, segment_summary

__all__ = [
    "ORDER_STATUSES",
    "LOG_COLUMNS",
    "SEGMENTS",
    "SEGMENT_ACTIONS",
    "rfm_table",
    "rfm_scores",
    "rfm_segments",
    "segment_summary",
    "segment_actions",
    "customer_features",
    "ClusterResult",
    "cluster_customers",
    "persona_profile",
    "persona_table",
    "segment_cluster_crosstab",
    "ATTRIBUTE_COLUMNS",
    "persona_attributes",
    "pareto_share",
    "pareto_curve",
    "CohortRetention",
    "counted_cohort_retention",
    "NextPeriodRetention",
    "next_period_retention",
    "churn_labels",
    "churn_dataset",
    "churn_time_split",
    "FIT_SAMPLE",
    "ChurnModels",
    "stratified_sample",
    "fit_churn_models",
    "auc_standard_error",
    "churn_scores",
    "churn_report",
    "lift_table",
    "rank_correlation",
    "segment_value_share",
    "plot_segments",
    "plot_rfm_heatmap",
    "plot_personas",
    "plot_silhouette",
    "plot_pareto",
    "plot_cohort_heatmap",
    "plot_retention_curves",
    "plot_churn_lift",
]
