//! Keeping a child process's output for failure messages.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::task::JoinHandle;

/// Appends every line of `stream` to `into` until the stream ends; also keeps the pipe drained.
/// The task ends at end of stream: await it to have everything a finished process wrote.
pub fn collect(
    stream: impl AsyncRead + Unpin + Send + 'static,
    into: Arc<Mutex<String>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut text = into.lock().expect("output buffer");
            text.push_str(&line);
            text.push('\n');
        }
    })
}
