//! Sending a Task Status List answer read in chunks (`store::tasks::stream`) as the body of
//! the response, a chunk at a time.

use axum::response::Response;
use futures_util::stream;

use crate::response::json_stream;
use crate::store::tasks::stream::ChunkedList;

/// The answer whose body is `list`'s pieces, read one at a time as the connection takes
/// them. A client that goes away drops the body, and with it `list`: no transaction is
/// open between pieces, and a statement being run finishes and gives its connection back
/// to the pool. A piece that fails is logged in the request's span (the status was sent
/// already, so the only way to tell the client is to abort the body).
pub fn chunked_answer(list: ChunkedList) -> Response {
    let span = tracing::Span::current();
    let pieces = stream::unfold(Some(list), move |list| {
        let span = span.clone();
        async move {
            let mut list = list?;
            match list.next_piece().await {
                Ok(Some(piece)) => Some((Ok(piece), Some(list))),
                Ok(None) => None,
                Err(error) => {
                    tracing::error!(
                        parent: &span,
                        error = ?error,
                        "the Task Status List failed while its body was being sent; \
                         the connection is closed without the rest"
                    );
                    Some((Err(error), None))
                }
            }
        }
    });
    json_stream(pieces)
}
