//! `EXPLAIN QUERY PLAN` of the Task Status List's SQL, as `json::list`, `json::page` and
//! the page's count build it, for every documented filter combination (dates, repeated
//! `workspaceId`, `taskStatus`, `integrationStatus`, `externalIntegrationStatus` keys), every
//! sort key in both directions. Each read of `tasks` must be an index search bounded by the
//! organization and by the date range (which every list names), so that what a list reads
//! grows with what it answers, not with the organization's tasks.
//!
//! sdemu never stores planner statistics (no `ANALYZE`), so the plans of this empty database
//! are the plans it runs whatever the data.

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::{json, TaskFilter};
use crate::domain::sort::{SortKey, SortOrder, TaskSortKey};
use crate::store::Listing;

/// The plan of `query` completed by `tail`, one line per step.
async fn plan(pool: &SqlitePool, query: QueryBuilder<'_, Sqlite>, tail: &str) -> Vec<String> {
    crate::store::query_plan(pool, &format!("{}{tail}", query.sql())).await
}

/// The steps of `plan` that read the tasks table.
fn task_reads(plan: &[String]) -> Vec<&String> {
    plan.iter()
        .filter(|step| step.starts_with("SEARCH t ") || step.starts_with("SCAN t"))
        .filter(|step| !step.starts_with("SCAN ts") && !step.starts_with("SCAN ist"))
        .collect()
}

/// Every read of the tasks table in `plan` is an index search on the organization and the
/// date range.
fn assert_bounded(context: &str, plan: &[String]) {
    let reads = task_reads(plan);
    assert!(
        !reads.is_empty(),
        "{context}: no read of tasks in {plan:#?}"
    );
    for read in reads {
        assert!(
            read.starts_with("SEARCH t USING ") && read.contains("INDEX "),
            "{context}: not an index search: {read}\n{plan:#?}"
        );
        assert!(
            read.contains("(tenant_id=? AND ")
                && (read.contains("created_on>?") || read.contains("created_on<?")),
            "{context}: not bounded by the organization and the dates: {read}\n{plan:#?}"
        );
    }
}

/// A filter combination, how many index ranges its list reads, and the columns each range
/// searches by equality besides the organization.
struct Case {
    name: &'static str,
    filter: TaskFilter,
    ranges: usize,
    searched: &'static str,
}

fn cases() -> Vec<Case> {
    let dates = TaskFilter {
        tenant_id: 1,
        created_from: Some(1_700_000_000),
        created_to: Some(1_710_000_000),
        ..TaskFilter::default()
    };
    let case = |name, ranges, searched, filter: TaskFilter| Case {
        name,
        filter,
        ranges,
        searched,
    };
    vec![
        case("startDate and endDate", 1, "", dates.clone()),
        case(
            "startDate only",
            1,
            "",
            TaskFilter {
                created_to: None,
                ..dates.clone()
            },
        ),
        case(
            "endDate only",
            1,
            "",
            TaskFilter {
                created_from: None,
                ..dates.clone()
            },
        ),
        case(
            "one workspace",
            1,
            "workspace_id=?",
            TaskFilter {
                workspace_ids: vec![1],
                ..dates.clone()
            },
        ),
        case(
            "one workspace repeated",
            1,
            "workspace_id=?",
            TaskFilter {
                workspace_ids: vec![2, 2],
                ..dates.clone()
            },
        ),
        case(
            "two workspaces",
            2,
            "workspace_id=?",
            TaskFilter {
                workspace_ids: vec![1, 2],
                ..dates.clone()
            },
        ),
        case(
            "three workspaces, one repeated",
            3,
            "workspace_id=?",
            TaskFilter {
                workspace_ids: vec![3, 1, 2, 1],
                ..dates.clone()
            },
        ),
        case(
            "one status",
            1,
            "task_status=?",
            TaskFilter {
                task_statuses: vec![3],
                ..dates.clone()
            },
        ),
        case(
            "two statuses",
            2,
            "task_status=?",
            TaskFilter {
                task_statuses: vec![30, 31],
                ..dates.clone()
            },
        ),
        case(
            "one integration status",
            1,
            "integration_status=?",
            TaskFilter {
                integration_statuses: vec![1],
                ..dates.clone()
            },
        ),
        case(
            "two integration statuses",
            2,
            "integration_status=?",
            TaskFilter {
                integration_statuses: vec![1, 2],
                ..dates.clone()
            },
        ),
        case(
            "one external integration status",
            1,
            "external_integration_status=?",
            TaskFilter {
                external_integration_statuses: vec!["never".into()],
                ..dates.clone()
            },
        ),
        case(
            "two external integration statuses",
            1,
            "",
            TaskFilter {
                external_integration_statuses: vec!["never".into(), "synced".into()],
                ..dates.clone()
            },
        ),
        case(
            "one workspace and one status",
            1,
            "workspace_id=? AND task_status=?",
            TaskFilter {
                workspace_ids: vec![1],
                task_statuses: vec![3],
                ..dates.clone()
            },
        ),
        case(
            "two workspaces and two statuses",
            4,
            "workspace_id=? AND task_status=?",
            TaskFilter {
                workspace_ids: vec![1, 2],
                task_statuses: vec![3, 4],
                ..dates.clone()
            },
        ),
        case(
            "two workspaces and two integration statuses",
            2,
            "workspace_id=?",
            TaskFilter {
                workspace_ids: vec![1, 2],
                integration_statuses: vec![1, 2],
                ..dates.clone()
            },
        ),
        case(
            "two statuses and two integration statuses",
            2,
            "task_status=?",
            TaskFilter {
                task_statuses: vec![3, 4],
                integration_statuses: vec![1, 2],
                ..dates.clone()
            },
        ),
        case(
            "every filter",
            4,
            "workspace_id=? AND task_status=?",
            TaskFilter {
                workspace_ids: vec![1, 2],
                task_statuses: vec![3, 4],
                integration_statuses: vec![1],
                external_integration_statuses: vec!["never".into()],
                ..dates.clone()
            },
        ),
        case(
            "eight workspaces and two statuses: sixteen ranges",
            16,
            "workspace_id=? AND task_status=?",
            TaskFilter {
                workspace_ids: (1..=8).collect(),
                task_statuses: vec![3, 4],
                ..dates.clone()
            },
        ),
        case(
            "nine workspaces and two statuses: a range per workspace",
            9,
            "workspace_id=?",
            TaskFilter {
                workspace_ids: (1..=9).collect(),
                task_statuses: vec![3, 4],
                ..dates.clone()
            },
        ),
        case(
            "seventeen workspaces: one range",
            1,
            "",
            TaskFilter {
                workspace_ids: (1..=17).collect(),
                ..dates.clone()
            },
        ),
    ]
}

