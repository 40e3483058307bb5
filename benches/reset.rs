//! How long `POST /_emulator/reset` takes on the built-in demo data set (about 2,900 tasks),
//! after nothing and after what a test typically does (create a task, reprocess another),
//! measured through the real router and compared, in the same run, with two baselines: one
//! Task Status List request (the documentation's example) and a reset of an almost empty
//! data set. Run with `cargo bench --bench reset`.

mod support;

use sdemu::startup::FixtureSource;

/// The documentation's example (four tasks), its start moved by whole seconds each round so
/// that the answer is never the response cache's.
fn documented_example(round: usize) -> String {
    format!(
        "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A{:02}Z&endDate=2022-04-05T16%3A59%3A55Z",
        55 - round % 50
    )
}

#[tokio::main]
async fn main() {
    let demo = support::router(FixtureSource::Builtin).await;
    let tiny = support::router(FixtureSource::Inline {
        name: "tiny".into(),
        text: "{}".into(),
    })
    .await;
    let token = support::token(&demo, "sdemu-demo", "sdemu-demo-secret").await;
    let reset = support::median(&demo, "POST", "/_emulator/reset", &token).await;
    let test_writes: [support::Untimed; 2] = [
        (
            "POST",
            "/api/v1.0/external/sdtask/process",
            Some(r#"{"context":{"url":"https://example.com/a.pdf"}}"#),
        ),
        (
            "PATCH",
            "/api/v1.0/external/sdtask/restartprocessing?taskId=2269",
            None,
        ),
    ];
    let reset_after_writes =
        support::median_after(&demo, &test_writes, "POST", "/_emulator/reset", &token).await;
    let list = support::median_uncached(&demo, documented_example, &token).await;
    let empty_reset = support::median(&tiny, "POST", "/_emulator/reset", &token).await;
    println!("median of {} rounds each:", support::ROUNDS);
    println!(
        "  reset, demo data set (~2,900 tasks): {:8.2} ms",
        support::ms(reset)
    );
    println!(
        "  reset after a create and a reprocess: {:7.2} ms",
        support::ms(reset_after_writes)
    );
    println!(
        "  one Task Status List request:        {:8.2} ms",
        support::ms(list)
    );
    println!(
        "  reset, empty data set:               {:8.2} ms",
        support::ms(empty_reset)
    );
    for (name, took) in [("reset", reset), ("reset after writes", reset_after_writes)] {
        println!(
            "  {name} / status list request: {:.1}x; {name} / empty reset: {:.1}x",
            took.as_secs_f64() / list.as_secs_f64(),
            took.as_secs_f64() / empty_reset.as_secs_f64()
        );
    }
}
