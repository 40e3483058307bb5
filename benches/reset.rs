//! How long `POST /_emulator/reset` takes on the built-in demo data set (about 2,900 tasks),
//! measured through the real router and compared, in the same run, with two baselines: one
//! Task Status List request (the documentation's example) and a reset of an almost empty
//! data set. Run with `cargo bench --bench reset`.

mod support;

use sdemu::startup::FixtureSource;

const LIST: &str = "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z";

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
    let list = support::median(&demo, "GET", LIST, &token).await;
    let empty_reset = support::median(&tiny, "POST", "/_emulator/reset", &token).await;
    println!("median of {} rounds each:", support::ROUNDS);
    println!(
        "  reset, demo data set (~2,900 tasks): {:8.2} ms",
        support::ms(reset)
    );
    println!(
        "  one Task Status List request:        {:8.2} ms",
        support::ms(list)
    );
    println!(
        "  reset, empty data set:               {:8.2} ms",
        support::ms(empty_reset)
    );
    println!(
        "  reset / status list request: {:.1}x; reset / empty reset: {:.1}x",
        reset.as_secs_f64() / list.as_secs_f64(),
        reset.as_secs_f64() / empty_reset.as_secs_f64()
    );
}