/// Every sort key, ascending and descending.
fn sorts() -> Vec<SortOrder<TaskSortKey>> {
    TaskSortKey::ALL
        .iter()
        .flat_map(|(_, key)| {
            [false, true].map(|descending| SortOrder {
                key: *key,
                descending,
            })
        })
        .collect()
}

#[tokio::test]
async fn every_filter_combination_and_sort_reads_index_ranges_bounded_by_the_dates() {
    let pool = crate::db::open(None).await.unwrap();
    for case in cases() {
        for sort in sorts() {
            for (kind, tail) in [("list", ")"), ("page", " LIMIT 100 OFFSET 200)")] {
                let context = format!("{} {kind}, sort {sort:?}", case.name);
                let plan = plan(&pool, json::joined(&case.filter, sort), tail).await;
                assert_bounded(&context, &plan);
                let reads = task_reads(&plan);
                assert_eq!(reads.len(), case.ranges, "{context}: {plan:#?}");
                for read in reads {
                    assert!(
                        read.contains(&format!("(tenant_id=? AND {}", case.searched)),
                        "{context}: not searched by {}: {read}",
                        case.searched
                    );
                }
                if case.ranges > 1 {
                    assert!(
                        plan.iter().any(|step| step.contains("MERGE (UNION ALL)")),
                        "{context}: the ranges are not merged: {plan:#?}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_default_order_comes_from_the_indexes_without_sorting() {
    let pool = crate::db::open(None).await.unwrap();
    for case in cases() {
        let plan = plan(&pool, json::joined(&case.filter, SortOrder::default()), ")").await;
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "{}: sorted again: {plan:#?}",
            case.name
        );
    }
}

#[tokio::test]
async fn the_count_of_a_page_reads_index_ranges_bounded_by_the_dates() {
    let pool = crate::db::open(None).await.unwrap();
    for case in cases() {
        let mut count = QueryBuilder::new(TaskFilter::COUNT);
        case.filter.push_predicate(&mut count);
        let plan = plan(&pool, count, "").await;
        assert_bounded(&format!("{} count", case.name), &plan);
    }
}

#[test]
fn a_regression_to_a_scan_fails_these_assertions() {
    let scan = vec!["SCAN t".to_owned()];
    let unbounded = vec![
        "SEARCH t USING INDEX tasks_by_tenant_workspace (tenant_id=? AND workspace_id=?)"
            .to_owned(),
    ];
    for plan in [scan, unbounded] {
        let failed = std::panic::catch_unwind(|| assert_bounded("regression", &plan));
        assert!(failed.is_err(), "{plan:?} passed");
    }
}
